//! Recorder batching, back-pressure, counted overflow, retries and the final flush, for
//! samples and for records. Outages, the spool and replay are in `recorder/outage_tests.rs`.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use ractor::call_t;

use super::*;
use crate::diagnostics::AuditEntry;
use crate::domain::{Parameter, WellId};
use crate::store::{AuditQuery, StoredBaseline};
use crate::testing::MemoryStore;

fn sample(n: i64) -> Sample {
    let id = WellId::new("W-1").unwrap_or_else(|e| panic!("{e}"));
    let mut sample = Sample::new(id, Utc.timestamp_opt(n, 0).single().unwrap_or_default());
    sample.values.set(Parameter::Frequency, n as f64);
    sample
}

fn policy(batch_size: usize) -> FlushPolicy {
    FlushPolicy { batch_size, max_age: Duration::from_secs(1), retry_delay: Duration::from_millis(500) }
}

async fn start(store: &MemoryStore, capacity: usize, batch_size: usize) -> (RecorderIntake, ActorRef<RecorderMsg>) {
    start_with(store, (capacity, capacity), policy(batch_size)).await
}

/// Starts a recorder with `(sample, record)` queue capacities.
async fn start_with(
    store: &MemoryStore,
    (capacity, record_capacity): (usize, usize),
    policy: FlushPolicy,
) -> (RecorderIntake, ActorRef<RecorderMsg>) {
    let (intake, args) = recorder_queue(Arc::new(store.clone()), capacity, record_capacity, policy);
    let (actor, _) = Actor::spawn(None, RecorderActor, args).await.unwrap_or_else(|e| panic!("{e}"));
    (intake, actor)
}

async fn snapshot(actor: &ActorRef<RecorderMsg>) -> RecorderSnapshot {
    call_t!(actor, RecorderMsg::Snapshot, 1_000).unwrap_or_default()
}

#[tokio::test(start_paused = true)]
async fn a_full_batch_is_written_without_waiting_for_its_age() {
    let store = MemoryStore::default();
    let (intake, actor) = start(&store, 1_000, 10).await;
    for n in 0..10 {
        assert_eq!(intake.submit(sample(n), Duration::ZERO).await, Submitted::Queued);
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(store.samples().len(), 10);
    assert_eq!(snapshot(&actor).await.batches, 1);
}

#[tokio::test(start_paused = true)]
async fn a_partial_batch_is_written_when_it_is_old_enough() {
    let store = MemoryStore::default();
    let (intake, _actor) = start(&store, 1_000, 100).await;
    intake.submit(sample(1), Duration::ZERO).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(store.samples().is_empty(), "written before its age");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(store.samples().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_full_queue_pushes_back_then_counts_drops() {
    let store = MemoryStore::default();
    store.set_write_delay(Duration::from_secs(1));
    let (intake, actor) = start(&store, 5, 5).await;
    let mut outcomes = Vec::new();
    for n in 0..20 {
        outcomes.push(intake.submit(sample(n), Duration::from_millis(50)).await);
    }
    let dropped = outcomes.iter().filter(|o| **o == Submitted::Dropped).count() as u64;
    assert!(dropped > 0, "a store slower than the submitters must eventually refuse samples");
    store.set_write_delay(Duration::ZERO);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let seen = snapshot(&actor).await;
    assert_eq!(seen.dropped, dropped);
    assert_eq!(seen.queued + seen.dropped, 20, "every submission is accounted for: {seen:?}");
    assert_eq!(seen.written, seen.queued, "what was queued is written: {seen:?}");
    assert!(seen.waited >= dropped);
}

#[tokio::test(start_paused = true)]
async fn a_failed_write_is_retried_and_nothing_is_lost() {
    let store = MemoryStore::default();
    store.set_failing(true);
    let (intake, actor) = start(&store, 100, 10).await;
    for n in 0..10 {
        intake.submit(sample(n), Duration::ZERO).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(store.samples().is_empty());
    store.set_failing(false);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let written: Vec<i64> = store.samples().iter().map(|s| s.at.timestamp()).collect();
    assert_eq!(written, (0..10).collect::<Vec<_>>(), "in order, once each");
    assert!(snapshot(&actor).await.write_failures >= 2);
}

#[tokio::test(start_paused = true)]
async fn flush_drains_everything_queued() {
    let store = MemoryStore::default();
    let (intake, actor) = start(&store, 10_000, 1_000).await;
    for n in 0..2_500 {
        intake.submit(sample(n), Duration::ZERO).await;
    }
    let flushed = call_t!(actor, RecorderMsg::Flush, 5_000).unwrap_or(0);
    assert_eq!(store.samples().len(), 2_500);
    assert!(flushed <= 2_500);
    let seen = snapshot(&actor).await;
    assert_eq!((seen.written, seen.queue_depth, seen.pending), (2_500, 0, 0));
}

#[tokio::test(start_paused = true)]
async fn a_flush_is_answered_promptly_while_a_partial_batch_ages() {
    let store = MemoryStore::default();
    let (intake, actor) =
        start_with(&store, (100, 100), FlushPolicy { max_age: Duration::from_secs(3600), ..policy(50) }).await;
    intake.submit(sample(1), Duration::ZERO).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = tokio::time::Instant::now();
    let flushed = call_t!(actor, RecorderMsg::Flush, 1_000);
    assert_eq!(flushed.ok(), Some(1));
    assert!(started.elapsed() <= Duration::from_millis(200), "the flush waited behind an hour-long batch");
}

fn audit(n: i64) -> Record {
    Record::Audit(AuditEntry {
        at: Utc.timestamp_opt(n, 0).single().unwrap_or_default(),
        actor: "10.0.0.7".into(),
        action: "ack".into(),
        target: format!("W-1:alarm_{n}"),
        reason: None,
        before: Some("unacknowledged".into()),
        after: Some("acknowledged".into()),
        role: None,
        client: None,
        params: None,
        result: None,
    })
}

/// The audit targets the store holds, oldest first.
async fn audited(store: &MemoryStore) -> Vec<String> {
    let (from, to) = (Utc.timestamp_opt(0, 0).single().unwrap_or_default(), Utc::now());
    let entries = store.read_audit(&AuditQuery::between(from, to, usize::MAX)).await.unwrap_or_else(|e| panic!("{e}"));
    entries.into_iter().map(|entry| entry.target).collect()
}

fn targets(range: std::ops::Range<i64>) -> Vec<String> {
    range.map(|n| format!("W-1:alarm_{n}")).collect()
}

#[tokio::test(start_paused = true)]
async fn records_are_written_in_batches_of_their_own() {
    let store = MemoryStore::default();
    let (intake, actor) = start(&store, 1_000, 5).await;
    for n in 0..12 {
        assert_eq!(intake.submit_record(audit(n), Duration::ZERO).await, Submitted::Queued);
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(audited(&store).await, targets(0..10), "two full batches, the rest waits for its age");
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(audited(&store).await, targets(0..12));
    let seen = snapshot(&actor).await;
    assert_eq!((seen.records_queued, seen.records_written, seen.record_batches), (12, 12, 3));
    assert_eq!((seen.written, seen.batches), (0, 0), "no sample batch was written for records");
}

#[tokio::test(start_paused = true)]
async fn records_are_held_and_retried_while_the_store_fails() {
    let store = MemoryStore::default();
    store.set_failing(true);
    let (intake, actor) = start(&store, 100, 10).await;
    for n in 0..10 {
        assert_eq!(intake.try_submit_record(audit(n)), Submitted::Queued);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let seen = snapshot(&actor).await;
    assert_eq!((seen.records_pending, seen.records_written, seen.records_dropped), (10, 0, 0), "{seen:?}");
    assert!(seen.record_write_failures >= 2 && seen.last_error.is_some(), "{seen:?}");
    store.set_failing(false);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(audited(&store).await, targets(0..10), "in order, once each");
    assert_eq!(snapshot(&actor).await.records_pending, 0);
}

#[tokio::test(start_paused = true)]
async fn a_full_record_queue_pushes_back_then_counts_drops() {
    let store = MemoryStore::default();
    store.set_write_delay(Duration::from_secs(1));
    let (intake, actor) = start_with(&store, (1_000, 5), policy(5)).await;
    let mut outcomes = Vec::new();
    for n in 0..20 {
        outcomes.push(intake.submit_record(audit(n), Duration::from_millis(50)).await);
    }
    outcomes.push(intake.try_submit_record(audit(20)));
    let dropped = outcomes.iter().filter(|o| **o == Submitted::Dropped).count() as u64;
    assert!(dropped > 0 && outcomes.last() == Some(&Submitted::Dropped), "{outcomes:?}");
    store.set_write_delay(Duration::ZERO);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let seen = snapshot(&actor).await;
    assert_eq!(seen.records_dropped, dropped);
    assert_eq!(seen.records_queued + seen.records_dropped, 21, "every submission is accounted for: {seen:?}");
    assert!(seen.records_waited >= dropped - 1, "{seen:?}");
    assert_eq!((seen.queued, seen.dropped), (0, 0), "the sample counters are apart");
}

#[tokio::test(start_paused = true)]
async fn a_full_sample_queue_does_not_keep_records_out() {
    let store = MemoryStore::default();
    store.set_failing(true);
    let (intake, actor) = start_with(&store, (5, 100), policy(5)).await;
    for n in 0..20 {
        intake.submit(sample(n), Duration::ZERO).await;
    }
    assert!(snapshot(&actor).await.dropped > 0, "the sample queue should be full");
    assert_eq!(intake.try_submit_record(audit(1)), Submitted::Queued);
    store.set_failing(false);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(audited(&store).await, targets(1..2));
}

#[tokio::test(start_paused = true)]
async fn an_invalid_record_is_rejected_alone() {
    let store = MemoryStore::default();
    let (intake, actor) = start(&store, 100, 2).await;
    let well_id = WellId::new("W-1").unwrap_or_else(|e| panic!("{e}"));
    let broken = StoredBaseline { well_id, at: Utc::now(), state: "not json".into() };
    intake.submit_record(audit(1), Duration::ZERO).await;
    intake.submit_record(Record::Baseline(broken), Duration::ZERO).await;
    intake.submit_record(audit(2), Duration::ZERO).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(audited(&store).await, targets(1..3), "the good records of the batch are written");
    let seen = snapshot(&actor).await;
    assert_eq!((seen.records_queued, seen.records_rejected, seen.records_written), (3, 1, 2), "{seen:?}");
}

#[tokio::test(start_paused = true)]
async fn flush_drains_records_and_samples() {
    let store = MemoryStore::default();
    let hour = FlushPolicy { max_age: Duration::from_secs(3600), ..policy(1_000) };
    let (intake, actor) = start_with(&store, (10_000, 10_000), hour).await;
    for n in 0..2_500 {
        intake.submit_record(audit(n), Duration::ZERO).await;
        intake.submit(sample(n), Duration::ZERO).await;
    }
    let flushed = call_t!(actor, RecorderMsg::Flush, 5_000).unwrap_or(0);
    assert_eq!(audited(&store).await, targets(0..2_500));
    assert_eq!(store.samples().len(), 2_500);
    assert!(flushed <= 2_500);
    let seen = snapshot(&actor).await;
    assert_eq!((seen.records_written, seen.record_queue_depth, seen.records_pending), (2_500, 0, 0));
    assert_eq!((seen.written, seen.queue_depth, seen.pending), (2_500, 0, 0));
}
