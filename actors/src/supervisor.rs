//! The WellSupervisor actor: OTP-style one_for_one supervision of well actors, which ractor
//! does not ship. A failed well is restarted after a backoff; the `max_failures`-th failure in
//! the window leaves it `failed`, down until an operator restarts it. Wells are added and
//! removed at run time. Counters and history live in the fleet view, so they survive restarts.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ractor::{Actor, ActorCell, ActorId, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use serde::Serialize;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::{error, info, warn};

use crate::device::Backoff;
use crate::diagnostics::book::Evaluation;
use crate::diagnostics::{AlarmConfig, Priority, Source};
use crate::domain::{SupervisionState, WellId};
use crate::fleet::{FleetMsg, RestartCause, RestartEvent, StatusEvent, WellSnapshot};
use crate::restart::{RestartIntensity, Verdict};
use crate::well::push_changes;
use crate::well::{WellActor, WellArgs, WellContext, WellMsg, WellSpec};

/// How failed wells are restarted.
#[derive(Clone, Debug, PartialEq)]
pub struct RestartPolicy {
    /// The failure that makes this many within `window` leaves the well `failed`.
    pub max_failures: u32,
    pub window: Duration,
    pub backoff_initial: Duration,
    pub backoff_cap: Duration,
    /// How long a graceful stop waits for each well to finish its poll.
    pub stop_timeout: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: Duration::from_secs(60),
            backoff_initial: Duration::from_millis(100),
            backoff_cap: Duration::from_secs(5),
            stop_timeout: Duration::from_secs(5),
        }
    }
}

/// A request the supervisor cannot carry out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupervisorError {
    #[error("well {0} already exists")]
    Duplicate(WellId),
    #[error("unknown well {0}")]
    UnknownWell(WellId),
    #[error("the supervisor is shutting down")]
    ShuttingDown,
}

/// What supervision has done since start.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupervisorCounters {
    pub wells: usize,
    /// Automatic restarts after a failure.
    pub restarts: u64,
    /// Actor failures seen (panics, errors, unexpected exits).
    pub failures: u64,
    /// Wells that hit the intensity limit and were left `failed`.
    pub gave_up: u64,
    pub operator_restarts: u64,
    pub added: u64,
    pub removed: u64,
}

pub struct WellSupervisor;

/// The alarm raised when a well's restarts hit the intensity limit.
pub const SUPERVISION_FAILED: &str = "supervision_failed";

pub struct SupervisorArgs {
    pub context: WellContext,
    pub policy: RestartPolicy,
}

struct Child {
    spec: Arc<WellSpec>,
    actor: Option<ActorRef<WellMsg>>,
    intensity: RestartIntensity,
    backoff: Backoff,
    /// Bumped on every (re)start, so a stale delayed respawn is ignored.
    generation: u64,
}

pub struct SupervisorState {
    context: WellContext,
    policy: RestartPolicy,
    children: HashMap<WellId, Child>,
    by_actor: HashMap<ActorId, WellId>,
    counters: SupervisorCounters,
    rng: SmallRng,
    stopping: bool,
}

pub enum SupervisorMsg {
    Add(WellSpec, RpcReplyPort<Result<(), SupervisorError>>),
    Remove(WellId, RpcReplyPort<Result<(), SupervisorError>>),
    /// Operator restart: clears `failed` and starts the well afresh.
    Restart(WellId, RpcReplyPort<Result<(), SupervisorError>>),
    /// Internal: the backoff after a failure has passed.
    Respawn {
        well_id: WellId,
        generation: u64,
    },
    /// Stops every well, waiting for each to finish its poll; replies when all are down.
    StopAll(RpcReplyPort<()>),
    Counters(RpcReplyPort<SupervisorCounters>),
    /// Test hook: make a well's actor panic.
    #[cfg(any(test, feature = "test-hooks"))]
    Panic(WellId, RpcReplyPort<Result<(), SupervisorError>>),
}

impl Actor for WellSupervisor {
    type Msg = SupervisorMsg;
    type State = SupervisorState;
    type Arguments = SupervisorArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<SupervisorMsg>,
        args: SupervisorArgs,
    ) -> Result<SupervisorState, ActorProcessingErr> {
        Ok(SupervisorState {
            context: args.context,
            policy: args.policy,
            children: HashMap::new(),
            by_actor: HashMap::new(),
            counters: SupervisorCounters::default(),
            rng: SmallRng::from_os_rng(),
            stopping: false,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<SupervisorMsg>,
        message: SupervisorMsg,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            SupervisorMsg::Add(spec, reply) => {
                let _ = reply.send(state.add(&myself, spec).await);
            }
            SupervisorMsg::Remove(id, reply) => {
                let _ = reply.send(state.remove(&id));
            }
            SupervisorMsg::Restart(id, reply) => {
                let _ = reply.send(state.operator_restart(&myself, &id).await);
            }
            SupervisorMsg::Respawn { well_id, generation } => state.respawn(&myself, &well_id, generation).await,
            SupervisorMsg::StopAll(reply) => {
                state.stop_all().await;
                let _ = reply.send(());
            }
            SupervisorMsg::Counters(reply) => {
                let mut counters = state.counters.clone();
                counters.wells = state.children.len();
                let _ = reply.send(counters);
            }
            #[cfg(any(test, feature = "test-hooks"))]
            SupervisorMsg::Panic(id, reply) => {
                let actor = state.children.get(&id).and_then(|child| child.actor.clone());
                let sent = actor.map(|actor| actor.cast(WellMsg::Panic(format!("test panic in {id}"))));
                let _ = reply.send(sent.map(|_| ()).ok_or(SupervisorError::UnknownWell(id)));
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<SupervisorMsg>,
        event: SupervisionEvent,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        match event {
            SupervisionEvent::ActorFailed(cell, reason) => state.child_exited(&myself, &cell, reason.to_string()),
            SupervisionEvent::ActorTerminated(cell, _, reason) => {
                let reason = reason.unwrap_or_else(|| "exited unexpectedly".to_owned());
                state.child_exited(&myself, &cell, reason);
            }
            _ => {}
        }
        Ok(())
    }
}

impl SupervisorState {
    async fn add(&mut self, myself: &ActorRef<SupervisorMsg>, spec: WellSpec) -> Result<(), SupervisorError> {
        if self.stopping {
            return Err(SupervisorError::ShuttingDown);
        }
        if self.children.contains_key(&spec.id) {
            return Err(SupervisorError::Duplicate(spec.id));
        }
        let endpoint = spec.endpoint.to_string();
        let mut snapshot = WellSnapshot::new(
            spec.id.clone(),
            spec.name.clone(),
            spec.profile.name.clone(),
            endpoint,
            spec.poll.history,
        );
        snapshot.well_data = (*spec.well_data).clone();
        snapshot.thresholds = (*spec.thresholds).clone();
        if let Some(saved) = &spec.saved {
            snapshot.diagnostics.baseline = saved.baseline.clone();
            for record in saved.history.iter().cloned() {
                snapshot.diagnostics.record(record);
            }
        }
        if !self.context.fleet.insert(snapshot) {
            return Err(SupervisorError::Duplicate(spec.id));
        }
        let id = spec.id.clone();
        let child = Child {
            intensity: RestartIntensity::new(self.policy.max_failures, self.policy.window),
            backoff: Backoff::new(self.policy.backoff_initial, self.policy.backoff_cap),
            spec: Arc::new(spec),
            actor: None,
            generation: 0,
        };
        self.children.insert(id.clone(), child);
        self.counters.added += 1;
        self.emit(&id, "added", None, Some(SupervisionState::Running), None);
        self.start(myself, &id).await;
        Ok(())
    }

    fn remove(&mut self, id: &WellId) -> Result<(), SupervisorError> {
        let child = self.children.remove(id).ok_or_else(|| SupervisorError::UnknownWell(id.clone()))?;
        if let Some(actor) = child.actor {
            self.by_actor.remove(&actor.get_id());
            actor.stop(Some("removed".into()));
        }
        self.context.fleet.remove(id);
        self.counters.removed += 1;
        info!(well_id = %id, "well removed");
        self.emit(id, "removed", None, None, None);
        Ok(())
    }

    async fn operator_restart(&mut self, myself: &ActorRef<SupervisorMsg>, id: &WellId) -> Result<(), SupervisorError> {
        if self.stopping {
            return Err(SupervisorError::ShuttingDown);
        }
        let child = self.children.get_mut(id).ok_or_else(|| SupervisorError::UnknownWell(id.clone()))?;
        if let Some(actor) = child.actor.take() {
            self.by_actor.remove(&actor.get_id());
            // Wait, so the old link is closed before the new one opens.
            let _ = actor.stop_and_wait(Some("operator restart".into()), Some(self.policy.stop_timeout)).await;
        }
        child.intensity.clear();
        child.backoff.reset();
        self.counters.operator_restarts += 1;
        info!(well_id = %id, "operator restart");
        self.announce_restart(id, RestartCause::Operator, None);
        self.context.fleet.update(id, |snapshot| snapshot.restarts += 1);
        self.start(myself, id).await;
        Ok(())
    }

    async fn respawn(&mut self, myself: &ActorRef<SupervisorMsg>, id: &WellId, generation: u64) {
        let due = self.children.get(id).is_some_and(|c| c.generation == generation && c.actor.is_none());
        if due && !self.stopping {
            self.counters.restarts += 1;
            self.context.fleet.update(id, |snapshot| snapshot.restarts += 1);
            self.start(myself, id).await;
        }
    }

    /// Spawns the well's actor, linked to the supervisor, and marks it running.
    async fn start(&mut self, myself: &ActorRef<SupervisorMsg>, id: &WellId) {
        let Some(child) = self.children.get_mut(id) else { return };
        child.generation += 1;
        let args = WellArgs { spec: child.spec.clone(), context: self.context.clone() };
        match Actor::spawn_linked(None, WellActor, args, myself.get_cell()).await {
            Ok((actor, _join)) => {
                self.by_actor.insert(actor.get_id(), id.clone());
                child.actor = Some(actor);
                self.set_supervision(id, SupervisionState::Running, None);
            }
            Err(spawn_error) => {
                // pre_start failing is a bug like any other: it goes through the intensity limit.
                self.failed(myself, id, format!("start failed: {spawn_error}"));
            }
        }
    }

    fn child_exited(&mut self, myself: &ActorRef<SupervisorMsg>, cell: &ActorCell, reason: String) {
        let Some(id) = self.by_actor.remove(&cell.get_id()) else {
            return; // a stop we asked for
        };
        if let Some(child) = self.children.get_mut(&id) {
            child.actor = None;
        }
        if !self.stopping {
            self.failed(myself, &id, reason);
        }
    }

    /// Judges a failure against the intensity limit: restart after a backoff, or give up.
    fn failed(&mut self, myself: &ActorRef<SupervisorMsg>, id: &WellId, reason: String) {
        let Some(child) = self.children.get_mut(id) else { return };
        self.counters.failures += 1;
        let now = Instant::now();
        if child.intensity.recent(now) == 0 {
            child.backoff.reset();
        }
        match child.intensity.record(now) {
            Verdict::Restart { recent } => {
                let delay = child.backoff.next_delay(&mut self.rng);
                let (well_id, generation) = (id.clone(), child.generation);
                warn!(well_id = %id, %reason, recent, delay_ms = delay.as_millis() as u64, "well actor failed; restarting");
                myself.send_after(delay, move || SupervisorMsg::Respawn { well_id, generation });
                self.set_supervision(id, SupervisionState::Restarting, Some(reason.clone()));
                self.announce_restart(id, RestartCause::Automatic, Some(reason));
            }
            Verdict::GiveUp => {
                self.counters.gave_up += 1;
                error!(well_id = %id, %reason, max_failures = self.policy.max_failures, "restart intensity exceeded; well left failed until an operator restart");
                self.set_supervision(id, SupervisionState::Failed, Some(reason.clone()));
                self.announce_restart(id, RestartCause::GaveUp, Some(reason));
            }
        }
    }

    async fn stop_all(&mut self) {
        self.stopping = true;
        let mut stopping = JoinSet::new();
        let timeout = self.policy.stop_timeout;
        let ids: Vec<WellId> = self.children.keys().cloned().collect();
        for id in ids {
            let Some(actor) = self.children.get_mut(&id).and_then(|child| child.actor.take()) else { continue };
            self.by_actor.remove(&actor.get_id());
            stopping.spawn(async move { actor.stop_and_wait(Some("shutdown".into()), Some(timeout)).await });
            self.set_supervision(&id, SupervisionState::Stopped, Some("shutdown".into()));
        }
        while stopping.join_next().await.is_some() {}
    }

    fn set_supervision(&self, id: &WellId, to: SupervisionState, detail: Option<String>) {
        let from = self.context.fleet.update(id, |snapshot| std::mem::replace(&mut snapshot.supervision, to));
        if let Some(from) = from.filter(|from| *from != to) {
            if from == SupervisionState::Failed || to == SupervisionState::Failed {
                self.alarm_failed(id, to == SupervisionState::Failed);
            }
            self.emit(id, "supervision", Some(from), Some(to), detail);
        }
    }

    /// `supervision_failed`: the well is down until an operator restarts it (esp-domain §3).
    fn alarm_failed(&self, id: &WellId, failed: bool) {
        let message = "The well's actor keeps failing; it stays down until an operator restarts it";
        let evaluation = Evaluation::condition(SUPERVISION_FAILED, AlarmConfig::new(Priority::High), failed, message);
        let changes = self.context.alarms.evaluate(&Source::Well(id.clone()), evaluation, self.context.clock.now());
        let mut records = Vec::new();
        push_changes(changes, &mut records);
        for record in records {
            // A drop is counted by the recorder and raises its own overflow alarm.
            let _ = self.context.recorder.try_submit_record(record);
        }
    }

    /// Tells the live event stream, so a client can tell an operator's restart from the
    /// supervisor's (the supervision status events alone do not: `running` stays `running`).
    fn announce_restart(&self, id: &WellId, cause: RestartCause, reason: Option<String>) {
        let event = RestartEvent { well_id: id.clone(), at: self.context.clock.now(), cause, reason };
        let _ = self.context.fleet_actor.cast(FleetMsg::Restart(event));
    }

    fn emit(
        &self,
        id: &WellId,
        kind: &'static str,
        from: Option<SupervisionState>,
        to: Option<SupervisionState>,
        detail: Option<String>,
    ) {
        let name = |state: Option<SupervisionState>| state.map(|s| s.as_str().to_owned());
        let event = StatusEvent {
            well_id: id.clone(),
            at: self.context.clock.now(),
            kind,
            from: name(from),
            to: name(to),
            detail,
        };
        let _ = self.context.fleet_actor.cast(FleetMsg::Status(event));
    }
}

#[cfg(test)]
#[path = "supervisor_tests.rs"]
mod tests;
