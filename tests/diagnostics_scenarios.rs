//! Every process fault the simulator can show is diagnosed by the matching rule within its
//! bound, and no other high-priority diagnosis is shown for that well. Simulated time: each
//! well runs 2.5 h to learn its baseline, then the fault begins.

#[path = "support/diagnosis_rig.rs"]
mod rig;

use std::time::Duration;

use rig::{at, minutes, Rig};
use wellvisor::sim::{ProcessCondition, ProcessEvent};
use wellvisor_actors::diagnostics::book::AlarmBook;
use wellvisor_actors::diagnostics::DiagnosisKind;
use wellvisor_actors::domain::{TripCode, WellData};

/// When the fault begins: after the baseline is valid.
const ONSET: Duration = Duration::from_secs(150 * 60);
const PERIOD: Duration = Duration::from_secs(5);

/// Runs `condition` on a few wells and checks `expected` appears within `bound` of the onset.
/// Each bound is the time the simulated fault takes to show its signature plus the rule's
/// documented detection time (README, "Diagnostics and alarms").
fn diagnoses(condition: ProcessCondition, expected: DiagnosisKind, bound: Duration) {
    for index in [0, 3, 7] {
        let book = AlarmBook::new(at(Duration::ZERO));
        let mut rig = Rig::new(11, index, &WellData::default(), &book);
        rig.run(ONSET, PERIOD, &book);
        assert!(rig.diagnostics.engine().baseline().is_valid(), "well {index}: no baseline by the onset");
        assert!(rig.history.is_empty(), "well {index}: raised before the fault: {:?}", rig.history);
        rig.apply(ProcessEvent::Condition(condition), ONSET);
        rig.run(ONSET + bound, PERIOD, &book);
        let raised = rig.first_raised(expected, at(ONSET));
        let summary = rig.summary(at(ONSET));
        assert!(raised.is_some(), "well {index}: {expected} not raised within {bound:?}; history: {summary:?}");
        let others = rig.other_high(expected, at(ONSET), &book);
        assert!(others.is_empty(), "well {index}: other high-priority diagnoses {others:?}; history: {summary:?}");
    }
}

#[test]
fn pump_off_is_diagnosed() {
    diagnoses(ProcessCondition::PumpOff, DiagnosisKind::PumpOff, minutes(6 + 3));
}

#[test]
fn gas_interference_is_diagnosed() {
    diagnoses(ProcessCondition::GasInterference, DiagnosisKind::GasInterference, minutes(15 + 12));
}

#[test]
fn gas_lock_is_diagnosed() {
    diagnoses(ProcessCondition::GasLock, DiagnosisKind::GasLock, minutes(5 + 5));
}

#[test]
fn broken_shaft_is_diagnosed() {
    diagnoses(ProcessCondition::BrokenShaft, DiagnosisKind::BrokenShaft, minutes(2 + 3));
}

#[test]
fn tubing_leak_is_diagnosed() {
    diagnoses(ProcessCondition::TubingLeak, DiagnosisKind::TubingLeak, minutes(80 + 180));
}

#[test]
fn closed_valve_is_diagnosed() {
    diagnoses(ProcessCondition::ClosedValve, DiagnosisKind::ClosedValve, minutes(2 + 3));
}

#[test]
fn overload_is_diagnosed() {
    diagnoses(ProcessCondition::Overload, DiagnosisKind::Overload, minutes(1 + 6));
}

#[test]
fn solids_are_diagnosed() {
    diagnoses(ProcessCondition::Solids, DiagnosisKind::Solids, minutes(2 + 17));
}

#[test]
fn current_imbalance_is_diagnosed() {
    diagnoses(ProcessCondition::CurrentImbalance, DiagnosisKind::CurrentImbalance, minutes(1 + 11));
}

#[test]
fn voltage_imbalance_is_diagnosed() {
    diagnoses(ProcessCondition::VoltageImbalance, DiagnosisKind::VoltageImbalance, minutes(1 + 11));
}

#[test]
fn motor_overheat_is_diagnosed() {
    diagnoses(ProcessCondition::MotorOverheat, DiagnosisKind::MotorOverheat, minutes(5 + 3));
}

#[test]
fn high_vibration_is_diagnosed() {
    diagnoses(ProcessCondition::HighVibration, DiagnosisKind::HighVibration, minutes(6 + 17));
}

#[test]
fn insulation_degradation_is_diagnosed() {
    diagnoses(ProcessCondition::InsulationDegradation, DiagnosisKind::InsulationDegradation, minutes(5 + 35));
}

#[test]
fn sensor_fault_is_diagnosed() {
    diagnoses(ProcessCondition::SensorFault, DiagnosisKind::SensorFault, minutes(1 + 35));
}

#[test]
fn an_unexplained_trip_is_an_unplanned_trip() {
    let book = AlarmBook::new(at(Duration::ZERO));
    let mut rig = Rig::new(11, 2, &WellData::default(), &book);
    rig.run(ONSET, PERIOD, &book);
    rig.apply(ProcessEvent::Trip { code: TripCode::Other, restart_after: Some(minutes(30)) }, ONSET);
    rig.run(ONSET + minutes(2), PERIOD, &book);
    assert!(rig.first_raised(DiagnosisKind::UnplannedTrip, at(ONSET)).is_some(), "{:?}", rig.summary(at(ONSET)));
    assert!(rig.other_high(DiagnosisKind::UnplannedTrip, at(ONSET), &book).is_empty(), "{:?}", rig.summary(at(ONSET)));
}

#[test]
fn a_trip_with_a_cause_is_not_an_unplanned_trip() {
    let book = AlarmBook::new(at(Duration::ZERO));
    let mut rig = Rig::new(11, 2, &WellData::default(), &book);
    rig.run(ONSET, PERIOD, &book);
    rig.apply(ProcessEvent::Condition(ProcessCondition::Overload), ONSET);
    // The drive trips on overload after 8 min; the overload diagnosis explains the trip.
    rig.run(ONSET + minutes(12), PERIOD, &book);
    let trip = rig.history.iter().find(|r| r.kind == DiagnosisKind::UnplannedTrip);
    assert!(trip.is_none_or(|r| r.parent.is_some()), "{:?}", rig.summary(at(ONSET)));
    assert!(rig.other_high(DiagnosisKind::Overload, at(ONSET), &book).is_empty(), "{:?}", rig.summary(at(ONSET)));
}

#[test]
fn repeated_trips_and_restarts_are_excessive_cycling_at_the_third_start() {
    let book = AlarmBook::new(at(Duration::ZERO));
    let mut rig = Rig::new(11, 4, &WellData::default(), &book);
    rig.run(ONSET, PERIOD, &book);
    let mut starts = Vec::new();
    for trip in 0..3u64 {
        let at_trip = ONSET + minutes(40 * trip);
        rig.run(at_trip, PERIOD, &book);
        rig.apply(ProcessEvent::Trip { code: TripCode::Other, restart_after: Some(minutes(5)) }, at_trip);
        starts.push(at_trip + minutes(5));
    }
    rig.run(ONSET + minutes(90), PERIOD, &book);
    let raised = rig.first_raised(DiagnosisKind::ExcessiveCycling, at(ONSET));
    let third_start = at(starts[2]);
    assert!(
        raised.is_some_and(|t| t >= third_start && t <= third_start + chrono::TimeDelta::seconds(10)),
        "{:?}",
        rig.summary(at(ONSET))
    );
}

#[test]
fn a_silent_device_is_comms_loss_after_three_polls_and_values_are_not_judged() {
    let book = AlarmBook::new(at(Duration::ZERO));
    let mut rig = Rig::new(11, 5, &WellData::default(), &book);
    rig.run(ONSET, PERIOD, &book);
    for poll in 1..=3u64 {
        rig.poll_silent(ONSET + PERIOD * poll as u32, &book);
    }
    assert!(rig.first_raised(DiagnosisKind::CommsLoss, at(ONSET)).is_some(), "{:?}", rig.summary(at(ONSET)));
    assert_eq!(rig.history.len(), 1, "only comms_loss: {:?}", rig.summary(at(ONSET)));
}
