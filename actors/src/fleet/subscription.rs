//! Live subscribers of the fleet's events, and the counters the metrics export.
//!
//! Each subscriber gets its own bounded queue, fed by a forwarding task that reads the fleet's
//! broadcast channel and keeps what the subscriber's [`EventFilter`] asks for. Nothing on the
//! publishing side ever waits for a subscriber: the broadcast channel overwrites its oldest event,
//! and the forwarder only `try_send`s. A subscriber that stops reading fills its queue; one whose
//! forwarder falls behind the broadcast is `Lagged`. Either way it is dropped: its forwarder
//! stops, [`SubscriberStats::dropped_total`] counts it, and its [`Subscription`] ends with one
//! [`Delivery::Dropped`] the client sees if it ever reads again.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{broadcast, mpsc, oneshot};
use tracing::warn;

use super::events::{EventKind, FleetEvent, SequencedEvent};
use super::FleetView;
use crate::domain::WellId;

/// Concurrent subscribers allowed unless the service configures otherwise.
pub const DEFAULT_SUBSCRIBER_LIMIT: usize = 256;

/// Which events a subscriber wants. Both parts are optional; an event must pass both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only events about these wells: feeder, gateway and system alarms are then left out.
    pub wells: Option<HashSet<WellId>>,
    pub kinds: Option<HashSet<EventKind>>,
}

impl EventFilter {
    /// Every event of the fleet.
    pub fn everything() -> Self {
        Self::default()
    }

    pub fn matches(&self, event: &FleetEvent) -> bool {
        let kind_wanted = self.kinds.as_ref().is_none_or(|kinds| kinds.contains(&event.kind()));
        let well_wanted = match &self.wells {
            None => true,
            Some(wells) => event.well_id().is_some_and(|id| wells.contains(id)),
        };
        kind_wanted && well_wanted
    }
}

/// Live-subscriber figures, shared by every clone of the [`FleetView`], for the metrics:
///
/// | metric | type | read with |
/// |---|---|---|
/// | `wellvisor_sse_subscribers` | gauge | [`SubscriberStats::connected`] |
/// | `wellvisor_sse_dropped_total` | counter | [`SubscriberStats::dropped_total`] |
/// | `wellvisor_sse_events_sent_total` | counter | [`SubscriberStats::sent_total`] |
/// | `wellvisor_sse_refused_total` | counter | [`SubscriberStats::refused_total`] |
#[derive(Debug)]
pub struct SubscriberStats {
    limit: usize,
    connected: AtomicUsize,
    dropped: AtomicU64,
    sent: AtomicU64,
    refused: AtomicU64,
}

impl SubscriberStats {
    pub(super) fn new(limit: usize) -> Self {
        Self {
            limit,
            connected: AtomicUsize::new(0),
            dropped: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        }
    }

    /// The most subscribers fed at once; one more is refused.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Subscribers being fed now. A dropped subscriber no longer counts, even while its client
    /// still holds the connection open.
    pub fn connected(&self) -> usize {
        self.connected.load(Ordering::Relaxed)
    }

    /// Subscribers dropped for not keeping up, since start.
    pub fn dropped_total(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Events handed to subscribers, since start (a `dropped` notice is not an event).
    pub fn sent_total(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Subscriptions refused because [`SubscriberStats::limit`] were connected, since start.
    pub fn refused_total(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

/// A place among the connected subscribers, given back when dropped.
struct Slot(Arc<SubscriberStats>);

impl Slot {
    fn take(stats: &Arc<SubscriberStats>) -> Option<Self> {
        let joined = stats.connected.fetch_update(Ordering::AcqRel, Ordering::Acquire, |connected| {
            (connected < stats.limit).then_some(connected + 1)
        });
        match joined {
            Ok(_) => Some(Self(stats.clone())),
            Err(_) => {
                stats.refused.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.connected.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Why a subscriber was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// Its queue of this many events was full: the client stopped reading.
    QueueFull { capacity: usize },
    /// Its forwarder fell this many events behind the fleet's broadcast channel.
    Lagged { missed: u64 },
}

/// Refused: as many subscribers as allowed are connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{limit} event subscribers are connected, the most allowed")]
pub struct SubscribersFull {
    pub limit: usize,
}

/// What a subscriber reads next.
#[derive(Clone, Debug)]
pub enum Delivery {
    Event(SequencedEvent),
    /// The subscriber did not keep up and gets nothing more.
    Dropped(DropReason),
}

/// One subscriber's end of its queue. Dropping it ends the subscription and frees its slot.
pub struct Subscription {
    queue: mpsc::Receiver<SequencedEvent>,
    verdict: oneshot::Receiver<DropReason>,
    stats: Arc<SubscriberStats>,
    finished: bool,
}

impl Subscription {
    /// The next event; after a drop, the drop itself (once, before any event still queued, since
    /// those are stale by then); `None` once the subscription is over (dropped, or the fleet gone).
    pub async fn next(&mut self) -> Option<Delivery> {
        if self.finished {
            return None;
        }
        if let Ok(reason) = self.verdict.try_recv() {
            self.finished = true;
            return Some(Delivery::Dropped(reason));
        }
        match self.queue.recv().await {
            Some(event) => {
                self.stats.sent.fetch_add(1, Ordering::Relaxed);
                Some(Delivery::Event(event))
            }
            None => {
                self.finished = true;
                self.verdict.try_recv().ok().map(Delivery::Dropped)
            }
        }
    }
}

impl FleetView {
    /// Subscribes to the events `filter` passes, through a queue of `queue` events. Events
    /// published from now on are delivered, none from before. Must be called on a Tokio runtime:
    /// it spawns the subscriber's forwarder.
    pub fn follow(&self, filter: EventFilter, queue: usize) -> Result<Subscription, SubscribersFull> {
        let slot = Slot::take(&self.subscribers).ok_or(SubscribersFull { limit: self.subscribers.limit })?;
        let source = self.events.subscribe();
        let (sender, receiver) = mpsc::channel(queue.max(1));
        let (verdict, verdict_receiver) = oneshot::channel();
        tokio::spawn(forward(source, filter, sender, verdict, slot));
        Ok(Subscription {
            queue: receiver,
            verdict: verdict_receiver,
            stats: self.subscribers.clone(),
            finished: false,
        })
    }

    /// The live subscribers' figures (see [`SubscriberStats`] for the metric names).
    pub fn subscribers(&self) -> &SubscriberStats {
        &self.subscribers
    }
}

/// Feeds one subscriber's queue until the subscriber goes away, the fleet does, or the
/// subscriber is dropped for not keeping up.
async fn forward(
    mut source: broadcast::Receiver<SequencedEvent>,
    filter: EventFilter,
    queue: mpsc::Sender<SequencedEvent>,
    verdict: oneshot::Sender<DropReason>,
    slot: Slot,
) {
    let capacity = queue.max_capacity();
    let reason = loop {
        let received = tokio::select! {
            biased;
            () = queue.closed() => return,
            received = source.recv() => received,
        };
        let event = match received {
            Ok(event) => event,
            Err(RecvError::Lagged(missed)) => break DropReason::Lagged { missed },
            Err(RecvError::Closed) => return,
        };
        if !filter.matches(&event.event) {
            continue;
        }
        match queue.try_send(event) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => break DropReason::QueueFull { capacity },
            Err(TrySendError::Closed(_)) => return,
        }
    };
    warn!(?reason, "event subscriber dropped for not keeping up");
    slot.0.dropped.fetch_add(1, Ordering::Relaxed);
    // Counted and freed before the verdict, so whoever sees the drop sees the figures with it.
    drop(slot);
    let _ = verdict.send(reason);
}

#[cfg(test)]
#[path = "subscription_tests.rs"]
mod tests;
