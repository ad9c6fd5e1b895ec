//! Suppression by design in the book (esp-domain §2.1, §3.3): feeder power events and gateway
//! outages over their member wells, a well's own comms loss, specific alarms explaining generic
//! ones; linking, children activating under a parent, grace and re-annunciation, membership.

use std::time::Duration;

use super::tests::{feed, id, state, t, well};
use super::*;
use crate::diagnostics::{AlarmState, DiagnosisKind};
use AlarmState::*;
use DiagnosisKind::*;

const GATEWAY: &str = "10.0.0.5:502";

fn feeder() -> Source {
    Source::Feeder("F-1".into())
}

fn gateway() -> Source {
    Source::Gateway(GATEWAY.into())
}

/// W-001 and W-002 on feeder F-1 behind the gateway; W-003 on feeder F-2, direct.
fn fleet(settings: BookSettings) -> AlarmBook {
    let book = AlarmBook::with_settings(settings, t(0));
    for name in ["W-001", "W-002"] {
        book.register_well(WellId::new(name).unwrap(), Some("F-1".into()), Some(GATEWAY.into()), t(0));
    }
    book.register_well(WellId::new("W-003").unwrap(), Some("F-2".into()), None, t(0));
    book
}

fn parent_of(book: &AlarmBook, id: &AlarmId) -> Option<AlarmId> {
    book.get(id).and_then(|record| record.parent)
}

#[test]
fn a_power_event_suppresses_and_links_the_active_consequences_on_its_wells() {
    let book = fleet(BookSettings::default());
    let (w1, w3) = (well("W-001"), well("W-003"));
    feed(&book, &w1, UnplannedTrip, true, 0);
    feed(&book, &w3, UnplannedTrip, true, 0);
    let changes = feed(&book, &feeder(), PowerEvent, true, 10);
    let trip = id(&w1, UnplannedTrip);
    let power = id(&feeder(), PowerEvent);
    assert_eq!((state(&book, &trip), parent_of(&book, &trip)), (SuppressedByDesign, Some(power.clone())));
    let entry = changes.journal.iter().find(|entry| entry.alarm_id == trip).unwrap();
    assert_eq!((entry.from, entry.to, entry.cause.as_str()), (Unacknowledged, SuppressedByDesign, "suppressed"));
    assert!(changes.states.iter().any(|record| record.id == trip && record.parent == Some(power.clone())));
    assert_eq!(state(&book, &id(&w3, UnplannedTrip)), Unacknowledged, "another feeder's well is not a child");
    assert_eq!(book.annunciated_counts().high, 2, "the power event and W-003's trip");
}

#[test]
fn a_child_activating_under_an_active_parent_is_never_annunciated() {
    let book = fleet(BookSettings::default());
    let w2 = well("W-002");
    feed(&book, &feeder(), PowerEvent, true, 0);
    let changes = feed(&book, &w2, CommsLoss, true, 5);
    let comms = id(&w2, CommsLoss);
    assert_eq!(changes.raised, std::slice::from_ref(&comms), "the condition is still reported to the recorder");
    assert!(changes.journal.iter().all(|entry| entry.to != Unacknowledged));
    assert_eq!((state(&book, &comms), parent_of(&book, &comms)), (SuppressedByDesign, Some(id(&feeder(), PowerEvent))));
    let record = book.get(&comms).unwrap();
    assert_eq!((record.memory.activations, record.memory.suppressed_activations), (0, 1));
    let kpis = book.kpis(t(10));
    assert_eq!((kpis.annunciated, kpis.suppressed), (1, 1), "only the power event was annunciated");
}

#[test]
fn a_power_event_leaves_diagnoses_outside_its_families_alone() {
    let book = fleet(BookSettings::default());
    let w1 = well("W-001");
    for kind in [Overload, SensorFault, GasLock, VoltageImbalance, ExcessiveCycling] {
        feed(&book, &w1, kind, true, 0);
    }
    feed(&book, &feeder(), PowerEvent, true, 10);
    assert_eq!(state(&book, &id(&w1, Overload)), Unacknowledged);
    assert_eq!(state(&book, &id(&w1, SensorFault)), Unacknowledged);
    for kind in [GasLock, VoltageImbalance, ExcessiveCycling] {
        assert_eq!(state(&book, &id(&w1, kind)), SuppressedByDesign, "{kind}");
    }
}

#[test]
fn a_gateway_outage_suppresses_comms_loss_and_value_based_diagnoses_of_its_wells() {
    let book = fleet(BookSettings::default());
    let w1 = well("W-001");
    feed(&book, &gateway(), CommsLoss, true, 0);
    for kind in [CommsLoss, SensorFault, Overload, PumpOff, UnplannedTrip] {
        feed(&book, &w1, kind, true, 5);
    }
    let comms = id(&gateway(), CommsLoss);
    for kind in [CommsLoss, SensorFault, Overload, PumpOff] {
        assert_eq!(parent_of(&book, &id(&w1, kind)), Some(comms.clone()), "{kind}");
    }
    assert_eq!(state(&book, &id(&w1, UnplannedTrip)), Unacknowledged);
}

#[test]
fn children_stay_suppressed_for_the_grace_then_reannunciate_if_still_active() {
    let book = fleet(BookSettings::default());
    let w1 = well("W-001");
    feed(&book, &feeder(), PowerEvent, true, 0);
    feed(&book, &w1, UnplannedTrip, true, 5);
    feed(&book, &feeder(), PowerEvent, false, 100);
    let trip = id(&w1, UnplannedTrip);
    assert!(book.tick(t(100 + 899)).is_empty(), "15 min grace after a power event");
    assert_eq!(state(&book, &trip), SuppressedByDesign);
    let changes = book.tick(t(100 + 900));
    let entry = changes.journal.iter().find(|entry| entry.alarm_id == trip).unwrap();
    assert_eq!((entry.from, entry.to, entry.cause.as_str()), (SuppressedByDesign, Unacknowledged, "suppression_ended"));
    assert_eq!((state(&book, &trip), parent_of(&book, &trip)), (Unacknowledged, None));
    assert_eq!(book.kpis(t(1000)).reannunciated, 1);
}

#[test]
fn a_child_that_cleared_under_suppression_returns_quietly_after_the_grace() {
    let book = fleet(BookSettings::default());
    let w2 = well("W-002");
    feed(&book, &gateway(), CommsLoss, true, 0);
    feed(&book, &w2, CommsLoss, true, 5);
    feed(&book, &w2, CommsLoss, false, 50);
    assert_eq!(state(&book, &id(&w2, CommsLoss)), SuppressedByDesign, "linked until the parent's grace ends");
    feed(&book, &gateway(), CommsLoss, false, 60);
    book.tick(t(60 + 120));
    assert_eq!(state(&book, &id(&w2, CommsLoss)), Normal);
    assert_eq!(book.annunciated_counts().total(), 1, "only the gateway's own rtn_unacknowledged");
}

#[test]
fn grace_ends_at_the_childs_own_evaluation_without_a_tick() {
    let book = fleet(BookSettings::default());
    let w1 = well("W-001");
    feed(&book, &gateway(), CommsLoss, true, 0);
    feed(&book, &w1, Overload, true, 1);
    feed(&book, &gateway(), CommsLoss, false, 10);
    feed(&book, &w1, Overload, true, 129);
    assert_eq!(state(&book, &id(&w1, Overload)), SuppressedByDesign);
    feed(&book, &w1, Overload, true, 130);
    assert_eq!(state(&book, &id(&w1, Overload)), Unacknowledged);
}

#[test]
fn activations_during_the_grace_are_suppressed_too() {
    let book = fleet(BookSettings::default());
    let w1 = well("W-001");
    feed(&book, &feeder(), PowerEvent, true, 0);
    feed(&book, &feeder(), PowerEvent, false, 60);
    feed(&book, &w1, ExcessiveCycling, true, 300);
    assert_eq!(parent_of(&book, &id(&w1, ExcessiveCycling)), Some(id(&feeder(), PowerEvent)));
}

#[test]
fn a_parent_returning_during_the_grace_keeps_its_children() {
    let book = fleet(BookSettings::default());
    let w1 = well("W-001");
    feed(&book, &feeder(), PowerEvent, true, 0);
    feed(&book, &w1, UnplannedTrip, true, 1);
    feed(&book, &feeder(), PowerEvent, false, 10);
    feed(&book, &feeder(), PowerEvent, true, 20);
    book.tick(t(10 + 900));
    assert_eq!(state(&book, &id(&w1, UnplannedTrip)), SuppressedByDesign);
}

#[test]
fn grace_periods_are_configurable() {
    let settings = BookSettings { power_grace: Duration::from_secs(60), ..BookSettings::default() };
    let book = fleet(settings);
    let w1 = well("W-001");
    feed(&book, &feeder(), PowerEvent, true, 0);
    feed(&book, &w1, UnplannedTrip, true, 1);
    feed(&book, &feeder(), PowerEvent, false, 10);
    book.tick(t(70));
    assert_eq!(state(&book, &id(&w1, UnplannedTrip)), Unacknowledged);
}

#[test]
fn a_specific_diagnosis_explains_a_generic_one_in_the_same_poll() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    let gas_lock = id(&w1, GasLock);
    let inputs = [
        Evaluation::diagnosis(UnplannedTrip, true, "msg").explained_by(gas_lock.clone()),
        Evaluation::diagnosis(GasLock, true, "msg"),
    ];
    book.evaluate_all(&w1, &inputs, t(0));
    let trip = id(&w1, UnplannedTrip);
    assert_eq!((state(&book, &trip), parent_of(&book, &trip)), (SuppressedByDesign, Some(gas_lock.clone())));
    assert_eq!(book.get(&trip).unwrap().memory.activations, 0);
    let inputs = [
        Evaluation::diagnosis(UnplannedTrip, true, "msg").explained_by(gas_lock.clone()),
        Evaluation::diagnosis(GasLock, false, "msg"),
    ];
    book.evaluate_all(&w1, &inputs, t(60));
    assert_eq!((state(&book, &trip), parent_of(&book, &trip)), (Unacknowledged, None), "the cause cleared first");
}

#[test]
fn an_explanation_found_later_links_the_annunciated_generic() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    let gas_lock = id(&w1, GasLock);
    let generic = || Evaluation::diagnosis(GasInterference, true, "msg").explained_by(gas_lock.clone());
    book.evaluate(&w1, generic(), t(0));
    assert_eq!(state(&book, &id(&w1, GasInterference)), Unacknowledged, "no active explanation yet");
    let changes = feed(&book, &w1, GasLock, true, 30);
    assert!(changes.states.iter().any(|r| r.id == id(&w1, GasInterference) && r.parent == Some(gas_lock.clone())));
    assert_eq!(state(&book, &id(&w1, GasInterference)), SuppressedByDesign);
}

#[test]
fn a_wells_comms_loss_suppresses_its_value_based_diagnoses_only() {
    let book = AlarmBook::new(t(0));
    let (w1, w2) = (well("W-001"), well("W-002"));
    feed(&book, &w1, Overload, true, 0);
    feed(&book, &w1, UnplannedTrip, true, 0);
    feed(&book, &w2, Overload, true, 0);
    feed(&book, &w1, CommsLoss, true, 10);
    assert_eq!(parent_of(&book, &id(&w1, Overload)), Some(id(&w1, CommsLoss)));
    assert_eq!(state(&book, &id(&w1, UnplannedTrip)), Unacknowledged);
    assert_eq!(state(&book, &id(&w2, Overload)), Unacknowledged);
    feed(&book, &w1, CommsLoss, false, 20);
    book.tick(t(20 + 120));
    assert_eq!(state(&book, &id(&w1, Overload)), Unacknowledged);
}

#[test]
fn leaving_a_feeder_ends_its_suppression_and_joining_one_starts_it() {
    let book = fleet(BookSettings::default());
    let (w1, w3) = (well("W-001"), well("W-003"));
    feed(&book, &feeder(), PowerEvent, true, 0);
    feed(&book, &w1, UnplannedTrip, true, 1);
    feed(&book, &w3, UnplannedTrip, true, 1);
    let changes = book.unregister_well(&WellId::new("W-001").unwrap(), t(2));
    assert_eq!(changes.states[0].state, Unacknowledged);
    book.register_well(WellId::new("W-003").unwrap(), Some("F-1".into()), None, t(3));
    assert_eq!(parent_of(&book, &id(&w3, UnplannedTrip)), Some(id(&feeder(), PowerEvent)));
}

#[test]
fn restored_parents_and_children_keep_their_links() {
    let book = fleet(BookSettings::default());
    let (w1, w2) = (well("W-001"), well("W-002"));
    feed(&book, &feeder(), PowerEvent, true, 0);
    feed(&book, &w1, UnplannedTrip, true, 1);
    let resumed = fleet(BookSettings::default());
    resumed.restore(book.list(&AlarmFilter { include_normal: true, ..AlarmFilter::default() }));
    let trip = id(&w1, UnplannedTrip);
    assert_eq!(
        (state(&resumed, &trip), parent_of(&resumed, &trip)),
        (SuppressedByDesign, Some(id(&feeder(), PowerEvent)))
    );
    feed(&resumed, &w2, UnplannedTrip, true, 20);
    assert_eq!(state(&resumed, &id(&w2, UnplannedTrip)), SuppressedByDesign, "the restored parent still holds");
    assert_eq!(resumed.annunciated_counts().high, 1);
}

#[test]
fn acting_on_a_parent_after_its_grace_leaves_the_release_to_the_tick() {
    let book = fleet(BookSettings::default());
    let w1 = well("W-001");
    feed(&book, &feeder(), PowerEvent, true, 0);
    feed(&book, &w1, UnplannedTrip, true, 1);
    feed(&book, &feeder(), PowerEvent, false, 10);
    book.acknowledge(&id(&feeder(), PowerEvent), "a", t(2000)).unwrap();
    let changes = book.tick(t(2000));
    assert!(changes.states.iter().any(|r| r.id == id(&w1, UnplannedTrip) && r.state == Unacknowledged));
}

#[test]
fn a_restored_suppression_without_a_cause_ends_at_the_next_evaluation() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    feed(&book, &w1, Overload, true, 0);
    let mut record = book.get(&id(&w1, Overload)).unwrap();
    record.memory.suppressed = true;
    record.state = SuppressedByDesign;
    let resumed = AlarmBook::new(t(10));
    resumed.restore(vec![record]);
    feed(&resumed, &w1, Overload, true, 11);
    assert_eq!(state(&resumed, &id(&w1, Overload)), Unacknowledged);
}
