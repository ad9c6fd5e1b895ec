//! The JSON shapes of wells, as the API serves them: a summary row for lists and a detail page.
//! Built from the fleet view's [`WellSnapshot`] inside `FleetView::read`, so only what is
//! served is copied and the shard lock is held for a moment; the well's alarms are added from
//! the alarm book afterwards ([`WellAlarms`]), outside that lock.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use wellvisor_actors::diagnostics::{
    AlarmBook, AlarmFilter, AlarmRecord, AlarmState, DiagnosisRecord, Priority, Source, Thresholds,
};
use wellvisor_actors::domain::{
    ConnectionState, Parameter, Quality, RunState, SupervisionState, TripCode, WellData, WellId,
};
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
    /// The highest priority among the annunciated alarms; null when none is annunciated.
    pub highest_priority: Option<Priority>,
    /// Annunciated alarms waiting for an operator: `unacknowledged` or `rtn_unacknowledged`.
    pub unacknowledged: u32,
    /// The readings the overview shows, when read.
    pub key_values: KeyValues,
    pub restarts: u32,
}

/// A well's key readings by canonical name, in the canonical unit: only those last read with
/// quality `good` or `stale`; a parameter never read (or not mapped by the profile) is absent.
/// A handful of numbers copied out of the latest values, so a list of ten thousand wells stays
/// cheap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct KeyValues {
    /// Drive output frequency, Hz.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency: Option<f64>,
    /// Motor current of phase A, A.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_a: Option<f64>,
    /// Motor current of phase B, A.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_b: Option<f64>,
    /// Motor current of phase C, A.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_c: Option<f64>,
    /// Pump intake pressure, psi.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intake_pressure: Option<f64>,
    /// Motor winding temperature, °C.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub motor_temperature: Option<f64>,
}

impl KeyValues {
    pub fn of(latest: &LatestValues) -> Self {
        let read = |parameter| match latest.quality(parameter) {
            Some(Quality::Good | Quality::Stale) => latest.values.get(parameter),
            _ => None,
        };
        Self {
            frequency: read(Parameter::Frequency),
            current_a: read(Parameter::CurrentA),
            current_b: read(Parameter::CurrentB),
            current_c: read(Parameter::CurrentC),
            intake_pressure: read(Parameter::IntakePressure),
            motor_temperature: read(Parameter::MotorTemperature),
        }
    }
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
            highest_priority: None,
            unacknowledged: 0,
            key_values: KeyValues::of(&well.latest),
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

    /// The ones the operator's list shows.
    fn shown(&self) -> impl Iterator<Item = &AlarmRecord> {
        self.0.iter().filter(|alarm| annunciated(alarm.state))
    }

    /// How many of them the operator's list shows (the book's annunciated count, for one well).
    pub fn annunciated(&self) -> u32 {
        u32::try_from(self.shown().count()).unwrap_or(u32::MAX)
    }

    /// How many shown ones wait for an acknowledgement.
    pub fn unacknowledged(&self) -> u32 {
        let waiting =
            |alarm: &&AlarmRecord| matches!(alarm.state, AlarmState::Unacknowledged | AlarmState::RtnUnacknowledged);
        u32::try_from(self.shown().filter(waiting).count()).unwrap_or(u32::MAX)
    }

    /// The highest priority among the shown ones.
    pub fn highest_priority(&self) -> Option<Priority> {
        self.shown().map(|alarm| alarm.priority).min_by_key(|priority| priority.rank())
    }
}

impl WellSummary {
    /// The summary with its alarm counts and highest priority from the alarm book.
    pub fn with_alarms(mut self, book: &AlarmBook) -> Self {
        self.count_alarms(&WellAlarms::of(book, &self.id));
        self
    }

    fn count_alarms(&mut self, alarms: &WellAlarms) {
        self.active_alarms = alarms.annunciated();
        self.unacknowledged = alarms.unacknowledged();
        self.highest_priority = alarms.highest_priority();
    }
}

impl WellDetail {
    /// The detail with the well's alarms, their counts and highest priority from the alarm book.
    pub fn with_alarms(mut self, book: &AlarmBook) -> Self {
        let alarms = WellAlarms::of(book, &self.summary.id);
        self.summary.count_alarms(&alarms);
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

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use wellvisor_actors::domain::Sample;

    use super::*;

    /// The parameters `KeyValues` holds, in the order of its fields.
    const KEY_PARAMETERS: [Parameter; 6] = [
        Parameter::Frequency,
        Parameter::CurrentA,
        Parameter::CurrentB,
        Parameter::CurrentC,
        Parameter::IntakePressure,
        Parameter::MotorTemperature,
    ];

    fn poll(latest: &mut LatestValues, values: &[(Parameter, f64)]) {
        let mut sample = Sample::new(WellId::new("W-001").unwrap(), Utc::now());
        values.iter().for_each(|(parameter, value)| sample.values.set(*parameter, *value));
        latest.update(&sample);
    }

    #[test]
    fn key_values_are_named_canonically_and_hold_only_what_was_read() {
        let mut latest = LatestValues::default();
        let every: Vec<(Parameter, f64)> = KEY_PARAMETERS.iter().zip(1..).map(|(p, i)| (*p, f64::from(i))).collect();
        poll(&mut latest, &every);
        let json = serde_json::to_value(KeyValues::of(&latest)).unwrap();
        for (parameter, value) in &every {
            assert_eq!(json[parameter.as_str()].as_f64(), Some(*value), "{}", parameter.as_str());
        }
        assert_eq!(json.as_object().map(|fields| fields.len()), Some(KEY_PARAMETERS.len()));
        assert_eq!(serde_json::to_value(KeyValues::default()).unwrap(), serde_json::json!({}));
    }

    #[test]
    fn stale_key_values_stay_and_other_parameters_never_appear() {
        let mut latest = LatestValues::default();
        poll(&mut latest, &[(Parameter::Frequency, 55.0), (Parameter::VibrationX, 0.2)]);
        poll(&mut latest, &[(Parameter::CurrentA, 30.0)]);
        assert_eq!(latest.quality(Parameter::Frequency), Some(Quality::Stale));
        let json = serde_json::to_value(KeyValues::of(&latest)).unwrap();
        assert_eq!(json, serde_json::json!({"frequency": 55.0, "current_a": 30.0}));
    }
}
