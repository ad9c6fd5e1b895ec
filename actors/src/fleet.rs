//! The Fleet actor and its view: the control room's live picture of every well.
//!
//! The view is a dashmap of [`WellSnapshot`]s that wells and the supervisor update in place
//! and the API reads, so no read ever waits on a well's mailbox. The actor fans status changes
//! out on a bounded broadcast channel and counts them.

mod correlator;
mod snapshot;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use dashmap::DashMap;
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use serde::Serialize;
use tokio::sync::broadcast;

pub use correlator::{Correlator, FleetSignal};
pub use snapshot::{DeviceCounters, DiagnosticsView, LastError, LatestValues, WellSnapshot};

use crate::clock::Clock;
use crate::diagnostics::book::AlarmBook;
use crate::domain::WellId;
use crate::recorder::RecorderIntake;

/// A change worth telling the control room about.
#[derive(Clone, Debug, PartialEq, Serialize)]
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

/// The shared, lock-striped map of well snapshots plus the event channel.
#[derive(Clone)]
pub struct FleetView {
    wells: Arc<DashMap<WellId, WellSnapshot>>,
    events: broadcast::Sender<StatusEvent>,
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
    /// A view whose event channel keeps `event_capacity` events for slow subscribers.
    pub fn new(event_capacity: usize) -> Self {
        let (events, _) = broadcast::channel(event_capacity.max(1));
        Self { wells: Arc::new(DashMap::new()), events }
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

    /// Live status events. A subscriber that falls more than the channel's capacity behind
    /// gets `Lagged` with the number it missed: it must count them, the fleet never waits.
    pub fn subscribe(&self) -> broadcast::Receiver<StatusEvent> {
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

/// The Fleet actor: fans out status events and counts them.
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
    correlator: Correlator,
    clock: Arc<dyn Clock>,
}

/// How often the fleet lets time act on its correlations and the alarm book.
const TICK: Duration = Duration::from_secs(1);

/// What the Fleet actor has done since start.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FleetCounters {
    pub status_events: u64,
    /// Events published while nobody listened (kept nowhere, by design: the snapshot has the state).
    pub events_unobserved: u64,
    pub subscribers: usize,
    /// Alarm records the recorder could not take (counted, logged by the recorder).
    pub records_dropped: u64,
}

pub enum FleetMsg {
    Status(StatusEvent),
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
        let correlator = Correlator::new(args.alarms, args.recorder);
        Ok(FleetState { view: args.view, counters: FleetCounters::default(), correlator, clock: args.clock })
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
                if state.view.events.send(event).is_err() {
                    state.counters.events_unobserved += 1;
                }
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
