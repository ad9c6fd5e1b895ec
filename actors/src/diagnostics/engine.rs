//! One well's diagnostic engine: pure, fed one poll at a time with the time it happened.
//!
//! Per poll it checks the sensors, derives the signals, updates its windows and trackers, asks
//! every rule for a verdict and links generic diagnoses to the specific ones that explain them.
//! The result is one [`Finding`] per diagnosis: the condition as measured now, before any on- or
//! off-delay; the alarm point that each finding drives applies those. The engine also learns the
//! well's [`Baseline`] in steady running, once a minute.

mod events;
mod history;
mod sensors;
mod status;

use chrono::{DateTime, TimeDelta, Utc};

pub use history::History;
pub use status::Status;

use super::baseline::{Baseline, SteadyMinute};
use super::rules::{self, minutes, Ctx, Verdict, MINUTE};
use super::signals::{ChannelSet, Signals};
use super::{DiagnosisKind, Evidence, Priority, Thresholds};
use crate::domain::{ConnectionState, Parameter, Sample, WellData};
use events::CommsWatch;
use sensors::SensorWatch;

/// What the engine concludes about one diagnosis at one poll.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub kind: DiagnosisKind,
    /// The condition as measured now, before delays.
    pub measured: bool,
    /// The rule could not judge this poll (missing or bad data, not settled) and kept its answer.
    pub inhibited: bool,
    pub priority: Priority,
    pub confidence: f64,
    /// Why it holds; empty while it does not.
    pub evidence: Vec<Evidence>,
    /// The specific diagnosis that explains this generic one, while that one holds.
    pub explained_by: Option<DiagnosisKind>,
}

impl Finding {
    fn new(kind: DiagnosisKind) -> Self {
        Self {
            kind,
            measured: false,
            inhibited: false,
            priority: kind.default_priority(),
            confidence: 0.0,
            evidence: Vec::new(),
            explained_by: None,
        }
    }
}

/// Trackers some rules need between polls.
#[derive(Clone, Debug, Default)]
pub struct RuleMemory {
    /// When the current fell below the broken-shaft limit within a minute, and the PIP then.
    pub step_down_at: Option<DateTime<Utc>>,
    pub pip_at_step: Option<f64>,
    /// Since when the current has been above the overload limits.
    pub overload_since: Option<DateTime<Utc>>,
    pub overload_fast_since: Option<DateTime<Utc>>,
    /// Since when vibration has been above its medium and high limits.
    pub vibration_since: Option<DateTime<Utc>>,
    pub vibration_high_since: Option<DateTime<Utc>>,
}

/// One poll as the well actor saw it.
#[derive(Clone, Copy, Debug)]
pub struct Poll<'a> {
    pub at: DateTime<Utc>,
    pub connection: ConnectionState,
    /// The decoded sample, when the poll produced values.
    pub sample: Option<&'a Sample>,
}

/// The engine of one well.
#[derive(Clone, Debug)]
pub struct Engine {
    data: WellData,
    limits: Thresholds,
    baseline: Baseline,
    history: History,
    status: Status,
    memory: RuleMemory,
    sensors: SensorWatch,
    comms: CommsWatch,
    findings: Vec<Finding>,
    /// Diagnoses raised by their alarm points (after delays), as the owner reports back.
    raised: Vec<bool>,
    /// The minute the baseline last learned from.
    learned_minute: Option<i64>,
    /// When the value rules last judged.
    judged_at: Option<DateTime<Utc>>,
}

impl Engine {
    pub fn new(data: WellData, limits: Thresholds, baseline: Baseline) -> Self {
        Self {
            data,
            limits,
            baseline,
            history: History::default(),
            status: Status::default(),
            memory: RuleMemory::default(),
            sensors: SensorWatch::default(),
            comms: CommsWatch::default(),
            findings: DiagnosisKind::ALL.iter().map(|kind| Finding::new(*kind)).collect(),
            raised: vec![false; DiagnosisKind::ALL.len()],
            learned_minute: None,
            judged_at: None,
        }
    }

    pub fn baseline(&self) -> &Baseline {
        &self.baseline
    }

    pub fn well_data(&self) -> &WellData {
        &self.data
    }

    /// The latest findings, one per diagnosis in [`DiagnosisKind::ALL`] order.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Resumes a diagnosis that was raised before a restart: its rule judges with its clear
    /// condition, and keeps it until it can judge again.
    pub fn resume(&mut self, kind: DiagnosisKind) {
        let finding = &mut self.findings[kind as usize];
        finding.measured = true;
        finding.inhibited = true;
    }

    /// Tells the engine whether a diagnosis's alarm point has raised it, so the baseline stops
    /// learning while something is wrong.
    pub fn set_raised(&mut self, kind: DiagnosisKind, raised: bool) {
        self.raised[kind as usize] = raised;
    }

    /// Takes in one poll. Returns whether the baseline learned a minute (worth persisting).
    pub fn observe(&mut self, poll: Poll) -> bool {
        self.judge_comms(poll.connection);
        let Some(sample) = poll.sample.filter(|s| !s.values.is_empty()) else {
            self.inhibit_value_rules();
            return false;
        };
        let sensors = self.sensors.check(sample, &self.data, rules::secs(self.limits.frozen_secs));
        self.judge_sensors(&sensors);
        let signals = Signals::derive(sample, sensors.bad);
        let changes = self.status.update(
            signals.run_state,
            signals.trip_code,
            signals.frequency,
            self.limits.frequency_step_hz,
            poll.at,
        );
        if changes.started_running {
            self.history.restart();
            self.memory = RuleMemory::default();
        }
        self.history.push(&signals, poll.at);
        let due = self.judged_at.is_none_or(|at| poll.at - at >= rules::secs(self.limits.judge_every_secs));
        if due || changes.started_running || changes.tripped {
            self.judged_at = Some(poll.at);
            let baseline = self.scaled_baseline(&signals);
            self.track(&signals, &baseline, poll.at);
            self.judge_rules(&signals, &baseline, poll.at);
        }
        self.judge_events(poll.at);
        let current_over_voltage = self.unbalance_ratio(poll.at);
        events::explain(&mut self.findings, current_over_voltage);
        self.learn(sensors.bad, poll.at)
    }

    fn judge_comms(&mut self, connection: ConnectionState) {
        let index = DiagnosisKind::CommsLoss as usize;
        let held = self.findings[index].measured;
        let lost = self.comms.observe(connection, held, self.limits.comms_loss_polls, self.limits.comms_recover_polls);
        let evidence = if lost { self.comms.evidence(self.limits.comms_loss_polls) } else { Vec::new() };
        self.set(DiagnosisKind::CommsLoss, lost.then_some((Priority::Medium, 1.0, evidence)));
    }

    fn judge_sensors(&mut self, sensors: &sensors::SensorFindings) {
        let key_channel =
            sensors.bad.contains(Parameter::MotorTemperature) || sensors.bad.contains(Parameter::IntakePressure);
        let priority = if key_channel { Priority::Medium } else { Priority::Low };
        let verdict = (!sensors.bad.is_empty()).then(|| (priority, 1.0, sensors.evidence.clone()));
        self.set(DiagnosisKind::SensorFault, verdict);
    }

    fn inhibit_value_rules(&mut self) {
        for finding in self.findings.iter_mut().filter(|f| f.kind != DiagnosisKind::CommsLoss) {
            finding.inhibited = true;
        }
    }

    /// The baseline at the present frequency (affinity laws), without changing the learned one.
    fn scaled_baseline(&self, signals: &Signals) -> Baseline {
        let mut baseline = self.baseline.clone();
        if let Some(frequency) = signals.frequency.filter(|_| signals.is_running()) {
            baseline.rescale_to(frequency);
        }
        baseline
    }

    /// Updates the trackers of the step, overload and vibration rules.
    fn track(&mut self, signals: &Signals, baseline: &Baseline, now: DateTime<Utc>) {
        let memory = &mut self.memory;
        if !signals.is_running() {
            *memory = RuleMemory::default();
            return;
        }
        let since = |slot: &mut Option<DateTime<Utc>>, holds: bool| {
            *slot = if holds { slot.or(Some(now)) } else { None };
        };
        let rated = self.data.motor_rated_current;
        let current = self.history.current.mean(now, MINUTE);
        since(&mut memory.overload_since, current.is_some_and(|c| c >= self.limits.overload_ratio * rated));
        since(&mut memory.overload_fast_since, current.is_some_and(|c| c >= self.limits.overload_fast_ratio * rated));
        let vibration = self.history.vibration.mean(now, minutes(10));
        let base_vibration = baseline.vibration.filter(|_| baseline.is_valid());
        let ratio = vibration.zip(base_vibration).map(|(v, b)| v / b);
        since(&mut memory.vibration_since, ratio.is_some_and(|r| r >= self.limits.vibration_ratio));
        let high = ratio.is_some_and(|r| r >= self.limits.vibration_high_ratio)
            || vibration.is_some_and(|v| v >= self.limits.vibration_cap_g);
        since(&mut memory.vibration_high_since, high);
        self.track_step(baseline, now);
    }

    /// Notes a fall of the current below the broken-shaft limit within a minute.
    fn track_step(&mut self, baseline: &Baseline, now: DateTime<Utc>) {
        let Some(base) = baseline.current.filter(|_| baseline.is_valid()) else { return };
        let window = std::time::Duration::from_secs(70);
        let (Some(recent), Some((_, high))) = (
            self.history.current_fine.mean(now, std::time::Duration::from_secs(10)),
            self.history.current_fine.mean_range(now, window),
        ) else {
            return;
        };
        let memory = &mut self.memory;
        if recent >= 0.8 * base {
            memory.step_down_at = None;
            memory.pip_at_step = None;
        } else if memory.step_down_at.is_none()
            && recent < self.limits.broken_shaft_current_ratio * base
            && high >= 0.9 * base
        {
            memory.step_down_at = Some(now);
            memory.pip_at_step = self.history.intake_pressure.mean(now, std::time::Duration::from_secs(120));
        }
    }

    fn judge_rules(&mut self, signals: &Signals, baseline: &Baseline, now: DateTime<Utc>) {
        let held: Vec<bool> = self.findings.iter().map(|f| f.measured).collect();
        let ctx = Ctx {
            now,
            signals,
            history: &self.history,
            baseline,
            data: &self.data,
            limits: &self.limits,
            status: &self.status,
            memory: &self.memory,
            held: &held,
        };
        let verdicts: Vec<(DiagnosisKind, Verdict)> =
            rules::VALUE_RULES.iter().map(|kind| (*kind, rules::judge(*kind, &ctx))).collect();
        for (kind, verdict) in verdicts {
            match verdict {
                Verdict::Inhibited => self.findings[kind as usize].inhibited = true,
                Verdict::Clear => self.set(kind, None),
                Verdict::Holds(h) => self.set(kind, Some((h.priority, h.confidence, h.evidence))),
            }
        }
    }

    fn judge_events(&mut self, now: DateTime<Utc>) {
        let held = |engine: &Self, kind: DiagnosisKind| engine.findings[kind as usize].measured;
        let trip = events::unplanned_trip(&self.status, held(self, DiagnosisKind::UnplannedTrip), now);
        self.set(DiagnosisKind::UnplannedTrip, trip.map(|(priority, evidence)| (priority, 1.0, evidence)));
        let cycling = events::excessive_cycling(
            &self.status,
            held(self, DiagnosisKind::ExcessiveCycling),
            self.limits.cycling_starts,
            self.limits.cycling_window_secs,
            now,
        );
        self.set(DiagnosisKind::ExcessiveCycling, cycling.map(|evidence| (Priority::Medium, 1.0, evidence)));
    }

    /// Current unbalance over voltage unbalance, for telling a supply cause from a downhole one.
    fn unbalance_ratio(&self, now: DateTime<Utc>) -> Option<f64> {
        let current = self.history.current_unbalance.mean(now, MINUTE)?;
        let voltage = self.history.voltage_unbalance.mean(now, MINUTE).filter(|v| *v > 0.0)?;
        Some(current / voltage)
    }

    fn set(&mut self, kind: DiagnosisKind, verdict: Option<(Priority, f64, Vec<Evidence>)>) {
        let finding = &mut self.findings[kind as usize];
        finding.inhibited = false;
        match verdict {
            Some((priority, confidence, evidence)) => {
                finding.measured = true;
                finding.priority = priority;
                finding.confidence = confidence;
                finding.evidence = evidence;
            }
            None => {
                finding.measured = false;
                finding.priority = kind.default_priority();
                finding.confidence = 0.0;
                finding.evidence.clear();
            }
        }
    }

    /// Learns a steady minute into the baseline, once per minute, when nothing is wrong.
    fn learn(&mut self, bad: ChannelSet, now: DateTime<Utc>) -> bool {
        let minute = now.timestamp().div_euclid(60);
        if self.learned_minute == Some(minute) || !self.steady(bad, now) {
            return false;
        }
        let Some(frequency) = self.status.steady_frequency() else { return false };
        self.learned_minute = Some(minute);
        let h = &self.history;
        let mean = |series: &super::window::Series| series.mean(now, MINUTE);
        let steady = SteadyMinute {
            frequency,
            current: mean(&h.current),
            intake_pressure: mean(&h.intake_pressure),
            delta_p: mean(&h.delta_p),
            flow_rate: mean(&h.flow_rate),
            tubing_pressure: mean(&h.tubing_pressure),
            vibration: mean(&h.vibration),
            leakage_current: mean(&h.leakage_current),
            motor_rise: mean(&h.motor_rise),
            cv_current: h.current.stats(now, minutes(10)).map(|s| s.cv()),
        };
        self.baseline.learn(&steady, now);
        true
    }

    /// Steady running: settled, frequency within ±0.5 Hz for 10 min, every sensor good, no
    /// diagnosis holding or raised.
    fn steady(&self, bad: ChannelSet, now: DateTime<Utc>) -> bool {
        let settled = self.status.running_for(now).is_some_and(|r| r >= rules::secs(self.limits.start_settle_secs));
        let steady_frequency = self.status.frequency_steady_since.is_some_and(|at| now - at >= TimeDelta::minutes(10));
        let quiet = self.findings.iter().all(|f| !f.measured) && self.raised.iter().all(|r| !r);
        settled && steady_frequency && bad.is_empty() && quiet
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
