//! The recorder's intake: the cheap handle that wells, the fleet and HTTP handlers submit
//! through, and the counters it shares with the actor. Samples and records go through two
//! bounded queues, so a flood of telemetry cannot crowd out an alarm or an audit entry.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::timeout;
use tracing::warn;

use crate::domain::Sample;
use crate::store::Record;

/// The counters of one queue, shared by the intake handles and the actor.
#[derive(Debug, Default)]
pub(super) struct LaneStats {
    pub(super) queued: AtomicU64,
    pub(super) waited: AtomicU64,
    pub(super) dropped: AtomicU64,
    pub(super) written: AtomicU64,
    pub(super) batches: AtomicU64,
    pub(super) write_failures: AtomicU64,
    pub(super) rejected: AtomicU64,
    /// Items the backlog refused: memory full and the spool at its cap (or absent).
    pub(super) spool_dropped: AtomicU64,
    /// Items written after being held back by an outage.
    pub(super) replayed: AtomicU64,
    /// Writes have failed past the grace: what the fleet's `store_unavailable` alarm watches.
    store_out: AtomicBool,
    /// The backlog refused items since the last successful write: what `spool_full` watches.
    spool_full: AtomicBool,
}

impl LaneStats {
    pub(super) fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    pub(super) fn add(counter: &AtomicU64, n: u64) -> u64 {
        counter.fetch_add(n, Ordering::Relaxed) + n
    }

    pub(super) fn set_store_out(&self, out: bool) {
        self.store_out.store(out, Ordering::Relaxed);
    }

    pub(super) fn set_spool_full(&self, full: bool) {
        self.spool_full.store(full, Ordering::Relaxed);
    }

    /// Counts a submission's outcome. A drop is loud at first, then at every power of two, so
    /// an overflow is seen but does not flood the log.
    fn count(&self, outcome: Submitted, noun: &'static str) {
        match outcome {
            Submitted::Queued => {
                Self::add(&self.queued, 1);
            }
            Submitted::Dropped => {
                let dropped = Self::add(&self.dropped, 1);
                if dropped.is_power_of_two() {
                    warn!(dropped, "recorder queue full: {noun} dropped (counted)");
                }
            }
        }
    }
}

/// Whether a submitted sample or record made it into its queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Submitted {
    Queued,
    Dropped,
}

/// The handle samples and records are submitted through. Cheap to clone.
#[derive(Clone)]
pub struct RecorderIntake {
    samples: mpsc::Sender<Sample>,
    records: mpsc::Sender<Record>,
    sample_stats: Arc<LaneStats>,
    record_stats: Arc<LaneStats>,
}

impl RecorderIntake {
    pub(super) fn new(
        samples: (mpsc::Sender<Sample>, Arc<LaneStats>),
        records: (mpsc::Sender<Record>, Arc<LaneStats>),
    ) -> Self {
        Self { samples: samples.0, records: records.0, sample_stats: samples.1, record_stats: records.1 }
    }

    /// Samples and records dropped on overflow since start, in total: what the fleet watches to
    /// raise the `recorder_overflow` alarm.
    pub fn dropped(&self) -> u64 {
        LaneStats::get(&self.sample_stats.dropped) + LaneStats::get(&self.record_stats.dropped)
    }

    /// Whether either lane's writes have kept failing (past a short grace): what the fleet
    /// watches to raise the `store_unavailable` alarm. It clears once writes succeed again.
    pub fn store_unavailable(&self) -> bool {
        [&self.sample_stats, &self.record_stats].iter().any(|stats| stats.store_out.load(Ordering::Relaxed))
    }

    /// Whether the recorder's backlog (memory and disk spool) is refusing items: what the fleet
    /// watches to raise the `spool_full` alarm.
    pub fn spool_full(&self) -> bool {
        [&self.sample_stats, &self.record_stats].iter().any(|stats| stats.spool_full.load(Ordering::Relaxed))
    }

    /// Samples and records the backlog refused since start, in total.
    pub fn spool_dropped(&self) -> u64 {
        LaneStats::get(&self.sample_stats.spool_dropped) + LaneStats::get(&self.record_stats.spool_dropped)
    }

    /// Queues a sample, waiting at most `patience` for room.
    pub async fn submit(&self, sample: Sample, patience: Duration) -> Submitted {
        let outcome = offer(&self.samples, &self.sample_stats, sample, patience).await;
        self.sample_stats.count(outcome, "samples");
        outcome
    }

    /// Queues a record, waiting at most `patience` for room.
    pub async fn submit_record(&self, record: Record, patience: Duration) -> Submitted {
        let outcome = offer(&self.records, &self.record_stats, record, patience).await;
        self.record_stats.count(outcome, "records");
        outcome
    }

    /// Queues a record without waiting, for synchronous callers (HTTP handlers, the fleet): a
    /// full queue drops it, counted.
    pub fn try_submit_record(&self, record: Record) -> Submitted {
        let outcome = match self.records.try_send(record) {
            Ok(()) => Submitted::Queued,
            Err(_) => Submitted::Dropped,
        };
        self.record_stats.count(outcome, "records");
        outcome
    }
}

/// Puts `item` in `queue`; when the queue is full, waits at most `patience` for room.
async fn offer<T>(queue: &mpsc::Sender<T>, stats: &LaneStats, item: T, patience: Duration) -> Submitted {
    match queue.try_send(item) {
        Ok(()) => Submitted::Queued,
        Err(mpsc::error::TrySendError::Full(item)) => {
            LaneStats::add(&stats.waited, 1);
            match timeout(patience, queue.send(item)).await {
                Ok(Ok(())) => Submitted::Queued,
                _ => Submitted::Dropped,
            }
        }
        Err(mpsc::error::TrySendError::Closed(_)) => Submitted::Dropped,
    }
}
