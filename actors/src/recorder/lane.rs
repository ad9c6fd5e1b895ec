//! One write lane of the recorder: the receiving end of a bounded queue, the batch taken from
//! it, and that batch's retry. The recorder runs two lanes, samples and records, so each kind
//! is batched, retried and counted on its own and a failing one never holds the other's queue.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{error, warn};

use super::intake::LaneStats;
use super::FlushPolicy;
use crate::device::link::BoxFuture;
use crate::domain::Sample;
use crate::store::{Record, Store, StoreError};

/// Retries per batch during the final flush, so a shutdown cannot hang on a dead store.
const FLUSH_ATTEMPTS: u32 = 10;

/// What a lane carries, and how a batch of it reaches the store.
pub(super) trait Storable: Send + 'static {
    /// The plural noun for logs.
    const NOUN: &'static str;

    fn write<'a>(store: &'a dyn Store, batch: &'a [Self]) -> BoxFuture<'a, Result<(), StoreError>>
    where
        Self: Sized;

    /// Refuses, before it joins a batch, an item every store would refuse, so one bad item
    /// cannot sink the good ones written with it.
    fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

impl Storable for Sample {
    const NOUN: &'static str = "samples";

    fn write<'a>(store: &'a dyn Store, batch: &'a [Self]) -> BoxFuture<'a, Result<(), StoreError>> {
        store.write_samples(batch)
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
}

pub(super) struct Lane<T> {
    queue: mpsc::Receiver<T>,
    pub(super) stats: Arc<LaneStats>,
    pub(super) capacity: usize,
    batch: Vec<T>,
    /// When the oldest item of `batch` was taken.
    since: Option<Instant>,
    /// Set while a failed batch waits to be written again.
    retry_at: Option<Instant>,
}

impl<T: Storable> Lane<T> {
    pub(super) fn new(queue: mpsc::Receiver<T>, stats: Arc<LaneStats>, capacity: usize) -> Self {
        Self { queue, stats, capacity, batch: Vec::new(), since: None, retry_at: None }
    }

    /// Whether the lane takes from its queue now. Not while a failed batch waits for its
    /// retry: the batch is held, and the bounded queue pushes back on submitters meanwhile.
    pub(super) fn accepting(&self, policy: &FlushPolicy) -> bool {
        self.retry_at.is_none() && self.batch.len() < policy.batch_size
    }

    /// The next item of the queue; `None` once every intake handle is gone.
    pub(super) async fn recv(&mut self) -> Option<T> {
        self.queue.recv().await
    }

    /// Adds `item` to the batch, or counts it as rejected when no store would take it.
    pub(super) fn take(&mut self, item: T) {
        if let Err(error) = item.check() {
            error!(%error, "refused one of the {} submitted; counted as rejected", T::NOUN);
            LaneStats::add(&self.stats.rejected, 1);
            return;
        }
        self.since.get_or_insert_with(Instant::now);
        self.batch.push(item);
    }

    /// Takes what is already queued, up to a full batch.
    pub(super) fn fill(&mut self, policy: &FlushPolicy) {
        while self.batch.len() < policy.batch_size {
            match self.queue.try_recv() {
                Ok(item) => self.take(item),
                Err(_) => break,
            }
        }
    }

    /// When the lane next needs the actor: its retry, or the age limit of its batch.
    pub(super) fn deadline(&self, policy: &FlushPolicy) -> Option<Instant> {
        self.retry_at.or_else(|| self.since.map(|since| since + policy.max_age))
    }

    /// Whether the batch should be written now: a retry that fell due, a full batch, or an
    /// old enough one.
    pub(super) fn due(&self, policy: &FlushPolicy, now: Instant) -> bool {
        match self.retry_at {
            Some(retry_at) => now >= retry_at,
            None => {
                let aged = self.since.is_some_and(|since| now >= since + policy.max_age);
                !self.batch.is_empty() && (self.batch.len() >= policy.batch_size || aged)
            }
        }
    }

    /// Writes the held batch. A rejected batch is counted and let go (retrying cannot help);
    /// an unavailable store keeps it for a retry after `policy.retry_delay`.
    pub(super) async fn write(&mut self, store: &dyn Store, policy: &FlushPolicy) -> Result<(), StoreError> {
        if self.batch.is_empty() {
            self.retry_at = None;
            return Ok(());
        }
        let (stats, count) = (&self.stats, self.batch.len() as u64);
        let result = T::write(store, &self.batch).await;
        match &result {
            Ok(()) => {
                LaneStats::add(&stats.written, count);
                LaneStats::add(&stats.batches, 1);
                self.clear();
            }
            Err(StoreError::Rejected(reason)) => {
                error!(count, %reason, "store rejected a batch of {}; counted as rejected", T::NOUN);
                LaneStats::add(&stats.rejected, count);
                self.clear();
            }
            Err(StoreError::Unavailable(reason)) => {
                warn!(count, %reason, "store write of {} failed; will retry", T::NOUN);
                LaneStats::add(&stats.write_failures, 1);
                self.retry_at = Some(Instant::now() + policy.retry_delay);
            }
        }
        result
    }

    fn clear(&mut self) {
        self.batch.clear();
        self.since = None;
        self.retry_at = None;
    }

    /// Writes everything queued, batch by batch, retrying each a few times; notes every
    /// failure in `last_error`. Returns whether everything was written (or rejected); what is
    /// left when the store stays unavailable is logged with its count.
    pub(super) async fn drain(
        &mut self,
        store: &dyn Store,
        policy: &FlushPolicy,
        last_error: &mut Option<String>,
    ) -> bool {
        loop {
            self.fill(policy);
            if self.batch.is_empty() {
                return true;
            }
            if !self.write_with_retries(store, policy, last_error).await {
                let count = self.batch.len() + self.queue.len();
                error!(count, "flush gave up: the store stayed unavailable; {} not written", T::NOUN);
                return false;
            }
        }
    }

    /// Writes the batch, retrying an unavailable store up to [`FLUSH_ATTEMPTS`] times in all.
    async fn write_with_retries(
        &mut self,
        store: &dyn Store,
        policy: &FlushPolicy,
        last_error: &mut Option<String>,
    ) -> bool {
        for attempt in 1..=FLUSH_ATTEMPTS {
            match self.write(store, policy).await {
                Ok(()) => return true,
                Err(StoreError::Rejected(reason)) => {
                    *last_error = Some(reason);
                    return true; // counted and let go: retrying cannot help
                }
                Err(StoreError::Unavailable(reason)) => {
                    *last_error = Some(reason);
                    if attempt < FLUSH_ATTEMPTS {
                        tokio::time::sleep(policy.retry_delay).await;
                    }
                }
            }
        }
        false
    }

    /// Items waiting in the queue.
    pub(super) fn depth(&self) -> usize {
        self.queue.len()
    }

    /// Items taken from the queue but not yet written.
    pub(super) fn pending(&self) -> usize {
        self.batch.len()
    }
}
