//! Write-behind roll-ups: what a SQL backend's batches brought to the roll-ups since its last
//! flush, held in memory so ingest does not pay one wide upsert per (well, bucket) per batch.
//!
//! Each backend owns one [`WriteBehind`]. Its write path registers a batch before the raw
//! insert ([`WriteBehind::begin_write`]) and hands the batch over once the insert commits; its
//! flush ([`WriteBehind::begin_flush`]) merges every held row into the tables and advances the
//! persisted watermark in one transaction; its reads ([`WriteBehind::read`]) add what is held to
//! what is stored, so answers are exact at every moment.
//!
//! # The watermark
//!
//! The watermark is the highest raw-row sequence (PostgreSQL `seq`, SQLite `rowid`) up to which
//! every row written through `write_samples` is counted in the tables. A flush may only claim
//! rows it holds: a batch still being written has no known sequence yet, but will get sequences
//! above every sequence seen before it began (its *floor*), so a flush claims no more than the
//! lowest floor of the batches in flight. At open, rows past the watermark are recounted from
//! raw data ([`super::recovery`]); recounting replaces, so an under-claimed watermark only costs
//! time, never exactness.
//!
//! # Another process
//!
//! Another process opening the same database (`wellvisor archive restore` while the service
//! runs) recounts at its open the buckets this one holds, and moves the watermark. This one
//! notices a watermark it did not write: its reads flush first, and a flush that finds it
//! recounts the held buckets from raw rows instead of merging them, so nothing counts twice.
//! One race is left open: a batch of this process that commits after such a flush took its
//! rows and before it reads the raw rows is counted by the recount and held as well. The
//! service writes from one lane, and flushes due by size or age run in that lane, so only a
//! read's or retention's flush can meet it, and only just after another process opened.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use wellvisor_actors::domain::Sample;
use wellvisor_actors::store::{Resolution, RollupPoint, RollupQuery};

use super::held::Held;
use super::recovery::TouchedHour;
use super::{points, BucketRow, Slots};

/// How long a held row may wait for its flush.
pub(crate) const FLUSH_INTERVAL: Duration = Duration::from_secs(30);
/// How many held rows (both resolutions) make a flush due at once. A held row is ~1 KiB.
pub(crate) const ROW_CAP: usize = 20_000;

/// When a flush is due: whichever of the two limits is reached first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FlushPolicy {
    pub interval: Duration,
    pub row_cap: usize,
}

impl Default for FlushPolicy {
    fn default() -> Self {
        FlushPolicy { interval: FLUSH_INTERVAL, row_cap: ROW_CAP }
    }
}

/// What the store's tests observe.
#[cfg(test)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WriteBehindStats {
    /// Rows held and not yet flushed, both resolutions.
    pub held_rows: usize,
    /// Flushes committed since open.
    pub flushes: u64,
    /// The watermark last persisted.
    pub watermark: i64,
}

#[derive(Debug)]
struct State {
    policy: FlushPolicy,
    held: Held,
    /// When the oldest held row arrived.
    held_since: Option<Instant>,
    /// Taken by the flush in progress; still part of every read until that flush commits.
    flushing: Option<(Arc<Held>, Option<Instant>)>,
    /// The floor of each batch between `begin_write` and its hand-over, by ticket.
    in_flight: BTreeMap<u64, i64>,
    next_ticket: u64,
    /// The lowest floor of a batch whose commit may or may not have happened: no flush in this
    /// process claims past it, so the next open recounts it.
    pinned: Option<i64>,
    /// The highest sequence of a batch handed over (or the watermark at open).
    written: i64,
    persisted: i64,
    /// Another process moved the persisted watermark: the next flush must run, and recount.
    foreign: bool,
    flushes: u64,
}

/// The held roll-ups of one store, shared by its clones.
#[derive(Debug)]
pub(crate) struct WriteBehind {
    state: Mutex<State>,
    /// One flush at a time.
    flush_turn: tokio::sync::Mutex<()>,
    /// Reads hold it shared from their table read to their overlay; a flush holds it alone
    /// while it commits and lets go of its rows, so no read counts a row twice or not at all.
    gate: tokio::sync::RwLock<()>,
}

impl WriteBehind {
    /// Nothing held; `watermark` is the persisted one, every row up to it counted.
    pub(crate) fn new(watermark: i64) -> WriteBehind {
        let state = State {
            policy: FlushPolicy::default(),
            held: Held::default(),
            held_since: None,
            flushing: None,
            in_flight: BTreeMap::new(),
            next_ticket: 0,
            pinned: None,
            written: watermark,
            persisted: watermark,
            foreign: false,
            flushes: 0,
        };
        WriteBehind { state: Mutex::new(state), flush_turn: tokio::sync::Mutex::new(()), gate: Default::default() }
    }

    /// The state; a panic elsewhere while it was locked leaves nothing half-done worth refusing.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    #[cfg(test)]
    pub(crate) fn set_policy(&self, policy: FlushPolicy) {
        self.state().policy = policy;
    }

    #[cfg(test)]
    pub(crate) fn stats(&self) -> WriteBehindStats {
        let state = self.state();
        WriteBehindStats { held_rows: state.held.rows(), flushes: state.flushes, watermark: state.persisted }
    }

    /// Registers a batch about to be inserted; the returned handle says how its write ended.
    pub(crate) fn begin_write(&self) -> PendingWrite<'_> {
        let mut state = self.state();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        let floor = state.written;
        state.in_flight.insert(ticket, floor);
        PendingWrite { owner: self, ticket, handed_over: false }
    }

    /// The watermark this store last persisted.
    pub(crate) fn persisted(&self) -> i64 {
        self.state().persisted
    }

    /// Takes note that the stored watermark is `stored`, which is not the one this store
    /// persisted: another process recounted. With nothing held or in flight, the stored one
    /// is adopted; otherwise the next flush runs, with nothing held even, and recounts. Returns
    /// whether a flush is needed.
    pub(crate) fn foreign_watermark(&self, stored: i64) -> bool {
        let mut state = self.state();
        let idle = state.held.rows() == 0 && state.flushing.is_none() && state.in_flight.is_empty();
        if idle && state.pinned.is_none() {
            state.persisted = stored;
            state.written = state.written.max(stored);
            return false;
        }
        state.foreign = true;
        true
    }

    /// Whether a flush is due at `now`.
    pub(crate) fn due(&self, now: Instant) -> bool {
        let state = self.state();
        let aged = state.held_since.is_some_and(|since| now.saturating_duration_since(since) >= state.policy.interval);
        aged || state.held.rows() >= state.policy.row_cap
    }

    /// `query`'s points: the stored buckets `stored` reads, plus what is held.
    pub(crate) async fn read<E>(
        &self,
        query: &RollupQuery,
        stored: impl Future<Output = Result<BTreeMap<i64, Slots>, E>>,
    ) -> Result<Vec<RollupPoint>, E> {
        if query.wanted().is_empty() || query.limit == 0 {
            return Ok(Vec::new());
        }
        let _gate = self.gate.read().await;
        let mut buckets = stored.await?;
        {
            let state = self.state();
            if let Some((flushing, _)) = &state.flushing {
                flushing.overlay(query, &mut buckets);
            }
            state.held.overlay(query, &mut buckets);
        }
        Ok(points(&buckets, query))
    }

    /// Takes every held row for a flush, with the watermark it may claim; `None` when there is
    /// nothing to write. Waits for a flush in progress to end first.
    pub(crate) async fn begin_flush(&self) -> Option<Flush<'_>> {
        let turn = self.flush_turn.lock().await;
        let mut state = self.state();
        let floor = state.in_flight.values().chain(&state.pinned).min().copied();
        let watermark = floor.map_or(state.written, |floor| floor.min(state.written));
        if state.held.rows() == 0 && watermark == state.persisted && !state.foreign {
            return None;
        }
        let held = Arc::new(std::mem::take(&mut state.held));
        state.flushing = Some((held.clone(), state.held_since.take()));
        let expected = state.persisted;
        Some(Flush { owner: self, held, watermark, expected, committing: false, done: false, _turn: turn })
    }

    fn flushed(&self, watermark: i64) {
        let mut state = self.state();
        state.flushing = None;
        state.persisted = watermark;
        state.foreign = false;
        state.flushes += 1;
    }

    /// Puts a failed flush's rows back under what arrived since. `uncertain`: the commit may
    /// have happened, so the watermark stays pinned where it was and the next open recounts.
    fn unflushed(&self, uncertain: bool) {
        let mut state = self.state();
        let Some((flushing, since)) = state.flushing.take() else { return };
        let mut held = Arc::unwrap_or_clone(flushing);
        held.absorb(&state.held);
        state.held = held;
        state.held_since = since.or(state.held_since);
        if uncertain {
            let persisted = state.persisted;
            state.pinned = Some(state.pinned.map_or(persisted, |pinned| pinned.min(persisted)));
        }
    }
}

/// A batch between its registration and its hand-over. Dropped without one (the write's
/// future cancelled mid-way), it counts as a batch whose commit may have happened.
#[derive(Debug)]
pub(crate) struct PendingWrite<'a> {
    owner: &'a WriteBehind,
    ticket: u64,
    handed_over: bool,
}

impl PendingWrite<'_> {
    /// The batch committed; `last_seq` is the sequence of its last raw row. Returns whether a
    /// flush is due now.
    pub(crate) fn committed(mut self, samples: &[Sample], last_seq: i64) -> bool {
        self.handed_over = true;
        {
            let mut state = self.owner.state();
            state.in_flight.remove(&self.ticket);
            state.written = state.written.max(last_seq);
            let before = state.held.rows();
            state.held.add(samples);
            if state.held.rows() > before && state.held_since.is_none() {
                state.held_since = Some(Instant::now());
            }
        }
        self.owner.due(Instant::now())
    }

    /// The batch's transaction failed before its commit: nothing of it is stored.
    pub(crate) fn rolled_back(mut self) {
        self.handed_over = true;
        self.owner.state().in_flight.remove(&self.ticket);
    }

    /// The commit failed in a way that does not say whether it happened: no flush in this
    /// process claims the batch's rows, so the next open recounts them.
    pub(crate) fn uncertain(mut self) {
        self.handed_over = true;
        self.owner.pin(self.ticket);
    }
}

impl Drop for PendingWrite<'_> {
    fn drop(&mut self) {
        if !self.handed_over {
            self.owner.pin(self.ticket);
        }
    }
}

impl WriteBehind {
    /// Keeps every later watermark at or below the floor of batch `ticket`.
    fn pin(&self, ticket: u64) {
        let mut state = self.state();
        if let Some(floor) = state.in_flight.remove(&ticket) {
            state.pinned = Some(state.pinned.map_or(floor, |pinned| pinned.min(floor)));
        }
    }
}

/// A flush in progress: the rows it took and the watermark it may persist with them. Dropped
/// without [`Flush::commit`] (an error on the way), its rows go back to be held; dropped
/// during the commit (cancelled), they go back too, and the watermark stays pinned.
#[derive(Debug)]
pub(crate) struct Flush<'a> {
    owner: &'a WriteBehind,
    held: Arc<Held>,
    pub watermark: i64,
    /// The stored watermark this store expects; another one means another process recounted.
    pub expected: i64,
    committing: bool,
    done: bool,
    _turn: tokio::sync::MutexGuard<'a, ()>,
}

impl Flush<'_> {
    pub(crate) fn rows(&self, resolution: Resolution) -> Vec<BucketRow<'_>> {
        self.held.rows_of(resolution)
    }

    /// The held buckets, as hours to recount from raw rows when merging would count twice.
    pub(crate) fn touched(&self) -> Vec<TouchedHour> {
        self.held.touched()
    }

    /// Runs `commit` (the flush transaction's commit) with reads held off, then lets go of the
    /// rows it made durable, or takes them back if it failed.
    pub(crate) async fn commit<E>(mut self, commit: impl Future<Output = Result<(), E>>) -> Result<(), E> {
        let _gate = self.owner.gate.write().await;
        self.committing = true;
        let result = commit.await;
        self.done = true;
        match result {
            Ok(()) => self.owner.flushed(self.watermark),
            Err(_) => self.owner.unflushed(true),
        }
        result
    }
}

impl Drop for Flush<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.owner.unflushed(self.committing);
        }
    }
}

#[cfg(test)]
#[path = "write_behind_tests.rs"]
mod tests;
