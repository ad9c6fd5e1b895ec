//! The write-behind cases of the roll-up suite, for the SQL backends: roll-ups stay exact
//! whether a read finds a bucket held in memory, flushed to the tables or split between the
//! two; a flush happens by itself at the row cap; and a store dropped without a flush recounts
//! at its next open what it held, once however often it is reopened.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use wellvisor_actors::store::Store;

use super::rollups::{assert_direct, batches};
use super::well;
use crate::store::rollup::write_behind::FlushPolicy;
use crate::store::HeldRollups;

pub(crate) async fn rollups_stay_exact_when_flushed_between_batches<S: Store + HeldRollups>(store: Arc<S>) {
    let (a, b) = (well("W-001"), well("W-002"));
    let mut written = Vec::new();
    for (i, batch) in batches(&a, &b).into_iter().enumerate() {
        store.write_samples(&batch).await.expect("write");
        written.extend(batch);
        if i % 2 == 0 {
            store.flush_rollups().await.expect("flush");
        }
        assert_direct(store.as_ref(), &written, &[&a, &b], &format!("after batch {i}")).await;
    }
    let stats = store.write_behind().stats();
    assert_eq!((stats.flushes, stats.held_rows > 0), (2, true), "the last batch is still held: {stats:?}");
    store.flush_rollups().await.expect("flush");
    assert_direct(store.as_ref(), &written, &[&a, &b], "all flushed").await;
    assert_eq!(store.write_behind().stats().held_rows, 0);
}

pub(crate) async fn rollups_flush_by_themselves_at_the_row_cap<S: Store + HeldRollups>(store: Arc<S>) {
    let behind = store.write_behind();
    behind.set_policy(FlushPolicy { interval: Duration::from_secs(3600), row_cap: 8 });
    let (a, b) = (well("W-001"), well("W-002"));
    let mut written = Vec::new();
    let mut batches = batches(&a, &b);
    let last = batches.pop().expect("four batches");
    for batch in batches {
        store.write_samples(&batch).await.expect("write");
        written.extend(batch);
    }
    let stats = behind.stats();
    assert_eq!((stats.held_rows, stats.flushes), (7, 0), "five minutes and two hours held");
    store.write_samples(&last).await.expect("write");
    written.extend(last);
    let stats = behind.stats();
    assert_eq!((stats.held_rows, stats.flushes), (0, 1), "eleven rows passed the cap of eight");
    assert!(stats.watermark > 0, "the flush claimed the rows it wrote: {stats:?}");
    assert_direct(store.as_ref(), &written, &[&a, &b], "after the flush").await;
}

/// Writes four batches, flushing only the first, and drops the store; each reopen by `open`
/// must answer the direct computation, from the tables alone.
pub(crate) async fn rollups_are_recounted_after_a_crash<S, F, Fut>(open: F)
where
    S: Store + HeldRollups,
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<S>>,
{
    let (a, b) = (well("W-001"), well("W-002"));
    let store = open().await;
    let mut written = Vec::new();
    for (i, batch) in batches(&a, &b).into_iter().enumerate() {
        store.write_samples(&batch).await.expect("write");
        written.extend(batch);
        if i == 0 {
            store.flush_rollups().await.expect("flush");
        }
    }
    assert!(store.write_behind().stats().held_rows > 0, "the crash loses held rows");
    drop(store);
    for reopen in 1..=2 {
        let store = open().await;
        assert_eq!(store.write_behind().stats().held_rows, 0, "reopen {reopen}: nothing held");
        assert_direct(store.as_ref(), &written, &[&a, &b], &format!("reopen {reopen}")).await;
    }
}

/// A service store holds rows when another process (an archive restore) opens the database and
/// recounts them; the service's reads and flushes must not count them twice.
pub(crate) async fn rollups_stay_exact_when_another_process_opens_the_store<S, F, Fut>(open: F)
where
    S: Store + HeldRollups,
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<S>>,
{
    let (a, b) = (well("W-001"), well("W-002"));
    let mut batches = batches(&a, &b).into_iter();
    let service = open().await;
    let mut written = Vec::new();
    for (i, batch) in batches.by_ref().take(3).enumerate() {
        service.write_samples(&batch).await.expect("write");
        written.extend(batch);
        if i == 0 {
            service.flush_rollups().await.expect("flush");
        }
    }
    let other = open().await;
    assert_direct(other.as_ref(), &written, &[&a, &b], "the other process").await;
    assert_direct(service.as_ref(), &written, &[&a, &b], "the service, after the other's recount").await;
    for batch in batches {
        service.write_samples(&batch).await.expect("write");
        written.extend(batch);
    }
    service.flush_rollups().await.expect("flush");
    assert_direct(service.as_ref(), &written, &[&a, &b], "the service, flushed").await;
    assert_direct(other.as_ref(), &written, &[&a, &b], "the other process, after the service's flush").await;
    drop((service, other));
    assert_direct(open().await.as_ref(), &written, &[&a, &b], "reopened").await;
}
