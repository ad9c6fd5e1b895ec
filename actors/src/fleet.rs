//! The Fleet actor and its view: the control room's live picture of every well.
//!
//! The view is a dashmap of [`WellSnapshot`]s that wells and the supervisor update in place
//! and the API reads, so no read ever waits on a well's mailbox. The actor numbers the fleet's
//! events (status changes, alarm changes, restarts: `events.rs`), fans them out on a bounded
//! broadcast channel and counts them; each live subscriber reads them through its own bounded
//! queue and is dropped, never waited for, when it does not keep up (`subscription.rs`).

mod correlator;
mod events;
mod latency;
mod snapshot;
mod subscription;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use dashmap::DashMap;
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use serde::Serialize;
use tokio::sync::broadcast;

pub use correlator::{Correlator, FleetSignal};
pub use events::{EventKind, FleetEvent, RestartCause, RestartEvent, SequencedEvent};
pub use latency::{LatencyHistogram, LATENCY_BOUNDS_SECONDS};
pub use snapshot::{DeviceCounters, DiagnosticsView, LastError, LatestValues, WellSnapshot};
pub use subscription::{
    Delivery, DropReason, EventFilter, SubscriberStats, SubscribersFull, Subscription, DEFAULT_SUBSCRIBER_LIMIT,
};

use crate::clock::Clock;
use crate::diagnostics::book::{AlarmBook, AlarmEvent};
use crate::domain::WellId;
use crate::recorder::RecorderIntake;

/// A change worth telling the control room about.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusEvent {
    pub well_id: WellId,
    pub at: DateTime<Utc>,
    /// What changed: `connection`, `supervision`, `run_state`, `added` or `removed`.
    pub kind: &'static str,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Why, when known (the device error, the panic message).
    pub detail: Option<String>,
}

/// The shared, lock-striped map of well snapshots plus the event channel and its subscribers.
#[derive(Clone)]
pub struct FleetView {
    wells: Arc<DashMap<WellId, WellSnapshot>>,
    events: broadcast::Sender<SequencedEvent>,
    subscribers: Arc<SubscriberStats>,
}

/// Counts by state across the fleet, computed from the view on demand.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FleetSummary {
    pub wells: usize,
    pub connection: BTreeMap<&'static str, usize>,
    pub supervision: BTreeMap<&'static str, usize>,
    pub run_state: BTreeMap<&'static str, usize>,
    pub active_alarms: BTreeMap<&'static str, usize>,
}

impl FleetView {
    /// A view whose event channel keeps `event_capacity` events for slow subscribers, and that
    /// feeds up to [`DEFAULT_SUBSCRIBER_LIMIT`] live subscribers at once.
    pub fn new(event_capacity: usize) -> Self {
        let (events, _) = broadcast::channel(event_capacity.max(1));
        let subscribers = Arc::new(SubscriberStats::new(DEFAULT_SUBSCRIBER_LIMIT));
        Self { wells: Arc::new(DashMap::new()), events, subscribers }
    }

    /// The same view feeding up to `limit` live subscribers at once. Call it before cloning the
    /// view: clones made earlier keep the old limit and figures.
    pub fn with_subscriber_limit(mut self, limit: usize) -> Self {
        self.subscribers = Arc::new(SubscriberStats::new(limit));
        self
    }

    /// Reads one well without cloning its history.
    pub fn read<R>(&self, id: &WellId, read: impl FnOnce(&WellSnapshot) -> R) -> Option<R> {
        self.wells.get(id).map(|entry| read(entry.value()))
    }

    /// Changes one well in place. The shard lock is held only for `change`, never across IO.
    pub fn update<R>(&self, id: &WellId, change: impl FnOnce(&mut WellSnapshot) -> R) -> Option<R> {
        self.wells.get_mut(id).map(|mut entry| change(entry.value_mut()))
    }

    /// Maps every well, sorted by id.
    pub fn map_all<R>(&self, mut read: impl FnMut(&WellSnapshot) -> R) -> Vec<R> {
        let mut rows: Vec<(WellId, R)> = self.wells.iter().map(|e| (e.key().clone(), read(e.value()))).collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows.into_iter().map(|(_, row)| row).collect()
    }

    /// Visits every well in no particular order, without cloning or sorting: for fleet-wide
    /// sums. Each shard is read-locked while its wells are visited, so keep `visit` short.
    pub fn for_each(&self, mut visit: impl FnMut(&WellSnapshot)) {
        self.wells.iter().for_each(|entry| visit(entry.value()));
    }

    pub fn contains(&self, id: &WellId) -> bool {
        self.wells.contains_key(id)
    }

    pub fn len(&self) -> usize {
        self.wells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.wells.is_empty()
    }

    /// Adds a well's snapshot unless one exists; returns whether it was added.
    pub fn insert(&self, snapshot: WellSnapshot) -> bool {
        match self.wells.entry(snapshot.id.clone()) {
            dashmap::Entry::Occupied(_) => false,
            dashmap::Entry::Vacant(slot) => {
                slot.insert(snapshot);
                true
            }
        }
    }

    pub fn remove(&self, id: &WellId) -> Option<WellSnapshot> {
        self.wells.remove(id).map(|(_, snapshot)| snapshot)
    }

    /// The raw event channel. A receiver that falls more than the channel's capacity behind
    /// gets `Lagged` with the number it missed: the fleet never waits. Clients go through
    /// [`FleetView::follow`], which filters, counts and drops slow subscribers.
    pub fn subscribe(&self) -> broadcast::Receiver<SequencedEvent> {
        self.events.subscribe()
    }

    pub fn summary(&self) -> FleetSummary {
        let mut summary = FleetSummary::default();
        for entry in self.wells.iter() {
            let well = entry.value();
            summary.wells += 1;
            *summary.connection.entry(well.connection.as_str()).or_default() += 1;
            *summary.supervision.entry(well.supervision.as_str()).or_default() += 1;
            let run_state = well.run_state.map_or("unknown", |s| s.as_str());
            *summary.run_state.entry(run_state).or_default() += 1;
        }
        summary
    }
}

/// The Fleet actor: numbers the fleet's events, fans them out and counts them.
pub struct FleetActor;

pub struct FleetArgs {
    pub view: FleetView,
    /// The fleet's alarm points, for the power events and gateway outages it judges.
    pub alarms: AlarmBook,
    /// Where fleet-level alarm changes go; none in tests that keep no history.
    pub recorder: Option<RecorderIntake>,
    pub clock: Arc<dyn Clock>,
}

pub struct FleetState {
    view: FleetView,
    counters: FleetCounters,
    /// The number of the last event published.
    last_seq: u64,
    correlator: Correlator,
    clock: Arc<dyn Clock>,
}

/// How often the fleet lets time act on its correlations and the alarm book.
const TICK: Duration = Duration::from_secs(1);

/// What the Fleet actor has done since start.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FleetCounters {
    pub status_events: u64,
    pub alarm_events: u64,
    pub restart_events: u64,
    /// Events published while nobody listened (kept nowhere, by design: the snapshot has the state).
    pub events_unobserved: u64,
    pub subscribers: usize,
    /// Alarm records the recorder could not take (counted, logged by the recorder).
    pub records_dropped: u64,
}

pub enum FleetMsg {
    Status(StatusEvent),
    /// An alarm point changed state (from the alarm book's listener).
    Alarm(AlarmEvent),
    /// The supervisor restarted a well or gave up on it.
    Restart(RestartEvent),
    /// A well's news for the feeder and gateway correlations.
    Signal(FleetSignal),
    /// Internal: let time act.
    Tick,
    Counters(RpcReplyPort<FleetCounters>),
}

impl Actor for FleetActor {
    type Msg = FleetMsg;
    type State = FleetState;
    type Arguments = FleetArgs;

    async fn pre_start(&self, myself: ActorRef<FleetMsg>, args: FleetArgs) -> Result<FleetState, ActorProcessingErr> {
        myself.send_interval(TICK, || FleetMsg::Tick);
        args.alarms.listen(Arc::new(events::AlarmRelay(myself.clone())));
        let correlator = Correlator::new(args.alarms, args.recorder);
        let counters = FleetCounters::default();
        Ok(FleetState { view: args.view, counters, last_seq: 0, correlator, clock: args.clock })
    }

    async fn handle(
        &self,
        _myself: ActorRef<FleetMsg>,
        message: FleetMsg,
        state: &mut FleetState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            FleetMsg::Status(event) => {
                state.counters.status_events += 1;
                state.publish(FleetEvent::Status(event));
            }
            FleetMsg::Alarm(event) => {
                state.counters.alarm_events += 1;
                state.publish(FleetEvent::Alarm(event));
            }
            FleetMsg::Restart(event) => {
                state.counters.restart_events += 1;
                state.publish(FleetEvent::Restart(event));
            }
            FleetMsg::Signal(signal) => state.correlator.observe(signal, state.clock.now()),
            FleetMsg::Tick => state.correlator.tick(state.clock.now()),
            FleetMsg::Counters(reply) => {
                let mut counters = state.counters.clone();
                counters.records_dropped = state.correlator.records_dropped;
                counters.subscribers = state.view.events.receiver_count();
                let _ = reply.send(counters);
            }
        }
        Ok(())
    }
}

impl FleetState {
    /// Numbers `event` and broadcasts it; never waits, whoever listens.
    fn publish(&mut self, event: FleetEvent) {
        self.last_seq += 1;
        let sequenced = SequencedEvent { seq: self.last_seq, event: Arc::new(event) };
        if self.view.events.send(sequenced).is_err() {
            self.counters.events_unobserved += 1;
        }
    }
}
