//! The alarm book: evaluation and what it reports for persistence, timers, operator actions and
//! their audit, queries, restore and the KPIs it records. Suppression lives in
//! `book_suppression_tests.rs`, properties in `book_props.rs`; the helpers here serve all three.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::*;
use crate::diagnostics::{AlarmConfig, AlarmError, AlarmState, DiagnosisKind, Priority};
use AlarmState::*;
use DiagnosisKind::*;

pub(super) fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
}

pub(super) fn well(id: &str) -> Source {
    Source::Well(WellId::new(id).unwrap())
}

pub(super) fn id(source: &Source, kind: DiagnosisKind) -> AlarmId {
    AlarmId::new(source, kind.as_str())
}

/// Feeds `kind` on `source` at `at`, under its default settings.
pub(super) fn feed(book: &AlarmBook, source: &Source, kind: DiagnosisKind, measured: bool, at: i64) -> BookChanges {
    book.evaluate(source, Evaluation::diagnosis(kind, measured, "msg"), t(at))
}

pub(super) fn state(book: &AlarmBook, id: &AlarmId) -> AlarmState {
    book.get(id).map(|record| record.state).unwrap()
}

fn delayed(kind: DiagnosisKind, secs: u64) -> AlarmConfig {
    AlarmConfig { on_delay: Duration::from_secs(secs), ..AlarmConfig::new(kind.default_priority()) }
}

fn raised(book: &AlarmBook, source: &Source, kind: DiagnosisKind) -> AlarmId {
    feed(book, source, kind, true, 0);
    id(source, kind)
}

#[test]
fn first_activation_creates_the_point_and_reports_it_for_persistence() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    let changes = feed(&book, &w1, GasLock, true, 5);
    let gas_lock = id(&w1, GasLock);
    assert_eq!(changes.raised, std::slice::from_ref(&gas_lock));
    assert_eq!(changes.journal.len(), 1);
    let entry = &changes.journal[0];
    assert_eq!(
        (entry.from, entry.to, entry.cause.as_str(), entry.actor.as_deref()),
        (Normal, Unacknowledged, "activated", None)
    );
    assert_eq!(changes.states.len(), 1);
    assert_eq!((changes.states[0].state, changes.states[0].priority), (Unacknowledged, Priority::High));
    assert_eq!(changes.states[0].updated_at, t(5));
    assert_eq!(book.annunciated_counts(), PriorityCounts { high: 1, medium: 0, low: 0 });
}

#[test]
fn quiet_evaluations_change_nothing_and_persist_nothing() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    assert!(feed(&book, &w1, PumpOff, false, 0).is_empty());
    assert!(feed(&book, &w1, PumpOff, false, 1).is_empty());
    assert_eq!(state(&book, &id(&w1, PumpOff)), Normal);
    feed(&book, &w1, PumpOff, true, 2);
    assert!(feed(&book, &w1, PumpOff, true, 3).is_empty(), "an alarm that stays active is not persisted again");
}

#[test]
fn a_new_message_is_shown_at_once_but_persisted_with_the_next_change() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    feed(&book, &w1, Overload, true, 0);
    let changes = book.evaluate(&w1, Evaluation::diagnosis(Overload, true, "I_avg 118 %"), t(1));
    assert!(changes.is_empty());
    assert_eq!(book.get(&id(&w1, Overload)).unwrap().message, "I_avg 118 %");
}

#[test]
fn clearing_reports_cleared_and_the_state_to_persist() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    let pump_off = raised(&book, &w1, PumpOff);
    let changes = feed(&book, &w1, PumpOff, false, 10);
    assert_eq!(changes.cleared, [pump_off]);
    assert_eq!(changes.states[0].state, RtnUnacknowledged);
    assert_eq!(book.annunciated_counts().low, 1, "rtn_unacknowledged still asks for an ack");
}

#[test]
fn a_raised_priority_applies_at_once_and_moves_the_counts() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    raised(&book, &w1, Solids);
    let config = AlarmConfig::new(Priority::High);
    let changes = book.evaluate(&w1, Evaluation::diagnosis(Solids, true, "msg").with_config(config), t(1));
    assert_eq!(changes.states[0].priority, Priority::High);
    assert_eq!(book.annunciated_counts(), PriorityCounts { high: 1, medium: 0, low: 0 });
}

#[test]
fn a_batch_evaluates_every_point_of_a_well() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    let inputs: Vec<Evaluation> = [PumpOff, GasLock, Overload]
        .into_iter()
        .map(|kind| Evaluation::diagnosis(kind, kind != GasLock, "msg"))
        .collect();
    let changes = book.evaluate_all(&w1, &inputs, t(0));
    assert_eq!(changes.raised.len(), 2);
    assert_eq!(book.for_well(&WellId::new("W-001").unwrap()).len(), 3);
    assert_eq!(book.active_names(&w1), ["pump_off", "overload"]);
}

#[test]
fn tick_settles_an_elapsed_on_delay_and_is_empty_when_nothing_is_due() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    let input = Evaluation::diagnosis(TubingLeak, true, "msg").with_config(delayed(TubingLeak, 60));
    assert!(book.evaluate(&w1, input, t(0)).is_empty());
    assert!(book.tick(t(59)).is_empty());
    assert_eq!(book.tick(t(60)).raised, [id(&w1, TubingLeak)]);
    assert!(book.tick(t(61)).is_empty());
    assert!(book.tick(t(100_000)).is_empty());
}

#[test]
fn acknowledging_returns_the_journal_entry_the_record_and_the_audit() {
    let book = AlarmBook::new(t(0));
    let gas_lock = raised(&book, &well("W-001"), GasLock);
    let outcome = book.acknowledge(&gas_lock, "alice (control room)", t(30)).unwrap();
    let journal = &outcome.journal;
    assert_eq!((journal.from, journal.to, journal.cause.as_str()), (Unacknowledged, Acknowledged, "acknowledged"));
    assert_eq!(journal.actor.as_deref(), Some("alice (control room)"));
    assert_eq!((outcome.record.state, outcome.record.updated_at), (Acknowledged, t(30)));
    let audit = &outcome.audit;
    assert_eq!(
        (audit.actor.as_str(), audit.action.as_str(), audit.target.as_str()),
        ("alice (control room)", "ack", "W-001:gas_lock")
    );
    assert_eq!((audit.before.as_deref(), audit.after.as_deref()), (Some("unacknowledged"), Some("acknowledged")));
    assert_eq!((audit.at, audit.reason.as_deref()), (t(30), None));
    assert_eq!(book.annunciated_counts().high, 1, "acknowledged is still annunciated");
}

#[test]
fn every_action_on_an_unknown_alarm_is_an_unknown_alarm_error() {
    let book = AlarmBook::new(t(0));
    raised(&book, &well("W-001"), GasLock);
    let unknown = AlarmId::parse("W-001:no_such");
    let expected = Err(BookError::UnknownAlarm(unknown.clone()));
    assert_eq!(book.acknowledge(&unknown, "a", t(1)), expected);
    assert_eq!(book.reset(&unknown, "a", "r", t(1)), expected);
    assert_eq!(book.shelve(&unknown, None, "r", "a", t(1)), expected);
    assert_eq!(book.unshelve(&unknown, "a", t(1)), expected);
    assert_eq!(book.remove_from_service(&unknown, "r", "a", t(1)), expected);
    assert_eq!(book.return_to_service(&unknown, "a", t(1)), expected);
    for raw in ["", ":", "nonsense", "feeder@F-1:power_event", "W 001:gas_lock"] {
        assert_eq!(
            book.acknowledge(&AlarmId::parse(raw), "a", t(1)),
            Err(BookError::UnknownAlarm(AlarmId::parse(raw)))
        );
    }
    assert_eq!(BookError::UnknownAlarm(unknown).to_string(), "unknown alarm W-001:no_such");
}

#[test]
fn an_action_needs_an_actor_and_a_state_that_allows_it() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    let gas_lock = raised(&book, &w1, GasLock);
    assert_eq!(book.acknowledge(&gas_lock, "  ", t(1)), Err(BookError::MissingActor));
    feed(&book, &w1, Overload, false, 0);
    let refused = book.acknowledge(&id(&w1, Overload), "a", t(1));
    assert_eq!(refused, Err(BookError::Refused(AlarmError::NotAcknowledgeable(Normal))));
    assert_eq!(state(&book, &gas_lock), Unacknowledged, "refused actions change nothing");
}

#[test]
fn reset_clears_a_latched_alarm_and_requires_a_reason() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    let latching = AlarmConfig { latching: true, ..AlarmConfig::new(Priority::High) };
    book.evaluate(&w1, Evaluation::diagnosis(BrokenShaft, true, "msg").with_config(latching.clone()), t(0));
    book.evaluate(&w1, Evaluation::diagnosis(BrokenShaft, false, "msg").with_config(latching), t(5));
    let shaft = id(&w1, BrokenShaft);
    assert_eq!(state(&book, &shaft), Latched);
    assert_eq!(book.reset(&shaft, "bob", " ", t(6)), Err(BookError::Refused(AlarmError::MissingReason)));
    let outcome = book.reset(&shaft, "bob", "pulled and checked", t(7)).unwrap();
    assert_eq!(outcome.record.state, Normal);
    assert_eq!(outcome.audit.reason.as_deref(), Some("pulled and checked"));
    assert_eq!((outcome.audit.before.as_deref(), outcome.audit.after.as_deref()), (Some("latched"), Some("normal")));
    assert_eq!(book.annunciated_counts().total(), 0);
}

#[test]
fn shelving_is_refused_without_reason_or_positive_duration_up_to_a_day() {
    let book = AlarmBook::new(t(0));
    let pump_off = raised(&book, &well("W-001"), PumpOff);
    let refused = |duration, reason| book.shelve(&pump_off, duration, reason, "carol", t(1));
    assert_eq!(refused(None, ""), Err(BookError::Refused(AlarmError::MissingReason)));
    let invalid = Err(BookError::Refused(AlarmError::InvalidShelfDuration));
    assert_eq!(refused(Some(TimeDelta::zero()), "noisy"), invalid);
    assert_eq!(refused(Some(TimeDelta::seconds(-60)), "noisy"), invalid);
    assert_eq!(refused(Some(TimeDelta::hours(24) + TimeDelta::seconds(1)), "noisy"), invalid);
    assert_eq!(state(&book, &pump_off), Unacknowledged);
}

#[test]
fn a_timed_shelf_hides_the_alarm_until_it_expires_on_a_tick() {
    let book = AlarmBook::new(t(0));
    let pump_off = raised(&book, &well("W-001"), PumpOff);
    let outcome = book.shelve(&pump_off, Some(TimeDelta::hours(1)), " pump change ", "carol", t(10)).unwrap();
    assert_eq!((outcome.record.state, outcome.audit.action.as_str()), (Shelved, "shelve"));
    assert_eq!(outcome.audit.reason.as_deref(), Some("pump change"));
    assert_eq!(book.annunciated_counts().total(), 0);
    assert!(book.tick(t(3609)).is_empty());
    let changes = book.tick(t(3610));
    assert_eq!((changes.journal[0].to, changes.journal[0].cause.as_str()), (Unacknowledged, "shelf_expired"));
    assert_eq!(book.annunciated_counts().low, 1);
    assert_eq!(book.kpis(t(3610)).reannunciated, 1);
}

#[test]
fn unshelve_and_service_actions_are_audited_with_states_before_and_after() {
    let book = AlarmBook::new(t(0));
    let gas_lock = raised(&book, &well("W-001"), GasLock);
    book.shelve(&gas_lock, None, "known", "dave", t(1)).unwrap();
    let outcome = book.unshelve(&gas_lock, "dave", t(2)).unwrap();
    assert_eq!(
        (outcome.audit.before.as_deref(), outcome.audit.after.as_deref()),
        (Some("shelved"), Some("unacknowledged"))
    );
    assert_eq!(
        book.remove_from_service(&gas_lock, "", "erin", t(3)),
        Err(BookError::Refused(AlarmError::MissingReason))
    );
    let outcome = book.remove_from_service(&gas_lock, "workover", "erin", t(4)).unwrap();
    assert_eq!((outcome.audit.action.as_str(), outcome.audit.reason.as_deref()), ("out_of_service", Some("workover")));
    assert_eq!(outcome.record.state, OutOfService);
    assert_eq!(book.annunciated_counts().total(), 0);
    let outcome = book.return_to_service(&gas_lock, "erin", t(5)).unwrap();
    assert_eq!(
        (outcome.audit.before.as_deref(), outcome.audit.after.as_deref()),
        (Some("out_of_service"), Some("unacknowledged"))
    );
    assert_eq!(book.unshelve(&gas_lock, "dave", t(6)), Err(BookError::Refused(AlarmError::NotShelved)));
}

#[test]
fn the_list_shows_what_is_not_normal_by_priority_then_latest_first() {
    let book = AlarmBook::new(t(0));
    let (w1, w2) = (well("W-001"), well("W-002"));
    feed(&book, &w1, PumpOff, true, 1);
    feed(&book, &w2, GasLock, true, 2);
    feed(&book, &w1, Overload, true, 3);
    feed(&book, &w2, TubingLeak, false, 4);
    let ids = |records: Vec<AlarmRecord>| records.into_iter().map(|r| r.id.to_string()).collect::<Vec<_>>();
    assert_eq!(ids(book.list(&AlarmFilter::default())), ["W-001:overload", "W-002:gas_lock", "W-001:pump_off"]);
    assert_eq!(book.list(&AlarmFilter { include_normal: true, ..AlarmFilter::default() }).len(), 4);
    let low = AlarmFilter { priority: Some(Priority::Low), ..AlarmFilter::default() };
    assert_eq!(ids(book.list(&low)), ["W-001:pump_off"]);
    let of_w2 = AlarmFilter { source: Some(w2.clone()), ..AlarmFilter::default() };
    assert_eq!(ids(book.list(&of_w2)), ["W-002:gas_lock"]);
    let normal = AlarmFilter { state: Some(Normal), ..AlarmFilter::default() };
    assert_eq!(ids(book.list(&normal)), ["W-002:tubing_leak"]);
    book.acknowledge(&id(&w2, GasLock), "a", t(5)).unwrap();
    let unacked = AlarmFilter { state: Some(Unacknowledged), ..AlarmFilter::default() };
    assert_eq!(book.list(&unacked).len(), 2);
}

#[test]
fn feeder_and_gateway_alarms_are_found_by_id() {
    let book = AlarmBook::new(t(0));
    let gateway = Source::Gateway("10.0.0.5:502".into());
    let feeder = Source::Feeder("F-1".into());
    feed(&book, &gateway, CommsLoss, true, 0);
    feed(&book, &feeder, PowerEvent, true, 0);
    let comms = AlarmId::parse("gateway@10.0.0.5:502:comms_loss");
    assert_eq!(book.get(&comms).map(|r| r.source), Some(gateway));
    assert!(book.acknowledge(&AlarmId::parse("feeder@F-1:power_event"), "a", t(1)).is_ok());
}

#[test]
fn restored_points_resume_as_they_stood() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    let gas_lock = raised(&book, &w1, GasLock);
    let pump_off = raised(&book, &w1, PumpOff);
    book.shelve(&pump_off, Some(TimeDelta::hours(2)), "swap", "a", t(1)).unwrap();
    let records = book.list(&AlarmFilter { include_normal: true, ..AlarmFilter::default() });
    let resumed = AlarmBook::new(t(100));
    assert_eq!(resumed.restore(records.clone()), 2);
    assert_eq!(resumed.restore(records.clone()), 0, "existing points are kept");
    for record in &records {
        assert_eq!(resumed.get(&record.id).as_ref(), Some(record));
    }
    assert_eq!(resumed.annunciated_counts(), PriorityCounts { high: 1, medium: 0, low: 0 });
    assert_eq!(state(&resumed, &gas_lock), Unacknowledged);
    assert!(resumed.acknowledge(&gas_lock, "a", t(101)).is_ok());
    assert_eq!(resumed.tick(t(1 + 7200)).journal[0].cause, "shelf_expired", "the shelf keeps its expiry");
}

#[test]
fn a_restored_latched_alarm_stays_latched_until_reset() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    let latching = AlarmConfig { latching: true, ..AlarmConfig::new(Priority::High) };
    book.evaluate(&w1, Evaluation::diagnosis(ClosedValve, true, "msg").with_config(latching.clone()), t(0));
    book.evaluate(&w1, Evaluation::diagnosis(ClosedValve, false, "msg").with_config(latching), t(1));
    let resumed = AlarmBook::new(t(10));
    resumed.restore(book.for_well(&WellId::new("W-001").unwrap()));
    let valve = id(&w1, ClosedValve);
    assert_eq!(state(&resumed, &valve), Latched);
    assert!(resumed.tick(t(100_000)).is_empty());
    assert_eq!(resumed.reset(&valve, "a", "line-up confirmed", t(11)).unwrap().record.state, Normal);
}

#[test]
fn the_next_evaluation_supplies_a_restored_points_design_settings() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    raised(&book, &w1, Solids);
    let resumed = AlarmBook::new(t(10));
    resumed.restore(book.for_well(&WellId::new("W-001").unwrap()));
    let config = AlarmConfig { latching: true, ..AlarmConfig::new(Priority::Medium) };
    resumed.evaluate(&w1, Evaluation::diagnosis(Solids, false, "msg").with_config(config), t(11));
    assert_eq!(state(&resumed, &id(&w1, Solids)), Latched);
}

#[test]
fn kpis_count_annunciated_activations_and_find_stale_alarms() {
    let book = AlarmBook::new(t(0));
    let w1 = well("W-001");
    for n in 0..3 {
        feed(&book, &w1, Overload, true, n * 10);
        feed(&book, &w1, Overload, false, n * 10 + 5);
    }
    raised(&book, &w1, TubingLeak);
    let kpis = book.kpis(t(60));
    assert_eq!((kpis.annunciated, kpis.chattering.len()), (4, 1));
    assert_eq!(kpis.bad_actors[0].id, id(&w1, Overload));
    assert_eq!(book.kpis(t(24 * 3600)).stale_count, 0);
    let kpis = book.kpis(t(24 * 3600 + 1));
    assert_eq!(kpis.stale.iter().map(|s| s.id.clone()).collect::<Vec<_>>(), [id(&w1, TubingLeak)]);
}

#[test]
fn clones_share_one_book_across_threads() {
    let book = AlarmBook::new(t(0));
    let workers: Vec<_> = (0..4)
        .map(|n| {
            let book = book.clone();
            std::thread::spawn(move || feed(&book, &well(&format!("W-{n}")), PumpOff, true, n))
        })
        .collect();
    for worker in workers {
        assert_eq!(worker.join().unwrap().raised.len(), 1);
    }
    assert_eq!(book.annunciated_counts().low, 4);
    assert_eq!(book.list(&AlarmFilter::default()).len(), 4);
}
