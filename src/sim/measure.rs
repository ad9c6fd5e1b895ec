//! Measurement: a well's noise-free values turned into what its instruments report, with
//! per-phase unbalance and deterministic noise (see [`super::noise`]).

use std::time::Duration;

use wellvisor_actors::domain::{Parameter, Values};

use super::noise::{gaussian, TICK_SECONDS};
use super::physics::Ideal;

/// Noise channels: each measured quantity draws its own independent stream.
mod channel {
    pub const FREQUENCY: u32 = 1;
    pub const CURRENT: u32 = 2;
    pub const CURRENT_PHASE: u32 = 3; // .. 5
    pub const VOLTAGE: u32 = 6;
    pub const VOLTAGE_PHASE: u32 = 7; // .. 9
    pub const POWER_FACTOR: u32 = 10;
    pub const INTAKE_PRESSURE: u32 = 11;
    pub const DELTA_P: u32 = 12;
    pub const INTAKE_TEMPERATURE: u32 = 13;
    pub const MOTOR_TEMPERATURE: u32 = 14;
    pub const VIBRATION: u32 = 15; // .. 16
    pub const LEAKAGE: u32 = 17;
    pub const TUBING: u32 = 18;
    pub const CASING: u32 = 19;
    pub const FLOW: u32 = 20;
    pub const DRIVE_TEMPERATURE: u32 = 21;
}

/// Adds measurement noise and per-phase unbalance to `ideal` and fills every parameter.
pub(super) fn measure(key: u64, ideal: &Ideal, t: Duration, starts: u32) -> Values {
    let tick = t.as_secs() / TICK_SECONDS;
    let noise = |channel: u32| gaussian(key, channel, tick);
    let mut values = Values::default();
    measure_electrical(ideal, &noise, &mut values);
    measure_process(ideal, &noise, &mut values);
    values.set(Parameter::StartsCount, f64::from(starts));
    values
}

/// Drive values: phase currents and voltages, frequency, power factor and power.
fn measure_electrical(ideal: &Ideal, noise: &dyn Fn(u32) -> f64, values: &mut Values) {
    let current = ideal.current * (1.0 + 0.004 * noise(channel::CURRENT));
    let voltage = ideal.voltage * (1.0 + 0.003 * noise(channel::VOLTAGE));
    let currents = per_phase(current, ideal.current_phases, 0.001, |i| noise(channel::CURRENT_PHASE + i));
    let voltages = per_phase(voltage, ideal.voltage_phases, 0.0005, |i| noise(channel::VOLTAGE_PHASE + i));
    // A stopped drive reads exactly zero, not zero plus noise.
    let noisy_or_zero = |value: f64, sigma: f64, channel: u32| {
        if value > 0.0 {
            (value + sigma * noise(channel)).max(0.0)
        } else {
            0.0
        }
    };
    let power_factor = noisy_or_zero(ideal.power_factor, 0.003, channel::POWER_FACTOR).min(1.0);
    let frequency = noisy_or_zero(ideal.frequency, 0.02, channel::FREQUENCY);
    let mean = |x: [f64; 3]| x.iter().sum::<f64>() / 3.0;
    let power_kw = 3.0_f64.sqrt() * mean(voltages) * mean(currents) * power_factor / 1000.0;
    let phases = [Parameter::CurrentA, Parameter::CurrentB, Parameter::CurrentC];
    let lines = [Parameter::VoltageAb, Parameter::VoltageBc, Parameter::VoltageCa];
    for (parameter, value) in phases.into_iter().zip(currents).chain(lines.into_iter().zip(voltages)) {
        values.set(parameter, value);
    }
    values.set(Parameter::Frequency, frequency);
    values.set(Parameter::PowerFactor, power_factor);
    values.set(Parameter::Power, power_kw);
}

/// Gauge and wellhead values: pressures, temperatures, vibration, leakage, flow.
fn measure_process(ideal: &Ideal, noise: &dyn Fn(u32) -> f64, values: &mut Values) {
    let relative = |value: f64, sigma: f64, channel: u32| value * (1.0 + sigma * noise(channel));
    let intake_pressure = ideal.intake_pressure + 2.0 * noise(channel::INTAKE_PRESSURE);
    let intake_temperature = ideal.intake_temperature + 0.1 * noise(channel::INTAKE_TEMPERATURE);
    let motor_rise = (ideal.motor_rise + 0.1 * noise(channel::MOTOR_TEMPERATURE)).max(0.0);
    let delta_p = relative(ideal.pump_delta_p, 0.002, channel::DELTA_P);
    values.set(Parameter::IntakePressure, intake_pressure);
    values.set(Parameter::DischargePressure, intake_pressure + delta_p);
    values.set(Parameter::IntakeTemperature, intake_temperature);
    let motor_temperature = ideal.frozen_motor_temperature.unwrap_or(intake_temperature + motor_rise);
    values.set(Parameter::MotorTemperature, motor_temperature);
    values.set(Parameter::VibrationX, relative(ideal.vibration[0], 0.1, channel::VIBRATION));
    values.set(Parameter::VibrationY, relative(ideal.vibration[1], 0.1, channel::VIBRATION + 1));
    values.set(Parameter::LeakageCurrent, relative(ideal.leakage_current, 0.03, channel::LEAKAGE));
    values.set(Parameter::TubingPressure, relative(ideal.tubing_pressure, 0.01, channel::TUBING));
    values.set(Parameter::CasingPressure, relative(ideal.casing_pressure, 0.01, channel::CASING));
    values.set(Parameter::FlowRate, relative(ideal.flow_rate, 0.015, channel::FLOW));
    let drive_temperature = ideal.drive_temperature + 0.2 * noise(channel::DRIVE_TEMPERATURE);
    values.set(Parameter::DriveTemperature, drive_temperature);
}

/// Splits an average into three phases: the offsets (design unbalance, reshaped by a condition)
/// plus small independent noise.
fn per_phase(average: f64, unbalance: [f64; 3], sigma: f64, noise: impl Fn(u32) -> f64) -> [f64; 3] {
    [0u32, 1, 2].map(|i| average * (1.0 + unbalance[i as usize] + sigma * noise(i)))
}
