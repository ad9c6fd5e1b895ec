//! One well's alarm journal at `GET /api/v1/wells/{id}/alarm-journal` (anyone signed in): every
//! state change of the well's alarms, automatic (activated, cleared, suppressed, shelf expired,
//! re-alarm) or by an operator (acknowledged, shelved, with who), newest first. It is the
//! well page's alarm history; the operator's reasons are in the well's audit trail
//! ([`super::audit`]).
//!
//! The journal is written by whoever owns an alarm point (a well actor, the supervisor, an
//! operator action) through the recorder, and read back by the store, filtered by the well
//! (`AlarmJournalQuery`): the well's own alarm ids (`W-001:gas_lock`), never its feeder's.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use wellvisor_actors::diagnostics::AlarmJournalEntry;
use wellvisor_actors::domain::WellId;
use wellvisor_actors::store::AlarmJournalQuery;

use super::ask::within;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiQuery, WellIdPath};
use super::range::{Range, RangeDefaults};
use super::state::AppState;

/// A page of the well detail, not an export: the last day, the latest 100 entries of it, and
/// at most 1000 in one answer.
pub const JOURNAL_DEFAULTS: RangeDefaults = RangeDefaults { window: TimeDelta::days(1), limit: 100, max_limit: 1_000 };

/// The answer of `GET /api/v1/wells/{id}/alarm-journal`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WellJournalPage {
    pub well_id: WellId,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub count: usize,
    /// The range holds more entries than `limit` allowed: the oldest were left out.
    pub truncated: bool,
    /// Newest first; equal times in reverse order of writing.
    pub entries: Vec<AlarmJournalEntry>,
}

/// The query string of `GET /api/v1/wells/{id}/alarm-journal`. Unknown keys are refused.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WellJournalParams {
    /// Start of the range, inclusive, RFC 3339 in any offset; default `to` minus one day.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// End of the range, exclusive, RFC 3339; default now. Must be after `from`.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// The most entries to return, the latest ones (1 to 1000; default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000, default = 100)]
    limit: Option<String>,
}

impl WellJournalParams {
    /// The range asked for and the store query for the latest entries of `well`'s alarms in it,
    /// reading one past the limit (see [`Range::probe`]).
    fn query(&self, well: WellId, now: DateTime<Utc>) -> Result<(Range, AlarmJournalQuery), ApiError> {
        let (from, to, limit) = (self.from.as_deref(), self.to.as_deref(), self.limit.as_deref());
        let range = Range::resolve_with(from, to, limit, now, JOURNAL_DEFAULTS)?;
        let query = AlarmJournalQuery {
            from: range.from,
            to: range.to,
            limit: range.probe(),
            well: Some(well),
            newest_first: true,
        };
        Ok((range, query))
    }
}

/// `GET /api/v1/wells/{id}/alarm-journal`.
#[utoipa::path(get, path = "/api/v1/wells/{id}/alarm-journal", tag = "wells",
    params(("id" = WellId, Path, description = "the well"), WellJournalParams),
    responses(
        (status = 200, description = "every state change of the well's alarms (`W-001:<alarm>`) in the range, automatic or by an operator, newest first", body = WellJournalPage),
        (status = 400, description = "a malformed well id (`invalid_well_id`), an unknown query key, a timestamp or limit that cannot be read or an empty range (`bad_request`)", body = ErrorBody),
        (status = 404, description = "no such well (`unknown_well`)", body = ErrorBody),
        (status = 422, description = "a limit out of range (`unprocessable`)", body = ErrorBody),
        (status = 503, description = "the store did not answer in time (`unavailable`)", body = ErrorBody),
    ))]
pub async fn well_alarm_journal(
    State(state): State<AppState>,
    WellIdPath(id): WellIdPath,
    ApiQuery(params): ApiQuery<WellJournalParams>,
) -> Result<Json<WellJournalPage>, ApiError> {
    if !state.fleet.contains(&id) {
        return Err(ApiError::UnknownWell(id));
    }
    let (range, query) = params.query(id.clone(), Utc::now())?;
    let read = state.store.read_alarm_journal(&query);
    let entries = within(state.call_timeout, "reading the well's alarm journal", read).await?;
    let (entries, truncated) = range.cut(entries);
    Ok(Json(WellJournalPage { well_id: id, from: range.from, to: range.to, count: entries.len(), truncated, entries }))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).single().unwrap_or_default()
    }

    #[test]
    fn by_default_the_latest_hundred_entries_of_the_last_day_of_the_well_one_past_the_limit() {
        let well = WellId::new("W-001").unwrap();
        let (range, query) = WellJournalParams::default().query(well.clone(), noon()).unwrap();
        assert_eq!((range.from, range.to, range.limit), (noon() - TimeDelta::days(1), noon(), 100));
        assert_eq!((query.from, query.to, query.limit), (range.from, range.to, 101));
        assert_eq!((query.well, query.newest_first), (Some(well), true));
    }

    #[test]
    fn a_range_and_limit_given_are_kept_and_a_limit_past_a_thousand_refused() {
        let well = WellId::new("W-001").unwrap();
        let asked = WellJournalParams {
            from: Some("2026-01-01T10:00:00Z".into()),
            to: Some("2026-01-01T12:00:00+01:00".into()),
            limit: Some("1000".into()),
        };
        let (range, query) = asked.query(well.clone(), noon()).unwrap();
        let ten = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).single().unwrap();
        assert_eq!((range.from, range.to - range.from, query.limit), (ten, TimeDelta::hours(1), 1001));
        let too_many = WellJournalParams { limit: Some("1001".into()), ..WellJournalParams::default() };
        assert_eq!(too_many.query(well, noon()).err().map(|e| e.code()), Some("unprocessable"));
    }
}
