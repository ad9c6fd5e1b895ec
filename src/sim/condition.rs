//! Process conditions: what can go wrong in a well's process (pump-off, gas lock, a broken shaft,
//! ...), one per diagnosis a device can show (esp-domain §2.3). Each condition moves the slow
//! quantities (PIP, motor and intake temperature) toward its own targets, reshapes the model's
//! noise-free values (`shapes`), and, where a real drive would protect itself, makes it trip.
//! Called by [`super::physics::WellModel`]; the numbers each produces are in docs/simulator.md.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use wellvisor_actors::domain::TripCode;

use super::design::DesignPoint;
use super::physics::Ideal;
use super::shapes;

/// Time constant of PIP build-up after a stop and draw-down after a start, s.
const PIP_TIME_CONSTANT: f64 = 300.0;
/// Time constant of the motor's heating and cooling, s.
const MOTOR_TIME_CONSTANT: f64 = 600.0;
/// Time constant of the fluid around the intake warming and cooling, s.
const INTAKE_HEAT_TIME_CONSTANT: f64 = 1800.0;
/// How long after pump-off begins submergence is down to 40 psi.
const PUMP_OFF_SUBMERGENCE_TIME: f64 = 360.0;
/// A motor-overheat winding heads this far past its rating, °C, so it is still climbing fast
/// when it crosses `rating − 10 °C`.
const OVERHEAT_OVERSHOOT: f64 = 10.0;
/// How fast an overheating motor heats, s.
const OVERHEAT_TIME_CONSTANT: f64 = 3600.0;

/// A condition of the well's process that shapes otherwise normal readings. The snake_case
/// names (scenario files, the control interface) are the diagnosis names of esp-domain §2.3.
///
/// Hydraulic and load conditions (`pump_off` to `solids`, `motor_overheat`) act only while the
/// motor runs and start over at each restart, so a condition that trips the drive repeats after
/// the auto-restart. Electrical, vibration and sensor conditions act from the moment they are
/// set, whatever the drive does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessCondition {
    /// A healthy well at its design point.
    #[default]
    Normal,
    /// Inflow falls short: current declines gradually, submergence → 0, underload trip.
    PumpOff,
    /// Free gas at the intake: erratic current with dips, PIP just above bubble point, no trip.
    GasInterference,
    /// Gas fills the pump: erratic, then low current; flow and head collapse; underload trip.
    GasLock,
    /// The pump shaft parts: current steps to ~35 %, flow and head → 0, PIP rises.
    BrokenShaft,
    /// Pumped fluid leaks back from the tubing: rate, tubing pressure and head fall over hours.
    TubingLeak,
    /// A closed wellhead valve: the pump dead-heads against the shut-in head.
    ClosedValve,
    /// The motor draws 118 % of nameplate until the drive trips on overload.
    Overload,
    /// Sand or scale: current spikes up and vibration triples.
    Solids,
    /// One phase current 7 % off (NEMA), with balanced voltage: a cable, splice or motor fault.
    CurrentImbalance,
    /// One supply line sags: voltage unbalance ≈ 3.5 %, current unbalance ≈ 5.4 × that.
    VoltageImbalance,
    /// The motor heats at steady load until the drive trips on motor temperature.
    MotorOverheat,
    /// Vibration on both axes climbs to ≈ 4 × normal within 10 min.
    HighVibration,
    /// Leakage current steps up 80 %, then keeps rising.
    InsulationDegradation,
    /// The motor-temperature channel freezes at a value below intake temperature.
    SensorFault,
}

impl ProcessCondition {
    /// Every condition, `Normal` first.
    pub const ALL: [ProcessCondition; 15] = [
        ProcessCondition::Normal,
        ProcessCondition::PumpOff,
        ProcessCondition::GasInterference,
        ProcessCondition::GasLock,
        ProcessCondition::BrokenShaft,
        ProcessCondition::TubingLeak,
        ProcessCondition::ClosedValve,
        ProcessCondition::Overload,
        ProcessCondition::Solids,
        ProcessCondition::CurrentImbalance,
        ProcessCondition::VoltageImbalance,
        ProcessCondition::MotorOverheat,
        ProcessCondition::HighVibration,
        ProcessCondition::InsulationDegradation,
        ProcessCondition::SensorFault,
    ];

    /// Reshapes the noise-free values of a well in this condition (see [`ShapeContext`]).
    pub fn shape(self, ideal: &mut Ideal, context: &ShapeContext<'_>) {
        match self {
            ProcessCondition::Normal | ProcessCondition::MotorOverheat => {}
            ProcessCondition::PumpOff => shapes::pump_off(ideal, context),
            ProcessCondition::GasInterference => shapes::gas_interference(ideal, context),
            ProcessCondition::GasLock => shapes::gas_lock(ideal, context),
            ProcessCondition::BrokenShaft => shapes::broken_shaft(ideal, context),
            ProcessCondition::TubingLeak => shapes::tubing_leak(ideal, context),
            ProcessCondition::ClosedValve => shapes::closed_valve(ideal, context),
            ProcessCondition::Overload => shapes::overload(ideal, context),
            ProcessCondition::Solids => shapes::solids(ideal, context),
            ProcessCondition::CurrentImbalance => shapes::current_imbalance(ideal, context),
            ProcessCondition::VoltageImbalance => shapes::voltage_imbalance(ideal, context),
            ProcessCondition::HighVibration => shapes::high_vibration(ideal, context),
            ProcessCondition::InsulationDegradation => shapes::insulation_degradation(ideal, context),
            ProcessCondition::SensorFault => shapes::sensor_fault(ideal, context),
        }
    }

    /// Where PIP and the temperatures head while the motor runs in this condition.
    pub fn running_targets(self, d: &DesignPoint) -> SlowTargets {
        let mut targets = SlowTargets::running(d);
        let relax = |target: f64, tau: f64| Relax { target, tau };
        match self {
            ProcessCondition::PumpOff => {
                targets.intake_pressure = relax(d.casing_pressure + 10.0, pump_off_time_constant(d));
            }
            ProcessCondition::GasInterference => targets.intake_pressure = relax(1.03 * d.bubble_point, 300.0),
            ProcessCondition::GasLock => {
                targets.intake_pressure = relax(0.85 * d.bubble_point, 120.0);
                targets.motor_rise = relax(d.motor_rise + 8.0, MOTOR_TIME_CONSTANT);
                targets.intake_heat = relax(3.0, MOTOR_TIME_CONSTANT);
            }
            ProcessCondition::BrokenShaft => targets.intake_pressure = relax(d.static_intake_pressure(), 300.0),
            ProcessCondition::TubingLeak => targets.intake_pressure = relax(1.02 * d.intake_pressure, 3600.0),
            ProcessCondition::ClosedValve => {
                targets.intake_pressure = relax(d.intake_pressure + 0.3 * d.drawdown, 600.0);
                targets.motor_rise = relax(d.motor_rise + 20.0, 2400.0);
                targets.intake_heat = relax(6.0, INTAKE_HEAT_TIME_CONSTANT);
            }
            ProcessCondition::Overload => targets.motor_rise = relax(1.4 * d.motor_rise, MOTOR_TIME_CONSTANT),
            ProcessCondition::MotorOverheat => targets.motor_rise = overheat_rise(d),
            _ => {}
        }
        targets
    }

    /// The protection trip the drive raises if this condition persists while running:
    /// `(delay, trip code)`, the delay counted from the later of the condition's start and the
    /// moment the motor last reached `running`, when the slow quantities stood at `start`.
    pub fn protection_trip(self, d: &DesignPoint, start: &SlowState) -> Option<(Duration, TripCode)> {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        match self {
            ProcessCondition::PumpOff => Some((minutes(10), TripCode::Underload)),
            ProcessCondition::GasLock => Some((minutes(15), TripCode::Underload)),
            ProcessCondition::BrokenShaft => Some((minutes(5), TripCode::Underload)),
            // A wellhead high-pressure switch stops the drive through an interlock.
            ProcessCondition::ClosedValve => Some((minutes(10), TripCode::Other)),
            ProcessCondition::Overload => Some((minutes(8), TripCode::Overload)),
            ProcessCondition::MotorOverheat => Some((time_to_rating(d, start), TripCode::MotorOvertemperature)),
            _ => None,
        }
    }
}

/// Where a well stands when its values are shaped.
#[derive(Clone, Copy, Debug)]
pub struct ShapeContext<'a> {
    pub design: &'a DesignPoint,
    /// The well's noise key: erratic patterns are drawn from it, so they are reproducible.
    pub key: u64,
    /// Simulation time; erratic patterns change once per noise tick.
    pub t: Duration,
    /// How long ago the condition was set.
    pub since_set: Duration,
    /// How long the motor has been running in this condition; `None` unless it is running.
    pub running: Option<Duration>,
}

/// The quantities that relax slowly and so carry over from one drive phase to the next.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SlowState {
    pub intake_pressure: f64,
    /// Motor temperature above intake temperature, °C.
    pub motor_rise: f64,
    /// Intake temperature above the reservoir's, °C.
    pub intake_heat: f64,
}

/// A value a slow quantity heads for, and its time constant in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Relax {
    pub target: f64,
    pub tau: f64,
}

/// Where each slow quantity heads in the current drive phase.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SlowTargets {
    pub intake_pressure: Relax,
    pub motor_rise: Relax,
    pub intake_heat: Relax,
}

impl SlowTargets {
    /// A healthy well running (or starting) at its design point.
    pub fn running(d: &DesignPoint) -> SlowTargets {
        SlowTargets {
            intake_pressure: Relax { target: d.intake_pressure, tau: PIP_TIME_CONSTANT },
            motor_rise: Relax { target: d.motor_rise, tau: MOTOR_TIME_CONSTANT },
            intake_heat: Relax { target: 0.0, tau: INTAKE_HEAT_TIME_CONSTANT },
        }
    }

    /// A stopped pump: PIP builds up to static, the motor and the intake cool.
    pub fn at_rest(d: &DesignPoint) -> SlowTargets {
        SlowTargets {
            intake_pressure: Relax { target: d.static_intake_pressure(), tau: PIP_TIME_CONSTANT },
            motor_rise: Relax { target: 0.0, tau: MOTOR_TIME_CONSTANT },
            intake_heat: Relax { target: 0.0, tau: INTAKE_HEAT_TIME_CONSTANT },
        }
    }

    /// The slow state `elapsed` seconds after it stood at `from`.
    pub fn relax(&self, from: &SlowState, elapsed: f64) -> SlowState {
        let go = |from: f64, to: Relax| to.target + (from - to.target) * (-elapsed / to.tau).exp();
        SlowState {
            intake_pressure: go(from.intake_pressure, self.intake_pressure),
            motor_rise: go(from.motor_rise, self.motor_rise),
            intake_heat: go(from.intake_heat, self.intake_heat),
        }
    }
}

/// The PIP time constant that brings submergence from design down to 40 psi in
/// [`PUMP_OFF_SUBMERGENCE_TIME`], heading for 10 psi.
fn pump_off_time_constant(d: &DesignPoint) -> f64 {
    let submergence = (d.intake_pressure - d.casing_pressure).max(100.0);
    PUMP_OFF_SUBMERGENCE_TIME / ((submergence - 10.0) / 30.0).ln()
}

/// An overheating motor heads past its rating, so it trips on the way there.
fn overheat_rise(d: &DesignPoint) -> Relax {
    let target = d.rated_temperature + OVERHEAT_OVERSHOOT - d.intake_temperature;
    Relax { target, tau: OVERHEAT_TIME_CONSTANT }
}

/// How long an overheating motor that stood at `start` takes to reach its rating.
fn time_to_rating(d: &DesignPoint, start: &SlowState) -> Duration {
    let limit_rise = d.rated_temperature - d.intake_temperature - start.intake_heat;
    let heading = overheat_rise(d);
    let gap_now = heading.target - start.motor_rise;
    let gap_at_limit = heading.target - limit_rise;
    if gap_now <= gap_at_limit {
        return Duration::ZERO;
    }
    Duration::from_secs_f64(heading.tau * (gap_now / gap_at_limit).ln())
}

#[cfg(test)]
#[path = "condition_tests.rs"]
mod tests;
