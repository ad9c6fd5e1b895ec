//! The JSON shapes of wells, as the API serves them: a summary row for lists and a detail page.
//! Built from the fleet view's [`WellSnapshot`] inside `FleetView::read`, so only what is
//! served is copied and the shard lock is held for a moment; the well's alarms are added from
//! the alarm book afterwards ([`WellAlarms`]), outside that lock.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use wellvisor_actors::diagnostics::{
    AlarmBook, AlarmFilter, AlarmRecord, AlarmState, DiagnosisRecord, Source, Thresholds,
};
use wellvisor_actors::domain::{ConnectionState, RunState, SupervisionState, TripCode, WellData, WellId};
use wellvisor_actors::fleet::{DeviceCounters, LastError, LatestValues, WellSnapshot};

/// One row of `GET /api/v1/wells`; also the body of add and restart answers.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WellSummary {
    pub id: WellId,
    pub name: String,
    pub connection: ConnectionState,
    pub supervision: SupervisionState,
    pub run_state: Option<RunState>,
    pub last_sample_at: Option<DateTime<Utc>>,
    /// The well's annunciated alarms: in the operator's list, not shelved, suppressed or out of
    /// service. Set from the alarm book by [`WellSummary::with_alarms`].
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
            // The snapshot does not know the alarms: `with_alarms` counts them from the book.
            active_alarms: 0,
            restarts: well.restarts,
        }
    }
}

/// `GET /api/v1/wells/{id}`: the summary plus device, static data, values, counters and
/// diagnoses.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WellDetail {
    #[serde(flatten)]
    pub summary: WellSummary,
    pub profile: String,
    /// `host:port unit N`.
    pub endpoint: String,
    /// The static data diagnoses judge against: profile defaults with the group's and the
    /// well's overrides applied.
    pub well_data: WellData,
    /// The diagnostic rules' limits for this well (defaults, profile, group and well resolved).
    pub thresholds: Thresholds,
    pub trip_code: Option<TripCode>,
    /// Latest value of every parameter read so far, by canonical name, with unit and quality.
    pub values: LatestValues,
    /// When the latest values were read.
    pub values_at: Option<DateTime<Utc>>,
    pub counters: DeviceCounters,
    pub last_error: Option<LastError>,
    /// The well's alarm points that are not `normal` (annunciated, shelved, suppressed or out of
    /// service), highest priority first. Set by [`WellDetail::with_alarms`].
    pub alarms: Vec<AlarmRecord>,
    /// The diagnoses raised now, highest priority first, each with the history entry that
    /// raised it (evidence, confidence, advice).
    pub diagnoses: Vec<DiagnosisRecord>,
}

impl From<&WellSnapshot> for WellDetail {
    fn from(well: &WellSnapshot) -> Self {
        Self {
            summary: WellSummary::from(well),
            profile: well.profile.clone(),
            endpoint: well.endpoint.clone(),
            well_data: well.well_data.clone(),
            thresholds: well.thresholds.clone(),
            trip_code: well.trip_code,
            values: well.latest.clone(),
            values_at: well.latest.at,
            counters: well.counters.clone(),
            last_error: well.last_error.clone(),
            alarms: Vec::new(),
            diagnoses: well.diagnostics.current.clone(),
        }
    }
}

/// A well's alarm points that are not `normal`, read from the book in alarm-list order.
pub struct WellAlarms(pub Vec<AlarmRecord>);

impl WellAlarms {
    pub fn of(book: &AlarmBook, id: &WellId) -> Self {
        Self(book.list(&AlarmFilter { source: Some(Source::Well(id.clone())), ..AlarmFilter::default() }))
    }

    /// How many of them the operator's list shows (the book's annunciated count, for one well).
    pub fn annunciated(&self) -> u32 {
        let shown = self.0.iter().filter(|alarm| annunciated(alarm.state)).count();
        u32::try_from(shown).unwrap_or(u32::MAX)
    }
}

impl WellSummary {
    /// The summary with `active_alarms` counted from the alarm book.
    pub fn with_alarms(mut self, book: &AlarmBook) -> Self {
        self.active_alarms = WellAlarms::of(book, &self.id).annunciated();
        self
    }
}

impl WellDetail {
    /// The detail with the well's alarms and their count from the alarm book.
    pub fn with_alarms(mut self, book: &AlarmBook) -> Self {
        let alarms = WellAlarms::of(book, &self.summary.id);
        self.summary.active_alarms = alarms.annunciated();
        self.alarms = alarms.0;
        self
    }
}

/// Whether an alarm in `state` is annunciated: its core state is not `normal` and no overlay
/// (shelved, suppressed by design, out of service) hides it (esp-domain §3.1).
fn annunciated(state: AlarmState) -> bool {
    matches!(
        state,
        AlarmState::Unacknowledged | AlarmState::Acknowledged | AlarmState::RtnUnacknowledged | AlarmState::Latched
    )
}

/// `GET /api/v1/wells`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WellList {
    pub count: usize,
    pub wells: Vec<WellSummary>,
}

impl From<Vec<WellSummary>> for WellList {
    fn from(wells: Vec<WellSummary>) -> Self {
        Self { count: wells.len(), wells }
    }
}
