//! Recorder batching, back-pressure, counted overflow, retries and the final flush.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use ractor::call_t;

use super::*;
use crate::domain::{Parameter, WellId};
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
    let (intake, args) = recorder_queue(Arc::new(store.clone()), capacity, policy(batch_size));
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
    store.set_failing(true);
    let (intake, actor) = start(&store, 5, 5).await;
    let mut outcomes = Vec::new();
    for n in 0..20 {
        outcomes.push(intake.submit(sample(n), Duration::from_millis(50)).await);
    }
    let dropped = outcomes.iter().filter(|o| **o == Submitted::Dropped).count() as u64;
    assert!(dropped > 0, "a failing store must eventually refuse samples");
    let seen = snapshot(&actor).await;
    assert_eq!(seen.dropped, dropped);
    assert_eq!(seen.queued + seen.dropped, 20, "every submission is accounted for: {seen:?}");
    assert!(seen.waited >= dropped && seen.write_failures >= 1);
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
    let (intake, args) =
        recorder_queue(Arc::new(store.clone()), 100, FlushPolicy { max_age: Duration::from_secs(3600), ..policy(50) });
    let (actor, _) = Actor::spawn(None, RecorderActor, args).await.unwrap_or_else(|e| panic!("{e}"));
    intake.submit(sample(1), Duration::ZERO).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = tokio::time::Instant::now();
    let flushed = call_t!(actor, RecorderMsg::Flush, 1_000);
    assert_eq!(flushed.ok(), Some(1));
    assert!(started.elapsed() <= Duration::from_millis(200), "the flush waited behind an hour-long batch");
}
