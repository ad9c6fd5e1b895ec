//! How each [`super::ProcessCondition`] reshapes a well's noise-free values, one function per
//! condition, called by `ProcessCondition::shape`. The figures follow the signature tables of
//! esp-domain §2.2–2.4 so that each condition shows its own signature and not its look-alikes'.
//!
//! Hydraulic and load shapes return early unless the motor is running and measure time from
//! the moment it started running in the condition; electrical, vibration and sensor shapes
//! measure time from the moment the condition was set.

use std::time::Duration;

use super::condition::ShapeContext;
use super::noise::{uniform, TICK_SECONDS};
use super::physics::Ideal;

/// Noise channels of the erratic patterns; the measurement channels use 1–21.
mod channel {
    pub const GAS_DIPS: u32 = 40;
    pub const SOLIDS_SPIKES: u32 = 41;
    pub const GAS_LOCK_WOBBLE: u32 = 42;
}

/// Pump-off: current, flow, head and tubing pressure decline smoothly from minute 1 to 9
/// (current to 62 %, never more than ≈ 7 % in a minute) while PIP falls to casing pressure.
pub(super) fn pump_off(ideal: &mut Ideal, context: &ShapeContext<'_>) {
    let Some(running) = context.running else { return };
    let decline = smoothstep(running, 60.0, 540.0);
    ideal.current *= 1.0 - 0.38 * decline;
    ideal.power_factor *= 1.0 - 0.1 * decline;
    ideal.flow_rate *= 1.0 - 0.7 * decline;
    ideal.pump_delta_p *= 1.0 - 0.5 * decline;
    ideal.tubing_pressure *= 1.0 - 0.4 * decline;
}

/// Gas interference: a quarter of the seconds the current dips 5–17 % (mean ≈ 97 %), flow and
/// head dip with it; the dips grow in over 5 min while PIP sinks toward 1.03 × bubble point.
pub(super) fn gas_interference(ideal: &mut Ideal, context: &ShapeContext<'_>) {
    let Some(running) = context.running else { return };
    let dip = burst(context, channel::GAS_DIPS, 0.25, 0.05, 0.17) * smoothstep(running, 0.0, 300.0);
    ideal.current *= 1.0 - dip;
    ideal.power_factor *= 1.0 - 0.3 * dip;
    ideal.flow_rate *= 1.0 - 1.5 * dip;
    ideal.pump_delta_p *= 1.0 - dip;
}

/// Gas lock: four minutes of deep, frequent dips, then from minute 4 to 6 the pump locks:
/// current settles at 60 % ± 4 %, flow at 5 %, head at 20 % of normal.
pub(super) fn gas_lock(ideal: &mut Ideal, context: &ShapeContext<'_>) {
    let Some(running) = context.running else { return };
    let lock = smoothstep(running, 240.0, 360.0);
    let dip = burst(context, channel::GAS_DIPS, 0.35, 0.08, 0.30) * (1.0 - lock);
    let wobble = 0.04 * (2.0 * tick_uniform(context, channel::GAS_LOCK_WOBBLE) - 1.0) * lock;
    ideal.current *= (1.0 - dip) * (1.0 - 0.4 * lock) + wobble;
    ideal.power_factor *= 1.0 - 0.15 * lock;
    ideal.flow_rate *= (1.0 - 1.5 * dip) * (1.0 - 0.95 * lock);
    ideal.pump_delta_p *= (1.0 - dip) * (1.0 - 0.8 * lock);
}

/// Broken shaft: within seconds the current steps to 35 % (no-load amps), flow and head drain
/// to ≈ 0 in half a minute, tubing pressure falls to 40 % over a few minutes.
pub(super) fn broken_shaft(ideal: &mut Ideal, context: &ShapeContext<'_>) {
    let Some(running) = context.running else { return };
    let step = approach(running, 2.0);
    let drain = approach(running, 10.0);
    ideal.current *= 1.0 - 0.65 * step;
    ideal.power_factor *= 1.0 - 0.35 * step;
    ideal.flow_rate *= 1.0 - 0.98 * drain;
    ideal.pump_delta_p *= 1.0 - 0.95 * drain;
    ideal.tubing_pressure *= 1.0 - 0.6 * approach(running, 60.0);
}

/// Tubing leak: with a 40-min time constant, flow falls to 65 %, tubing pressure to 70 %, head
/// to 75 % and current to 92 % of normal (≤ 70 % flow after 80 min).
pub(super) fn tubing_leak(ideal: &mut Ideal, context: &ShapeContext<'_>) {
    let Some(running) = context.running else { return };
    let leak = approach(running, 2400.0);
    ideal.flow_rate *= 1.0 - 0.35 * leak;
    ideal.tubing_pressure *= 1.0 - 0.3 * leak;
    ideal.pump_delta_p *= 1.0 - 0.25 * leak;
    ideal.current *= 1.0 - 0.08 * leak;
}

/// Closed valve: tubing pressure climbs to 98 % of the shut-in head at speed (time constant
/// 30 s) and discharge with it, flow stops within a minute, current falls toward 65 % (shut-off
/// power, time constant 150 s, ≤ 12 % in a minute).
pub(super) fn closed_valve(ideal: &mut Ideal, context: &ShapeContext<'_>) {
    let Some(running) = context.running else { return };
    let d = context.design;
    let rise = (0.98 * d.shut_in_head_at_speed() - ideal.tubing_pressure) * approach(running, 30.0);
    ideal.tubing_pressure += rise;
    // Discharge minus tubing pressure is the fluid column, which does not change: the pump
    // makes up whatever the intake has gained since design.
    ideal.pump_delta_p += rise - (ideal.intake_pressure - d.intake_pressure);
    ideal.flow_rate *= (-running.as_secs_f64() / 20.0).exp();
    let unload = approach(running, 150.0);
    ideal.current *= 1.0 - 0.35 * unload;
    ideal.power_factor *= 1.0 - 0.15 * unload;
}

/// Overload: current climbs to 118 % of nameplate (time constant 60 s), power factor up a bit.
pub(super) fn overload(ideal: &mut Ideal, context: &ShapeContext<'_>) {
    let Some(running) = context.running else { return };
    let climb = approach(running, 60.0);
    ideal.current += (1.18 * context.design.rated_current - ideal.current) * climb;
    ideal.power_factor = (ideal.power_factor + 0.02 * climb).min(0.95);
}

/// Solids: current 3 % above normal with upward spikes of 15–35 % in 8 % of the seconds (mean
/// ≈ 105 %), vibration climbing to 3 × normal (time constant 2 min).
pub(super) fn solids(ideal: &mut Ideal, context: &ShapeContext<'_>) {
    let Some(running) = context.running else { return };
    let spike = burst(context, channel::SOLIDS_SPIKES, 0.08, 0.15, 0.35);
    ideal.current *= 1.03 + spike;
    let factor = 1.0 + 2.0 * approach(running, 120.0);
    ideal.vibration = ideal.vibration.map(|v| v * factor);
}

/// Current imbalance: phase B 7 % below the average, A and C 3.5 % above (NEMA 7 %), within
/// a minute; voltages untouched.
pub(super) fn current_imbalance(ideal: &mut Ideal, context: &ShapeContext<'_>) {
    let s = approach(context.since_set, 20.0);
    let shift = [0.035, -0.07, 0.035];
    for (offset, shift) in ideal.current_phases.iter_mut().zip(shift) {
        *offset += shift * s;
    }
}

/// Voltage imbalance: line BC sags 5.2 % (NEMA ≈ 3.5 %, average −1.7 %); the currents follow
/// with 5.5 × the voltage deviations, opposite in sign (NEMA ≈ 19 %, ratio ≈ 5.4).
pub(super) fn voltage_imbalance(ideal: &mut Ideal, context: &ShapeContext<'_>) {
    const SAG: f64 = 0.052;
    const CURRENT_PER_VOLTAGE: f64 = 5.5;
    let s = approach(context.since_set, 20.0);
    let sag = [0.0, -SAG, 0.0];
    let mean = sag.iter().sum::<f64>() / 3.0;
    let phases = ideal.voltage_phases.iter_mut().zip(ideal.current_phases.iter_mut());
    for ((voltage, current), sag) in phases.zip(sag) {
        *voltage += sag * s;
        *current -= CURRENT_PER_VOLTAGE * (sag - mean) * s;
    }
}

/// High vibration: both axes climb to 4 × normal with a 3-minute time constant (≥ 3.5 × after
/// 6 min).
pub(super) fn high_vibration(ideal: &mut Ideal, context: &ShapeContext<'_>) {
    let factor = 1.0 + 3.0 * approach(context.since_set, 180.0);
    ideal.vibration = ideal.vibration.map(|v| v * factor);
}

/// Insulation degradation: leakage steps up 80 % within minutes, then creeps toward 3.3 ×
/// normal (≥ 2.5 × after an hour).
pub(super) fn insulation_degradation(ideal: &mut Ideal, context: &ShapeContext<'_>) {
    let step = 0.8 * approach(context.since_set, 60.0);
    let creep = 1.5 * approach(context.since_set, 5400.0);
    ideal.leakage_current *= 1.0 + step + creep;
}

/// Sensor fault: the motor-temperature channel reads a frozen whole number 30 °C below the
/// reservoir's intake temperature; every other channel is honest.
pub(super) fn sensor_fault(ideal: &mut Ideal, context: &ShapeContext<'_>) {
    ideal.frozen_motor_temperature = Some((context.design.intake_temperature - 30.0).round());
}

/// 0 → 1 with time constant `tau` seconds: the share of a first-order change done after `elapsed`.
fn approach(elapsed: Duration, tau: f64) -> f64 {
    1.0 - (-elapsed.as_secs_f64() / tau).exp()
}

/// 0 before `from` seconds, 1 after `to`, a smooth S in between (steepest slope 1.5 / width).
fn smoothstep(elapsed: Duration, from: f64, to: f64) -> f64 {
    let x = ((elapsed.as_secs_f64() - from) / (to - from)).clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// A uniform number in [0, 1) redrawn once per noise tick.
fn tick_uniform(context: &ShapeContext<'_>, channel: u32) -> f64 {
    uniform(context.key, channel, context.t.as_secs() / TICK_SECONDS)
}

/// In a share `chance` of the ticks a size between `low` and `high`, else 0: dips or spikes.
fn burst(context: &ShapeContext<'_>, channel: u32, chance: f64, low: f64, high: f64) -> f64 {
    let u = tick_uniform(context, channel);
    if u < chance {
        low + (high - low) * (u / chance)
    } else {
        0.0
    }
}

#[cfg(test)]
#[path = "shapes_tests.rs"]
mod tests;
