//! Reading wells: `GET /api/v1/wells` (filtered list) and `GET /api/v1/wells/{id}` (detail).
//! Both are served from the fleet view and the alarm book and never wait on an actor.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use wellvisor_actors::domain::{ConnectionState, SupervisionState, WellId};

use super::error::{ApiError, ErrorBody};
use super::extract::{parse_choice, ApiQuery, WellIdPath};
use super::state::AppState;
use super::views::{WellDetail, WellList, WellSummary};

/// The list's optional filters. Unknown keys are refused, so a typo never silently widens
/// the answer to every well.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WellFilter {
    /// Only wells whose device link is in this state.
    #[param(value_type = Option<ConnectionState>)]
    connection: Option<String>,
    /// Only wells whose actor supervision is in this state.
    #[param(value_type = Option<SupervisionState>)]
    supervision: Option<String>,
}

/// `GET /api/v1/wells?connection=&supervision=`: every matching well, sorted by id.
#[utoipa::path(get, path = "/api/v1/wells", tag = "wells", params(WellFilter),
    responses(
        (status = 200, description = "the matching wells, sorted by id", body = WellList),
        (status = 400, description = "an unknown filter or value (`bad_request`)", body = ErrorBody),
    ))]
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
#[utoipa::path(get, path = "/api/v1/wells/{id}", tag = "wells", params(("id" = WellId, Path, description = "the well")),
    responses(
        (status = 200, description = "the well", body = WellDetail),
        (status = 400, description = "a malformed well id (`invalid_well_id`)", body = ErrorBody),
        (status = 404, description = "no such well (`unknown_well`)", body = ErrorBody),
    ))]
pub async fn well_detail(
    State(state): State<AppState>,
    WellIdPath(id): WellIdPath,
) -> Result<Json<WellDetail>, ApiError> {
    match state.fleet.read(&id, |well| WellDetail::from(well)) {
        Some(detail) => Ok(Json(detail.with_alarms(&state.alarms))),
        None => Err(ApiError::UnknownWell(id)),
    }
}
