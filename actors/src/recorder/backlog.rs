//! What a lane holds back while the store is away or catching up: a bounded memory buffer, then
//! the disk spool. Order is the contract: the memory buffer is older than the spool, and while
//! the spool holds anything new items go to its tail, so every well's data reaches the store in
//! the order it was taken. Items bound for the spool are encoded at once (so the disk cap is
//! checked per item) and appended together, one fsync per batch.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::time::Instant;
use tracing::error;

use super::codec::Spoolable;
use super::spool::{frame, Mark, Spool, SpoolBudget, SpoolError};
use super::FlushPolicy;

/// Where a new item went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Held {
    Memory,
    Spool,
    /// Memory full and the spool at its cap (or absent): refused, for the caller to count.
    Refused,
}

/// Where a batch taken from the backlog came from, so its write can be acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Origin {
    Memory,
    Spool(Mark),
}

pub(super) struct Backlog<T> {
    memory: VecDeque<T>,
    memory_limit: usize,
    spool: Option<Spool>,
    budget: Arc<SpoolBudget>,
    /// Encoded frames waiting for their append, newer than everything on disk.
    spill: Vec<u8>,
    spill_items: u64,
    spill_since: Option<Instant>,
    /// Spooled frames that would not decode: counted, never retried.
    undecodable: u64,
}

impl<T: Spoolable> Backlog<T> {
    pub(super) fn new(memory_limit: usize, spool: Option<Spool>, budget: Arc<SpoolBudget>) -> Self {
        Self {
            memory: VecDeque::new(),
            memory_limit: memory_limit.max(1),
            spool,
            budget,
            spill: Vec::new(),
            spill_items: 0,
            spill_since: None,
            undecodable: 0,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.memory.is_empty() && !self.spooling()
    }

    /// Whether anything is on its way to, or in, the spool: new items then go to its tail.
    fn spooling(&self) -> bool {
        self.spill_items > 0 || self.spool.as_ref().is_some_and(|spool| spool.items() > 0)
    }

    /// Holds a new item behind everything already held.
    pub(super) fn push(&mut self, item: T) -> Held {
        if !self.spooling() && self.memory.len() < self.memory_limit {
            self.memory.push_back(item);
            return Held::Memory;
        }
        if self.spool.is_none() || !self.encode_into_spill(&item) {
            return Held::Refused;
        }
        self.spill_items += 1;
        self.spill_since.get_or_insert_with(Instant::now);
        Held::Spool
    }

    /// Encodes `item` as a frame at the end of the spill, if the disk budget has room for it.
    fn encode_into_spill(&mut self, item: &T) -> bool {
        let mut payload = Vec::new();
        item.encode(&mut payload);
        if !self.budget.try_reserve(frame::size(payload.len())) {
            return false;
        }
        frame::put(&mut self.spill, &payload);
        true
    }

    /// When the spill must be appended: once it holds a batch, or its oldest item is a batch old.
    pub(super) fn spill_deadline(&self, policy: &FlushPolicy) -> Option<Instant> {
        self.spill_since.map(|since| since + policy.max_age)
    }

    pub(super) fn spill_due(&self, policy: &FlushPolicy, now: Instant) -> bool {
        self.spill_items >= policy.batch_size as u64 || self.spill_deadline(policy).is_some_and(|at| now >= at)
    }

    /// Appends the spill to the spool durably. On a disk error its items are lost: the count is
    /// returned for the caller to count and alarm.
    pub(super) fn append_spill(&mut self) -> Result<(), (SpoolError, u64)> {
        let (frames, items) = (std::mem::take(&mut self.spill), std::mem::take(&mut self.spill_items));
        self.spill_since = None;
        let Some(spool) = &mut self.spool else { return Ok(()) };
        spool.append(&frames, items).map_err(|error| {
            self.budget.release(frames.len() as u64);
            (error, items)
        })
    }

    /// The next batch to replay, oldest first: from memory, else (`with_spool`) from the spool,
    /// whose pending spill is appended first so the disk holds it in order.
    pub(super) fn next_batch(&mut self, max: usize, with_spool: bool) -> Result<Option<(Vec<T>, Origin)>, SpoolError> {
        if !self.memory.is_empty() {
            let take = max.min(self.memory.len());
            return Ok(Some((self.memory.drain(..take).collect(), Origin::Memory)));
        }
        let Some(spool) = self.spool.as_mut().filter(|_| with_spool) else { return Ok(None) };
        if !spool.has_unread() && self.spill_items > 0 {
            self.append_spill().map_err(|(error, _)| error)?;
        }
        let Some(spool) = &mut self.spool else { return Ok(None) };
        let Some((payloads, mark)) = spool.read(max)? else { return Ok(None) };
        let mut items = Vec::with_capacity(payloads.len());
        for payload in payloads {
            match T::decode(&payload) {
                Ok(item) => items.push(item),
                Err(error) => {
                    self.undecodable += 1;
                    error!(%error, "a spooled frame does not decode: skipped (counted)");
                }
            }
        }
        Ok(Some((items, Origin::Spool(mark))))
    }

    /// Acknowledges a batch from [`Backlog::next_batch`] as written (or let go).
    pub(super) fn done(&mut self, origin: Origin) -> Result<(), SpoolError> {
        match (origin, &mut self.spool) {
            (Origin::Spool(mark), Some(spool)) => spool.commit(mark),
            _ => Ok(()),
        }
    }

    /// Forgets spool reads not yet acknowledged: they replay again from the cursors.
    pub(super) fn rewind(&mut self) {
        if let Some(spool) = &mut self.spool {
            spool.rewind();
        }
    }

    /// Puts everything held in memory on disk for the next start, at a graceful stop with the
    /// store away: `older` (a batch taken before the memory buffer) and the memory buffer go
    /// before the unread spool, the spill after it. Returns the items spooled and those refused
    /// (no spool, the cap, or a disk error).
    pub(super) fn stow(&mut self, older: Vec<T>) -> (u64, u64) {
        let held: Vec<T> = older.into_iter().chain(self.memory.drain(..)).collect();
        let (mut spooled, mut refused) = (0, 0);
        let mut frames = Vec::new();
        for item in &held {
            let mut payload = Vec::new();
            item.encode(&mut payload);
            if self.spool.is_some() && self.budget.try_reserve(frame::size(payload.len())) {
                frame::put(&mut frames, &payload);
                spooled += 1;
            } else {
                refused += 1;
            }
        }
        if let Some(spool) = self.spool.as_mut().filter(|_| spooled > 0) {
            if let Err(error) = spool.prepend(&frames, spooled) {
                error!(%error, items = spooled, "could not spool what memory held at the stop: lost (counted)");
                self.budget.release(frames.len() as u64);
                (refused, spooled) = (refused + spooled, 0);
            }
        }
        let pending = self.spill_items;
        if let Err((error, lost)) = self.append_spill() {
            error!(%error, items = lost, "could not append to the spool at the stop: lost (counted)");
            return (spooled, refused + lost);
        }
        (spooled + pending, refused)
    }

    /// Items held in memory.
    pub(super) fn memory_len(&self) -> usize {
        self.memory.len()
    }

    /// The oldest item in memory.
    pub(super) fn oldest_in_memory(&self) -> Option<&T> {
        self.memory.front()
    }

    /// Items and bytes in the spool or on their way to it.
    pub(super) fn spooled(&self) -> (u64, u64) {
        let (items, bytes) = self.spool.as_ref().map_or((0, 0), |spool| (spool.items(), spool.bytes()));
        (items + self.spill_items, bytes + self.spill.len() as u64)
    }

    /// Torn, corrupt or undecodable spool frames found so far.
    pub(super) fn damaged(&self) -> u64 {
        self.undecodable + self.spool.as_ref().map_or(0, Spool::damaged)
    }
}
