//! The pure ESP model: drive states over time (start-up ramp, running, tripped, auto-restart)
//! and the readings a well shows at a given instant. No clock, no IO: the caller passes the
//! simulation time, so tests inject it and idle wells cost nothing between reads.
//!
//! A well is a `Phase` anchored at the instant it began. Automatic transitions (ramp finished,
//! restart delay elapsed, protection and power-dip trips) are replayed lazily by
//! [`WellModel::advance`]; slow quantities (PIP, motor and intake temperature) relax
//! exponentially from their value at the last change of mode or condition toward targets the
//! mode and the [`ProcessCondition`] set. The phase gives noise-free [`Ideal`] values, the
//! condition reshapes them, and `measure` adds unbalance and noise.

use std::time::Duration;

use wellvisor_actors::domain::{RunState, TripCode, Values, WellData};

pub use super::condition::ProcessCondition;
use super::condition::{ShapeContext, SlowState, SlowTargets};
use super::design::DesignPoint;
use super::measure::measure;
use super::noise::well_key;

/// How long a tripped drive waits before its automatic restart, unless the trip says otherwise.
pub const DEFAULT_RESTART_DELAY: Duration = Duration::from_secs(120);
/// How long a drive rides through a supply sag before it trips on `power_loss`.
pub const POWER_DIP_RIDE_THROUGH: Duration = Duration::from_secs(2);
/// Line voltage during a supply sag, as a fraction of normal.
const POWER_DIP_VOLTAGE: f64 = 0.6;
/// Extra current at the first instant of a start, in multiples of running current.
const INRUSH_PEAK: f64 = 2.2;
/// How fast the inrush decays, s.
const INRUSH_DECAY: f64 = 3.0;

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
    /// The process enters a condition (see [`ProcessCondition`]); `Normal` ends any condition.
    Condition(ProcessCondition),
    /// The supply sags: line voltage drops to 60 % for `ride_through`, then the drive trips on
    /// `power_loss` and restarts after `restart_after` (the model's default if `None`). A well
    /// that is not energised (stopped, tripped) is unaffected.
    PowerDip { ride_through: Duration, restart_after: Option<Duration> },
}

/// What the drive is doing.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Running,
    Starting,
    Tripped { restart_at: Duration },
    Stopped,
}

impl Mode {
    fn energised(self) -> bool {
        matches!(self, Mode::Running | Mode::Starting)
    }
}

/// A drive mode and when it began.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Phase {
    mode: Mode,
    since: Duration,
}

/// The slow state at an instant; it relaxes from there toward the phase's targets. Re-anchored
/// whenever the targets change (a new drive mode, a new condition).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Anchor {
    at: Duration,
    state: SlowState,
}

/// A supply sag under way: the drive trips at `trip_at` unless it stopped before.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Dip {
    from: Duration,
    trip_at: Duration,
    restart_after: Option<Duration>,
}

/// An automatic change of drive mode, due at some instant.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Transition {
    RampDone,
    Restart,
    Trip { code: TripCode, restart_after: Option<Duration> },
}

/// Noise-free values of a well at an instant, before measurement noise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ideal {
    pub frequency: f64,
    /// Average phase current, A.
    pub current: f64,
    /// Average line voltage, V.
    pub voltage: f64,
    /// Per-phase current offsets from the average, as fractions (design unbalance to start).
    pub current_phases: [f64; 3],
    /// Per-line voltage offsets from the average, as fractions.
    pub voltage_phases: [f64; 3],
    pub power_factor: f64,
    pub intake_pressure: f64,
    pub pump_delta_p: f64,
    pub intake_temperature: f64,
    pub motor_rise: f64,
    /// A motor-temperature gauge stuck at this value, if it is stuck.
    pub frozen_motor_temperature: Option<f64>,
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

/// One well's process: its design point, the current phase, its condition and its counters.
///
/// Time is passed in, never read: `apply(event, at)` and `observe(t)` take the simulation time
/// as an offset from the start, and must not go backwards.
///
/// ```
/// use std::time::Duration;
/// use wellvisor::sim::{ProcessCondition, ProcessEvent, WellModel};
/// use wellvisor_actors::domain::WellData;
///
/// let mut well = WellModel::for_well(7, 0, &WellData::default(), Duration::from_secs(120));
/// well.apply(ProcessEvent::Condition(ProcessCondition::BrokenShaft), Duration::from_secs(600));
/// let reading = well.observe(Duration::from_secs(660));
/// assert!(reading.values.get(wellvisor_actors::domain::Parameter::FlowRate).unwrap_or(0.0) < 100.0);
/// ```
#[derive(Clone, Debug)]
pub struct WellModel {
    design: DesignPoint,
    /// Noise key of this well (see [`super::noise::well_key`]).
    key: u64,
    restart_delay: Duration,
    phase: Phase,
    slow: Anchor,
    starts: u32,
    last_trip: TripCode,
    condition: ProcessCondition,
    condition_since: Duration,
    dip: Option<Dip>,
}

impl WellModel {
    /// A well already running steadily at t = 0, so a demo shows healthy values immediately.
    pub fn new(design: DesignPoint, key: u64, restart_delay: Duration) -> WellModel {
        let state =
            SlowState { intake_pressure: design.intake_pressure, motor_rise: design.motor_rise, intake_heat: 0.0 };
        WellModel {
            starts: design.initial_starts,
            design,
            key,
            restart_delay,
            phase: Phase { mode: Mode::Running, since: Duration::ZERO },
            slow: Anchor { at: Duration::ZERO, state },
            last_trip: TripCode::None,
            condition: ProcessCondition::Normal,
            condition_since: Duration::ZERO,
            dip: None,
        }
    }

    /// Well `index` (0-based) of a simulator started with `seed`, built on its static `data`:
    /// the very model the simulator serves for that well (same design point, same noise).
    pub fn for_well(seed: u64, index: usize, data: &WellData, restart_delay: Duration) -> WellModel {
        WellModel::new(DesignPoint::draw(seed, index, data), well_key(seed, index), restart_delay)
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

    /// The process condition the well is in.
    pub fn condition(&self) -> ProcessCondition {
        self.condition
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
        self.act(event, at.max(self.phase.since).max(self.slow.at));
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
                if !self.phase.mode.energised() {
                    self.begin_start(at);
                }
            }
            ProcessEvent::Condition(condition) => {
                self.anchor(at);
                self.condition = condition;
                self.condition_since = at;
            }
            ProcessEvent::PowerDip { ride_through, restart_after } => {
                if self.phase.mode.energised() && self.dip.is_none() {
                    self.dip = Some(Dip { from: at, trip_at: at.saturating_add(ride_through), restart_after });
                }
            }
        }
    }

    /// Replays automatic transitions up to `t`, in time order: ramp completion, timed restarts,
    /// protection trips raised by the current [`ProcessCondition`], and power-dip trips.
    pub fn advance(&mut self, t: Duration) {
        while let Some((at, transition)) = self.next_transition().filter(|(at, _)| *at <= t) {
            match transition {
                Transition::RampDone => self.enter(Mode::Running, at),
                Transition::Restart => self.begin_start(at),
                Transition::Trip { code, restart_after } => self.act(ProcessEvent::Trip { code, restart_after }, at),
            }
        }
    }

    /// The next automatic transition and when it is due, if any.
    fn next_transition(&self) -> Option<(Duration, Transition)> {
        let scheduled = match self.phase.mode {
            Mode::Starting => Some((self.phase.since + self.design.ramp, Transition::RampDone)),
            Mode::Tripped { restart_at } => Some((restart_at, Transition::Restart)),
            Mode::Running => self.protection_trip(),
            Mode::Stopped => None,
        };
        let dip = self
            .dip
            .map(|dip| (dip.trip_at, Transition::Trip { code: TripCode::PowerLoss, restart_after: dip.restart_after }));
        [scheduled, dip].into_iter().flatten().min_by_key(|(at, _)| *at)
    }

    /// When the condition makes the running drive trip, and with what.
    fn protection_trip(&self) -> Option<(Duration, Transition)> {
        let origin = self.condition_since.max(self.phase.since);
        let (after, code) = self.condition.protection_trip(&self.design, &self.slow_at(origin))?;
        Some((origin.saturating_add(after), Transition::Trip { code, restart_after: None }))
    }

    /// The reading at `t` (advancing the model to `t` first).
    pub fn observe(&mut self, t: Duration) -> Reading {
        let run_state = self.run_state(t);
        let mut ideal = self.ideal(t);
        self.condition.shape(&mut ideal, &self.shape_context(t));
        if self.dip.is_some_and(|dip| dip.from <= t) {
            ideal.voltage *= POWER_DIP_VOLTAGE;
        }
        let values = measure(self.key, &ideal, t, self.starts);
        Reading { values, run_state, trip_code: self.last_trip }
    }

    fn shape_context(&self, t: Duration) -> ShapeContext<'_> {
        let running =
            (self.phase.mode == Mode::Running).then(|| t.saturating_sub(self.phase.since.max(self.condition_since)));
        ShapeContext {
            design: &self.design,
            key: self.key,
            t,
            since_set: t.saturating_sub(self.condition_since),
            running,
        }
    }

    fn enter(&mut self, mode: Mode, at: Duration) {
        self.anchor(at);
        self.phase = Phase { mode, since: at };
        if !mode.energised() {
            self.dip = None;
        }
    }

    /// Fixes the slow state at `at`, before the targets change.
    fn anchor(&mut self, at: Duration) {
        self.slow = Anchor { at, state: self.slow_at(at) };
    }

    fn begin_start(&mut self, at: Duration) {
        self.enter(Mode::Starting, at);
        self.starts = self.starts.wrapping_add(1);
    }

    /// The slow quantities at `t`, relaxing from the anchor toward the current targets.
    fn slow_at(&self, t: Duration) -> SlowState {
        let targets = match self.phase.mode {
            Mode::Running => self.condition.running_targets(&self.design),
            Mode::Starting => SlowTargets::running(&self.design),
            Mode::Tripped { .. } | Mode::Stopped => SlowTargets::at_rest(&self.design),
        };
        targets.relax(&self.slow.state, t.saturating_sub(self.slow.at).as_secs_f64())
    }

    /// The noise-free values at `t` in the current phase, before the condition shapes them.
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
            current_phases: d.current_unbalance,
            voltage_phases: d.voltage_unbalance,
            power_factor: if energised { d.power_factor * (0.7 + 0.3 * speed) } else { 0.0 },
            intake_pressure: slow.intake_pressure,
            // Affinity laws: flow ∝ speed, head ∝ speed².
            pump_delta_p: d.pump_delta_p * speed * speed,
            intake_temperature: d.intake_temperature + slow.intake_heat,
            motor_rise: slow.motor_rise,
            frozen_motor_temperature: None,
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
