//! Store-and-forward: across an outage, a crash or a stop with the store down, every sample and
//! record reaches the store once, in order per well; what cannot be held is refused, counted
//! and flagged for the fleet's alarms.

use std::path::Path;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use ractor::call_t;

use super::*;
use crate::diagnostics::AuditEntry;
use crate::domain::{Parameter, WellId};
use crate::store::AuditQuery;
use crate::testing::MemoryStore;

const WELLS: [&str; 3] = ["W-1", "W-2", "W-3"];

/// Sample `n`: round-robin over three wells, stamped `n` seconds after the epoch.
fn sample(n: i64) -> Sample {
    let id = WellId::new(WELLS[n as usize % WELLS.len()]).expect("valid well id");
    let mut sample = Sample::new(id, Utc.timestamp_opt(n, 0).single().unwrap_or_default());
    sample.values.set(Parameter::Frequency, n as f64 + 0.25);
    sample
}

fn audit(n: i64) -> Record {
    Record::Audit(AuditEntry {
        at: Utc.timestamp_opt(n, 0).single().unwrap_or_default(),
        actor: "10.0.0.7".into(),
        action: "ack".into(),
        target: format!("W-1:alarm_{n}"),
        reason: None,
        before: None,
        after: None,
        role: None,
        client: None,
        params: None,
        result: None,
    })
}

fn policy() -> FlushPolicy {
    FlushPolicy { batch_size: 10, max_age: Duration::from_secs(1), retry_delay: Duration::from_millis(500) }
}

fn spooled_to(dir: &Path, memory_buffer: usize, max_bytes: u64) -> BacklogSettings {
    let spool = SpoolSettings { dir: dir.to_owned(), max_bytes, segment_bytes: 4 * 1024 };
    BacklogSettings { memory_buffer, spool: Some(spool) }
}

async fn start(store: &MemoryStore, settings: &BacklogSettings) -> (RecorderIntake, ActorRef<RecorderMsg>) {
    let (intake, args) = recorder_queue_with(Arc::new(store.clone()), 50, 50, policy(), settings).expect("spool opens");
    let (actor, _) = Actor::spawn(None, RecorderActor, args).await.expect("recorder starts");
    (intake, actor)
}

async fn snapshot(actor: &ActorRef<RecorderMsg>) -> RecorderSnapshot {
    call_t!(actor, RecorderMsg::Snapshot, 1_000).expect("snapshot")
}

/// Submits samples `range`, each accepted at once: an outage must not push back.
async fn submit(intake: &RecorderIntake, range: std::ops::Range<i64>) {
    for n in range {
        assert_eq!(intake.submit(sample(n), Duration::ZERO).await, Submitted::Queued, "sample {n}");
        tokio::task::yield_now().await;
    }
}

/// Waits (in tokio time) until the store holds `count` samples.
async fn until_stored(store: &MemoryStore, count: usize) {
    for _ in 0..600 {
        if store.samples().len() >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the store holds {} samples, expected {count}", store.samples().len());
}

/// The stored samples' numbers, in the order written.
fn stored(store: &MemoryStore) -> Vec<i64> {
    store.samples().iter().map(|s| s.at.timestamp()).collect()
}

/// Stops the recorder without a flush, as a kill -9 would, and waits until it is gone.
async fn crash(actor: ActorRef<RecorderMsg>) {
    actor.stop(None);
    while actor.get_status() != ractor::ActorStatus::Stopped {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn segments(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut found: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    found.retain(|p| p.extension().is_some_and(|x| x == "seg"));
    found.sort();
    found
}

#[tokio::test(start_paused = true)]
async fn a_short_outage_loses_nothing_and_keeps_each_wells_order() {
    let store = MemoryStore::default();
    store.set_failing(true);
    let (intake, actor) = start(&store, &BacklogSettings { memory_buffer: 1_000, spool: None }).await;
    submit(&intake, 0..300).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = snapshot(&actor).await;
    assert!(!seen.store_available && seen.outage_secs.is_some(), "{seen:?}");
    assert_eq!((seen.memory_buffered + seen.pending, seen.spooled_samples, seen.dropped), (300, 0, 0), "{seen:?}");
    assert!(seen.lag_secs > 0);
    store.set_failing(false);
    until_stored(&store, 300).await;
    assert_eq!(stored(&store), (0..300).collect::<Vec<_>>(), "once each, in order");
    let seen = snapshot(&actor).await;
    assert_eq!((seen.replayed, seen.memory_buffered, seen.lag_secs), (300, 0, 0), "{seen:?}");
    assert!(seen.store_available && seen.outage_secs.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_long_outage_spills_to_disk_and_replays_in_order_while_new_data_queues_behind() {
    let scratch = tempfile::tempdir().expect("scratch");
    let store = MemoryStore::default();
    store.set_failing(true);
    let (intake, actor) = start(&store, &spooled_to(scratch.path(), 50, 1 << 30)).await;
    submit(&intake, 0..500).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = snapshot(&actor).await;
    assert_eq!((seen.pending, seen.memory_buffered, seen.spooled_samples), (10, 50, 440), "{seen:?}");
    assert!(seen.spooled_sample_bytes > 0 && !segments(&scratch.path().join("samples")).is_empty());
    store.set_failing(false);
    submit(&intake, 500..600).await;
    until_stored(&store, 600).await;
    assert_eq!(stored(&store), (0..600).collect::<Vec<_>>(), "once each, in order");
    let seen = snapshot(&actor).await;
    assert_eq!(
        (seen.spooled_samples, seen.spooled_sample_bytes, seen.spool_dropped, seen.dropped),
        (0, 0, 0, 0),
        "{seen:?}"
    );
    assert!(segments(&scratch.path().join("samples")).is_empty(), "replayed segments are deleted");
}

#[tokio::test(start_paused = true)]
async fn a_spool_left_by_a_crash_is_replayed_at_start_before_newer_data() {
    let scratch = tempfile::tempdir().expect("scratch");
    let settings = spooled_to(scratch.path(), 20, 1 << 30);
    let store = MemoryStore::default();
    store.set_failing(true);
    let (intake, actor) = start(&store, &settings).await;
    submit(&intake, 0..100).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    crash(actor).await; // the failed batch (0..10) and the memory buffer (10..30) are lost
    store.set_failing(false);
    let (intake, actor) = start(&store, &settings).await;
    submit(&intake, 1_000..1_010).await;
    until_stored(&store, 80).await;
    let expected: Vec<i64> = (30..100).chain(1_000..1_010).collect();
    assert_eq!(stored(&store), expected, "the spool first, then what came after the restart");
    // New samples are held behind the spool for as long as it replays.
    assert!(snapshot(&actor).await.replayed >= 70);
}

#[tokio::test(start_paused = true)]
async fn a_graceful_stop_with_the_store_down_spools_everything_and_the_next_start_replays_it() {
    let scratch = tempfile::tempdir().expect("scratch");
    let settings = spooled_to(scratch.path(), 20, 1 << 30);
    let store = MemoryStore::default();
    store.set_failing(true);
    let (intake, actor) = start(&store, &settings).await;
    submit(&intake, 0..100).await;
    for n in 0..5 {
        assert_eq!(intake.try_submit_record(audit(n)), Submitted::Queued);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(call_t!(actor, RecorderMsg::Flush, 5_000).expect("flush answers"), 0);
    let seen = snapshot(&actor).await;
    // Whatever the recorder reads back from the spool afterwards stays in the spool until written.
    assert_eq!((seen.spooled_samples, seen.records_spooled, seen.memory_buffered), (100, 5, 0), "{seen:?}");
    assert_eq!((seen.flush_spooled, seen.records_flush_spooled), (30, 5), "the batch and memory went to disk");
    crash(actor).await;
    let left: Vec<i64> =
        spooled_samples(scratch.path()).expect("the spool reads back").iter().map(|s| s.at.timestamp()).collect();
    assert_eq!(left, (0..100).collect::<Vec<_>>(), "the spool holds what the next start replays");
    store.set_failing(false);
    let (_intake, actor) = start(&store, &settings).await;
    until_stored(&store, 100).await;
    assert_eq!(stored(&store), (0..100).collect::<Vec<_>>());
    let from = Utc.timestamp_opt(0, 0).single().unwrap_or_default();
    let audits = store.read_audit(&AuditQuery::between(from, Utc::now(), 100)).await.expect("audit reads");
    assert_eq!(audits.len(), 5);
    let seen = snapshot(&actor).await;
    assert_eq!((seen.replayed, seen.records_replayed), (100, 5), "{seen:?}");
}

#[tokio::test(start_paused = true)]
async fn records_survive_an_outage_too() {
    let scratch = tempfile::tempdir().expect("scratch");
    let store = MemoryStore::default();
    store.set_failing(true);
    let (intake, actor) = start(&store, &spooled_to(scratch.path(), 5, 1 << 30)).await;
    for n in 0..40 {
        assert_eq!(intake.try_submit_record(audit(n)), Submitted::Queued, "record {n}");
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = snapshot(&actor).await;
    assert_eq!((seen.records_pending, seen.records_memory_buffered, seen.records_spooled), (10, 5, 25), "{seen:?}");
    store.set_failing(false);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let from = Utc.timestamp_opt(0, 0).single().unwrap_or_default();
    let targets: Vec<String> = store
        .read_audit(&AuditQuery::between(from, Utc::now(), 100))
        .await
        .expect("audit reads")
        .into_iter()
        .map(|e| e.target)
        .collect();
    assert_eq!(targets, (0..40).map(|n| format!("W-1:alarm_{n}")).collect::<Vec<_>>());
}

/// Spools samples 0..50 through a stop with the store down, damages the samples' segment with
/// `damage`, and answers what a new recorder replays and counts.
async fn replay_after(damage: impl FnOnce(&mut Vec<u8>)) -> (Vec<i64>, RecorderSnapshot) {
    let scratch = tempfile::tempdir().expect("scratch");
    let mut settings = spooled_to(scratch.path(), 100, 1 << 30);
    if let Some(spool) = &mut settings.spool {
        spool.segment_bytes = 1 << 20; // one segment, so the damage is in the only one
    }
    let store = MemoryStore::default();
    store.set_failing(true);
    let (intake, actor) = start(&store, &settings).await;
    submit(&intake, 0..50).await;
    call_t!(actor, RecorderMsg::Flush, 5_000).expect("flush answers");
    crash(actor).await;
    let files = segments(&scratch.path().join("samples"));
    assert_eq!(files.len(), 1, "{files:?}");
    let mut bytes = std::fs::read(&files[0]).expect("segment reads");
    damage(&mut bytes);
    std::fs::write(&files[0], &bytes).expect("segment writes");
    store.set_failing(false);
    let (_intake, actor) = start(&store, &settings).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    (stored(&store), snapshot(&actor).await)
}

#[tokio::test(start_paused = true)]
async fn a_torn_tail_frame_is_counted_and_the_frames_before_it_replay() {
    let (written, seen) = replay_after(|bytes| bytes.truncate(bytes.len() - 5)).await;
    assert_eq!(written, (0..49).collect::<Vec<_>>());
    assert_eq!((seen.spool_damaged, seen.spooled_samples), (1, 0), "{seen:?}");
}

#[tokio::test(start_paused = true)]
async fn a_corrupt_frame_is_counted_and_the_frames_before_it_replay() {
    let (written, seen) = replay_after(|bytes| {
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x40;
    })
    .await;
    assert!(!written.is_empty() && written.len() < 50, "{written:?}");
    assert_eq!(written, (0..written.len() as i64).collect::<Vec<_>>(), "the frames before the damage, in order");
    assert_eq!(seen.spool_damaged, 1, "{seen:?}");
}

#[tokio::test(start_paused = true)]
async fn at_the_spool_cap_new_items_are_refused_counted_and_flagged() {
    let scratch = tempfile::tempdir().expect("scratch");
    let store = MemoryStore::default();
    store.set_failing(true);
    let (intake, actor) = start(&store, &spooled_to(scratch.path(), 10, 2_000)).await;
    submit(&intake, 0..200).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = snapshot(&actor).await;
    assert!(seen.spool_dropped > 0 && intake.spool_full(), "{seen:?}");
    assert!(seen.spooled_sample_bytes <= 2_000 && seen.spool_max_bytes == 2_000, "{seen:?}");
    let held = seen.pending as u64 + seen.memory_buffered as u64 + seen.spooled_samples;
    assert_eq!(held + seen.spool_dropped, 200, "every sample is held or counted: {seen:?}");
    assert_eq!(intake.spool_dropped(), seen.spool_dropped);
    store.set_failing(false);
    until_stored(&store, held as usize).await;
    assert_eq!(stored(&store), (0..held as i64).collect::<Vec<_>>(), "the oldest were kept, the newest refused");
    assert!(!intake.spool_full() && !intake.store_unavailable());
}

#[tokio::test(start_paused = true)]
async fn without_a_spool_items_past_the_memory_buffer_are_refused_and_counted() {
    let store = MemoryStore::default();
    store.set_failing(true);
    let (intake, actor) = start(&store, &BacklogSettings { memory_buffer: 30, spool: None }).await;
    submit(&intake, 0..100).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = snapshot(&actor).await;
    assert_eq!((seen.pending, seen.memory_buffered, seen.spool_dropped), (10, 30, 60), "{seen:?}");
    assert!(intake.spool_full());
}

#[tokio::test(start_paused = true)]
async fn the_store_counts_as_unavailable_after_a_grace_and_again_available_once_written() {
    let store = MemoryStore::default();
    store.set_failing(true);
    let (intake, actor) = start(&store, &BacklogSettings::default()).await;
    submit(&intake, 0..10).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let seen = snapshot(&actor).await;
    assert_eq!((seen.write_failures, seen.store_available), (1, false));
    assert!(!intake.store_unavailable(), "one failed write is within the grace");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(intake.store_unavailable());
    store.set_failing(false);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!intake.store_unavailable() && snapshot(&actor).await.store_available);
}

#[tokio::test(start_paused = true)]
async fn a_store_that_hangs_while_down_does_not_stop_the_lane_taking_its_queue() {
    let scratch = tempfile::tempdir().expect("scratch");
    let store = MemoryStore::default();
    store.set_failing(true);
    // Every write blocks, as a driver waiting out its connect timeout does, before it fails.
    store.set_write_delay(Duration::from_secs(4));
    let (intake, actor) = start(&store, &spooled_to(scratch.path(), 1_000, 1 << 30)).await;
    let mut deepest = 0;
    for n in 0..200 {
        assert_eq!(intake.submit(sample(n), Duration::ZERO).await, Submitted::Queued, "sample {n} was pushed back");
        tokio::time::sleep(Duration::from_millis(100)).await;
        // The write that finds the store down blocks once; the retries after it only ping.
        if n >= 60 && n % 10 == 0 {
            deepest = deepest.max(snapshot(&actor).await.queue_depth);
        }
    }
    assert!(deepest <= 10, "the queue backed up to {deepest} while retries blocked the lane");
    store.set_write_delay(Duration::ZERO);
    store.set_failing(false);
    until_stored(&store, 200).await;
    assert_eq!(stored(&store), (0..200).collect::<Vec<_>>());
}
