//! Signature tests of the load, electrical, vibration, insulation and sensor conditions
//! (esp-domain §2.3–2.4): each shows its own signature and not its look-alikes'.

use wellvisor_actors::domain::{Parameter, RunState, TripCode};

use crate::sim::condition::ProcessCondition;
use crate::sim::physics::Reading;
use crate::sim::signature_support::*;

fn vibration(r: &Reading) -> f64 {
    get(r, Parameter::VibrationX).abs().max(get(r, Parameter::VibrationY).abs())
}

#[test]
fn overload_draws_118_percent_of_nameplate_at_normal_voltage_then_trips() {
    for trial in Trial::all(ProcessCondition::Overload) {
        let rated = trial.model.design().rated_current;
        let window = trial.window(5 * 60, 8 * 60);
        let amps = stats(window.iter().map(current));
        assert!((1.15..=1.21).contains(&(amps.mean / rated)), "{amps:?} of {rated} A");
        assert!(amps.cv < 2.0 * trial.base.current.cv, "steady high, no solids spikes");
        let volts = stats(window.iter().map(voltage)).mean;
        assert!((volts / trial.base.voltage.mean - 1.0).abs() < 0.01, "voltage normal");
        let shaking = stats(window.iter().map(vibration)).mean;
        let base = trial.base.vibration[0].max(trial.base.vibration[1]);
        assert!(shaking < 1.3 * base, "vibration unchanged");
        assert_eq!(trial.at(7 * 60 + 59).run_state, RunState::Running, "trips no sooner than 6 min");
        let tripped = trial.at(8 * 60 + 1);
        assert_eq!((tripped.run_state, tripped.trip_code), (RunState::Tripped, TripCode::Overload));
    }
}

#[test]
fn solids_spike_the_current_up_and_shake_the_pump() {
    for trial in Trial::all(ProcessCondition::Solids) {
        let window = trial.window(5 * 60, 15 * 60);
        let amps = stats(window.iter().map(current));
        let normal = trial.base.current.mean;
        assert!(amps.max > 1.1 * normal, "spikes above 110 %: {amps:?}");
        assert!((1.02..1.10).contains(&(amps.mean / normal)), "mean a little higher: {amps:?}");
        assert!(amps.max - amps.mean > 2.0 * (amps.mean - amps.min), "spikes, not dips: {amps:?}");
        assert!(amps.cv > 2.0 * trial.base.current.cv);
        for (axis, parameter) in [Parameter::VibrationX, Parameter::VibrationY].into_iter().enumerate() {
            let level = stats(window.iter().map(|r| get(r, parameter))).mean;
            assert!(level >= 2.5 * trial.base.vibration[axis], "vibration {level} on axis {axis}");
        }
        assert!(stats(window.iter().map(voltage)).cv < 2.0 * trial.base.voltage.cv, "voltage steady");
        assert_eq!(trial.at(6 * 3600).run_state, RunState::Running);
    }
}

#[test]
fn current_imbalance_unbalances_one_phase_with_balanced_voltage() {
    for trial in Trial::all(ProcessCondition::CurrentImbalance) {
        for r in trial.window(5 * 60, 10 * 60).iter().step_by(13) {
            let (currents, voltages) = (unbalance(r, CURRENTS), unbalance(r, VOLTAGES));
            assert!((6.0..=8.0).contains(&currents), "current unbalance {currents}");
            assert!(voltages < 0.5, "voltage unbalance {voltages}");
            assert!(currents > 10.0 * voltages, "not absorbed by voltage imbalance");
        }
    }
}

#[test]
fn voltage_imbalance_sags_one_line_and_the_currents_follow_5_to_6_fold() {
    for trial in Trial::all(ProcessCondition::VoltageImbalance) {
        for r in trial.window(5 * 60, 10 * 60).iter().step_by(13) {
            let (currents, voltages) = (unbalance(r, CURRENTS), unbalance(r, VOLTAGES));
            assert!((3.0..=4.0).contains(&voltages), "voltage unbalance {voltages}");
            let ratio = currents / voltages;
            assert!((5.0..=6.0).contains(&ratio), "current {currents} / voltage {voltages} = {ratio}");
            assert!(voltage(r) > 0.95 * trial.base.voltage.mean, "a sag on one line, not a power event");
        }
    }
}

#[test]
fn motor_overheat_climbs_fast_past_rating_minus_10_at_steady_load_then_trips() {
    for trial in Trial::all(ProcessCondition::MotorOverheat) {
        let rated = trial.model.design().rated_temperature;
        let temperature = |offset: u64| get(&trial.at(offset), Parameter::MotorTemperature);
        let crossing = (0..4 * 3600).step_by(60).find(|&t| temperature(t) > rated - 10.0);
        let crossing = crossing.unwrap_or_else(|| panic!("never above {rated} − 10 °C"));
        assert!(temperature(crossing) - temperature(crossing - 600) > 2.0, "> 2 °C per 10 min");
        assert!(temperature(600) - temperature(0) > 2.0, "> 2 °C per 10 min from the start");
        let window = trial.window(crossing - 300, crossing);
        assert!(window.iter().all(|r| r.run_state == RunState::Running));
        let amps = stats(window.iter().map(current)).mean;
        assert!((amps / trial.base.current.mean - 1.0).abs() < 0.02, "load steady");
        let hz = stats(window.iter().map(|r| get(r, Parameter::Frequency))).mean;
        assert!((hz - trial.base.frequency).abs() < 0.1, "frequency steady");
        let flow = stats(window.iter().map(|r| get(r, Parameter::FlowRate))).mean;
        assert!((flow / trial.base.flow - 1.0).abs() < 0.02, "flow normal");
        let trip = (crossing..crossing + 3 * 3600).step_by(10).find(|&t| trial.at(t).run_state == RunState::Tripped);
        let trip = trip.unwrap_or_else(|| panic!("no motor-temperature trip"));
        assert_eq!(trial.at(trip).trip_code, TripCode::MotorOvertemperature);
        assert!((temperature(trip - 10) - rated).abs() < 1.0, "trips at the rating");
    }
}

#[test]
fn high_vibration_rises_on_both_axes_with_steady_current() {
    for trial in Trial::all(ProcessCondition::HighVibration) {
        let window = trial.window(10 * 60, 20 * 60);
        for (axis, parameter) in [Parameter::VibrationX, Parameter::VibrationY].into_iter().enumerate() {
            let level = stats(window.iter().map(|r| get(r, parameter))).mean;
            assert!(level >= 3.5 * trial.base.vibration[axis], "vibration {level} on axis {axis}");
        }
        let amps = stats(window.iter().map(current));
        assert!(amps.cv < 2.0 * trial.base.current.cv, "steady current: not solids");
        assert!(amps.max < 1.03 * amps.mean, "no spikes");
        assert_eq!(trial.at(6 * 3600).run_state, RunState::Running);
    }
}

#[test]
fn insulation_degradation_steps_the_leakage_up_then_keeps_rising() {
    for trial in Trial::all(ProcessCondition::InsulationDegradation) {
        let leakage = |from: u64| trial.stats(from, from + 60, |r| get(r, Parameter::LeakageCurrent)).mean;
        assert!(leakage(4 * 60) >= 1.7 * trial.base.leakage, "+80 % within minutes");
        assert!(leakage(3600) >= 2.5 * trial.base.leakage, "≥ 2.5 × after an hour");
        assert!(leakage(3 * 3600) > leakage(3600), "keeps rising");
        let r = trial.at(3600);
        assert!((current(&r) / trial.base.current.mean - 1.0).abs() < 0.02, "everything else normal");
        assert!((get(&r, Parameter::IntakePressure) / trial.base.intake_pressure - 1.0).abs() < 0.01);
        assert!(vibration(&r) < 1.4 * trial.base.vibration[0].max(trial.base.vibration[1]));
        assert_eq!(r.run_state, RunState::Running);
    }
}

#[test]
fn sensor_fault_freezes_motor_temperature_below_intake_with_all_else_normal() {
    for trial in Trial::all(ProcessCondition::SensorFault) {
        let window = trial.window(60, 31 * 60);
        let frozen = get(&window[0], Parameter::MotorTemperature);
        for r in &window {
            assert_eq!(get(r, Parameter::MotorTemperature).to_bits(), frozen.to_bits(), "bit-identical");
            assert!(frozen < get(r, Parameter::IntakeTemperature) - 5.0, "T_m < T_i − 5 °C");
            assert_eq!(r.run_state, RunState::Running);
        }
        let amps = stats(window.iter().map(current)).mean;
        assert!((amps / trial.base.current.mean - 1.0).abs() < 0.01);
        let pip = stats(window.iter().map(|r| get(r, Parameter::IntakePressure))).mean;
        assert!((pip / trial.base.intake_pressure - 1.0).abs() < 0.01);
    }
}
