//! The fleet's correlations drive one parent alarm and link the wells' own alarms to it.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::*;
use crate::diagnostics::{AlarmState, DiagnosisKind};

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000, 0).single().unwrap_or_default() + TimeDelta::seconds(secs)
}

fn well(n: usize) -> WellId {
    WellId::new(&format!("W-{n}")).unwrap_or_else(|e| panic!("{e}"))
}

fn state(book: &AlarmBook, source: &Source, kind: DiagnosisKind) -> Option<AlarmState> {
    book.get(&AlarmId::new(source, kind.as_str())).map(|record| record.state)
}

#[test]
fn every_unit_of_a_gateway_silent_is_one_gateway_alarm_with_the_wells_linked() {
    let book = AlarmBook::new(at(0));
    let mut correlator = Correlator::new(book.clone(), None);
    let gateway = "10.0.0.5:502".to_owned();
    for n in 1..=3 {
        book.register_well(well(n), None, Some(gateway.clone()), at(0));
    }
    for n in 1..=3 {
        let source = Source::Well(well(n));
        let kind = DiagnosisKind::CommsLoss;
        book.evaluate(&source, Evaluation::diagnosis(kind, true, kind.advice()), at(1));
        correlator.observe(
            FleetSignal::Silence { well: well(n), feeder: None, gateway: gateway.clone(), silent: true },
            at(1),
        );
    }
    correlator.tick(at(2));
    let parent = Source::Gateway(gateway.clone());
    assert_eq!(state(&book, &parent, DiagnosisKind::CommsLoss), Some(AlarmState::Unacknowledged));
    let parent_id = AlarmId::new(&parent, DiagnosisKind::CommsLoss.as_str());
    for n in 1..=3 {
        let child = book.get(&AlarmId::new(&Source::Well(well(n)), "comms_loss")).unwrap_or_else(|| panic!("no child"));
        assert_eq!(child.state, AlarmState::SuppressedByDesign, "W-{n}");
        assert_eq!(child.parent.as_ref(), Some(&parent_id), "W-{n}");
    }
    assert_eq!(book.annunciated_counts().total(), 1, "one alarm reaches the operator");
    correlator.observe(FleetSignal::Silence { well: well(2), feeder: None, gateway, silent: false }, at(30));
    assert_eq!(state(&book, &parent, DiagnosisKind::CommsLoss), Some(AlarmState::RtnUnacknowledged));
}

#[test]
fn power_loss_trips_of_running_wells_are_a_power_event_and_operator_stops_are_not() {
    let book = AlarmBook::new(at(0));
    let mut correlator = Correlator::new(book.clone(), None);
    let feeder = Some("F-1".to_owned());
    let signal = |n: usize, run_state: RunState, trip_code: Option<TripCode>| FleetSignal::RunState {
        well: well(n),
        feeder: feeder.clone(),
        run_state,
        trip_code,
    };
    for n in 1..=4 {
        correlator.observe(signal(n, RunState::Running, Some(TripCode::None)), at(0));
    }
    correlator.observe(signal(1, RunState::Stopped, Some(TripCode::ManualStop)), at(10));
    correlator.observe(signal(9, RunState::Stopped, Some(TripCode::None)), at(10));
    let event = Source::Feeder("F-1".into());
    assert_eq!(state(&book, &event, DiagnosisKind::PowerEvent), Some(AlarmState::Normal));
    correlator.observe(signal(2, RunState::Tripped, Some(TripCode::PowerLoss)), at(20));
    correlator.observe(signal(3, RunState::Tripped, Some(TripCode::PowerLoss)), at(21));
    assert_eq!(state(&book, &event, DiagnosisKind::PowerEvent), Some(AlarmState::Unacknowledged));
    // The event lasts until its wells run again, then clears after its off-delay.
    correlator.observe(signal(2, RunState::Running, Some(TripCode::PowerLoss)), at(200));
    correlator.observe(signal(3, RunState::Running, Some(TripCode::PowerLoss)), at(230));
    correlator.tick(at(240));
    assert_eq!(state(&book, &event, DiagnosisKind::PowerEvent), Some(AlarmState::Unacknowledged));
    correlator.tick(at(240 + 5 * 60));
    assert_eq!(state(&book, &event, DiagnosisKind::PowerEvent), Some(AlarmState::RtnUnacknowledged));
}

#[test]
fn data_the_recorder_drops_is_an_alarm_that_clears_once_drops_stop() {
    use crate::recorder::{recorder_queue, FlushPolicy};
    use crate::testing::MemoryStore;
    use std::sync::Arc;
    use std::time::Duration;

    let policy = FlushPolicy { batch_size: 1, max_age: Duration::from_secs(1), retry_delay: Duration::from_secs(1) };
    // No recorder actor drains this queue of one record: the second submission is dropped.
    let (intake, _args) = recorder_queue(Arc::new(MemoryStore::default()), 1, 1, policy);
    let book = AlarmBook::new(at(0));
    let mut correlator = Correlator::new(book.clone(), Some(intake.clone()));
    correlator.tick(at(1));
    let overflow = AlarmId::new(&Source::System, RECORDER_OVERFLOW);
    assert_eq!(book.get(&overflow).map(|a| a.state), Some(AlarmState::Normal));
    let audit = |n: i64| {
        Record::Audit(crate::diagnostics::AuditEntry {
            at: at(n),
            actor: "test".into(),
            action: "ack".into(),
            target: "W-1:overload".into(),
            reason: None,
            before: None,
            after: None,
            role: None,
            client: None,
            params: None,
            result: None,
        })
    };
    assert_eq!(intake.try_submit_record(audit(1)), Submitted::Queued);
    assert_eq!(intake.try_submit_record(audit(2)), Submitted::Dropped);
    correlator.tick(at(2));
    assert_eq!(book.get(&overflow).map(|a| a.state), Some(AlarmState::Unacknowledged));
    // The alarm's own records find the queue full too: that is one more drop, seen at the next tick.
    correlator.tick(at(3));
    correlator.tick(at(4));
    correlator.tick(at(4 + 300));
    assert_eq!(book.get(&overflow).map(|a| a.state), Some(AlarmState::RtnUnacknowledged), "{:?}", book.get(&overflow));
}

#[tokio::test(start_paused = true)]
async fn store_unavailable_and_spool_full_alarms_rise_with_an_outage_and_clear_after_it() {
    use crate::domain::Sample;
    use crate::recorder::{recorder_queue_with, BacklogSettings, FlushPolicy, RecorderActor};
    use crate::testing::MemoryStore;
    use ractor::Actor;
    use std::sync::Arc;
    use std::time::Duration;

    let store = MemoryStore::default();
    store.set_failing(true);
    let policy =
        FlushPolicy { batch_size: 5, max_age: Duration::from_secs(1), retry_delay: Duration::from_millis(200) };
    let settings = BacklogSettings { memory_buffer: 5, spool: None };
    let (intake, args) =
        recorder_queue_with(Arc::new(store.clone()), 100, 100, policy, &settings).expect("no spool to open");
    let (recorder, _) = Actor::spawn(None, RecorderActor, args).await.expect("recorder starts");
    let book = AlarmBook::new(at(0));
    let mut correlator = Correlator::new(book.clone(), Some(intake.clone()));
    let unavailable = AlarmId::new(&Source::System, STORE_UNAVAILABLE);
    let full = AlarmId::new(&Source::System, SPOOL_FULL);
    correlator.tick(at(1));
    assert_eq!(book.get(&unavailable).map(|a| a.state), Some(AlarmState::Normal));
    for n in 0..20 {
        intake.submit(Sample::new(well(1), at(n)), Duration::ZERO).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    correlator.tick(at(2));
    assert_eq!(book.get(&unavailable).map(|a| a.state), Some(AlarmState::Unacknowledged));
    assert_eq!(book.get(&full).map(|a| a.state), Some(AlarmState::Unacknowledged));
    assert_eq!(book.get(&full).map(|a| a.priority), Some(Priority::High));
    store.set_failing(false);
    tokio::time::sleep(Duration::from_secs(1)).await;
    correlator.tick(at(3));
    assert_eq!(book.get(&unavailable).map(|a| a.state), Some(AlarmState::RtnUnacknowledged));
    correlator.tick(at(3 + 60));
    assert_eq!(book.get(&full).map(|a| a.state), Some(AlarmState::RtnUnacknowledged));
    assert_eq!(store.samples().len(), 10, "the batch and the memory buffer were written; the rest was refused");
    assert_eq!(intake.spool_dropped(), 10);
    recorder.stop(None);
}
