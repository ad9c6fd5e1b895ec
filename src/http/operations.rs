//! Operator actions on wells: add (`POST /api/v1/wells`), remove (`DELETE /api/v1/wells/{id}`)
//! and restart (`POST /api/v1/wells/{id}/restart`). Each asks the supervisor and, for add and
//! remove, keeps the store's list of run-time wells in step, so the fleet a restarted process
//! comes back with is the fleet the operator left. Every action is logged with the client and
//! goes to the audit trail (`add_well`, `remove_well`, `restart`) once it has succeeded.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tracing::{info, warn};
use wellvisor_actors::diagnostics::AuditEntry;
use wellvisor_actors::domain::WellId;
use wellvisor_actors::store::StoredWell;
use wellvisor_actors::supervisor::SupervisorMsg;

use super::ask::{ask, within};
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, WellIdPath};
use super::operator::Operator;
use super::state::AppState;
use super::views::WellSummary;
use crate::config::WellDefinition;

/// `POST /api/v1/wells`: 201 with the well's summary and its `Location`.
///
/// The well is started first and then saved. If saving fails the well is removed again and the
/// answer is 503: an operator expects an added well to still be there after a restart of the
/// process, so "running but not saved" would be a surprise later; all-or-nothing means a retry
/// is always safe. (Starting first means a duplicate id is refused before it could overwrite
/// the saved definition of the well already running.)
#[utoipa::path(post, path = "/api/v1/wells", tag = "wells",
    request_body(content = WellDefinition, description = "the well, as a `[[well]]` of the configuration file"),
    responses(
        (status = 201, description = "added, started and saved", body = WellSummary,
            headers(("location" = String, description = "the well's URL"))),
        (status = 400, description = "the body is not JSON (`malformed_json`)", body = ErrorBody),
        (status = 409, description = "a well with this id exists (`duplicate_well`)", body = ErrorBody),
        (status = 422, description = "an unknown or missing field, a wrong type (`unprocessable`) or a value that cannot work, such as an unknown profile (`invalid_definition`)", body = ErrorBody),
        (status = 503, description = "the supervisor or the store did not answer, or the well could not be saved; nothing was changed (`unavailable`)", body = ErrorBody),
    ))]
pub async fn add_well(
    State(state): State<AppState>,
    operator: Operator,
    ApiJson(definition): ApiJson<WellDefinition>,
) -> Result<Response, ApiError> {
    let spec = state.wells.build(&definition)?;
    let id = spec.id.clone();
    ask(&state.supervisor, "the supervisor", state.call_timeout, |reply| SupervisorMsg::Add(spec, reply)).await??;
    if let Err(error) = save(&state, &definition).await {
        warn!(well_id = %id, %error, "could not save the new well; removing it again");
        let _ = ask(&state.supervisor, "the supervisor", state.call_timeout, |r| SupervisorMsg::Remove(id.clone(), r))
            .await;
        return Err(error);
    }
    info!(well_id = %id, user = %operator.principal.name, "well added by operator");
    let summary = summary_of(&state, &id)?;
    let after = Some(summary.supervision.to_string());
    let params = serde_json::to_value(&definition).ok();
    operator.record(&state.records, AuditEntry { after, ..operator.entry("add_well", id.as_str(), params) });
    let location = format!("/api/v1/wells/{id}");
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(summary)).into_response())
}

/// `DELETE /api/v1/wells/{id}`: 204.
///
/// The saved definition is forgotten first and the well stopped second, so a store failure
/// (503) changes nothing and a retry is safe. Wells from the configuration file are stopped
/// now but come back with the next start of the process: the file is their source of truth.
#[utoipa::path(delete, path = "/api/v1/wells/{id}", tag = "wells", params(("id" = WellId, Path, description = "the well")),
    responses(
        (status = 204, description = "stopped and forgotten"),
        (status = 400, description = "a malformed well id (`invalid_well_id`)", body = ErrorBody),
        (status = 404, description = "no such well (`unknown_well`)", body = ErrorBody),
        (status = 503, description = "the store or the supervisor did not answer; nothing was changed (`unavailable`, `shutting_down`)", body = ErrorBody),
    ))]
pub async fn remove_well(
    State(state): State<AppState>,
    operator: Operator,
    WellIdPath(id): WellIdPath,
) -> Result<StatusCode, ApiError> {
    let Some(before) = supervision_of(&state, &id) else { return Err(ApiError::UnknownWell(id)) };
    within(state.call_timeout, "forgetting the saved well", state.store.delete_well(&id)).await?;
    ask(&state.supervisor, "the supervisor", state.call_timeout, |reply| SupervisorMsg::Remove(id.clone(), reply))
        .await??;
    info!(well_id = %id, user = %operator.principal.name, "well removed by operator");
    let before = Some(before);
    operator.record(&state.records, AuditEntry { before, ..operator.entry("remove_well", id.as_str(), None) });
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/wells/{id}/restart`: 202 with the well's supervision state after the restart
/// (it clears `failed`); the device link reconnects in the background.
#[utoipa::path(post, path = "/api/v1/wells/{id}/restart", tag = "wells", params(("id" = WellId, Path, description = "the well")),
    responses(
        (status = 202, description = "restarted; the link reconnects in the background", body = WellSummary),
        (status = 400, description = "a malformed well id (`invalid_well_id`)", body = ErrorBody),
        (status = 404, description = "no such well (`unknown_well`)", body = ErrorBody),
        (status = 503, description = "the supervisor did not answer (`unavailable`, `shutting_down`)", body = ErrorBody),
    ))]
pub async fn restart_well(
    State(state): State<AppState>,
    operator: Operator,
    WellIdPath(id): WellIdPath,
) -> Result<(StatusCode, Json<WellSummary>), ApiError> {
    info!(well_id = %id, user = %operator.principal.name, "operator restart requested");
    let before = supervision_of(&state, &id);
    ask(&state.supervisor, "the supervisor", state.call_timeout, |reply| SupervisorMsg::Restart(id.clone(), reply))
        .await??;
    let summary = summary_of(&state, &id)?;
    let after = Some(summary.supervision.to_string());
    operator.record(&state.records, AuditEntry { before, after, ..operator.entry("restart", id.as_str(), None) });
    Ok((StatusCode::ACCEPTED, Json(summary)))
}

async fn save(state: &AppState, definition: &WellDefinition) -> Result<(), ApiError> {
    let json = serde_json::to_string(definition).map_err(|error| ApiError::Internal(error.to_string()))?;
    let well = StoredWell { id: definition.id.clone(), definition: json };
    within(state.call_timeout, "saving the well", state.store.save_well(&well)).await
}

/// The well's summary now; gone already (removed by a concurrent request) is a 404.
fn summary_of(state: &AppState, id: &WellId) -> Result<WellSummary, ApiError> {
    let summary =
        state.fleet.read(id, |well| WellSummary::from(well)).ok_or_else(|| ApiError::UnknownWell(id.clone()))?;
    Ok(summary.with_alarms(&state.alarms))
}

/// The well's supervision state, for the audit's "before"; `None` when it is not in the fleet.
fn supervision_of(state: &AppState, id: &WellId) -> Option<String> {
    state.fleet.read(id, |well| well.supervision.to_string())
}
