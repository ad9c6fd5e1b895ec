//! Reading wells: `GET /api/v1/wells` (filtered list) and `GET /api/v1/wells/{id}` (detail).
//! Both are served from the fleet view alone and never wait on an actor.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use wellvisor_actors::domain::{ConnectionState, SupervisionState};

use super::error::ApiError;
use super::extract::{ApiQuery, WellIdPath};
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
    let connection = parse_filter("connection", filter.connection, ConnectionState::from_name, ConnectionState::ALL)?;
    let supervision =
        parse_filter("supervision", filter.supervision, SupervisionState::from_name, SupervisionState::ALL)?;
    let rows = state.fleet.map_all(|well| {
        let wanted =
            connection.is_none_or(|c| c == well.connection) && supervision.is_none_or(|s| s == well.supervision);
        wanted.then(|| WellSummary::from(well))
    });
    Ok(Json(WellList::from(rows.into_iter().flatten().collect::<Vec<_>>())))
}

/// `GET /api/v1/wells/{id}`.
pub async fn well_detail(
    State(state): State<AppState>,
    WellIdPath(id): WellIdPath,
) -> Result<Json<WellDetail>, ApiError> {
    match state.fleet.read(&id, |well| WellDetail::from(well)) {
        Some(detail) => Ok(Json(detail)),
        None => Err(ApiError::UnknownWell(id)),
    }
}

/// Reads one state filter; an unknown value is a 400 that lists the valid ones.
fn parse_filter<T: std::fmt::Display>(
    key: &str,
    raw: Option<String>,
    parse: fn(&str) -> Option<T>,
    all: &[T],
) -> Result<Option<T>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    match parse(&raw) {
        Some(state) => Ok(Some(state)),
        None => {
            let valid: Vec<String> = all.iter().map(ToString::to_string).collect();
            Err(ApiError::BadRequest(format!("{key}: unknown value {raw:?}; use one of {}", valid.join(", "))))
        }
    }
}
