//! The diagnostic rules of esp-domain §2.4, one function per diagnosis, each a pure judgement
//! of one moment: the condition holds (with priority, confidence and evidence), is clear, or
//! cannot be judged (a signal it needs is missing or bad, or the well is not settled), in which
//! case the engine keeps the last answer.
//!
//! Rules see the engine's windows and trackers through [`Ctx`] and apply their own clear
//! condition while they hold (hysteresis); on- and off-delays belong to the alarm point
//! ([`alarm_config`]).

mod condition;
mod electrical;
mod hydraulic;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::baseline::Baseline;
use super::engine::{History, RuleMemory, Status};
use super::signals::Signals;
use super::{AlarmConfig, DiagnosisKind, Evidence, Priority, Thresholds};
use crate::domain::WellData;

/// A rule's judgement of the present moment.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// A signal the rule needs is missing or bad, or the well is not in a state to judge.
    Inhibited,
    Clear,
    Holds(Holds),
}

/// A condition that holds, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Holds {
    pub priority: Priority,
    /// Share of the confirming signals present and good, 0–1.
    pub confidence: f64,
    pub evidence: Vec<Evidence>,
}

/// Everything a rule may look at.
pub struct Ctx<'a> {
    pub now: DateTime<Utc>,
    pub signals: &'a Signals,
    pub history: &'a History,
    /// The baseline rescaled to the present frequency.
    pub baseline: &'a Baseline,
    pub data: &'a WellData,
    pub limits: &'a Thresholds,
    pub status: &'a Status,
    pub memory: &'a RuleMemory,
    /// Whether each diagnosis held at the previous judgement, by [`DiagnosisKind`] slot.
    pub held: &'a [bool],
}

impl Ctx<'_> {
    pub fn held(&self, kind: DiagnosisKind) -> bool {
        self.held[kind as usize]
    }

    /// Whether running-only rules may judge: running, past the inrush and any frequency step.
    pub fn settled(&self) -> bool {
        let Some(running) = self.status.running_for(self.now) else { return false };
        let since_step = self.status.frequency_changed_at.map_or(TimeDelta::MAX, |at| self.now - at);
        running >= secs(self.limits.start_settle_secs) && since_step >= secs(self.limits.frequency_settle_secs)
    }

    /// The verdict for a running-only rule that may not judge now: clear when stopped on
    /// purpose, else keep the last answer.
    pub fn unsettled(&self) -> Verdict {
        if self.status.stopped_on_purpose() {
            Verdict::Clear
        } else {
            Verdict::Inhibited
        }
    }

    /// The mean of the average current over the last `window`.
    pub fn current_mean(&self, window: Duration) -> Option<f64> {
        self.history.current.mean(self.now, window)
    }

    /// Load as (present current / reference, the underload limit for that reference): against
    /// the baseline once valid, else against the nameplate with the drive's default limit.
    pub fn load(&self) -> Option<(f64, f64, Evidence)> {
        let current = self.current_mean(MINUTE)?;
        if self.baseline.is_valid() {
            let base = self.baseline.current?;
            let ratio = current / base;
            let evidence = ev("load_bl_pct", 100.0 * ratio, Some(100.0 * self.limits.underload_ratio), Some(100.0), 60);
            return Some((ratio, self.limits.underload_ratio, evidence));
        }
        let ratio = current / self.data.motor_rated_current;
        let limit = self.limits.nameplate_underload_ratio;
        Some((ratio, limit, ev("load_np_pct", 100.0 * ratio, Some(100.0 * limit), None, 60)))
    }

    /// The baseline figure of a quantity, only once the baseline is valid.
    pub fn base(&self, figure: Option<f64>) -> Option<f64> {
        figure.filter(|_| self.baseline.is_valid())
    }
}

/// The diagnoses judged by a rule over values; the others are judged from events (comms, trips,
/// starts), by the sensor checks, or by the fleet.
pub const VALUE_RULES: [DiagnosisKind; 13] = [
    DiagnosisKind::PumpOff,
    DiagnosisKind::GasInterference,
    DiagnosisKind::GasLock,
    DiagnosisKind::BrokenShaft,
    DiagnosisKind::TubingLeak,
    DiagnosisKind::ClosedValve,
    DiagnosisKind::Overload,
    DiagnosisKind::CurrentImbalance,
    DiagnosisKind::VoltageImbalance,
    DiagnosisKind::MotorOverheat,
    DiagnosisKind::Solids,
    DiagnosisKind::HighVibration,
    DiagnosisKind::InsulationDegradation,
];

/// Judges `kind` now. `power_event` is a fleet judgement and never holds for one well here.
pub fn judge(kind: DiagnosisKind, ctx: &Ctx) -> Verdict {
    use DiagnosisKind as K;
    match kind {
        K::PumpOff => hydraulic::pump_off(ctx),
        K::GasInterference => hydraulic::gas_interference(ctx),
        K::GasLock => hydraulic::gas_lock(ctx),
        K::BrokenShaft => hydraulic::broken_shaft(ctx),
        K::TubingLeak => hydraulic::tubing_leak(ctx),
        K::ClosedValve => hydraulic::closed_valve(ctx),
        K::Overload => electrical::overload(ctx),
        K::CurrentImbalance => electrical::current_imbalance(ctx),
        K::VoltageImbalance => electrical::voltage_imbalance(ctx),
        K::MotorOverheat => electrical::motor_overheat(ctx),
        K::Solids => condition::solids(ctx),
        K::HighVibration => condition::high_vibration(ctx),
        K::InsulationDegradation => condition::insulation_degradation(ctx),
        K::CommsLoss | K::SensorFault | K::UnplannedTrip | K::ExcessiveCycling | K::PowerEvent => Verdict::Inhibited,
    }
}

/// The alarm point's design for each diagnosis: on-delay, off-delay (the "for N min" of the clear
/// condition) and latching, from esp-domain §2.4.
pub fn alarm_config(kind: DiagnosisKind, priority: Priority) -> AlarmConfig {
    use DiagnosisKind as K;
    let m = |minutes: u64| Duration::from_secs(60 * minutes);
    let (on, off, latching) = match kind {
        K::CommsLoss | K::ExcessiveCycling | K::Overload => (Duration::ZERO, Duration::ZERO, false),
        K::SensorFault => (m(5), m(10), false),
        K::UnplannedTrip => (m(1), Duration::ZERO, false),
        K::PumpOff => (m(1), m(10), false),
        K::GasInterference => (m(10), m(30), false),
        K::GasLock => (m(2), m(15), false),
        K::BrokenShaft => (m(2), Duration::ZERO, true),
        K::TubingLeak => (m(120), m(360), false),
        K::ClosedValve => (m(2), m(1), true),
        K::Solids => (m(10), m(60), false),
        K::CurrentImbalance | K::VoltageImbalance => (m(10), m(10), false),
        K::MotorOverheat => (m(2), m(5), false),
        K::HighVibration => (Duration::ZERO, m(60), false),
        K::InsulationDegradation => (m(30), Duration::ZERO, true),
        K::PowerEvent => (Duration::ZERO, m(5), false),
    };
    AlarmConfig { priority, on_delay: on, off_delay: off, re_alarm: None, latching }
}

pub const MINUTE: Duration = Duration::from_secs(60);

pub fn minutes(n: u64) -> Duration {
    Duration::from_secs(60 * n)
}

pub fn secs(n: u64) -> TimeDelta {
    TimeDelta::seconds(i64::try_from(n).unwrap_or(i64::MAX))
}

/// One piece of evidence.
pub fn ev(signal: &'static str, value: f64, limit: Option<f64>, baseline: Option<f64>, window_secs: u64) -> Evidence {
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    Evidence {
        signal: signal.into(),
        value: round(value),
        limit: limit.map(round),
        baseline: baseline.map(round),
        window_secs: (window_secs > 0).then_some(window_secs),
    }
}

/// The share of `confirming` signals that are present.
pub fn confidence(confirming: &[Option<f64>]) -> f64 {
    if confirming.is_empty() {
        return 1.0;
    }
    confirming.iter().filter(|v| v.is_some()).count() as f64 / confirming.len() as f64
}

/// A holding verdict.
pub fn holds(priority: Priority, confirming: &[Option<f64>], evidence: Vec<Evidence>) -> Verdict {
    Verdict::Holds(Holds { priority, confidence: confidence(confirming), evidence })
}

/// Holds with `evidence` if `condition`, else clear.
pub fn holds_if(condition: bool, priority: Priority, confirming: &[Option<f64>], evidence: Vec<Evidence>) -> Verdict {
    if condition {
        holds(priority, confirming, evidence)
    } else {
        Verdict::Clear
    }
}
