//! Reading alarms (esp-domain §3): the alarm list (`GET /api/v1/alarms`), one alarm point
//! (`GET /api/v1/alarms/{id}`) and the alarm-management KPIs (`GET /api/v1/alarms/kpis`). All
//! are served from the alarm book and never wait on an actor; operator actions are in
//! `alarm_actions`.

use axum::extract::State;
use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wellvisor_actors::diagnostics::{AlarmFilter, AlarmKpis, AlarmRecord, AlarmState, Priority, Source};
use wellvisor_actors::domain::WellId;
use wellvisor_actors::fleet::FleetView;

use super::error::{ApiError, ErrorBody};
use super::extract::{parse_choice, parse_flag, AlarmIdPath, ApiQuery};
use super::state::AppState;

/// Priorities by wire name, highest first.
const PRIORITIES: [Priority; 3] = [Priority::High, Priority::Medium, Priority::Low];

/// The list's optional filters, as sent. Unknown keys are refused, so a typo never silently
/// widens the answer to every alarm.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlarmQuery {
    /// An alarm state's wire name (`unacknowledged`, `shelved`, …).
    #[param(value_type = Option<AlarmState>)]
    state: Option<String>,
    /// `high`, `medium` or `low`.
    #[param(value_type = Option<Priority>)]
    priority: Option<String>,
    /// A well of the fleet; the same as `source=<well id>`. Not with `source`.
    #[param(value_type = Option<WellId>)]
    well: Option<String>,
    /// What the alarms are about: a well id, `feeder@<feeder>`, `gateway@<host:port>` or `@system`.
    #[param(value_type = Option<String>, example = "feeder@F-1")]
    source: Option<String>,
    /// `true` lists `normal` points too; by default the list shows what is not normal.
    #[param(value_type = Option<bool>, default = false)]
    include_normal: Option<String>,
}

/// The answer of `GET /api/v1/alarms`: highest priority first, then the latest change first.
#[derive(Serialize, ToSchema)]
pub struct AlarmList {
    pub count: usize,
    pub alarms: Vec<AlarmRecord>,
}

/// `GET /api/v1/alarms?state&priority&well&source&include_normal`.
#[utoipa::path(get, path = "/api/v1/alarms", tag = "alarms", params(AlarmQuery),
    responses(
        (status = 200, description = "the alarm list: highest priority first, then the latest change first", body = AlarmList),
        (status = 400, description = "an unknown query key or value, a malformed well or source, or both `well` and `source` (`bad_request`)", body = ErrorBody),
        (status = 404, description = "the `well` or well `source` is not in the fleet (`unknown_well`)", body = ErrorBody),
    ))]
pub async fn list_alarms(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<AlarmQuery>,
) -> Result<Json<AlarmList>, ApiError> {
    let filter = query.resolve(&state.fleet)?;
    let alarms = state.alarms.list(&filter);
    Ok(Json(AlarmList { count: alarms.len(), alarms }))
}

/// `GET /api/v1/alarms/{id}`: one alarm point, in any state.
#[utoipa::path(get, path = "/api/v1/alarms/{id}", tag = "alarms", params(("id" = String, Path, description = "the alarm point: `{source}:{name}`", example = "W-001:gas_lock")),
    responses(
        (status = 200, description = "the alarm point", body = AlarmRecord),
        (status = 400, description = "an id that is not UTF-8 once decoded (`bad_request`)", body = ErrorBody),
        (status = 404, description = "no such alarm point (`unknown_alarm`)", body = ErrorBody),
    ))]
pub async fn alarm(State(state): State<AppState>, AlarmIdPath(id): AlarmIdPath) -> Result<Json<AlarmRecord>, ApiError> {
    state.alarms.get(&id).map(Json).ok_or(ApiError::UnknownAlarm(id))
}

/// `GET /api/v1/alarms/kpis`: alarm rate, floods, chattering, stale alarms and bad actors now.
#[utoipa::path(get, path = "/api/v1/alarms/kpis", tag = "alarms",
    responses((status = 200, description = "the alarm-management KPIs now", body = AlarmKpis)))]
pub async fn alarm_kpis(State(state): State<AppState>) -> Json<AlarmKpis> {
    Json(state.alarms.kpis(Utc::now()))
}

impl AlarmQuery {
    /// Checks every value: an unknown state, priority or flag is a 400 listing the valid
    /// values; a well that is not in the fleet is a 404.
    fn resolve(self, fleet: &FleetView) -> Result<AlarmFilter, ApiError> {
        let state = parse_choice("state", self.state, &AlarmState::ALL, AlarmState::as_str)?;
        let priority = parse_choice("priority", self.priority, &PRIORITIES, Priority::as_str)?;
        let include_normal = parse_flag("include_normal", self.include_normal.as_deref())?;
        let source = match (self.well, self.source) {
            (Some(_), Some(_)) => return Err(ApiError::BadRequest("well, source: give one or the other".into())),
            (Some(well), None) => Some(Source::Well(well_id("well", &well)?)),
            (None, Some(source)) => Some(parse_source(&source)?),
            (None, None) => None,
        };
        if let Some(Source::Well(id)) = &source {
            if !fleet.contains(id) {
                return Err(ApiError::UnknownWell(id.clone()));
            }
        }
        Ok(AlarmFilter { state, priority, source, include_normal })
    }
}

/// A source as alarm ids spell it: `W-001`, `feeder@F-1`, `gateway@10.0.0.5:502`, `@system`.
fn parse_source(raw: &str) -> Result<Source, ApiError> {
    Source::parse(raw).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "source: {raw:?} is not a source; use a well id, feeder@<feeder>, gateway@<host:port> or @system"
        ))
    })
}

fn well_id(key: &str, raw: &str) -> Result<WellId, ApiError> {
    WellId::new(raw).map_err(|error| ApiError::BadRequest(format!("{key}: {error}")))
}
