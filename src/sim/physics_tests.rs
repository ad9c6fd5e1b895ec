//! Unit and property tests of the pure ESP model, with injected time.

use proptest::prelude::*;
use wellvisor_actors::domain::Parameter;

use super::*;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn model(seed: u64, index: usize) -> WellModel {
    WellModel::for_well(seed, index, &WellData::default(), DEFAULT_RESTART_DELAY)
}

fn get(reading: &Reading, parameter: Parameter) -> f64 {
    reading.values.get(parameter).unwrap_or(f64::NAN)
}

/// NEMA unbalance, %: largest deviation from the mean over the mean.
fn unbalance(reading: &Reading, phases: [Parameter; 3]) -> f64 {
    let values = phases.map(|p| get(reading, p));
    let mean = values.iter().sum::<f64>() / 3.0;
    100.0 * values.iter().map(|v| (v - mean).abs()).fold(0.0, f64::max) / mean
}

const CURRENTS: [Parameter; 3] = [Parameter::CurrentA, Parameter::CurrentB, Parameter::CurrentC];
const VOLTAGES: [Parameter; 3] = [Parameter::VoltageAb, Parameter::VoltageBc, Parameter::VoltageCa];

#[test]
fn a_new_well_runs_steadily_at_time_zero() {
    let mut well = model(1, 0);
    let design = well.design().clone();
    let reading = well.observe(Duration::ZERO);
    assert_eq!(reading.run_state, RunState::Running);
    assert_eq!(reading.trip_code, TripCode::None);
    assert!((get(&reading, Parameter::Frequency) - design.frequency).abs() < 0.1);
    let current = get(&reading, Parameter::CurrentA);
    assert!((current - design.running_current()).abs() < 0.03 * design.running_current());
    assert!((get(&reading, Parameter::IntakePressure) - design.intake_pressure).abs() < 10.0);
    assert_eq!(get(&reading, Parameter::StartsCount), f64::from(design.initial_starts));
}

#[test]
fn power_follows_volts_amps_and_power_factor() {
    let mut well = model(2, 5);
    let reading = well.observe(secs(42));
    let mean = |phases: [Parameter; 3]| phases.iter().map(|p| get(&reading, *p)).sum::<f64>() / 3.0;
    let expected = 3.0_f64.sqrt() * mean(VOLTAGES) * mean(CURRENTS) * get(&reading, Parameter::PowerFactor) / 1000.0;
    assert!((get(&reading, Parameter::Power) - expected).abs() < 1e-9);
    let discharge = get(&reading, Parameter::DischargePressure);
    assert!(discharge > get(&reading, Parameter::IntakePressure) + 1000.0);
}

#[test]
fn readings_are_a_function_of_seed_and_time() {
    assert_eq!(model(9, 3).observe(secs(100)), model(9, 3).observe(secs(100)));
    assert_ne!(model(9, 3).observe(secs(100)), model(9, 3).observe(secs(101)));
    assert_ne!(model(9, 3).observe(secs(100)), model(10, 3).observe(secs(100)));
}

#[test]
fn a_trip_zeroes_the_drive_and_pip_builds_up_toward_static() {
    let mut well = model(3, 1);
    let design = well.design().clone();
    well.apply(ProcessEvent::Trip { code: TripCode::PowerLoss, restart_after: Some(secs(3600)) }, secs(10));
    let early = well.observe(secs(11));
    assert_eq!(early.run_state, RunState::Tripped);
    assert_eq!(early.trip_code, TripCode::PowerLoss);
    for parameter in [Parameter::CurrentA, Parameter::Frequency, Parameter::Power, Parameter::FlowRate] {
        assert_eq!(get(&early, parameter), 0.0, "{parameter}");
    }
    let late = well.observe(secs(10 + 1800));
    assert!(get(&late, Parameter::IntakePressure) > get(&early, Parameter::IntakePressure));
    assert!((get(&late, Parameter::IntakePressure) - design.static_intake_pressure()).abs() < 15.0);
    let motor_rise = get(&late, Parameter::MotorTemperature) - get(&late, Parameter::IntakeTemperature);
    assert!(motor_rise < design.motor_rise / 2.0, "the motor cools while stopped");
}

#[test]
fn a_tripped_well_restarts_by_itself_and_counts_the_start() {
    let mut well = model(4, 2);
    let design = well.design().clone();
    let starts = f64::from(design.initial_starts);
    well.apply(ProcessEvent::Trip { code: TripCode::Underload, restart_after: Some(secs(60)) }, secs(10));
    assert_eq!(well.observe(secs(69)).run_state, RunState::Tripped);

    let starting = well.observe(secs(71));
    assert_eq!(starting.run_state, RunState::Starting);
    assert_eq!(get(&starting, Parameter::StartsCount), starts + 1.0);
    assert!(get(&starting, Parameter::Frequency) < design.frequency * 0.2);
    assert!(get(&starting, Parameter::CurrentA) > design.running_current(), "inrush");
    assert_eq!(starting.trip_code, TripCode::Underload, "the last trip code survives the restart");

    let running = well.observe(secs(70) + design.ramp + secs(1));
    assert_eq!(running.run_state, RunState::Running);
    assert!((get(&running, Parameter::Frequency) - design.frequency).abs() < 0.1);
    assert_eq!(get(&running, Parameter::StartsCount), starts + 1.0);
}

#[test]
fn the_ramp_raises_frequency_monotonically() {
    let mut well = model(5, 0);
    well.apply(ProcessEvent::Stop, secs(1));
    well.apply(ProcessEvent::Start, secs(100));
    let ramp = well.design().ramp.as_secs();
    let mut last = -1.0;
    for t in (100..100 + ramp).step_by(5) {
        let reading = well.observe(secs(t));
        assert_eq!(reading.run_state, RunState::Starting);
        let frequency = get(&reading, Parameter::Frequency);
        assert!(frequency > last - 0.1, "frequency {frequency} fell below {last} at {t}s");
        last = frequency;
    }
}

#[test]
fn a_stop_holds_until_a_start_and_a_start_while_running_is_ignored() {
    let mut well = model(6, 0);
    let starts = well.design().initial_starts;
    well.apply(ProcessEvent::Start, secs(5));
    assert_eq!(get(&well.observe(secs(6)), Parameter::StartsCount), f64::from(starts));
    well.apply(ProcessEvent::Stop, secs(10));
    let stopped = well.observe(secs(10_000));
    assert_eq!((stopped.run_state, stopped.trip_code), (RunState::Stopped, TripCode::ManualStop));
    well.apply(ProcessEvent::Start, secs(10_001));
    assert_eq!(well.observe(secs(10_002)).run_state, RunState::Starting);
    assert_eq!(get(&well.observe(secs(10_002)), Parameter::StartsCount), f64::from(starts + 1));
}

#[test]
fn skipping_far_ahead_replays_restart_and_ramp() {
    let mut well = model(7, 0);
    well.apply(ProcessEvent::Trip { code: TripCode::Overload, restart_after: None }, secs(0));
    let reading = well.observe(secs(100_000));
    assert_eq!(reading.run_state, RunState::Running);
    assert_eq!(get(&reading, Parameter::StartsCount), f64::from(well.design().initial_starts + 1));
}

#[test]
fn an_absurd_restart_delay_saturates_instead_of_overflowing() {
    let mut well = model(9, 0);
    well.apply(ProcessEvent::Trip { code: TripCode::Other, restart_after: Some(Duration::MAX) }, secs(10));
    assert_eq!(well.observe(secs(1_000_000)).run_state, RunState::Tripped);
}

#[test]
fn the_normal_condition_leaves_readings_unchanged() {
    let mut plain = model(8, 1);
    let mut conditioned = model(8, 1);
    conditioned.apply(ProcessEvent::Condition(ProcessCondition::Normal), secs(5));
    assert_eq!(plain.observe(secs(3_600)), conditioned.observe(secs(3_600)));
}

#[test]
fn a_power_dip_sags_the_voltage_then_trips_on_power_loss_and_restarts() {
    let mut well = model(12, 0);
    let design = well.design().clone();
    let dip = ProcessEvent::PowerDip { ride_through: secs(2), restart_after: Some(secs(150)) };
    well.apply(dip, secs(600));
    let sagging = well.observe(secs(601));
    assert_eq!(sagging.run_state, RunState::Running);
    let voltage = get(&sagging, Parameter::VoltageAb);
    assert!((0.55..0.65).contains(&(voltage / design.voltage)), "sagged to {voltage} V of {}", design.voltage);
    let tripped = well.observe(secs(602));
    assert_eq!((tripped.run_state, tripped.trip_code), (RunState::Tripped, TripCode::PowerLoss));
    assert_eq!(well.observe(secs(751)).run_state, RunState::Tripped);
    assert_eq!(well.observe(secs(753)).run_state, RunState::Starting);
    let running = well.observe(secs(753) + design.ramp);
    assert_eq!(running.run_state, RunState::Running);
    assert!((get(&running, Parameter::VoltageAb) / design.voltage - 1.0).abs() < 0.01, "the sag is over");
}

#[test]
fn a_power_dip_leaves_a_stopped_well_alone() {
    let mut well = model(12, 1);
    well.apply(ProcessEvent::Stop, secs(10));
    well.apply(ProcessEvent::PowerDip { ride_through: secs(2), restart_after: None }, secs(20));
    let reading = well.observe(secs(10_000));
    assert_eq!((reading.run_state, reading.trip_code), (RunState::Stopped, TripCode::ManualStop));
}

#[test]
fn a_dip_during_the_ramp_trips_before_the_ramp_ends() {
    let mut well = model(12, 2);
    well.apply(ProcessEvent::Trip { code: TripCode::Other, restart_after: Some(secs(10)) }, secs(0));
    well.apply(ProcessEvent::PowerDip { ride_through: secs(2), restart_after: Some(secs(60)) }, secs(12));
    let reading = well.observe(secs(15));
    assert_eq!((reading.run_state, reading.trip_code), (RunState::Tripped, TripCode::PowerLoss));
    assert_eq!(well.observe(secs(75)).run_state, RunState::Starting);
}

proptest! {
    #[test]
    fn running_readings_stay_plausible(seed in any::<u64>(), index in 0usize..10_000, t in 0u64..1_000_000) {
        let reading = model(seed, index).observe(secs(t));
        prop_assert_eq!(reading.run_state, RunState::Running);
        prop_assert!(unbalance(&reading, CURRENTS) < 1.0);
        prop_assert!(unbalance(&reading, VOLTAGES) < 0.5);
        let frequency = get(&reading, Parameter::Frequency);
        prop_assert!((53.9..=58.3).contains(&frequency));
        let power_factor = get(&reading, Parameter::PowerFactor);
        prop_assert!((0.78..=0.92).contains(&power_factor));
        let intake = get(&reading, Parameter::IntakeTemperature);
        let motor = get(&reading, Parameter::MotorTemperature);
        prop_assert!(motor - intake >= 14.0 && motor - intake <= 31.0);
        prop_assert!(get(&reading, Parameter::VibrationX) > 0.0);
        prop_assert!((30.0..=50.5).contains(&get(&reading, Parameter::DriveTemperature)));
        prop_assert!(reading.values.iter().all(|(_, value)| value.is_finite()));
    }

    #[test]
    fn any_trip_restarts_within_delay_plus_ramp(
        seed in any::<u64>(), at in 0u64..10_000, delay in 1u64..3_600, code_index in 0usize..TripCode::ALL.len()
    ) {
        let mut well = model(seed, 0);
        let code = TripCode::ALL[code_index];
        well.apply(ProcessEvent::Trip { code, restart_after: Some(secs(delay)) }, secs(at));
        let settled = secs(at + delay) + well.design().ramp;
        let reading = well.observe(settled);
        prop_assert_eq!(reading.run_state, RunState::Running);
        prop_assert_eq!(reading.trip_code, code);
        prop_assert_eq!(get(&reading, Parameter::StartsCount), f64::from(well.design().initial_starts + 1));
    }
}
