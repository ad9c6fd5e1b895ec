//! The operator audit trail (esp-domain §3.4), read back whole at `GET /api/v1/audit` (admins
//! only), and one well's part of it at `GET /api/v1/wells/{id}/audit` (anyone signed in: the
//! control room sees who restarted or acknowledged what on the well it looks at). Entries are
//! written by [`super::operator`] and the guard, for every request that changes something,
//! refusals included.
//!
//! The trail is filtered by the store (`AuditQuery`): by `actor`, `action` and `target`, each
//! matched exactly, and by `result`, matched by prefix (`401`, `4`, `ok`), beside the range
//! every history endpoint takes; a well's trail by the well, newest first.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use wellvisor_actors::diagnostics::AuditEntry;
use wellvisor_actors::domain::WellId;
use wellvisor_actors::store::AuditQuery;

use super::ask::within;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiQuery, WellIdPath};
use super::range::{parse_limit_up_to, Range};
use super::state::AppState;

/// The answer of `GET /api/v1/audit`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub count: usize,
    /// More entries lie in the range than `limit` allowed: ask again from the last `at`.
    pub truncated: bool,
    /// Oldest first.
    pub entries: Vec<AuditEntry>,
}

/// The longest filter value taken, in characters: longer than any actor, action or target the
/// service writes (a forwarded-for chain is cut to 200), short enough to bound the query.
pub const MAX_FILTER_CHARS: usize = 256;

/// The query string of `GET /api/v1/audit`: the range, and filters that narrow it. Unknown keys
/// are refused, so a misspelt filter never silently returns everything.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Start of the range, inclusive, RFC 3339 in any offset; default `to` minus one hour.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// End of the range, exclusive, RFC 3339; default now. Must be after `from`.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// The most entries to return (1 to 10000; default 1000).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 10000, default = 1000)]
    limit: Option<String>,
    /// Only entries by this user (`alice`) or API key (`key:0123456789ab`), matched exactly.
    #[param(min_length = 1, max_length = 256)]
    actor: Option<String>,
    /// Only this action (`restart`, `ack`, `login`), matched exactly.
    #[param(min_length = 1, max_length = 256)]
    action: Option<String>,
    /// Only actions on this well, alarm or account (`W-001`, `W-001:gas_lock`), matched exactly.
    #[param(min_length = 1, max_length = 256)]
    target: Option<String>,
    /// Only entries whose result starts with this: `ok`, `401`, `403 forbidden`, `4` for every
    /// refusal of a client error. Entries older than results never match.
    #[param(min_length = 1, max_length = 256)]
    result: Option<String>,
}

impl AuditParams {
    /// The store query these parameters ask for, reading one past the limit (see
    /// [`Range::probe`]); an empty or over-long filter is a 422 naming it.
    fn query(self, now: DateTime<Utc>) -> Result<(Range, AuditQuery), ApiError> {
        let range = Range::resolve(self.from.as_deref(), self.to.as_deref(), self.limit.as_deref(), now)?;
        let query = AuditQuery {
            from: range.from,
            to: range.to,
            limit: range.probe(),
            actor: filter("actor", self.actor)?,
            action: filter("action", self.action)?,
            target: filter("target", self.target)?,
            result: filter("result", self.result)?,
            ..AuditQuery::default()
        };
        Ok((range, query))
    }
}

/// A filter value as given, if it is one: an empty value would match nothing (or, for
/// `result`, everything), which is never what was meant, so it is refused like an over-long one.
fn filter(key: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(value) = value else { return Ok(None) };
    if value.is_empty() {
        return Err(ApiError::Unprocessable(format!("{key}: empty; leave the parameter out to not filter by it")));
    }
    let chars = value.chars().count();
    if chars > MAX_FILTER_CHARS {
        return Err(ApiError::Unprocessable(format!(
            "{key}: {chars} characters is too long; at most {MAX_FILTER_CHARS}"
        )));
    }
    Ok(Some(value))
}

/// `GET /api/v1/audit`.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses(
        (status = 200, description = "the matching entries in the range, oldest first", body = AuditPage),
        (status = 400, description = "an unknown query key, a timestamp or limit that cannot be read or an empty range (`bad_request`)", body = ErrorBody),
        (status = 422, description = "a limit out of range, or an empty or over-long filter (`unprocessable`)", body = ErrorBody),
        (status = 503, description = "the store did not answer in time (`unavailable`)", body = ErrorBody),
    ))]
pub async fn audit_trail(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Json<AuditPage>, ApiError> {
    let (range, query) = params.query(Utc::now())?;
    let read = state.store.read_audit(&query);
    let entries = within(state.call_timeout, "reading the audit trail", read).await?;
    let (entries, truncated) = range.cut(entries);
    Ok(Json(AuditPage { from: range.from, to: range.to, count: entries.len(), truncated, entries }))
}

/// Entries a well's trail returns when the query names no limit, and the most it may ask for:
/// a page of the well detail, not an export (that is `GET /api/v1/audit`).
pub const WELL_TRAIL_DEFAULT: usize = 100;
pub const WELL_TRAIL_MAX: usize = 1_000;

/// How far past now a well's trail reads, so an entry stamped by a clock a little ahead shows.
const CLOCK_SLACK: TimeDelta = TimeDelta::days(1);

/// The answer of `GET /api/v1/wells/{id}/audit`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WellAuditPage {
    pub well_id: WellId,
    pub count: usize,
    /// The well's trail holds more entries than `limit` allowed.
    pub truncated: bool,
    /// Newest first: what was done to the well and to its alarms.
    pub entries: Vec<AuditEntry>,
}

/// The query string of `GET /api/v1/wells/{id}/audit`. Unknown keys are refused.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WellAuditParams {
    /// The most entries to return, the latest ones (1 to 1000; default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000, default = 100)]
    limit: Option<String>,
}

/// The store query for the latest `limit` entries about `well`, reading one more to tell
/// whether the trail holds more.
fn well_trail(well: WellId, limit: usize, now: DateTime<Utc>) -> AuditQuery {
    AuditQuery {
        from: DateTime::UNIX_EPOCH,
        to: now + CLOCK_SLACK,
        limit: limit + 1,
        well: Some(well),
        newest_first: true,
        ..AuditQuery::default()
    }
}

/// `GET /api/v1/wells/{id}/audit`.
#[utoipa::path(get, path = "/api/v1/wells/{id}/audit", tag = "wells",
    params(("id" = WellId, Path, description = "the well"), WellAuditParams),
    responses(
        (status = 200, description = "who did what to the well and its alarms (target `W-001` or `W-001:<alarm>`), newest first", body = WellAuditPage),
        (status = 400, description = "a malformed well id (`invalid_well_id`), an unknown query key or a limit that cannot be read (`bad_request`)", body = ErrorBody),
        (status = 404, description = "no such well (`unknown_well`)", body = ErrorBody),
        (status = 422, description = "a limit out of range (`unprocessable`)", body = ErrorBody),
        (status = 503, description = "the store did not answer in time (`unavailable`)", body = ErrorBody),
    ))]
pub async fn well_audit_trail(
    State(state): State<AppState>,
    WellIdPath(id): WellIdPath,
    ApiQuery(params): ApiQuery<WellAuditParams>,
) -> Result<Json<WellAuditPage>, ApiError> {
    if !state.fleet.contains(&id) {
        return Err(ApiError::UnknownWell(id));
    }
    let limit = parse_limit_up_to(params.limit.as_deref(), WELL_TRAIL_DEFAULT, WELL_TRAIL_MAX)?;
    let query = well_trail(id.clone(), limit, Utc::now());
    let mut entries =
        within(state.call_timeout, "reading the well's audit trail", state.store.read_audit(&query)).await?;
    let truncated = entries.len() > limit;
    entries.truncate(limit);
    Ok(Json(WellAuditPage { well_id: id, count: entries.len(), truncated, entries }))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).single().unwrap_or_default()
    }

    #[test]
    fn filters_reach_the_store_query_beside_the_range_read_one_past_the_limit() {
        let params = AuditParams {
            limit: Some("5".into()),
            actor: Some("alice".into()),
            result: Some("4".into()),
            ..AuditParams::default()
        };
        let (range, query) = params.query(noon()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((range.limit, query.limit, query.to), (5, 6, noon()));
        assert_eq!((query.actor.as_deref(), query.action, query.target), (Some("alice"), None, None));
        assert_eq!(query.result.as_deref(), Some("4"));
    }

    #[test]
    fn a_well_trail_asks_for_the_latest_entries_of_the_well_one_past_the_limit() {
        let well = WellId::new("W-001").unwrap();
        let query = well_trail(well.clone(), 100, noon());
        assert!(query.from < noon() - TimeDelta::days(365 * 50) && query.to > noon(), "{query:?}");
        assert_eq!((query.well, query.newest_first, query.limit), (Some(well), true, 101));
        assert_eq!((query.actor, query.action, query.target, query.result), (None, None, None, None));
    }

    #[test]
    fn empty_and_over_long_filters_are_unprocessable_naming_the_parameter() {
        let long = "é".repeat(MAX_FILTER_CHARS + 1);
        assert_eq!(filter("target", Some("é".repeat(MAX_FILTER_CHARS))).ok().flatten().map(|v| v.len()), Some(512));
        for (key, value) in [("actor", ""), ("target", long.as_str())] {
            let refused = filter(key, Some(value.to_owned())).err();
            assert_eq!(refused.as_ref().map(ApiError::code), Some("unprocessable"), "{key}");
            assert!(refused.is_some_and(|e| e.to_string().starts_with(&format!("{key}: "))), "{key}");
        }
    }
}
