//! Operator actions on alarms (esp-domain §3.1, §3.4): `POST /api/v1/alarms/{id}/ack`, `/reset`,
//! `/shelve`, `/unshelve`, `/out_of_service` and `/return_to_service`.
//!
//! Each asks the alarm book, which owns every rule (what each state allows, that a reason is
//! given, how long a shelf may be), hands the outcome (journal entry, new alarm state, audit
//! entry) to the recorder and answers 200 with the alarm's new record. An unknown alarm is a
//! 404, an action the alarm's state refuses a 409, a missing or blank `reason` or a `duration`
//! out of range a 422 naming the field. Who acted is the authenticated [`Operator`].

use axum::extract::State;
use axum::Json;
use chrono::{TimeDelta, Utc};
use serde::Deserialize;
use tracing::info;
use utoipa::ToSchema;
use wellvisor_actors::diagnostics::{ActionOutcome, AlarmRecord, BookError};

use super::error::{ApiError, ErrorBody};
use super::extract::{AlarmIdPath, ApiJson};
use super::operator::Operator;
use super::state::AppState;
use crate::config::duration;

/// The body of `reset` and `out_of_service`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why; mandatory. Missing and blank are refused alike, by the book.
    #[serde(default)]
    #[schema(examples("maintenance on the flowline"))]
    reason: String,
}

/// The body of `shelve`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShelveBody {
    /// Why; mandatory.
    #[serde(default)]
    #[schema(examples("nuisance while the gauge is replaced"))]
    reason: String,
    /// How long, in the configuration's duration syntax (`30m`, `8h`); positive and at most
    /// 24 h. Absent or `null` shelves the alarm until its condition next clears.
    #[serde(default)]
    #[schema(examples("2h"))]
    duration: Option<String>,
}

/// `POST /api/v1/alarms/{id}/ack`: `unacknowledged` → `acknowledged`, `rtn_unacknowledged` →
/// `normal`.
#[utoipa::path(post, path = "/api/v1/alarms/{id}/ack", tag = "alarms", params(("id" = String, Path, description = "the alarm point: `{source}:{name}`", example = "W-001:gas_lock")),
    responses(
        (status = 200, description = "acknowledged; the alarm's new record", body = AlarmRecord),
        (status = 400, description = "an id that is not UTF-8 once decoded (`bad_request`)", body = ErrorBody),
        (status = 404, description = "no such alarm point (`unknown_alarm`)", body = ErrorBody),
        (status = 409, description = "the alarm's state does not allow this action now (`action_refused`)", body = ErrorBody),
    ))]
pub async fn acknowledge(
    State(state): State<AppState>,
    operator: Operator,
    AlarmIdPath(id): AlarmIdPath,
) -> Result<Json<AlarmRecord>, ApiError> {
    done(&state, &operator, None, state.alarms.acknowledge(&id, &operator.actor(), Utc::now()))
}

/// `POST /api/v1/alarms/{id}/reset` with `{"reason"}`: a `latched` alarm whose condition is
/// clear → `normal`.
#[utoipa::path(post, path = "/api/v1/alarms/{id}/reset", tag = "alarms", params(("id" = String, Path, description = "the alarm point: `{source}:{name}`", example = "W-001:gas_lock")),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "reset; the alarm's new record", body = AlarmRecord),
        (status = 400, description = "an id that is not UTF-8 once decoded, or a body that is not JSON (`bad_request`, `malformed_json`)", body = ErrorBody),
        (status = 404, description = "no such alarm point (`unknown_alarm`)", body = ErrorBody),
        (status = 409, description = "the alarm's state does not allow this action now (`action_refused`)", body = ErrorBody),
        (status = 422, description = "a missing or blank `reason`, or an unknown field (`unprocessable`)", body = ErrorBody),
    ))]
pub async fn reset(
    State(state): State<AppState>,
    operator: Operator,
    AlarmIdPath(id): AlarmIdPath,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<Json<AlarmRecord>, ApiError> {
    done(&state, &operator, None, state.alarms.reset(&id, &operator.actor(), &body.reason, Utc::now()))
}

/// `POST /api/v1/alarms/{id}/shelve` with `{"reason", "duration"}`.
#[utoipa::path(post, path = "/api/v1/alarms/{id}/shelve", tag = "alarms", params(("id" = String, Path, description = "the alarm point: `{source}:{name}`", example = "W-001:gas_lock")),
    request_body = ShelveBody,
    responses(
        (status = 200, description = "shelved; the alarm's new record", body = AlarmRecord),
        (status = 400, description = "an id that is not UTF-8 once decoded, or a body that is not JSON (`bad_request`, `malformed_json`)", body = ErrorBody),
        (status = 404, description = "no such alarm point (`unknown_alarm`)", body = ErrorBody),
        (status = 409, description = "the alarm's state does not allow this action now (`action_refused`)", body = ErrorBody),
        (status = 422, description = "a missing or blank `reason`, a `duration` that cannot be read or is not positive and at most 24 h, or an unknown field (`unprocessable`)", body = ErrorBody),
    ))]
pub async fn shelve(
    State(state): State<AppState>,
    operator: Operator,
    AlarmIdPath(id): AlarmIdPath,
    ApiJson(body): ApiJson<ShelveBody>,
) -> Result<Json<AlarmRecord>, ApiError> {
    let duration = shelf_duration(body.duration.as_deref())?;
    done(
        &state,
        &operator,
        Some(serde_json::json!({ "duration": body.duration })),
        state.alarms.shelve(&id, duration, &body.reason, &operator.actor(), Utc::now()),
    )
}

/// `POST /api/v1/alarms/{id}/unshelve`: back to the state beneath the shelf.
#[utoipa::path(post, path = "/api/v1/alarms/{id}/unshelve", tag = "alarms", params(("id" = String, Path, description = "the alarm point: `{source}:{name}`", example = "W-001:gas_lock")),
    responses(
        (status = 200, description = "unshelved; the alarm's new record", body = AlarmRecord),
        (status = 400, description = "an id that is not UTF-8 once decoded (`bad_request`)", body = ErrorBody),
        (status = 404, description = "no such alarm point (`unknown_alarm`)", body = ErrorBody),
        (status = 409, description = "the alarm's state does not allow this action now (`action_refused`)", body = ErrorBody),
    ))]
pub async fn unshelve(
    State(state): State<AppState>,
    operator: Operator,
    AlarmIdPath(id): AlarmIdPath,
) -> Result<Json<AlarmRecord>, ApiError> {
    done(&state, &operator, None, state.alarms.unshelve(&id, &operator.actor(), Utc::now()))
}

/// `POST /api/v1/alarms/{id}/out_of_service` with `{"reason"}`: maintenance or workover.
#[utoipa::path(post, path = "/api/v1/alarms/{id}/out_of_service", tag = "alarms", params(("id" = String, Path, description = "the alarm point: `{source}:{name}`", example = "W-001:gas_lock")),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "out of service; the alarm's new record", body = AlarmRecord),
        (status = 400, description = "an id that is not UTF-8 once decoded, or a body that is not JSON (`bad_request`, `malformed_json`)", body = ErrorBody),
        (status = 404, description = "no such alarm point (`unknown_alarm`)", body = ErrorBody),
        (status = 409, description = "the alarm's state does not allow this action now (`action_refused`)", body = ErrorBody),
        (status = 422, description = "a missing or blank `reason`, or an unknown field (`unprocessable`)", body = ErrorBody),
    ))]
pub async fn remove_from_service(
    State(state): State<AppState>,
    operator: Operator,
    AlarmIdPath(id): AlarmIdPath,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<Json<AlarmRecord>, ApiError> {
    done(&state, &operator, None, state.alarms.remove_from_service(&id, &body.reason, &operator.actor(), Utc::now()))
}

/// `POST /api/v1/alarms/{id}/return_to_service`: the alarm is evaluated again.
#[utoipa::path(post, path = "/api/v1/alarms/{id}/return_to_service", tag = "alarms", params(("id" = String, Path, description = "the alarm point: `{source}:{name}`", example = "W-001:gas_lock")),
    responses(
        (status = 200, description = "back in service; the alarm's new record", body = AlarmRecord),
        (status = 400, description = "an id that is not UTF-8 once decoded (`bad_request`)", body = ErrorBody),
        (status = 404, description = "no such alarm point (`unknown_alarm`)", body = ErrorBody),
        (status = 409, description = "the alarm's state does not allow this action now (`action_refused`)", body = ErrorBody),
    ))]
pub async fn return_to_service(
    State(state): State<AppState>,
    operator: Operator,
    AlarmIdPath(id): AlarmIdPath,
) -> Result<Json<AlarmRecord>, ApiError> {
    done(&state, &operator, None, state.alarms.return_to_service(&id, &operator.actor(), Utc::now()))
}

/// Records a successful action and answers with the alarm's new record.
fn done(
    state: &AppState,
    operator: &Operator,
    params: Option<serde_json::Value>,
    outcome: Result<ActionOutcome, BookError>,
) -> Result<Json<AlarmRecord>, ApiError> {
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
    operator.record_outcome(&state.records, outcome, params);
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
