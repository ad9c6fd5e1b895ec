//! The JSON shapes of wells, as the API serves them: a summary row for lists and a detail page.
//! Built from the fleet view's [`WellSnapshot`] inside `FleetView::read`, so only what is
//! served is copied and the shard lock is held for a moment.

use chrono::{DateTime, Utc};
use serde::Serialize;
use wellvisor_actors::domain::{ConnectionState, RunState, SupervisionState, TripCode, WellId};
use wellvisor_actors::fleet::{DeviceCounters, LastError, LatestValues, WellSnapshot};

/// One row of `GET /api/v1/wells`; also the body of add and restart answers.
#[derive(Clone, Debug, Serialize)]
pub struct WellSummary {
    pub id: WellId,
    pub name: String,
    pub connection: ConnectionState,
    pub supervision: SupervisionState,
    pub run_state: Option<RunState>,
    pub last_sample_at: Option<DateTime<Utc>>,
    pub active_alarms: u32,
    pub restarts: u32,
}

impl From<&WellSnapshot> for WellSummary {
    fn from(well: &WellSnapshot) -> Self {
        Self {
            id: well.id.clone(),
            name: well.name.clone(),
            connection: well.connection,
            supervision: well.supervision,
            run_state: well.run_state,
            last_sample_at: well.last_sample_at,
            active_alarms: well.active_alarms,
            restarts: well.restarts,
        }
    }
}

/// `GET /api/v1/wells/{id}`: the summary plus device, values, counters and diagnoses.
#[derive(Clone, Debug, Serialize)]
pub struct WellDetail {
    #[serde(flatten)]
    pub summary: WellSummary,
    pub profile: String,
    /// `host:port unit N`.
    pub endpoint: String,
    pub trip_code: Option<TripCode>,
    /// Latest value of every parameter read so far, by canonical name, with unit and quality.
    pub values: LatestValues,
    /// When the latest values were read.
    pub values_at: Option<DateTime<Utc>>,
    pub counters: DeviceCounters,
    pub last_error: Option<LastError>,
    /// Current diagnoses. The diagnostic engine is not wired in yet, so this is honestly empty.
    pub diagnoses: Vec<serde_json::Value>,
}

impl From<&WellSnapshot> for WellDetail {
    fn from(well: &WellSnapshot) -> Self {
        Self {
            summary: WellSummary::from(well),
            profile: well.profile.clone(),
            endpoint: well.endpoint.clone(),
            trip_code: well.trip_code,
            values: well.latest.clone(),
            values_at: well.latest.at,
            counters: well.counters.clone(),
            last_error: well.last_error.clone(),
            diagnoses: Vec::new(),
        }
    }
}

/// `GET /api/v1/wells`.
#[derive(Clone, Debug, Serialize)]
pub struct WellList {
    pub count: usize,
    pub wells: Vec<WellSummary>,
}

impl From<Vec<WellSummary>> for WellList {
    fn from(wells: Vec<WellSummary>) -> Self {
        Self { count: wells.len(), wells }
    }
}
