//! Signature tests of the hydraulic conditions (esp-domain §2.2–2.4): each shows its own
//! signature and not its look-alikes', for several wells and well data, in simulated time.

use wellvisor_actors::domain::{Parameter, RunState, TripCode};

use super::ProcessCondition;
use crate::sim::physics::Reading;
use crate::sim::signature_support::*;

/// Largest relative change of the average current between readings 60 s apart.
fn largest_step_in_60s(readings: &[Reading]) -> f64 {
    readings.windows(61).map(|w| (current(&w[60]) - current(&w[0])).abs() / current(&w[0])).fold(0.0, f64::max)
}

#[test]
fn a_healthy_well_stays_normal_for_24_hours() {
    for trial in Trial::all(ProcessCondition::Normal) {
        let d = trial.model.design().clone();
        let readings = trial.window(0, 24 * 3600);
        for (t, r) in readings.iter().enumerate().step_by(7) {
            let context = format!("{d:?} at {t}s");
            assert_eq!((r.run_state, r.trip_code), (RunState::Running, TripCode::None), "{context}");
            let load = 100.0 * current(r) / d.rated_current;
            assert!((70.0..=90.0).contains(&load), "load {load} {context}");
            let frequency = get(r, Parameter::Frequency);
            assert!(frequency < d.design_frequency - 0.5 && frequency > 0.88 * d.design_frequency, "{context}");
            assert!(get(r, Parameter::IntakePressure) >= 1.3 * d.bubble_point, "{context}");
            assert!(submergence(r) >= 450.0, "{context}");
            let flow = get(r, Parameter::FlowRate) / (d.design_flow * d.speed_ratio());
            assert!((0.75..=1.05).contains(&flow), "flow ratio {flow} {context}");
            assert!(get(r, Parameter::TubingPressure) < 0.4 * d.shut_in_head, "{context}");
            let motor = get(r, Parameter::MotorTemperature);
            assert!(motor <= d.rated_temperature - 15.0 - 25.0, "motor {motor} {context}");
            assert!(unbalance(r, CURRENTS) < 1.0, "{context}");
            assert!(unbalance(r, VOLTAGES) < 0.5, "{context}");
            assert!((get(r, Parameter::VibrationX) / d.vibration[0] - 1.0).abs() < 0.36, "{context}");
            assert!((get(r, Parameter::LeakageCurrent) / d.leakage_current - 1.0).abs() < 0.11, "{context}");
        }
        for chunk in readings.chunks(600) {
            assert!(stats(chunk.iter().map(current)).cv < 0.008, "steady current {d:?}");
        }
    }
}

#[test]
fn pump_off_declines_gradually_to_an_underload_trip_and_repeats_after_the_restart() {
    for trial in Trial::all_with_delay(ProcessCondition::PumpOff, secs(15 * 60)) {
        let before_trip = trial.window(0, 600);
        assert!(largest_step_in_60s(&before_trip) <= 0.2, "no step > 20 % in 60 s");
        let late = &before_trip[480];
        assert!(current(late) < 0.8 * trial.base.current.mean, "current below 80 % of normal");
        assert!(submergence(late) < 50.0, "submergence {} before the trip", submergence(late));
        assert!(get(late, Parameter::FlowRate) < 0.6 * trial.base.flow);
        assert!(get(late, Parameter::TubingPressure) < 0.8 * trial.base.tubing);
        assert_eq!(late.run_state, RunState::Running);

        let tripped = trial.at(601);
        assert_eq!((tripped.run_state, tripped.trip_code), (RunState::Tripped, TripCode::Underload));
        let recovered = trial.at(600 + 14 * 60);
        assert!(get(&recovered, Parameter::IntakePressure) > 0.9 * trial.base.intake_pressure, "PIP recovers");

        let restart = 600 + 15 * 60;
        let ramp = trial.model.design().ramp.as_secs();
        let again = trial.at(restart + ramp + 600 + 1);
        assert_eq!((again.run_state, again.trip_code), (RunState::Tripped, TripCode::Underload));
        assert_eq!(get(&again, Parameter::StartsCount), get(&trial.at(0), Parameter::StartsCount) + 1.0);
    }
}

#[test]
fn gas_interference_is_erratic_with_dips_near_the_bubble_point_without_a_trip() {
    for trial in Trial::all(ProcessCondition::GasInterference) {
        let pb = trial.model.design().bubble_point;
        let window = trial.window(30 * 60, 40 * 60);
        let pip = stats(window.iter().map(|r| get(r, Parameter::IntakePressure)));
        assert!(pip.mean < 1.05 * pb && pip.min > pb, "PIP {pip:?} just above Pb {pb}");
        assert!(window.iter().all(|r| submergence(r) > 300.0), "submergence stays large");
        let amps = stats(window.iter().map(current));
        assert!(amps.cv > 4.0 * trial.base.current.cv, "erratic: {amps:?} vs {:?}", trial.base.current);
        assert!(amps.mean >= 0.9 * trial.base.current.mean, "mean load holds");
        assert!(amps.mean - amps.min > 2.0 * (amps.max - amps.mean), "dips, not spikes: {amps:?}");
        assert!(amps.max < 1.05 * trial.base.current.mean);
        let volts = stats(window.iter().map(voltage));
        assert!(volts.cv < 2.0 * trial.base.voltage.cv, "voltage steady");
        let vibration = stats(window.iter().map(|r| get(r, Parameter::VibrationX)));
        assert!((vibration.mean / trial.base.vibration[0] - 1.0).abs() < 0.1, "vibration unchanged");
        assert_eq!(trial.at(6 * 3600).run_state, RunState::Running, "no shutdown");
    }
}

#[test]
fn gas_lock_keeps_submergence_below_the_bubble_point_collapses_flow_and_trips() {
    for trial in Trial::all(ProcessCondition::GasLock) {
        let d = trial.model.design().clone();
        let early = trial.stats(0, 240, current);
        assert!(early.cv > 4.0 * trial.base.current.cv, "irregular first: {early:?}");
        let locked = trial.window(8 * 60, 14 * 60);
        for r in &locked {
            assert!(get(r, Parameter::IntakePressure) < d.bubble_point, "PIP below Pb");
            assert!(submergence(r) >= 50.0, "submergence remains: not pump-off");
            assert!(get(r, Parameter::FlowRate) < 0.1 * d.design_flow);
            assert!(delta_p(r) < 0.3 * trial.base.delta_p, "ΔP collapses");
        }
        assert!(stats(locked.iter().map(current)).mean < 0.7 * trial.base.current.mean);
        let pip = |r: &Reading| get(r, Parameter::IntakePressure);
        assert!(pip(&locked[locked.len() - 1]) <= pip(&locked[0]) + 10.0, "PIP not rising: not a broken shaft");
        let motor = trial.stats(13 * 60, 14 * 60, |r| get(r, Parameter::MotorTemperature)).mean;
        assert!(motor > trial.base.motor_temperature + 2.0, "the pump heats");
        let tripped = trial.at(15 * 60 + 1);
        assert_eq!((tripped.run_state, tripped.trip_code), (RunState::Tripped, TripCode::Underload));
    }
}

#[test]
fn broken_shaft_steps_the_current_down_at_constant_frequency_while_pip_rises() {
    for trial in Trial::all(ProcessCondition::BrokenShaft) {
        let d = trial.model.design().clone();
        let base = trial.base;
        let stepped = trial.at(10);
        assert!(current(&stepped) < 0.5 * base.current.mean, "a step within seconds");
        let minute = trial.at(60);
        let ratio = current(&minute) / base.current.mean;
        assert!((0.25..=0.5).contains(&ratio), "no-load amps {ratio}");
        assert!((get(&minute, Parameter::Frequency) - base.frequency).abs() < 0.5, "same frequency");
        let (one, four) = (trial.at(60), trial.at(240));
        let pip = |r: &Reading| get(r, Parameter::IntakePressure);
        assert!(pip(&four) > pip(&one) + 20.0 && pip(&four) >= 1.05 * base.intake_pressure, "PIP rising");
        assert!(pip(&four) > d.bubble_point, "PIP above Pb: not gas");
        assert!(delta_p(&trial.at(120)) < 0.2 * base.delta_p);
        assert!(get(&trial.at(120), Parameter::FlowRate) < 0.1 * d.design_flow);
        assert!(get(&four, Parameter::TubingPressure) < 0.8 * base.tubing, "tubing P falls: not a closed valve");
        let tripped = trial.at(5 * 60 + 1);
        assert_eq!((tripped.run_state, tripped.trip_code), (RunState::Tripped, TripCode::Underload));
    }
}

#[test]
fn tubing_leak_loses_rate_and_head_over_hours_with_no_step_and_pip_holding() {
    for trial in Trial::all(ProcessCondition::TubingLeak) {
        let base = trial.base;
        let first_hours = trial.window(0, 2 * 3600);
        assert!(largest_step_in_60s(&first_hours) < 0.03, "gradual, no amps step");
        let late = trial.window(2 * 3600 - 600, 2 * 3600);
        let mean = |f: &dyn Fn(&Reading) -> f64| stats(late.iter().map(f)).mean;
        assert!((mean(&|r| get(r, Parameter::Frequency)) - base.frequency).abs() < 0.1, "constant frequency");
        assert!(mean(&|r| get(r, Parameter::FlowRate)) <= 0.7 * base.flow);
        assert!(mean(&|r| get(r, Parameter::TubingPressure)) <= 0.8 * base.tubing);
        assert!(mean(&delta_p) <= 0.8 * base.delta_p);
        assert!(mean(&|r| get(r, Parameter::IntakePressure)) >= 0.98 * base.intake_pressure, "PIP holds");
        let amps = mean(&current) / base.current.mean;
        assert!((0.85..0.97).contains(&amps), "only modestly lower: {amps}");
        assert_eq!(trial.at(6 * 3600).run_state, RunState::Running);
    }
}

#[test]
fn closed_valve_dead_heads_against_the_shut_in_head_and_heats_up() {
    for trial in Trial::all(ProcessCondition::ClosedValve) {
        let d = trial.model.design().clone();
        let base = trial.base;
        let minute = trial.at(60);
        assert!(current(&minute) > 0.75 * base.current.mean, "gradual: not a broken shaft");
        let closed = trial.at(3 * 60);
        assert!(get(&closed, Parameter::TubingPressure) >= 0.95 * d.shut_in_head_at_speed());
        assert!(get(&closed, Parameter::FlowRate) < 0.1 * d.design_flow);
        let amps = trial.stats(6 * 60, 9 * 60, current).mean / base.current.mean;
        assert!((0.6..=0.72).contains(&amps), "toward shut-off power: {amps}");
        let late = trial.at(9 * 60);
        let pip = get(&late, Parameter::IntakePressure);
        assert!(pip > base.intake_pressure + 10.0 && pip < d.static_intake_pressure(), "PIP rises a little");
        assert!(get(&late, Parameter::MotorTemperature) > base.motor_temperature + 1.0);
        assert!(get(&late, Parameter::IntakeTemperature) > base.intake_temperature + 0.8);
        assert!(delta_p(&late) > base.delta_p, "discharge at shut-off");
        let tripped = trial.at(10 * 60 + 1);
        assert_eq!((tripped.run_state, tripped.trip_code), (RunState::Tripped, TripCode::Other));
    }
}

#[test]
fn conditions_parse_by_their_diagnosis_names() {
    for condition in ProcessCondition::ALL {
        let name = serde_json::to_value(condition).expect("serialisable");
        let back: ProcessCondition = serde_json::from_value(name.clone()).expect("parses back");
        assert_eq!(back, condition, "{name}");
    }
    let gas_lock: ProcessCondition = serde_json::from_str("\"gas_lock\"").expect("gas_lock");
    assert_eq!(gas_lock, ProcessCondition::GasLock);
}
