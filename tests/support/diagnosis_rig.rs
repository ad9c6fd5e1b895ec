//! A well of the simulator wired to the diagnostics the well actor runs, stepped through
//! simulated time: the physics gives a reading, the engine and the alarm book judge it. No
//! network and no sleeping, so hours of a well's life take a fraction of a second.

#![allow(dead_code)]

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use wellvisor::sim::physics::DEFAULT_RESTART_DELAY;
use wellvisor::sim::{ProcessEvent, WellModel};
use wellvisor_actors::diagnostics::book::AlarmBook;
use wellvisor_actors::diagnostics::{AlarmState, DiagnosisKind, DiagnosisRecord, Poll, Priority, Source, Thresholds};
use wellvisor_actors::domain::{ConnectionState, RunState, Sample, TripCode, WellData, WellId};
use wellvisor_actors::fleet::{Correlator, FleetSignal};
use wellvisor_actors::well::WellDiagnostics;

/// Simulation time zero, as a wall-clock instant.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).single().unwrap_or_default()
}

pub fn at(t: Duration) -> DateTime<Utc> {
    epoch() + chrono::TimeDelta::from_std(t).unwrap_or_default()
}

/// One simulated well and its diagnostics.
pub struct Rig {
    pub well_id: WellId,
    pub model: WellModel,
    pub diagnostics: WellDiagnostics,
    /// Simulation time of the last step.
    pub t: Duration,
    /// Every history entry the diagnostics wrote, in order.
    pub history: Vec<DiagnosisRecord>,
    feeder: Option<String>,
    run_state: Option<RunState>,
}

impl Rig {
    /// Well `index` of the simulator's fleet under `seed`, with `data`, judged into `book`.
    pub fn new(seed: u64, index: usize, data: &WellData, book: &AlarmBook) -> Rig {
        let well_id = WellId::new(&format!("W-{:03}", index + 1)).unwrap_or_else(|e| panic!("{e}"));
        book.register_well(well_id.clone(), data.feeder_id.clone(), None, epoch());
        let model = WellModel::for_well(seed, index, data, DEFAULT_RESTART_DELAY);
        let diagnostics =
            WellDiagnostics::new(well_id.clone(), data.clone(), Thresholds::default(), Default::default(), book);
        Rig {
            well_id,
            model,
            diagnostics,
            t: Duration::ZERO,
            history: Vec::new(),
            feeder: data.feeder_id.clone(),
            run_state: None,
        }
    }

    /// Polls the well at `t` and tells the fleet's correlator when the drive changes state, as
    /// the well actor does.
    pub fn poll_in_fleet(&mut self, t: Duration, book: &AlarmBook, fleet: &mut Correlator) {
        let (run_state, trip_code) = self.poll(t, book);
        if self.run_state != Some(run_state) {
            self.run_state = Some(run_state);
            let signal = FleetSignal::RunState {
                well: self.well_id.clone(),
                feeder: self.feeder.clone(),
                run_state,
                trip_code: Some(trip_code),
            };
            fleet.observe(signal, at(t));
        }
    }

    /// Polls the well at `t` (times must not go backwards).
    pub fn poll(&mut self, t: Duration, book: &AlarmBook) -> (RunState, TripCode) {
        self.t = t;
        let reading = self.model.observe(t);
        let mut sample = Sample::new(self.well_id.clone(), at(t));
        sample.values = reading.values;
        sample.run_state = Some(reading.run_state);
        sample.trip_code = Some(reading.trip_code);
        let poll = Poll { at: at(t), connection: ConnectionState::Online, sample: Some(&sample) };
        let step = self.diagnostics.observe(poll, book);
        self.history.extend(step.history);
        (reading.run_state, reading.trip_code)
    }

    /// Polls every `period` from the last step up to `until`, ticking the book as the fleet does.
    pub fn run(&mut self, until: Duration, period: Duration, book: &AlarmBook) {
        let mut t = self.t + period;
        while t <= until {
            self.poll(t, book);
            book.tick(at(t));
            t += period;
        }
    }

    /// A poll at `t` that got no reply.
    pub fn poll_silent(&mut self, t: Duration, book: &AlarmBook) {
        self.t = t;
        let poll = Poll { at: at(t), connection: ConnectionState::Offline, sample: None };
        let step = self.diagnostics.observe(poll, book);
        self.history.extend(step.history);
        book.tick(at(t));
    }

    /// The history since `since`, one line per entry, for assertion messages.
    pub fn summary(&self, since: DateTime<Utc>) -> Vec<String> {
        self.history
            .iter()
            .map(|r| {
                format!(
                    "{:?} {} {:?} +{}s parent={:?}",
                    r.event,
                    r.kind,
                    r.priority,
                    (r.at - since).num_seconds(),
                    r.parent
                )
            })
            .collect()
    }

    pub fn apply(&mut self, event: ProcessEvent, t: Duration) {
        self.model.apply(event, t);
    }

    pub fn source(&self) -> Source {
        Source::Well(self.well_id.clone())
    }

    /// When each diagnosis was first raised, after `since`.
    pub fn first_raised(&self, kind: DiagnosisKind, since: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.history
            .iter()
            .find(|r| {
                r.kind == kind && r.at >= since && r.event == wellvisor_actors::diagnostics::DiagnosisEvent::Raised
            })
            .map(|r| r.at)
    }

    /// Diagnoses raised after `since` at high priority and shown to the operator (not
    /// suppressed by a parent or explained by a more specific diagnosis), other than `expected`.
    pub fn other_high(&self, expected: DiagnosisKind, since: DateTime<Utc>, book: &AlarmBook) -> Vec<String> {
        let mut others: Vec<String> = self
            .history
            .iter()
            .filter(|r| r.at >= since && r.kind != expected && r.priority == Priority::High)
            .filter(|r| r.event == wellvisor_actors::diagnostics::DiagnosisEvent::Raised && r.parent.is_none())
            .map(|r| format!("{} at {}", r.kind, r.at))
            .collect();
        for alarm in book.for_well(&self.well_id) {
            let shown = !matches!(alarm.state, AlarmState::Normal | AlarmState::SuppressedByDesign);
            if shown && alarm.priority == Priority::High && alarm.name != expected.as_str() && alarm.updated_at >= since
            {
                others.push(format!("alarm {} {}", alarm.id, alarm.state));
            }
        }
        others.sort();
        others.dedup();
        others
    }
}

pub fn minutes(n: u64) -> Duration {
    Duration::from_secs(60 * n)
}

/// Steps every rig to `until` in lockstep, every `period`, with the fleet's correlator ticking
/// once per step as the Fleet actor does.
pub fn run_fleet(rigs: &mut [Rig], until: Duration, period: Duration, book: &AlarmBook, fleet: &mut Correlator) {
    let Some(first) = rigs.first() else { return };
    let mut t = first.t + period;
    while t <= until {
        for rig in rigs.iter_mut() {
            rig.poll_in_fleet(t, book, fleet);
        }
        fleet.tick(at(t));
        t += period;
    }
}
