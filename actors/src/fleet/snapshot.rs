//! What the control room sees of one well: status, counters, latest values and a short
//! history. Kept in the fleet view, outside the well's actor, so it survives actor restarts.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::latency::LatencyHistogram;
use crate::diagnostics::{Baseline, DiagnosisEvent, DiagnosisRecord, Thresholds};
use crate::domain::{
    ConnectionState, Parameter, Quality, RunState, Sample, SupervisionState, TripCode, Values, WellData, WellId,
};

/// Device link counters, cumulative over the life of the well (across actor restarts).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceCounters {
    /// Polls that read every block.
    pub polls_ok: u64,
    /// Polls with at least one failed read.
    pub polls_failed: u64,
    /// Polls that started more than a tenth of the period after their slot.
    pub late_polls: u64,
    pub timeouts: u64,
    pub exceptions: u64,
    pub transport_errors: u64,
    pub decode_errors: u64,
    pub connect_failures: u64,
    /// Connections re-established after the link was lost.
    pub reconnects: u64,
    /// Samples handed to the recorder.
    pub samples_reported: u64,
    /// Samples the recorder could not take in time: counted, never silent.
    pub samples_dropped: u64,
}

/// History entries kept per well in memory; the store keeps them all.
const DIAGNOSIS_HISTORY: usize = 64;

/// What diagnostics keep of a well in the fleet view.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DiagnosticsView {
    /// The diagnoses raised now, each with the entry that raised it.
    pub current: Vec<DiagnosisRecord>,
    /// Recent history entries, oldest first.
    #[serde(skip)]
    pub history: VecDeque<DiagnosisRecord>,
    /// The well's learned baseline.
    pub baseline: Option<Baseline>,
}

impl DiagnosticsView {
    /// Takes in a raised or cleared diagnosis.
    pub fn record(&mut self, record: DiagnosisRecord) {
        self.current.retain(|current| current.kind != record.kind);
        if record.event == DiagnosisEvent::Raised {
            self.current.push(record.clone());
            self.current.sort_by_key(|current| (current.priority.rank(), current.at));
        }
        if self.history.len() == DIAGNOSIS_HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(record);
    }
}

/// The last device error, with when it happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LastError {
    pub message: String,
    pub at: DateTime<Utc>,
}

/// The latest known value of every parameter, and which ones the last poll refreshed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LatestValues {
    pub values: Values,
    /// Bit `i` set: parameter `i` was read by the last poll.
    fresh: u32,
    pub at: Option<DateTime<Utc>>,
}

impl LatestValues {
    /// Takes in a poll's sample: what it carries is fresh, everything else goes stale.
    pub fn update(&mut self, sample: &Sample) {
        self.fresh = 0;
        for (parameter, value) in sample.values.iter() {
            self.values.set(parameter, value);
            self.fresh |= 1 << parameter.index();
        }
        if !sample.values.is_empty() {
            self.at = Some(sample.at);
        }
    }

    /// Marks every value stale: the last poll produced nothing.
    pub fn mark_stale(&mut self) {
        self.fresh = 0;
    }

    pub fn quality(&self, parameter: Parameter) -> Option<Quality> {
        self.values.get(parameter)?;
        Some(if self.fresh & (1 << parameter.index()) != 0 { Quality::Good } else { Quality::Stale })
    }
}

impl Serialize for LatestValues {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Reading {
            value: f64,
            unit: &'static str,
            quality: Quality,
        }
        let mut map = serializer.serialize_map(None)?;
        for (parameter, value) in self.values.iter() {
            let quality = self.quality(parameter).unwrap_or(Quality::Bad);
            map.serialize_entry(parameter.as_str(), &Reading { value, unit: parameter.unit(), quality })?;
        }
        map.end()
    }
}

/// One well as the fleet view holds it.
#[derive(Clone, Debug, Serialize)]
pub struct WellSnapshot {
    pub id: WellId,
    pub name: String,
    pub profile: String,
    /// `host:port unit N`.
    pub endpoint: String,
    /// The well's resolved static data; the supervisor sets it from the spec on adding the well.
    pub well_data: WellData,
    /// The diagnostic rules' limits resolved for this well; the supervisor sets them with the data.
    pub thresholds: Thresholds,
    pub connection: ConnectionState,
    pub supervision: SupervisionState,
    pub run_state: Option<RunState>,
    pub trip_code: Option<TripCode>,
    pub last_sample_at: Option<DateTime<Utc>>,
    /// Actor restarts by supervision, cumulative.
    pub restarts: u32,
    pub counters: DeviceCounters,
    /// How long each counted poll took to read its blocks: one observation per poll in
    /// `counters` (ok or failed), cumulative like them.
    #[serde(skip)]
    pub poll_latency: LatencyHistogram,
    pub last_error: Option<LastError>,
    pub latest: LatestValues,
    /// Current diagnoses, recent history and the baseline: kept here so they survive actor restarts.
    pub diagnostics: DiagnosticsView,
    /// The most recent samples, oldest first, at most `history_capacity`.
    #[serde(skip)]
    pub history: VecDeque<Sample>,
    #[serde(skip)]
    pub history_capacity: usize,
}

impl WellSnapshot {
    pub fn new(id: WellId, name: String, profile: String, endpoint: String, history_capacity: usize) -> Self {
        Self {
            id,
            name,
            profile,
            endpoint,
            well_data: WellData::default(),
            thresholds: Thresholds::default(),
            connection: ConnectionState::Connecting,
            supervision: SupervisionState::Running,
            run_state: None,
            trip_code: None,
            last_sample_at: None,
            restarts: 0,
            counters: DeviceCounters::default(),
            poll_latency: LatencyHistogram::default(),
            last_error: None,
            latest: LatestValues::default(),
            diagnostics: DiagnosticsView::default(),
            history: VecDeque::with_capacity(history_capacity),
            history_capacity,
        }
    }

    /// Takes in a sample that carries values.
    pub fn record_sample(&mut self, sample: Sample) {
        self.latest.update(&sample);
        self.last_sample_at = Some(sample.at);
        if sample.run_state.is_some() {
            self.run_state = sample.run_state;
        }
        if sample.trip_code.is_some() {
            self.trip_code = sample.trip_code;
        }
        if self.history_capacity == 0 {
            return;
        }
        if self.history.len() == self.history_capacity {
            self.history.pop_front();
        }
        self.history.push_back(sample);
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn sample(at: i64, values: &[(Parameter, f64)]) -> Sample {
        let id = WellId::new("W-1").unwrap_or_else(|e| panic!("{e}"));
        let mut sample = Sample::new(id, Utc.timestamp_opt(at, 0).single().unwrap_or_default());
        for (parameter, value) in values {
            sample.values.set(*parameter, *value);
        }
        sample
    }

    #[test]
    fn values_missing_from_the_last_poll_turn_stale() {
        let mut latest = LatestValues::default();
        latest.update(&sample(1, &[(Parameter::CurrentA, 40.0), (Parameter::Frequency, 60.0)]));
        latest.update(&sample(2, &[(Parameter::Frequency, 59.0)]));
        assert_eq!(latest.quality(Parameter::Frequency), Some(Quality::Good));
        assert_eq!(latest.quality(Parameter::CurrentA), Some(Quality::Stale));
        assert_eq!(latest.quality(Parameter::Power), None);
        latest.mark_stale();
        assert_eq!(latest.quality(Parameter::Frequency), Some(Quality::Stale));
        let json = serde_json::to_value(&latest).unwrap_or_default();
        assert_eq!(json["frequency"], serde_json::json!({"value": 59.0, "unit": "Hz", "quality": "stale"}));
    }

    #[test]
    fn history_keeps_only_the_newest_samples() {
        let id = WellId::new("W-1").unwrap_or_else(|e| panic!("{e}"));
        let mut snapshot = WellSnapshot::new(id, "one".into(), "p".into(), "h:1 unit 1".into(), 3);
        for at in 0..5 {
            snapshot.record_sample(sample(at, &[(Parameter::Frequency, at as f64)]));
        }
        let kept: Vec<i64> = snapshot.history.iter().map(|s| s.at.timestamp()).collect();
        assert_eq!(kept, [2, 3, 4]);
        assert_eq!(snapshot.last_sample_at.map(|t| t.timestamp()), Some(4));
    }
}
