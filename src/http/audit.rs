//! The operator audit trail (esp-domain §3.4), read back at `GET /api/v1/audit` (admins only).
//! Entries are written by [`super::operator`] and the guard, for every request that changes
//! something, refusals included.
//!
//! The trail is filtered by the store (`AuditQuery`): by `actor`, `action` and `target`, each
//! matched exactly, and by `result`, matched by prefix (`401`, `4`, `ok`), beside the range
//! every history endpoint takes.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use wellvisor_actors::diagnostics::AuditEntry;
use wellvisor_actors::store::AuditQuery;

use super::ask::within;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiQuery;
use super::range::Range;
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
