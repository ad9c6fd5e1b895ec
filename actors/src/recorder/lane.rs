//! One write lane of the recorder: the receiving end of a bounded queue, the batch being
//! written, and the backlog held while the store is away. The recorder runs two lanes, samples
//! and records, so each kind is batched, held back, replayed and counted on its own.
//!
//! While a batch waits for its retry, or the backlog holds anything, the lane keeps taking from
//! its queue into the backlog (at most a batch per turn), so submitters are not pushed back by
//! an outage. Once the store answers, the backlog replays batch by batch, oldest first.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{error, info, warn};

use super::backlog::{Backlog, Held, Origin};
use super::codec::Spoolable;
use super::intake::LaneStats;
use super::FlushPolicy;
use crate::device::link::BoxFuture;
use crate::domain::Sample;
use crate::store::{Record, Store, StoreError};

/// Failed writes in a row after which the store counts as unavailable (the alarm's grace).
const UNAVAILABLE_AFTER_FAILURES: u32 = 2;
/// How long a retry waits for the store to answer a ping before it tries the batch. A write
/// to a store that is down can block for the driver's whole connect timeout, and the lane
/// takes nothing from its queue meanwhile; a ping can be cut short safely, a write cannot
/// (it may commit after the caller gave up).
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// What a lane carries, and how a batch of it reaches the store.
pub(super) trait Storable: Spoolable + Send + 'static {
    /// The plural noun for logs.
    const NOUN: &'static str;

    fn write<'a>(store: &'a dyn Store, batch: &'a [Self]) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Refuses, before it joins a batch, an item every store would refuse, so one bad item
    /// cannot sink the good ones written with it.
    fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// When the item was produced: how far behind the store is.
    fn stamp(&self) -> DateTime<Utc>;
}

impl Storable for Sample {
    const NOUN: &'static str = "samples";

    fn write<'a>(store: &'a dyn Store, batch: &'a [Self]) -> BoxFuture<'a, Result<(), StoreError>> {
        store.write_samples(batch)
    }

    fn stamp(&self) -> DateTime<Utc> {
        self.at
    }
}

impl Storable for Record {
    const NOUN: &'static str = "records";

    fn write<'a>(store: &'a dyn Store, batch: &'a [Self]) -> BoxFuture<'a, Result<(), StoreError>> {
        store.write_records(batch)
    }

    fn check(&self) -> Result<(), StoreError> {
        self.validate()
    }

    fn stamp(&self) -> DateTime<Utc> {
        match self {
            Record::Diagnosis(diagnosis) => diagnosis.at,
            Record::AlarmState(alarm) => alarm.updated_at,
            Record::Journal(entry) => entry.at,
            Record::Audit(entry) => entry.at,
            Record::Baseline(baseline) => baseline.at,
        }
    }
}

/// The batch being written: fresh from the queue, or replayed from the backlog.
struct Batch<T> {
    items: Vec<T>,
    /// When the oldest item was taken.
    since: Option<Instant>,
    /// Set while the batch waits to be written again.
    retry_at: Option<Instant>,
    /// `None` for a batch taken straight from the queue.
    origin: Option<Origin>,
    /// Whether a write of it has failed: its items count as replayed once written.
    held: bool,
}

impl<T> Batch<T> {
    fn idle(&self) -> bool {
        self.items.is_empty() && self.retry_at.is_none() && self.origin.is_none()
    }
}

/// The current run of failed writes.
#[derive(Default)]
pub(super) struct Outage {
    failures: u32,
    pub(super) since: Option<Instant>,
}

pub(super) struct Lane<T> {
    pub(super) queue: mpsc::Receiver<T>,
    pub(super) stats: Arc<LaneStats>,
    pub(super) capacity: usize,
    batch: Batch<T>,
    pub(super) backlog: Backlog<T>,
    pub(super) outage: Outage,
}

impl<T: Storable> Lane<T> {
    pub(super) fn new(queue: mpsc::Receiver<T>, stats: Arc<LaneStats>, capacity: usize, backlog: Backlog<T>) -> Self {
        let batch = Batch { items: Vec::new(), since: None, retry_at: None, origin: None, held: false };
        Self { queue, stats, capacity, batch, backlog, outage: Outage::default() }
    }

    /// Whether new items go behind a held batch or the backlog rather than into the batch.
    fn holding_back(&self) -> bool {
        self.batch.retry_at.is_some() || self.batch.origin.is_some() || !self.backlog.is_empty()
    }

    /// Whether the lane takes from its queue now: always while holding back (the backlog has
    /// its own bounds), else while the batch has room.
    pub(super) fn accepting(&self, policy: &FlushPolicy) -> bool {
        self.holding_back() || self.batch.items.len() < policy.batch_size
    }

    /// The next item of the queue; `None` once every intake handle is gone.
    pub(super) async fn recv(&mut self) -> Option<T> {
        self.queue.recv().await
    }

    /// Takes `item`: into the batch, behind the backlog, or counted as rejected when no store
    /// would take it.
    pub(super) fn take(&mut self, item: T) {
        if let Err(error) = item.check() {
            error!(%error, "refused one of the {} submitted; counted as rejected", T::NOUN);
            LaneStats::add(&self.stats.rejected, 1);
            return;
        }
        if self.holding_back() {
            self.hold(item);
            return;
        }
        self.batch.since.get_or_insert_with(Instant::now);
        self.batch.items.push(item);
    }

    fn hold(&mut self, item: T) {
        if self.backlog.push(item) == Held::Refused {
            self.stats.set_spool_full(true);
            let refused = LaneStats::add(&self.stats.spool_dropped, 1);
            if refused.is_power_of_two() {
                error!(refused, "recorder backlog full (memory and spool): {} refused (counted)", T::NOUN);
            }
        }
    }

    /// Takes what is already queued: up to a full batch, or a batch's worth while holding back.
    pub(super) fn fill(&mut self, policy: &FlushPolicy) {
        for _ in 0..policy.batch_size {
            if !self.accepting(policy) {
                break;
            }
            match self.queue.try_recv() {
                Ok(item) => self.take(item),
                Err(_) => break,
            }
        }
    }

    /// When the lane next needs the actor: its retry, a replay, its batch's or its spill's age.
    pub(super) fn deadline(&self, policy: &FlushPolicy) -> Option<Instant> {
        let replay_ready = self.batch.origin.is_some() || (self.batch.idle() && !self.backlog.is_empty());
        let batch = match self.batch.retry_at {
            Some(retry_at) => Some(retry_at),
            None if replay_ready => Some(Instant::now()),
            None => self.batch.since.map(|since| since + policy.max_age),
        };
        [batch, self.backlog.spill_deadline(policy)].into_iter().flatten().min()
    }

    /// Whether the batch should be written now: a retry that fell due, a replayed batch, a
    /// full batch, or an old enough one.
    fn due(&self, policy: &FlushPolicy, now: Instant) -> bool {
        match self.batch.retry_at {
            Some(retry_at) => now >= retry_at,
            None => {
                let aged = self.batch.since.is_some_and(|since| now >= since + policy.max_age);
                let full = self.batch.items.len() >= policy.batch_size;
                !self.batch.items.is_empty() && (self.batch.origin.is_some() || full || aged)
            }
        }
    }

    /// Does what is due: appends the spill, takes the next replay batch, writes the batch.
    /// Answers the write's result when one was attempted.
    pub(super) async fn service(
        &mut self,
        store: &dyn Store,
        policy: &FlushPolicy,
        now: Instant,
    ) -> Option<Result<(), StoreError>> {
        if self.backlog.spill_due(policy, now) {
            self.append_spill();
        }
        if self.batch.idle() {
            self.refill(policy, true);
        }
        if !self.due(policy, now) {
            return None;
        }
        Some(self.write(store, policy).await)
    }

    /// Appends the spill durably; a disk error loses its items, counted and alarmed.
    pub(super) fn append_spill(&mut self) {
        if let Err((error, lost)) = self.backlog.append_spill() {
            error!(%error, lost, "spool append failed: {} lost (counted as refused)", T::NOUN);
            LaneStats::add(&self.stats.spool_dropped, lost);
            self.stats.set_spool_full(true);
        }
    }

    /// Takes the backlog's next batch (from memory only, or the spool too) as the batch.
    pub(super) fn refill(&mut self, policy: &FlushPolicy, with_spool: bool) {
        loop {
            let next = match self.backlog.next_batch(policy.batch_size, with_spool) {
                Ok(next) => next,
                Err(error) => {
                    error!(%error, "reading the spool failed: will retry");
                    self.batch.retry_at = Some(Instant::now() + policy.retry_delay);
                    return;
                }
            };
            let Some((items, origin)) = next else { return };
            if items.is_empty() {
                self.acknowledge(origin); // nothing in it decoded: counted by the backlog
                continue;
            }
            self.batch.items = items;
            self.batch.origin = Some(origin);
            self.batch.since = Some(Instant::now());
            return;
        }
    }

    /// Writes the batch. A rejected batch is counted and let go (retrying cannot help); an
    /// unavailable store keeps it for a retry after `policy.retry_delay`.
    pub(super) async fn write(&mut self, store: &dyn Store, policy: &FlushPolicy) -> Result<(), StoreError> {
        if self.batch.items.is_empty() {
            self.finish();
            return Ok(());
        }
        let (stats, count) = (&self.stats, self.batch.items.len() as u64);
        if self.outage.failures > 0 && !answers_probe(store).await {
            LaneStats::add(&stats.write_failures, 1);
            self.failed();
            self.batch.retry_at = Some(Instant::now() + policy.retry_delay);
            return Err(StoreError::Unavailable("the store did not answer a ping".into()));
        }
        let result = T::write(store, &self.batch.items).await;
        match &result {
            Ok(()) => {
                LaneStats::add(&stats.written, count);
                LaneStats::add(&stats.batches, 1);
                if self.batch.held || self.batch.origin.is_some() {
                    LaneStats::add(&stats.replayed, count);
                }
                self.recovered();
                self.finish();
            }
            Err(StoreError::Rejected(reason)) => {
                error!(count, %reason, "store rejected a batch of {}; counted as rejected", T::NOUN);
                LaneStats::add(&stats.rejected, count);
                self.recovered();
                self.finish();
            }
            Err(StoreError::Unavailable(reason)) => {
                warn!(count, %reason, "store write of {} failed; will retry", T::NOUN);
                LaneStats::add(&stats.write_failures, 1);
                self.failed();
                self.batch.retry_at = Some(Instant::now() + policy.retry_delay);
            }
        }
        result
    }

    fn failed(&mut self) {
        self.batch.held = true;
        self.outage.failures += 1;
        self.outage.since.get_or_insert_with(Instant::now);
        if self.outage.failures == UNAVAILABLE_AFTER_FAILURES {
            warn!(failures = self.outage.failures, "store unavailable for {}: holding them back", T::NOUN);
            self.stats.set_store_out(true);
        }
    }

    fn recovered(&mut self) {
        if let Some(since) = self.outage.since.take() {
            info!(outage_ms = since.elapsed().as_millis() as u64, "store writable again for {}", T::NOUN);
        }
        self.outage.failures = 0;
        self.stats.set_store_out(false);
        self.stats.set_spool_full(false);
    }

    /// Lets the batch go, acknowledging its origin in the backlog.
    fn finish(&mut self) {
        if let Some(origin) = self.batch.origin.take() {
            self.acknowledge(origin);
        }
        self.batch.items.clear();
        self.batch.since = None;
        self.batch.retry_at = None;
        self.batch.held = false;
    }

    fn acknowledge(&mut self, origin: Origin) {
        if let Err(error) = self.backlog.done(origin) {
            error!(%error, "could not record replay progress: a batch may replay twice after a crash");
        }
    }

    /// Whether a write has failed and not succeeded since.
    pub(super) fn in_outage(&self) -> bool {
        self.outage.failures > 0
    }

    /// Items in the queue now.
    pub(super) fn depth(&self) -> usize {
        self.queue.len()
    }

    /// Items in the batch: taken, not yet written.
    pub(super) fn pending(&self) -> usize {
        self.batch.items.len()
    }

    /// The oldest item not yet written that the lane holds in memory.
    pub(super) fn oldest_stamp(&self) -> Option<DateTime<Utc>> {
        self.batch.items.first().or_else(|| self.backlog.oldest_in_memory()).map(Storable::stamp)
    }

    /// Takes the batch for a graceful stop: its items, unless they are still in the spool.
    pub(super) fn take_batch_for_stow(&mut self) -> Vec<T> {
        let items = std::mem::take(&mut self.batch.items);
        let from_spool = matches!(self.batch.origin, Some(Origin::Spool(_)));
        self.batch.origin = None;
        self.finish();
        if from_spool {
            self.backlog.rewind();
            return Vec::new();
        }
        items
    }
}

/// Whether the store answers a ping within [`PROBE_TIMEOUT`].
async fn answers_probe(store: &dyn Store) -> bool {
    matches!(tokio::time::timeout(PROBE_TIMEOUT, store.ping()).await, Ok(Ok(())))
}
