//! Operator actions on alarms (esp-domain §3.1, §3.4): `POST /api/v1/alarms/{id}/ack`, `/reset`,
//! `/shelve`, `/unshelve`, `/out_of_service` and `/return_to_service`.
//!
//! Each asks the alarm book, which owns every rule (what each state allows, that a reason is
//! given, how long a shelf may be), hands the outcome (journal entry, new alarm state, audit
//! entry) to the recorder and answers 200 with the alarm's new record. An unknown alarm is a
//! 404, an action the alarm's state refuses a 409, a missing or blank `reason` or a `duration`
//! out of range a 422 naming the field. Who acted is the client's address until authentication
//! exists ([`ClientAddr`]).

use axum::extract::State;
use axum::Json;
use chrono::{TimeDelta, Utc};
use serde::Deserialize;
use tracing::info;
use wellvisor_actors::diagnostics::{ActionOutcome, AlarmRecord, BookError};

use super::audit::record_outcome;
use super::error::ApiError;
use super::extract::{AlarmIdPath, ApiJson, ClientAddr};
use super::state::AppState;
use crate::config::duration;

/// The body of `reset` and `out_of_service`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why; mandatory. Missing and blank are refused alike, by the book.
    #[serde(default)]
    reason: String,
}

/// The body of `shelve`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShelveBody {
    /// Why; mandatory.
    #[serde(default)]
    reason: String,
    /// How long, in the configuration's duration syntax (`30m`, `8h`); positive and at most
    /// 24 h. Absent or `null` shelves the alarm until its condition next clears.
    #[serde(default)]
    duration: Option<String>,
}

/// `POST /api/v1/alarms/{id}/ack`: `unacknowledged` → `acknowledged`, `rtn_unacknowledged` →
/// `normal`.
pub async fn acknowledge(
    State(state): State<AppState>,
    client: ClientAddr,
    AlarmIdPath(id): AlarmIdPath,
) -> Result<Json<AlarmRecord>, ApiError> {
    done(&state, state.alarms.acknowledge(&id, &client.actor(), Utc::now()))
}

/// `POST /api/v1/alarms/{id}/reset` with `{"reason"}`: a `latched` alarm whose condition is
/// clear → `normal`.
pub async fn reset(
    State(state): State<AppState>,
    client: ClientAddr,
    AlarmIdPath(id): AlarmIdPath,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<Json<AlarmRecord>, ApiError> {
    done(&state, state.alarms.reset(&id, &client.actor(), &body.reason, Utc::now()))
}

/// `POST /api/v1/alarms/{id}/shelve` with `{"reason", "duration"}`.
pub async fn shelve(
    State(state): State<AppState>,
    client: ClientAddr,
    AlarmIdPath(id): AlarmIdPath,
    ApiJson(body): ApiJson<ShelveBody>,
) -> Result<Json<AlarmRecord>, ApiError> {
    let duration = shelf_duration(body.duration.as_deref())?;
    done(&state, state.alarms.shelve(&id, duration, &body.reason, &client.actor(), Utc::now()))
}

/// `POST /api/v1/alarms/{id}/unshelve`: back to the state beneath the shelf.
pub async fn unshelve(
    State(state): State<AppState>,
    client: ClientAddr,
    AlarmIdPath(id): AlarmIdPath,
) -> Result<Json<AlarmRecord>, ApiError> {
    done(&state, state.alarms.unshelve(&id, &client.actor(), Utc::now()))
}

/// `POST /api/v1/alarms/{id}/out_of_service` with `{"reason"}`: maintenance or workover.
pub async fn remove_from_service(
    State(state): State<AppState>,
    client: ClientAddr,
    AlarmIdPath(id): AlarmIdPath,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<Json<AlarmRecord>, ApiError> {
    done(&state, state.alarms.remove_from_service(&id, &body.reason, &client.actor(), Utc::now()))
}

/// `POST /api/v1/alarms/{id}/return_to_service`: the alarm is evaluated again.
pub async fn return_to_service(
    State(state): State<AppState>,
    client: ClientAddr,
    AlarmIdPath(id): AlarmIdPath,
) -> Result<Json<AlarmRecord>, ApiError> {
    done(&state, state.alarms.return_to_service(&id, &client.actor(), Utc::now()))
}

/// Records a successful action and answers with the alarm's new record.
fn done(state: &AppState, outcome: Result<ActionOutcome, BookError>) -> Result<Json<AlarmRecord>, ApiError> {
    let outcome = outcome?;
    let audit = &outcome.audit;
    info!(
        alarm_id = %audit.target,
        action = %audit.action,
        actor = %audit.actor,
        before = audit.before.as_deref().unwrap_or("-"),
        after = audit.after.as_deref().unwrap_or("-"),
        "operator alarm action"
    );
    let record = outcome.record.clone();
    record_outcome(&state.records, outcome);
    Ok(Json(record))
}

/// Reads a shelf duration. Its sign is kept, so the book's rule (positive, at most 24 h)
/// judges `-5m`, `0m` and `25h` alike; what cannot be read at all is a 422 here.
fn shelf_duration(raw: Option<&str>) -> Result<Option<TimeDelta>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let text = raw.trim();
    let (negative, magnitude) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let unreadable = |error: String| ApiError::Unprocessable(format!("duration: {error}"));
    let magnitude = duration::parse(magnitude).map_err(unreadable)?;
    let delta = TimeDelta::from_std(magnitude).map_err(|_| unreadable(format!("{raw:?} is out of range")))?;
    Ok(Some(if negative { -delta } else { delta }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shelf_durations_keep_their_sign_for_the_book_to_judge() {
        assert_eq!(shelf_duration(None).ok(), Some(None));
        assert_eq!(shelf_duration(Some("30m")).ok(), Some(Some(TimeDelta::minutes(30))));
        assert_eq!(shelf_duration(Some(" -5m ")).ok(), Some(Some(TimeDelta::minutes(-5))));
        let unreadable = shelf_duration(Some("soon")).err().map(|e| (e.code(), e.to_string()));
        assert!(unreadable.is_some_and(|(code, message)| code == "unprocessable" && message.starts_with("duration:")));
    }
}
