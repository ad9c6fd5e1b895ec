//! The pure ESP model: drive states over time (start-up ramp, running, tripped, auto-restart)
//! and the readings a well shows at a given instant. No clock, no IO: the caller passes the
//! simulation time, so tests inject it and idle wells cost nothing between reads.
//!
//! A well is a `Phase` anchored at the instant it began. Automatic transitions (ramp finished,
//! restart delay elapsed) are replayed lazily by [`WellModel::advance`]; slow quantities (PIP,
//! motor temperature) relax exponentially from their value at the phase start. The phase gives
//! noise-free [`Ideal`] values, the [`ProcessCondition`] reshapes them, and `measure` adds
//! unbalance and noise.

use std::time::Duration;

use wellvisor_actors::domain::{RunState, TripCode, Values};

use super::design::DesignPoint;
use super::measure::measure;

/// How long a tripped drive waits before its automatic restart, unless the trip says otherwise.
pub const DEFAULT_RESTART_DELAY: Duration = Duration::from_secs(120);
/// Time constant of PIP build-up after a stop and draw-down after a start, s.
const PIP_TIME_CONSTANT: f64 = 300.0;
/// Time constant of the motor's heating and cooling, s.
const MOTOR_TIME_CONSTANT: f64 = 600.0;
/// Extra current at the first instant of a start, in multiples of running current.
const INRUSH_PEAK: f64 = 2.2;
/// How fast the inrush decays, s.
const INRUSH_DECAY: f64 = 3.0;

/// A condition of the well's process that shapes otherwise normal readings.
///
/// **Seam for process faults.** A later issue adds `PumpOff`, `GasLock`, `BrokenShaft`, ...:
/// add the variant here, shape the noise-free values in [`ProcessCondition::shape`] (e.g.
/// gas lock: current falls and becomes erratic, PIP rises, flow drops), and, when the drive
/// would protect itself, return a trip from [`ProcessCondition::protection_trip`]; the model
/// then trips exactly as for an explicit [`ProcessEvent::Trip`] and restarts after the delay.
/// Code reaches it through [`ProcessEvent::Condition`] (e.g. [`super::SimHandle::apply`]); the
/// scenario file gains an `event = "condition"` form when there is a condition to name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProcessCondition {
    /// A healthy well at its design point.
    #[default]
    Normal,
}

impl ProcessCondition {
    /// Reshapes the noise-free values of a well that has been in this condition for `elapsed`.
    pub fn shape(self, _ideal: &mut Ideal, _elapsed: Duration) {
        match self {
            ProcessCondition::Normal => {}
        }
    }

    /// The protection trip the drive raises if this condition persists while running:
    /// `(delay, trip code)`, the delay counted from the later of the condition's start and the
    /// moment the motor last reached `running`.
    pub fn protection_trip(self, _design: &DesignPoint) -> Option<(Duration, TripCode)> {
        match self {
            ProcessCondition::Normal => None,
        }
    }
}

/// Something that happens to a well at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessEvent {
    /// The drive trips; it restarts by itself after `restart_after` (the model's default if
    /// `None`).
    Trip { code: TripCode, restart_after: Option<Duration> },
    /// An operator stop: `stopped` with trip code `manual_stop`, no automatic restart.
    Stop,
    /// A start command; ignored unless the well is stopped or tripped.
    Start,
    /// The process enters a condition (see [`ProcessCondition`]).
    Condition(ProcessCondition),
}

/// What the drive is doing.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Running,
    Starting,
    Tripped { restart_at: Duration },
    Stopped,
}

/// The quantities that relax slowly and so carry over from one phase to the next.
#[derive(Clone, Copy, Debug, PartialEq)]
struct SlowState {
    intake_pressure: f64,
    motor_rise: f64,
}

/// A drive mode, when it began, and the slow state at that moment.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Phase {
    mode: Mode,
    since: Duration,
    slow: SlowState,
}

/// Noise-free values of a well at an instant, before conditions and measurement noise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ideal {
    pub frequency: f64,
    /// Average phase current, A.
    pub current: f64,
    /// Average line voltage, V.
    pub voltage: f64,
    pub power_factor: f64,
    pub intake_pressure: f64,
    pub pump_delta_p: f64,
    pub intake_temperature: f64,
    pub motor_rise: f64,
    pub vibration: [f64; 2],
    pub leakage_current: f64,
    pub tubing_pressure: f64,
    pub casing_pressure: f64,
    pub flow_rate: f64,
    pub drive_temperature: f64,
}

/// What a well shows at an instant, in canonical units (esp-domain §1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading {
    /// Every numeric parameter, `starts_count` included; the code slots stay empty.
    pub values: Values,
    pub run_state: RunState,
    /// The last shutdown reason; kept after the next start, as drives do.
    pub trip_code: TripCode,
}

/// One well's process: its design point, the current phase and its counters.
#[derive(Clone, Debug)]
pub struct WellModel {
    design: DesignPoint,
    /// Noise key of this well (see [`super::noise::well_key`]).
    key: u64,
    restart_delay: Duration,
    phase: Phase,
    starts: u32,
    last_trip: TripCode,
    condition: ProcessCondition,
    condition_since: Duration,
}

impl WellModel {
    /// A well already running steadily at t = 0, so a demo shows healthy values immediately.
    pub fn new(design: DesignPoint, key: u64, restart_delay: Duration) -> WellModel {
        let slow = SlowState { intake_pressure: design.intake_pressure, motor_rise: design.motor_rise };
        WellModel {
            starts: design.initial_starts,
            design,
            key,
            restart_delay,
            phase: Phase { mode: Mode::Running, since: Duration::ZERO, slow },
            last_trip: TripCode::None,
            condition: ProcessCondition::Normal,
            condition_since: Duration::ZERO,
        }
    }

    pub fn design(&self) -> &DesignPoint {
        &self.design
    }

    /// Motor starts counted so far (as of the last [`WellModel::advance`]).
    pub fn starts(&self) -> u32 {
        self.starts
    }

    /// The last shutdown reason (as of the last [`WellModel::advance`]).
    pub fn last_trip(&self) -> TripCode {
        self.last_trip
    }

    /// The drive state at `t`, after replaying automatic transitions up to `t`.
    pub fn run_state(&mut self, t: Duration) -> RunState {
        self.advance(t);
        match self.phase.mode {
            Mode::Running => RunState::Running,
            Mode::Starting => RunState::Starting,
            Mode::Tripped { .. } => RunState::Tripped,
            Mode::Stopped => RunState::Stopped,
        }
    }

    /// Applies `event` as happening at `at`. Times must not go backwards; an earlier `at` is
    /// taken as the start of the current phase.
    pub fn apply(&mut self, event: ProcessEvent, at: Duration) {
        self.advance(at);
        self.act(event, at.max(self.phase.since));
    }

    /// Applies `event` at `at` without replaying automatic transitions first.
    fn act(&mut self, event: ProcessEvent, at: Duration) {
        match event {
            ProcessEvent::Trip { code, restart_after } => {
                let restart_at = at.saturating_add(restart_after.unwrap_or(self.restart_delay));
                self.enter(Mode::Tripped { restart_at }, at);
                self.last_trip = code;
            }
            ProcessEvent::Stop => {
                self.enter(Mode::Stopped, at);
                self.last_trip = TripCode::ManualStop;
            }
            ProcessEvent::Start => {
                if matches!(self.phase.mode, Mode::Stopped | Mode::Tripped { .. }) {
                    self.begin_start(at);
                }
            }
            ProcessEvent::Condition(condition) => {
                self.condition = condition;
                self.condition_since = at;
            }
        }
    }

    /// Replays automatic transitions up to `t`: ramp completion, timed restarts, and protection
    /// trips raised by the current [`ProcessCondition`].
    pub fn advance(&mut self, t: Duration) {
        loop {
            let since = self.phase.since;
            match self.phase.mode {
                Mode::Starting if t >= since + self.design.ramp => self.enter(Mode::Running, since + self.design.ramp),
                Mode::Tripped { restart_at } if t >= restart_at => self.begin_start(restart_at),
                Mode::Running => match self.protection_trip_due(t) {
                    Some((at, code)) => self.act(ProcessEvent::Trip { code, restart_after: None }, at),
                    None => return,
                },
                _ => return,
            }
        }
    }

    /// When the condition would make a running drive trip, if that moment is due by `t`.
    fn protection_trip_due(&self, t: Duration) -> Option<(Duration, TripCode)> {
        let (after, code) = self.condition.protection_trip(&self.design)?;
        let at = self.condition_since.max(self.phase.since).saturating_add(after);
        (at <= t).then_some((at, code))
    }

    /// The reading at `t` (advancing the model to `t` first).
    pub fn observe(&mut self, t: Duration) -> Reading {
        let run_state = self.run_state(t);
        let mut ideal = self.ideal(t);
        self.condition.shape(&mut ideal, t.saturating_sub(self.condition_since));
        let values = measure(&self.design, self.key, &ideal, t, self.starts);
        Reading { values, run_state, trip_code: self.last_trip }
    }

    fn enter(&mut self, mode: Mode, at: Duration) {
        let slow = self.slow_at(at);
        self.phase = Phase { mode, since: at, slow };
    }

    fn begin_start(&mut self, at: Duration) {
        self.enter(Mode::Starting, at);
        self.starts = self.starts.wrapping_add(1);
    }

    /// PIP and motor temperature rise at `t`, relaxing toward the current mode's targets.
    fn slow_at(&self, t: Duration) -> SlowState {
        let elapsed = t.saturating_sub(self.phase.since).as_secs_f64();
        let (pip_target, rise_target) = match self.phase.mode {
            Mode::Running | Mode::Starting => (self.design.intake_pressure, self.design.motor_rise),
            Mode::Tripped { .. } | Mode::Stopped => (self.design.static_intake_pressure(), 0.0),
        };
        let relax = |from: f64, to: f64, tau: f64| to + (from - to) * (-elapsed / tau).exp();
        SlowState {
            intake_pressure: relax(self.phase.slow.intake_pressure, pip_target, PIP_TIME_CONSTANT),
            motor_rise: relax(self.phase.slow.motor_rise, rise_target, MOTOR_TIME_CONSTANT),
        }
    }

    /// The noise-free values at `t` in the current phase.
    fn ideal(&self, t: Duration) -> Ideal {
        let d = &self.design;
        let elapsed = t.saturating_sub(self.phase.since).as_secs_f64();
        let (speed, current) = match self.phase.mode {
            Mode::Running => (1.0, d.running_current()),
            Mode::Starting => {
                let speed = (elapsed / d.ramp.as_secs_f64()).min(1.0);
                let inrush = INRUSH_PEAK * (-elapsed / INRUSH_DECAY).exp();
                (speed, d.running_current() * (0.3 + 0.7 * speed * speed + inrush))
            }
            Mode::Tripped { .. } | Mode::Stopped => (0.0, 0.0),
        };
        let energised = current > 0.0;
        let slow = self.slow_at(t);
        Ideal {
            frequency: d.frequency * speed,
            current,
            // Constant volts per hertz, with a small boost so the motor has voltage at 0 Hz.
            voltage: if energised { d.voltage * speed.max(0.05) } else { 0.0 },
            power_factor: if energised { d.power_factor * (0.7 + 0.3 * speed) } else { 0.0 },
            intake_pressure: slow.intake_pressure,
            // Affinity laws: flow ∝ speed, head ∝ speed².
            pump_delta_p: d.pump_delta_p * speed * speed,
            intake_temperature: d.intake_temperature,
            motor_rise: slow.motor_rise,
            vibration: d.vibration.map(|v| v * speed.max(0.02)),
            leakage_current: d.leakage_current,
            tubing_pressure: d.tubing_pressure * (0.5 + 0.5 * speed),
            casing_pressure: d.casing_pressure,
            flow_rate: d.flow_rate * speed,
            drive_temperature: d.drive_temperature + 8.0 * (current / d.rated_current).min(1.0),
        }
    }
}

#[cfg(test)]
#[path = "physics_tests.rs"]
mod tests;
