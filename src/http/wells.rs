//! Reading wells: `GET /api/v1/wells` (filtered list) and `GET /api/v1/wells/{id}` (detail).
//! Both are served from the fleet view and the alarm book and never wait on an actor.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use wellvisor_actors::domain::{ConnectionState, SupervisionState};

use super::error::ApiError;
use super::extract::{parse_choice, ApiQuery, WellIdPath};
use super::state::AppState;
use super::views::{WellDetail, WellList, WellSummary};

/// The list's optional filters. Unknown keys are refused, so a typo never silently widens
/// the answer to every well.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WellFilter {
    connection: Option<String>,
    supervision: Option<String>,
}

/// `GET /api/v1/wells?connection=&supervision=`: every matching well, sorted by id.
pub async fn list_wells(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<WellFilter>,
) -> Result<Json<WellList>, ApiError> {
    let connection = parse_choice("connection", filter.connection, ConnectionState::ALL, ConnectionState::as_str)?;
    let supervision = parse_choice("supervision", filter.supervision, SupervisionState::ALL, SupervisionState::as_str)?;
    let rows = state.fleet.map_all(|well| {
        let wanted =
            connection.is_none_or(|c| c == well.connection) && supervision.is_none_or(|s| s == well.supervision);
        wanted.then(|| WellSummary::from(well))
    });
    let wells = rows.into_iter().flatten().map(|well| well.with_alarms(&state.alarms)).collect::<Vec<_>>();
    Ok(Json(WellList::from(wells)))
}

/// `GET /api/v1/wells/{id}`: the detail, with the well's alarms that are not normal.
pub async fn well_detail(
    State(state): State<AppState>,
    WellIdPath(id): WellIdPath,
) -> Result<Json<WellDetail>, ApiError> {
    match state.fleet.read(&id, |well| WellDetail::from(well)) {
        Some(detail) => Ok(Json(detail.with_alarms(&state.alarms))),
        None => Err(ApiError::UnknownWell(id)),
    }
}
