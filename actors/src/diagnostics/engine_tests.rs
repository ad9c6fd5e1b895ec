//! Engine behaviour on synthetic wells: comms hysteresis, baseline learning and its gating,
//! nameplate rules, trips and their explanation.

use chrono::TimeZone;

use super::*;
use crate::domain::{RunState, TripCode, WellId};

const RATED: f64 = 60.0;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).single().unwrap_or_default()
}

/// A healthy running well at 45 A and 55 Hz with a little deterministic wobble.
fn healthy(secs: i64) -> Sample {
    let wobble = ((secs * 7919) % 13) as f64 / 13.0 - 0.5;
    let mut sample = Sample::new(WellId::new("W-1").unwrap_or_else(|e| panic!("{e}")), at(secs));
    sample.run_state = Some(RunState::Running);
    sample.trip_code = Some(TripCode::None);
    let values = [
        (Parameter::CurrentA, 45.0 + 0.2 * wobble),
        (Parameter::CurrentB, 45.1 + 0.2 * wobble),
        (Parameter::CurrentC, 44.9 + 0.2 * wobble),
        (Parameter::VoltageAb, 2000.0 + wobble),
        (Parameter::VoltageBc, 2001.0 + wobble),
        (Parameter::VoltageCa, 1999.0 + wobble),
        (Parameter::Frequency, 55.0 + 0.01 * wobble),
        (Parameter::IntakePressure, 1500.0 + wobble),
        (Parameter::DischargePressure, 3500.0 + wobble),
        (Parameter::CasingPressure, 100.0 + 0.1 * wobble),
        (Parameter::TubingPressure, 200.0 + 0.1 * wobble),
        (Parameter::FlowRate, 2500.0 + wobble),
        (Parameter::IntakeTemperature, 80.0 + 0.01 * wobble),
        (Parameter::MotorTemperature, 100.0 + 0.01 * wobble),
        (Parameter::VibrationX, 0.2 + 0.001 * wobble),
        (Parameter::VibrationY, 0.1 + 0.001 * wobble),
        (Parameter::LeakageCurrent, 2.0 + 0.001 * wobble),
    ];
    for (parameter, value) in values {
        sample.values.set(parameter, value);
    }
    sample
}

fn engine() -> Engine {
    Engine::new(
        WellData { motor_rated_current: RATED, ..WellData::default() },
        Thresholds::default(),
        Baseline::default(),
    )
}

fn feed(engine: &mut Engine, from: i64, to: i64, step: i64, shape: impl Fn(i64, &mut Sample)) {
    for secs in (from..to).step_by(step as usize) {
        let mut sample = healthy(secs);
        shape(secs, &mut sample);
        engine.observe(Poll { at: at(secs), connection: ConnectionState::Online, sample: Some(&sample) });
    }
}

fn holding(engine: &Engine) -> Vec<DiagnosisKind> {
    engine.findings().iter().filter(|f| f.measured).map(|f| f.kind).collect()
}

#[test]
fn comms_loss_needs_three_silent_polls_and_two_good_ones_to_clear() {
    let mut engine = engine();
    let offline =
        |e: &mut Engine, secs| e.observe(Poll { at: at(secs), connection: ConnectionState::Offline, sample: None });
    offline(&mut engine, 0);
    offline(&mut engine, 1);
    assert!(holding(&engine).is_empty());
    offline(&mut engine, 2);
    assert_eq!(holding(&engine), vec![DiagnosisKind::CommsLoss]);
    assert!(engine.findings().iter().filter(|f| f.kind != DiagnosisKind::CommsLoss).all(|f| f.inhibited));
    feed(&mut engine, 3, 4, 1, |_, _| {});
    assert_eq!(holding(&engine), vec![DiagnosisKind::CommsLoss]);
    feed(&mut engine, 4, 5, 1, |_, _| {});
    assert!(holding(&engine).is_empty());
}

#[test]
fn a_healthy_well_learns_a_valid_baseline_in_a_little_over_two_hours_and_raises_nothing() {
    let mut engine = engine();
    feed(&mut engine, 0, 2 * 3600, 5, |_, _| {});
    assert!(!engine.baseline().is_valid(), "valid before two hours of steady running");
    feed(&mut engine, 2 * 3600, 3 * 3600, 5, |_, _| {});
    assert!(engine.baseline().is_valid());
    let current = engine.baseline().current.unwrap_or_default();
    assert!((current - 45.0).abs() < 0.1, "{current}");
    assert!(holding(&engine).is_empty(), "{:?}", holding(&engine));
}

#[test]
fn sustained_overload_is_diagnosed_after_a_minute_above_115_percent() {
    let mut engine = engine();
    feed(&mut engine, 0, 600, 5, |_, _| {});
    let overloaded = |_: i64, s: &mut Sample| {
        for phase in [Parameter::CurrentA, Parameter::CurrentB, Parameter::CurrentC] {
            s.values.set(phase, 1.2 * RATED);
        }
    };
    feed(&mut engine, 600, 700, 5, overloaded);
    assert!(!holding(&engine).contains(&DiagnosisKind::Overload), "the 1-min mean needs to climb first");
    feed(&mut engine, 700, 800, 5, overloaded);
    assert_eq!(holding(&engine), vec![DiagnosisKind::Overload]);
    let finding = &engine.findings()[DiagnosisKind::Overload as usize];
    assert_eq!(finding.priority, Priority::High);
    assert!(finding.evidence.iter().any(|e| e.signal == "load_np_pct" && e.value >= 115.0));
}

#[test]
fn a_trip_is_unplanned_until_a_specific_cause_explains_it() {
    let mut engine = engine();
    feed(&mut engine, 0, 600, 5, |_, _| {});
    feed(&mut engine, 600, 660, 5, |_, s| {
        s.run_state = Some(RunState::Tripped);
        s.trip_code = Some(TripCode::Other);
    });
    let trip = &engine.findings()[DiagnosisKind::UnplannedTrip as usize];
    assert!(trip.measured);
    assert_eq!((trip.priority, trip.explained_by), (Priority::High, None));
}

#[test]
fn an_operator_stop_is_not_a_trip_and_clears_running_rules() {
    let mut engine = engine();
    feed(&mut engine, 0, 600, 5, |_, _| {});
    feed(&mut engine, 600, 1200, 5, |_, s| {
        s.run_state = Some(RunState::Stopped);
        s.trip_code = Some(TripCode::ManualStop);
        for phase in [Parameter::CurrentA, Parameter::CurrentB, Parameter::CurrentC] {
            s.values.set(phase, 0.0);
        }
    });
    assert!(holding(&engine).is_empty(), "{:?}", holding(&engine));
}

#[test]
fn a_frozen_gauge_is_a_sensor_fault_and_its_channel_is_kept_from_the_rules() {
    let mut engine = engine();
    feed(&mut engine, 0, 2400, 5, |_, s| s.values.set(Parameter::IntakePressure, 1500.0));
    assert_eq!(holding(&engine), vec![DiagnosisKind::SensorFault]);
    let finding = &engine.findings()[DiagnosisKind::SensorFault as usize];
    assert_eq!(finding.priority, Priority::Medium);
    assert!(finding.evidence.iter().any(|e| e.signal == "intake_pressure"));
}
