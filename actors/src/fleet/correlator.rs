//! The fleet's judgements across wells (esp-domain §2.4 `power_event`, §3.3): one power event
//! per feeder, one outage per gateway, and the alarm book's clock (delays, shelf expiry, parent
//! grace). Owned by the Fleet actor; everything it changes goes to the recorder.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use crate::diagnostics::book::{AlarmBook, BookChanges, Evaluation};
use crate::diagnostics::power::{FeederSignal, FeederVerdict, FeederWatch, GatewayWatch};
use crate::diagnostics::rules::alarm_config;
use crate::diagnostics::{
    AlarmConfig, AlarmId, DiagnosisEvent, DiagnosisKind, DiagnosisRecord, Evidence, Priority, Source,
};
use crate::domain::{RunState, TripCode, WellId};
use crate::recorder::{RecorderIntake, Submitted};
use crate::store::Record;
use crate::well::push_changes;

/// Units behind one gateway from which its outage is a high-priority alarm.
const GATEWAY_HIGH_UNITS: usize = 5;

/// What a well tells the fleet about itself.
#[derive(Clone, Debug, PartialEq)]
pub enum FleetSignal {
    /// The drive changed state.
    RunState { well: WellId, feeder: Option<String>, run_state: RunState, trip_code: Option<TripCode> },
    /// The device stopped (or resumed) answering.
    Silence { well: WellId, feeder: Option<String>, gateway: String, silent: bool },
}

/// The fleet-level watches and where their alarms go.
pub struct Correlator {
    feeders: FeederWatch,
    gateways: GatewayWatch,
    alarms: AlarmBook,
    recorder: Option<RecorderIntake>,
    /// Records the recorder could not take: counted and logged, never silent.
    pub records_dropped: u64,
    /// The recorder's drop count at the last tick, to see whether it grew.
    drops_seen: u64,
}

/// The system alarm for data the historian had to drop.
const RECORDER_OVERFLOW: &str = "recorder_overflow";
/// The system alarm for a store the recorder cannot write (past a short grace).
const STORE_UNAVAILABLE: &str = "store_unavailable";
/// The system alarm for a recorder backlog (memory and disk spool) refusing data.
const SPOOL_FULL: &str = "spool_full";

impl Correlator {
    pub fn new(alarms: AlarmBook, recorder: Option<RecorderIntake>) -> Self {
        Self {
            feeders: FeederWatch::default(),
            gateways: GatewayWatch::default(),
            alarms,
            recorder,
            records_dropped: 0,
            drops_seen: 0,
        }
    }

    pub fn observe(&mut self, signal: FleetSignal, now: DateTime<Utc>) {
        match signal {
            FleetSignal::RunState { well, feeder: Some(feeder), run_state, trip_code } => {
                let mut signal = feeder_signal(run_state, trip_code);
                if signal == FeederSignal::Lost && !self.feeders.is_running(&feeder, &well) {
                    // Only a well that was running can be lost to the supply.
                    signal = FeederSignal::Down;
                }
                let verdict = self.feeders.observe(&feeder, &well, signal, now);
                self.judge_feeder(&feeder, &verdict, now);
            }
            FleetSignal::RunState { feeder: None, .. } => {}
            FleetSignal::Silence { well, feeder, gateway, silent } => {
                let (out, units) = self.gateways.observe(&gateway, &well, silent);
                if units >= 2 {
                    self.judge_gateway(&gateway, out, units, now);
                } else if let Some(feeder) = feeder.filter(|f| silent && self.feeders.is_running(f, &well)) {
                    let verdict = self.feeders.observe(&feeder, &well, FeederSignal::Lost, now);
                    self.judge_feeder(&feeder, &verdict, now);
                }
            }
        }
    }

    /// Lets time act: losses age out of the feeder window, alarm delays and shelves expire.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        for feeder in self.feeders.pending() {
            let verdict = self.feeders.judge(&feeder, now);
            self.judge_feeder(&feeder, &verdict, now);
        }
        self.judge_overflow(now);
        self.judge_store(now);
        let changes = self.alarms.tick(now);
        self.submit_changes(changes);
    }

    /// `recorder_overflow`: samples or records were dropped since the last tick. It clears once
    /// nothing more is dropped for its off-delay; the drops stay counted in the recorder.
    fn judge_overflow(&mut self, now: DateTime<Utc>) {
        let Some(recorder) = &self.recorder else { return };
        // The intake counts every drop, this correlator's own records included.
        let dropped = recorder.dropped();
        let growing = dropped > self.drops_seen;
        self.drops_seen = dropped;
        let config = AlarmConfig { off_delay: Duration::from_secs(300), ..AlarmConfig::new(Priority::High) };
        let message = "The historian's queue overflowed and data was dropped (counted): check the store's health";
        let evaluation = Evaluation::condition(RECORDER_OVERFLOW, config, growing, message);
        let changes = self.alarms.evaluate(&Source::System, evaluation, now);
        self.submit_changes(changes);
    }

    /// `store_unavailable` while the recorder's writes keep failing (it clears once they
    /// succeed; the backlog's drain shows in readiness), and `spool_full` while its backlog
    /// refuses data (it clears after a minute without refusals; the refusals stay counted).
    fn judge_store(&mut self, now: DateTime<Utc>) {
        let Some(recorder) = &self.recorder else { return };
        let (unavailable, full) = (recorder.store_unavailable(), recorder.spool_full());
        let message = "The historian cannot write to the store: data is held in memory and the disk spool, and replays when the store returns";
        let evaluation =
            Evaluation::condition(STORE_UNAVAILABLE, AlarmConfig::new(Priority::High), unavailable, message);
        let changes = self.alarms.evaluate(&Source::System, evaluation, now);
        self.submit_changes(changes);
        let config = AlarmConfig { off_delay: Duration::from_secs(60), ..AlarmConfig::new(Priority::High) };
        let message = "The historian's disk spool is full: new data is refused (counted) until the store drains it";
        let evaluation = Evaluation::condition(SPOOL_FULL, config, full, message);
        let changes = self.alarms.evaluate(&Source::System, evaluation, now);
        self.submit_changes(changes);
    }

    fn judge_feeder(&mut self, feeder: &str, verdict: &FeederVerdict, now: DateTime<Utc>) {
        let source = Source::Feeder(feeder.to_owned());
        let kind = DiagnosisKind::PowerEvent;
        let config = alarm_config(kind, Priority::High);
        let evaluation = Evaluation::diagnosis(kind, verdict.holds, kind.advice()).with_config(config);
        let changes = self.alarms.evaluate(&source, evaluation, now);
        self.history(&source, kind, &changes, &verdict.evidence, now);
        if changes.raised.iter().any(|id| id.as_str().ends_with(kind.as_str())) {
            let wells: Vec<&str> = verdict.wells.iter().map(WellId::as_str).collect();
            warn!(feeder, wells = wells.join(","), "power event on the feeder");
        }
        self.submit_changes(changes);
    }

    fn judge_gateway(&mut self, gateway: &str, out: bool, units: usize, now: DateTime<Utc>) {
        let source = Source::Gateway(gateway.to_owned());
        let kind = DiagnosisKind::CommsLoss;
        let priority = if units >= GATEWAY_HIGH_UNITS { Priority::High } else { Priority::Medium };
        let evaluation = Evaluation::diagnosis(kind, out, kind.advice()).with_config(alarm_config(kind, priority));
        let changes = self.alarms.evaluate(&source, evaluation, now);
        let evidence = vec![Evidence {
            signal: "silent_units".into(),
            value: units as f64,
            limit: Some(units as f64),
            baseline: None,
            window_secs: None,
        }];
        self.history(&source, kind, &changes, &evidence, now);
        if out && !changes.raised.is_empty() {
            info!(gateway, units, "every unit behind the gateway is silent: one gateway alarm");
        }
        self.submit_changes(changes);
    }

    /// History entries for a fleet-level diagnosis that was raised or cleared.
    fn history(
        &mut self,
        source: &Source,
        kind: DiagnosisKind,
        changes: &BookChanges,
        evidence: &[Evidence],
        now: DateTime<Utc>,
    ) {
        let id = AlarmId::new(source, kind.as_str());
        let events = [(&changes.raised, DiagnosisEvent::Raised), (&changes.cleared, DiagnosisEvent::Cleared)];
        for (ids, event) in events {
            if !ids.contains(&id) {
                continue;
            }
            let record = DiagnosisRecord {
                source: source.clone(),
                kind,
                event,
                at: now,
                priority: self.alarms.get(&id).map_or(kind.default_priority(), |r| r.priority),
                confidence: 1.0,
                evidence: if event == DiagnosisEvent::Raised { evidence.to_vec() } else { Vec::new() },
                blocks_auto_restart: kind.blocks_auto_restart(),
                advice: kind.advice().to_owned(),
                alarm_id: id.clone(),
                parent: None,
            };
            self.submit(Record::Diagnosis(record));
        }
    }

    fn submit_changes(&mut self, changes: BookChanges) {
        let mut records = Vec::new();
        push_changes(changes, &mut records);
        for record in records {
            self.submit(record);
        }
    }

    fn submit(&mut self, record: Record) {
        let Some(recorder) = &self.recorder else { return };
        if recorder.try_submit_record(record) == Submitted::Dropped {
            self.records_dropped += 1;
        }
    }
}

/// How a drive state reads for its feeder: a supply loss, a stop of its own, or running.
fn feeder_signal(run_state: RunState, trip_code: Option<TripCode>) -> FeederSignal {
    match (run_state, trip_code) {
        (RunState::Running, _) => FeederSignal::Running,
        (RunState::Tripped | RunState::LockedOut, Some(TripCode::PowerLoss)) => FeederSignal::Lost,
        (RunState::Stopped, code) if code != Some(TripCode::ManualStop) => FeederSignal::Lost,
        _ => FeederSignal::Down,
    }
}

#[cfg(test)]
#[path = "correlator_tests.rs"]
mod tests;
