//! `GET /api/v1/wells/{id}/diagnostics?from&to&limit`: a well's diagnostic history from the
//! store (each diagnosis raised and cleared, with its evidence), oldest first. The range is read
//! as telemetry's is; like telemetry, only wells in the fleet view are served.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use wellvisor_actors::diagnostics::{DiagnosisRecord, Source};
use wellvisor_actors::domain::WellId;
use wellvisor_actors::store::DiagnosisQuery;

use super::ask::within;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiQuery, WellIdPath};
use super::range::RangeParams;
use super::state::AppState;

/// The answer.
#[derive(Serialize, ToSchema)]
pub struct DiagnosticsPage {
    pub well_id: WellId,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub count: usize,
    /// More entries lie in the range than `limit` allowed: ask again from the last `at`.
    pub truncated: bool,
    pub diagnoses: Vec<DiagnosisRecord>,
}

/// `GET /api/v1/wells/{id}/diagnostics`.
#[utoipa::path(get, path = "/api/v1/wells/{id}/diagnostics", tag = "wells",
    params(("id" = WellId, Path, description = "the well"), RangeParams),
    responses(
        (status = 200, description = "each diagnosis raised and cleared in the range, oldest first", body = DiagnosticsPage),
        (status = 400, description = "a malformed well id (`invalid_well_id`), an unknown query key, a timestamp or limit that cannot be read or an empty range (`bad_request`)", body = ErrorBody),
        (status = 404, description = "no such well (`unknown_well`)", body = ErrorBody),
        (status = 422, description = "a limit out of range (`unprocessable`)", body = ErrorBody),
        (status = 503, description = "the store did not answer in time (`unavailable`)", body = ErrorBody),
    ))]
pub async fn well_diagnostics(
    State(state): State<AppState>,
    WellIdPath(id): WellIdPath,
    ApiQuery(params): ApiQuery<RangeParams>,
) -> Result<Json<DiagnosticsPage>, ApiError> {
    if !state.fleet.contains(&id) {
        return Err(ApiError::UnknownWell(id));
    }
    let range = params.resolve(Utc::now())?;
    let source = Source::Well(id.clone());
    let query = DiagnosisQuery { source, from: range.from, to: range.to, limit: range.probe() };
    let read = state.store.read_diagnoses(&query);
    let diagnoses = within(state.call_timeout, "reading the diagnostic history", read).await?;
    let (diagnoses, truncated) = range.cut(diagnoses);
    Ok(Json(DiagnosticsPage {
        well_id: id,
        from: range.from,
        to: range.to,
        count: diagnoses.len(),
        truncated,
        diagnoses,
    }))
}
