//! The Well actor: one physical well. It owns the device link and the poll schedule, decodes
//! each poll into a sample, reports it to the Recorder, keeps its live snapshot in the fleet
//! view and tells the Fleet when its status changes.
//!
//! Device trouble never leaves this file as an error: timeouts, refusals, exceptions and garbage
//! become connection states, counters and a reconnect with backoff. Only a bug (a panic) fails
//! the actor and reaches the supervisor.

mod diagnose;
mod outcome;
mod schedule;
mod spec;

use std::sync::Arc;
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use tokio::time::{timeout, Instant};
use tracing::{debug, info};

pub use diagnose::{push_changes, CurrentDiagnosis, DiagnosticStep, WellDiagnostics};
pub use outcome::PollOutcome;
pub use schedule::PollSchedule;
pub use spec::{PollSettings, SavedDiagnostics, WellSpec};

use crate::clock::Clock;
use crate::device::{Backoff, Connector, DeviceError, Link};
use crate::diagnostics::book::AlarmBook;
use crate::diagnostics::{DiagnosisEvent, Poll};
use crate::domain::{ConnectionState, Sample};
use crate::fleet::{FleetMsg, FleetSignal, FleetView, LastError, StatusEvent, WellSnapshot};
use crate::recorder::{RecorderIntake, Submitted};

/// How the well reaches the rest of the tree.
#[derive(Clone)]
pub struct WellContext {
    pub connector: Arc<dyn Connector>,
    pub fleet: FleetView,
    pub fleet_actor: ActorRef<FleetMsg>,
    pub recorder: RecorderIntake,
    pub clock: Arc<dyn Clock>,
    /// The fleet's alarm points; the well drives its own and reads its parents'.
    pub alarms: AlarmBook,
}

/// Polls a gateway may answer "unit unreachable" before the unit is probed on the reconnect
/// backoff instead of every period.
const SILENT_POLLS_BEFORE_BACKOFF: u32 = 3;

pub struct WellActor;

pub struct WellArgs {
    pub spec: Arc<WellSpec>,
    pub context: WellContext,
}

pub struct WellState {
    spec: Arc<WellSpec>,
    context: WellContext,
    link: Option<Box<dyn Link>>,
    /// Whether this actor ever had a link, so a new one counts as a reconnect.
    had_link: bool,
    reconnect: Backoff,
    schedule: PollSchedule,
    /// Consecutive polls a gateway answered with "target unreachable" for this unit.
    unit_silent_polls: u32,
    /// The slot the pending poll belongs to; none while waiting to reconnect.
    slot: Option<Instant>,
    rng: SmallRng,
    diagnostics: WellDiagnostics,
}

pub enum WellMsg {
    /// Poll now (or try to reconnect, if the link is down).
    Poll,
    /// The well's live snapshot, as the fleet view holds it.
    Snapshot(RpcReplyPort<Option<WellSnapshot>>),
    /// Test hook: panic inside the handler, as a bug would.
    #[cfg(any(test, feature = "test-hooks"))]
    Panic(String),
}

impl Actor for WellActor {
    type Msg = WellMsg;
    type State = WellState;
    type Arguments = WellArgs;

    async fn pre_start(&self, myself: ActorRef<WellMsg>, args: WellArgs) -> Result<WellState, ActorProcessingErr> {
        let poll = &args.spec.poll;
        let schedule = PollSchedule::new(&args.spec.id, Instant::now(), poll.period, poll.jitter);
        let first = schedule.first_slot().saturating_duration_since(Instant::now());
        myself.send_after(first, || WellMsg::Poll);
        let diagnostics = start_diagnostics(&args.spec, &args.context);
        let mut state = WellState {
            diagnostics,
            reconnect: Backoff::new(poll.backoff_initial, poll.backoff_cap),
            rng: SmallRng::seed_from_u64(schedule::seed_for(&args.spec.id)),
            spec: args.spec,
            context: args.context,
            link: None,
            had_link: false,
            unit_silent_polls: 0,
            slot: Some(schedule.first_slot()),
            schedule,
        };
        state.set_connection(ConnectionState::Connecting, None);
        Ok(state)
    }

    async fn handle(
        &self,
        myself: ActorRef<WellMsg>,
        message: WellMsg,
        state: &mut WellState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            WellMsg::Poll => {
                let wait = state.poll().await;
                myself.send_after(wait, || WellMsg::Poll);
            }
            WellMsg::Snapshot(reply) => {
                let _ = reply.send(state.context.fleet.read(&state.spec.id, Clone::clone));
            }
            #[cfg(any(test, feature = "test-hooks"))]
            WellMsg::Panic(reason) => panic!("{reason}"),
        }
        Ok(())
    }
}

impl WellState {
    /// Runs one poll (reconnecting first if needed) and returns how long to wait for the next.
    async fn poll(&mut self) -> Duration {
        self.check_lateness();
        if self.link.is_none() {
            if let Err(error) = self.connect().await {
                let wait = self.connect_failed(&error);
                self.diagnose(ConnectionState::Offline, None).await;
                return wait;
            }
        }
        let (outcome, sample) = self.read_all().await;
        let produced = !sample.values.is_empty();
        self.diagnose(outcome.connection(), produced.then_some(&sample)).await;
        self.report(&outcome, sample).await;
        if outcome.link_broken {
            self.link = None;
            return self.reconnect_wait();
        }
        if outcome.is_complete() {
            self.reconnect.reset();
        }
        self.unit_silent_polls =
            if outcome.connection() == ConnectionState::Offline { self.unit_silent_polls + 1 } else { 0 };
        if self.unit_silent_polls >= SILENT_POLLS_BEFORE_BACKOFF {
            // The gateway answers for a unit that does not: probe it on the reconnect backoff so
            // it stops costing its neighbours a bus timeout every period (esp-domain §4.4).
            return self.reconnect_wait();
        }
        let (slot, fire) = self.schedule.next(Instant::now(), &mut self.rng);
        self.slot = Some(slot);
        fire.saturating_duration_since(Instant::now())
    }

    /// Counts a poll that started more than a tenth of the period after its slot.
    fn check_lateness(&mut self) {
        let Some(slot) = self.slot.take() else { return };
        if Instant::now().saturating_duration_since(slot) > self.schedule.period() / 10 {
            self.update(|snapshot| snapshot.counters.late_polls += 1);
        }
    }

    async fn connect(&mut self) -> Result<(), DeviceError> {
        let connecting = self.context.connector.connect(&self.spec.endpoint);
        let link = timeout(self.spec.poll.timeout, connecting).await.map_err(|_| DeviceError::Timeout)??;
        self.link = Some(link);
        if self.had_link {
            self.update(|snapshot| snapshot.counters.reconnects += 1);
        }
        self.had_link = true;
        Ok(())
    }

    fn connect_failed(&mut self, error: &DeviceError) -> Duration {
        debug!(well_id = %self.spec.id, %error, "connect failed");
        let at = self.context.clock.now();
        let message = error.to_string();
        self.update(|snapshot| {
            snapshot.counters.connect_failures += 1;
            snapshot.latest.mark_stale();
            snapshot.last_error = Some(LastError { message, at });
        });
        self.set_connection(ConnectionState::Offline, Some(error.to_string()));
        self.reconnect_wait()
    }

    fn reconnect_wait(&mut self) -> Duration {
        let wait = self.reconnect.next_delay(&mut self.rng);
        self.schedule.resume_after(Instant::now() + wait);
        wait
    }

    /// Reads every block of the plan, each under its own deadline; stops at a broken link.
    async fn read_all(&mut self) -> (PollOutcome, Sample) {
        let plan = self.spec.plan.clone();
        let mut outcome = PollOutcome::new(plan.blocks.len());
        let mut sample = Sample::new(self.spec.id.clone(), self.context.clock.now());
        let started = Instant::now();
        let Some(link) = self.link.as_mut() else {
            return (outcome, sample);
        };
        for (index, block) in plan.blocks.iter().enumerate() {
            let read = link.read(block.function, block.address, block.count);
            let reply = timeout(self.spec.poll.timeout, read).await.unwrap_or(Err(DeviceError::Timeout));
            match reply {
                Ok(words) => match plan.decode_block(index, &words, &mut sample) {
                    Ok(()) => outcome.block_ok(),
                    Err(error) => outcome.decode_failed(&error),
                },
                Err(error) => {
                    outcome.read_failed(&error);
                    // No point asking a dead link, or a unit its gateway calls unreachable, for more.
                    if error.breaks_link() || error.is_no_reply() {
                        break;
                    }
                }
            }
        }
        sample.at = self.context.clock.now();
        outcome.took = started.elapsed();
        (outcome, sample)
    }
}

impl WellState {
    /// Hands the sample to the recorder, then folds the poll into the snapshot in one update.
    async fn report(&mut self, outcome: &PollOutcome, sample: Sample) {
        let submitted = if sample.values.is_empty() {
            None
        } else {
            let patience = (self.spec.poll.period / 4).max(Duration::from_millis(10));
            Some(self.context.recorder.submit(sample.clone(), patience).await)
        };
        let connection = outcome.connection();
        let changes = self.update(|snapshot| {
            outcome.count_into(&mut snapshot.counters);
            snapshot.poll_latency.observe(outcome.took);
            match submitted {
                Some(Submitted::Queued) => snapshot.counters.samples_reported += 1,
                Some(Submitted::Dropped) => snapshot.counters.samples_dropped += 1,
                None => {}
            }
            if let Some(message) = &outcome.first_error {
                snapshot.last_error = Some(LastError { message: message.clone(), at: sample.at });
            }
            let run_state_before = snapshot.run_state;
            if submitted.is_some() {
                snapshot.record_sample(sample);
            } else {
                snapshot.latest.mark_stale();
            }
            let connection_before = std::mem::replace(&mut snapshot.connection, connection);
            (connection_before, run_state_before, snapshot.run_state)
        });
        let Some((connection_before, run_state_before, run_state)) = changes else { return };
        if connection_before != connection {
            self.announce_connection(connection_before, connection, outcome.first_error.clone());
        }
        if run_state_before != run_state {
            let name = |state: Option<crate::domain::RunState>| state.map(|s| s.as_str().to_owned());
            self.emit("run_state", name(run_state_before), name(run_state), None);
            if let Some(run_state) = run_state {
                let trip_code = self.update(|snapshot| snapshot.trip_code).flatten();
                let feeder = self.spec.well_data.feeder_id.clone();
                let well = self.spec.id.clone();
                self.signal(FleetSignal::RunState { well, feeder, run_state, trip_code });
            }
        }
    }

    /// Sets the connection state outside a poll (connect failures, start-up).
    fn set_connection(&mut self, connection: ConnectionState, detail: Option<String>) {
        let before = self.update(|snapshot| std::mem::replace(&mut snapshot.connection, connection));
        if let Some(before) = before.filter(|before| *before != connection) {
            self.announce_connection(before, connection, detail);
        }
    }

    fn announce_connection(&self, from: ConnectionState, to: ConnectionState, detail: Option<String>) {
        if (from == ConnectionState::Offline) != (to == ConnectionState::Offline) {
            let silent = to == ConnectionState::Offline;
            let endpoint = &self.spec.endpoint;
            let gateway = format!("{}:{}", endpoint.host, endpoint.port);
            let feeder = self.spec.well_data.feeder_id.clone();
            self.signal(FleetSignal::Silence { well: self.spec.id.clone(), feeder, gateway, silent });
        }
        info!(well_id = %self.spec.id, %from, %to, detail = detail.as_deref().unwrap_or(""), "connection changed");
        self.emit("connection", Some(from.as_str().to_owned()), Some(to.as_str().to_owned()), detail);
    }

    fn emit(&self, kind: &'static str, from: Option<String>, to: Option<String>, detail: Option<String>) {
        let event = StatusEvent { well_id: self.spec.id.clone(), at: self.context.clock.now(), kind, from, to, detail };
        // During shutdown the fleet may already be gone; the snapshot still holds the state.
        let _ = self.context.fleet_actor.cast(FleetMsg::Status(event));
    }

    fn signal(&self, signal: FleetSignal) {
        // During shutdown the fleet may already be gone; nothing is lost but a correlation.
        let _ = self.context.fleet_actor.cast(FleetMsg::Signal(signal));
    }

    /// Runs the poll through the well's diagnostics and hands what changed to the recorder and
    /// the fleet view.
    async fn diagnose(&mut self, connection: ConnectionState, sample: Option<&Sample>) {
        let at = sample.map_or_else(|| self.context.clock.now(), |sample| sample.at);
        let step = self.diagnostics.observe(Poll { at, connection, sample }, &self.context.alarms);
        let patience = (self.spec.poll.period / 4).max(Duration::from_millis(10));
        for record in step.records {
            // A drop is counted and logged by the recorder; the alarm state stays in the book.
            let _ = self.context.recorder.submit_record(record, patience).await;
        }
        if step.history.is_empty() && step.baseline.is_none() {
            return;
        }
        for record in &step.history {
            let (from, to) = match record.event {
                DiagnosisEvent::Raised => (None, Some(record.kind.as_str().to_owned())),
                DiagnosisEvent::Cleared => (Some(record.kind.as_str().to_owned()), None),
            };
            info!(well_id = %self.spec.id, diagnosis = %record.kind, event = ?record.event, "diagnosis changed");
            self.emit("diagnosis", from, to, Some(record.advice.clone()));
        }
        self.update(|snapshot| {
            for record in step.history {
                snapshot.diagnostics.record(record);
            }
            if let Some(baseline) = step.baseline {
                snapshot.diagnostics.baseline = Some(baseline);
            }
        });
    }

    fn update<R>(&self, change: impl FnOnce(&mut WellSnapshot) -> R) -> Option<R> {
        self.context.fleet.update(&self.spec.id, change)
    }
}

/// The well's diagnostics, resumed from the baseline in the fleet view (an actor restart) or the
/// one the historian saved (a process restart), and the well's membership of its feeder and
/// gateway in the alarm book.
fn start_diagnostics(spec: &WellSpec, context: &WellContext) -> WellDiagnostics {
    let kept = context.fleet.read(&spec.id, |snapshot| snapshot.diagnostics.baseline.clone()).flatten();
    let baseline = kept.unwrap_or_default();
    let gateway = format!("{}:{}", spec.endpoint.host, spec.endpoint.port);
    let changes = context.alarms.register_well(
        spec.id.clone(),
        spec.well_data.feeder_id.clone(),
        Some(gateway),
        context.clock.now(),
    );
    let mut records = Vec::new();
    push_changes(changes, &mut records);
    for record in records {
        let _ = context.recorder.try_submit_record(record);
    }
    let limits = (*spec.thresholds).clone();
    WellDiagnostics::new(spec.id.clone(), (*spec.well_data).clone(), limits, baseline, &context.alarms)
}

#[cfg(test)]
#[path = "well/tests.rs"]
mod tests;

#[cfg(test)]
#[path = "well/restart_tests.rs"]
mod restart_tests;

#[cfg(test)]
#[path = "well/latency_tests.rs"]
mod latency_tests;
