//! What the recorder tells the API and tests: per lane, what was queued, written, refused and
//! replayed; and how it rides out an outage: whether the store is available, how far behind it
//! is, and what is held in memory and in the spool.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::intake::LaneStats;
use super::lane::{Lane, Storable};
use super::RecorderState;

/// What the recorder has done, for the API and tests. The unprefixed counters are samples'.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecorderSnapshot {
    /// Samples accepted into the queue.
    pub queued: u64,
    /// Submissions that found the queue full and waited (back-pressure).
    pub waited: u64,
    /// Samples refused because the queue stayed full: counted, never silent.
    pub dropped: u64,
    pub written: u64,
    pub batches: u64,
    pub write_failures: u64,
    /// Samples the store refused as invalid, counted and logged.
    pub rejected: u64,
    /// Samples in the queue now.
    pub queue_depth: usize,
    pub queue_capacity: usize,
    /// Samples taken from the queue into the batch being written.
    pub pending: usize,
    /// Records accepted into their queue.
    pub records_queued: u64,
    /// Record submissions that found their queue full and waited.
    pub records_waited: u64,
    /// Records refused because their queue stayed full: counted, never silent.
    pub records_dropped: u64,
    pub records_written: u64,
    pub record_batches: u64,
    pub record_write_failures: u64,
    /// Records refused as invalid (by the recorder before batching, or by the store), counted
    /// and logged.
    pub records_rejected: u64,
    /// Records in their queue now.
    pub record_queue_depth: usize,
    pub record_queue_capacity: usize,
    /// Records taken from their queue into the batch being written.
    pub records_pending: usize,
    /// The latest write failure, of either kind.
    pub last_error: Option<String>,
    /// Whether the last write of each kind succeeded (or no write has failed yet).
    pub store_available: bool,
    /// How long writes have been failing, in whole seconds; `None` while they succeed.
    pub outage_secs: Option<u64>,
    /// Age of the oldest sample held and not yet written, in whole seconds (0 when caught up).
    pub lag_secs: u64,
    /// Samples held in memory while the store is away or catching up.
    pub memory_buffered: usize,
    /// Samples in the disk spool (or on their way to it), and the bytes they take.
    pub spooled_samples: u64,
    pub spooled_sample_bytes: u64,
    /// Records held in memory while the store is away or catching up.
    pub records_memory_buffered: usize,
    /// Records in the disk spool (or on their way to it), and the bytes they take.
    pub records_spooled: u64,
    pub records_spooled_bytes: u64,
    /// The cap on both spools together, in bytes (0: no spool).
    pub spool_max_bytes: u64,
    /// Samples and records refused because memory was full and the spool at its cap (or absent).
    pub spool_dropped: u64,
    pub records_spool_dropped: u64,
    /// Samples and records written after being held back by an outage.
    pub replayed: u64,
    pub records_replayed: u64,
    /// Spool frames found torn, corrupt or undecodable (each logged), in both spools.
    pub spool_damaged: u64,
    /// Samples and records the last flush put in the spool because the store was away.
    pub flush_spooled: u64,
    pub records_flush_spooled: u64,
}

impl RecorderState {
    pub(super) fn snapshot(&self) -> RecorderSnapshot {
        let now = self.clock.now();
        let (samples, records) = (&self.samples, &self.records);
        let outage_since = [samples.outage.since, records.outage.since].into_iter().flatten().min();
        let (spooled_samples, spooled_sample_bytes) = samples.backlog.spooled();
        let (records_spooled, records_spooled_bytes) = records.backlog.spooled();
        let mut snapshot = RecorderSnapshot {
            last_error: self.last_error.clone(),
            store_available: !samples.in_outage() && !records.in_outage(),
            outage_secs: outage_since.map(|since| since.elapsed().as_secs()),
            lag_secs: samples.oldest_stamp().map_or(0, |oldest| seconds_behind(oldest, now)),
            memory_buffered: samples.backlog.memory_len(),
            spooled_samples,
            spooled_sample_bytes,
            records_memory_buffered: records.backlog.memory_len(),
            records_spooled,
            records_spooled_bytes,
            spool_max_bytes: self.budget.max(),
            spool_damaged: samples.backlog.damaged() + records.backlog.damaged(),
            flush_spooled: self.flush_spooled.0,
            records_flush_spooled: self.flush_spooled.1,
            ..RecorderSnapshot::default()
        };
        samples_counters(&mut snapshot, samples);
        records_counters(&mut snapshot, records);
        snapshot
    }
}

fn seconds_behind(oldest: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    u64::try_from((now - oldest).num_seconds()).unwrap_or(0)
}

fn samples_counters<T: Storable>(snapshot: &mut RecorderSnapshot, lane: &Lane<T>) {
    let stats = &lane.stats;
    snapshot.queued = LaneStats::get(&stats.queued);
    snapshot.waited = LaneStats::get(&stats.waited);
    snapshot.dropped = LaneStats::get(&stats.dropped);
    snapshot.written = LaneStats::get(&stats.written);
    snapshot.batches = LaneStats::get(&stats.batches);
    snapshot.write_failures = LaneStats::get(&stats.write_failures);
    snapshot.rejected = LaneStats::get(&stats.rejected);
    snapshot.spool_dropped = LaneStats::get(&stats.spool_dropped);
    snapshot.replayed = LaneStats::get(&stats.replayed);
    snapshot.queue_depth = lane.depth();
    snapshot.queue_capacity = lane.capacity;
    snapshot.pending = lane.pending();
}

fn records_counters<T: Storable>(snapshot: &mut RecorderSnapshot, lane: &Lane<T>) {
    let stats = &lane.stats;
    snapshot.records_queued = LaneStats::get(&stats.queued);
    snapshot.records_waited = LaneStats::get(&stats.waited);
    snapshot.records_dropped = LaneStats::get(&stats.dropped);
    snapshot.records_written = LaneStats::get(&stats.written);
    snapshot.record_batches = LaneStats::get(&stats.batches);
    snapshot.record_write_failures = LaneStats::get(&stats.write_failures);
    snapshot.records_rejected = LaneStats::get(&stats.rejected);
    snapshot.records_spool_dropped = LaneStats::get(&stats.spool_dropped);
    snapshot.records_replayed = LaneStats::get(&stats.replayed);
    snapshot.record_queue_depth = lane.depth();
    snapshot.record_queue_capacity = lane.capacity;
    snapshot.records_pending = lane.pending();
}
