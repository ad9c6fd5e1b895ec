//! The Recorder actor: the historian's intake. Wells submit samples, and diagnostics, the
//! fleet and HTTP handlers submit [`Record`]s, each kind into its own bounded queue; the
//! recorder writes each kind to the [`Store`] in its own batches, flushed by size or age,
//! whichever comes first.
//!
//! Store-and-forward: while the store is unavailable the recorder keeps taking from its queues
//! and holds items back, first in memory (bounded), then in an append-only, checksummed disk
//! spool (capped). When the store answers again it replays, in order: the failed batch, the
//! memory buffer, then the spool, while new items queue behind. A spool left by a crash is
//! replayed at the next start before newer data. Past the cap items are refused, counted and
//! alarmed; a full queue still makes a submitter wait briefly, then counts the drop. A final
//! [`RecorderMsg::Flush`] writes what memory holds, or spools it when the store is away.
//!
//! What a kill -9 can lose: what the recorder held only in memory: its queues, the batch in
//! flight, the memory buffer and the spill not yet appended (at most a batch, at most
//! `max_age` old). The spool itself is fsync'd per appended batch.
//!
//! - `intake.rs`: the submit handle and the state it shares with the actor and the fleet.
//! - `lane.rs`: one queue's batching, retries and replay; the actor runs one lane per kind.
//! - `backlog.rs`: what a lane holds back, in order: the memory buffer, then the spool.
//! - `spool.rs`: segment files of checksummed frames, cursors, rollover (see its docs).
//! - `codec.rs`: the versioned encoding of samples and records in spool frames.
//! - `drain.rs`: the graceful stop; `snapshot.rs`: the counters the API serves.

mod backlog;
mod codec;
mod drain;
mod inspect;
mod intake;
mod lane;
mod snapshot;
mod spool;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::clock::{Clock, SystemClock};
use crate::domain::Sample;
use crate::store::{Record, Store, StoreError};
use backlog::Backlog;
use intake::LaneStats;
use lane::{Lane, Storable};
use spool::{Spool, SpoolBudget};

pub use inspect::{spooled_samples, InspectError};
pub use intake::{RecorderIntake, Submitted};
pub use snapshot::RecorderSnapshot;
pub use spool::{SpoolError, SpoolSettings};

/// The longest the actor waits for samples or records before it looks at its mailbox again.
const IDLE_WAIT: Duration = Duration::from_millis(100);

/// Room for records when the configuration names none: a feeder-wide power event raises a
/// diagnosis, an alarm state and a journal entry for each of its wells at once.
pub const DEFAULT_RECORD_CAPACITY: usize = 4_096;

/// Items each lane holds in memory while the store is away, when the configuration names none.
pub const DEFAULT_MEMORY_BUFFER: usize = 100_000;

/// When batches are written. Samples and records each follow it in their own batches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlushPolicy {
    /// Write when this many samples (or records) are waiting.
    pub batch_size: usize,
    /// Write when the oldest waiting sample (or record) is this old.
    pub max_age: Duration,
    /// Wait this long before retrying a failed write.
    pub retry_delay: Duration,
}

/// How the recorder rides out an outage of the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BacklogSettings {
    /// Items each lane holds in memory before it spills to the spool.
    pub memory_buffer: usize,
    /// The disk spool past the memory buffer. Without one, items past it are refused (counted).
    pub spool: Option<SpoolSettings>,
}

impl Default for BacklogSettings {
    fn default() -> Self {
        Self { memory_buffer: DEFAULT_MEMORY_BUFFER, spool: None }
    }
}

/// Creates the two bounded queues (`capacity` samples, `record_capacity` records): the intake
/// for submitters and the arguments for the actor. The backlog is memory only.
pub fn recorder_queue(
    store: Arc<dyn Store>,
    capacity: usize,
    record_capacity: usize,
    policy: FlushPolicy,
) -> (RecorderIntake, RecorderArgs) {
    let budget = SpoolBudget::new(0);
    let memory = DEFAULT_MEMORY_BUFFER;
    let samples = lane(capacity, Backlog::new(memory, None, budget.clone()));
    let records = lane(record_capacity, Backlog::new(memory, None, budget.clone()));
    assemble(store, policy, samples, records, budget)
}

/// As [`recorder_queue`], with the backlog `settings`: opens each lane's spool (`samples/` and
/// `records/` under the spool directory), taking stock of what an earlier run left there.
pub fn recorder_queue_with(
    store: Arc<dyn Store>,
    capacity: usize,
    record_capacity: usize,
    policy: FlushPolicy,
    settings: &BacklogSettings,
) -> Result<(RecorderIntake, RecorderArgs), SpoolError> {
    let budget = SpoolBudget::new(settings.spool.as_ref().map_or(0, |spool| spool.max_bytes));
    let open = |name: &str| -> Result<Option<Spool>, SpoolError> {
        let Some(spool) = &settings.spool else { return Ok(None) };
        Spool::open(&Path::new(&spool.dir).join(name), spool.segment_bytes, budget.clone()).map(Some)
    };
    let memory = settings.memory_buffer;
    let samples = lane(capacity, Backlog::new(memory, open("samples")?, budget.clone()));
    let records = lane(record_capacity, Backlog::new(memory, open("records")?, budget.clone()));
    Ok(assemble(store, policy, samples, records, budget))
}

fn lane<T: Storable>(capacity: usize, backlog: Backlog<T>) -> (mpsc::Sender<T>, Lane<T>) {
    let capacity = capacity.max(1);
    let (sender, receiver) = mpsc::channel(capacity);
    (sender, Lane::new(receiver, Arc::new(LaneStats::default()), capacity, backlog))
}

fn assemble(
    store: Arc<dyn Store>,
    policy: FlushPolicy,
    (sample_tx, samples): (mpsc::Sender<Sample>, Lane<Sample>),
    (record_tx, records): (mpsc::Sender<Record>, Lane<Record>),
    budget: Arc<SpoolBudget>,
) -> (RecorderIntake, RecorderArgs) {
    let intake = RecorderIntake::new((sample_tx, samples.stats.clone()), (record_tx, records.stats.clone()));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    (intake, RecorderArgs { store, policy, samples, records, budget, clock })
}

pub struct RecorderActor;

pub struct RecorderArgs {
    store: Arc<dyn Store>,
    policy: FlushPolicy,
    samples: Lane<Sample>,
    records: Lane<Record>,
    budget: Arc<SpoolBudget>,
    clock: Arc<dyn Clock>,
}

impl RecorderArgs {
    /// Measures lag against `clock` instead of the system's (tests on a paused clock).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

pub struct RecorderState {
    store: Arc<dyn Store>,
    policy: FlushPolicy,
    samples: Lane<Sample>,
    records: Lane<Record>,
    budget: Arc<SpoolBudget>,
    clock: Arc<dyn Clock>,
    last_error: Option<String>,
    /// Samples and records the last flush put in the spool.
    flush_spooled: (u64, u64),
}

pub enum RecorderMsg {
    /// Internal: take from the queues and write the batches that are due.
    Pull,
    /// Write what the recorder holds in memory, records and samples, or spool it when the
    /// store stays away; replies with the samples written by this flush (what was spooled
    /// shows in the snapshot as `flush_spooled`).
    Flush(RpcReplyPort<u64>),
    Snapshot(RpcReplyPort<RecorderSnapshot>),
}

impl Actor for RecorderActor {
    type Msg = RecorderMsg;
    type State = RecorderState;
    type Arguments = RecorderArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<RecorderMsg>,
        args: RecorderArgs,
    ) -> Result<RecorderState, ActorProcessingErr> {
        myself.send_message(RecorderMsg::Pull)?;
        let RecorderArgs { store, policy, samples, records, budget, clock } = args;
        Ok(RecorderState { store, policy, samples, records, budget, clock, last_error: None, flush_spooled: (0, 0) })
    }

    async fn handle(
        &self,
        myself: ActorRef<RecorderMsg>,
        message: RecorderMsg,
        state: &mut RecorderState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            RecorderMsg::Pull => {
                state.pull().await;
                myself.send_message(RecorderMsg::Pull)?;
            }
            RecorderMsg::Flush(reply) => {
                let written = state.flush_all().await;
                let _ = reply.send(written);
            }
            RecorderMsg::Snapshot(reply) => {
                let _ = reply.send(state.snapshot());
            }
        }
        Ok(())
    }
}

/// What one wait of [`RecorderState::pull`] brought.
enum Arrived {
    Sample(Sample),
    Record(Record),
    Nothing,
}

impl RecorderState {
    /// Waits for samples or records until something is due, then does what is due.
    async fn pull(&mut self) {
        let policy = self.policy;
        // Never wait past IDLE_WAIT: a flush or snapshot request may be waiting behind us.
        let idle = Instant::now() + IDLE_WAIT;
        let deadline = [self.samples.deadline(&policy), self.records.deadline(&policy)]
            .into_iter()
            .flatten()
            .fold(idle, Instant::min);
        let take_samples = self.samples.accepting(&policy);
        let take_records = self.records.accepting(&policy);
        // A lane whose queue is closed answers `None`; its branch is then off until the deadline.
        let arrived = tokio::select! {
            Some(record) = self.records.recv(), if take_records => Arrived::Record(record),
            Some(sample) = self.samples.recv(), if take_samples => Arrived::Sample(sample),
            () = tokio::time::sleep_until(deadline) => Arrived::Nothing,
        };
        match arrived {
            Arrived::Sample(sample) => self.samples.take(sample),
            Arrived::Record(record) => self.records.take(record),
            Arrived::Nothing => {}
        }
        self.records.fill(&policy);
        self.samples.fill(&policy);
        self.service().await;
    }

    /// Lets each lane do what is due, records first.
    async fn service(&mut self) {
        let now = Instant::now();
        let result = self.records.service(self.store.as_ref(), &self.policy, now).await;
        Self::note(&mut self.last_error, result);
        let result = self.samples.service(self.store.as_ref(), &self.policy, now).await;
        Self::note(&mut self.last_error, result);
    }

    /// Keeps a failed write's reason for the snapshot.
    fn note(last_error: &mut Option<String>, result: Option<Result<(), StoreError>>) {
        if let Some(Err(StoreError::Rejected(reason) | StoreError::Unavailable(reason))) = result {
            *last_error = Some(reason);
        }
    }

    /// Writes what both lanes hold in memory, records first (fewer, and the ones an operator
    /// misses), spooling what the store does not take. Returns the samples written.
    async fn flush_all(&mut self) -> u64 {
        let before = LaneStats::get(&self.samples.stats.written);
        let records = self.records.flush(self.store.as_ref(), &self.policy, &mut self.last_error).await;
        let samples = self.samples.flush(self.store.as_ref(), &self.policy, &mut self.last_error).await;
        self.flush_spooled = (samples, records);
        if samples + records > 0 {
            tracing::warn!(samples, records, "the store is unavailable: spooled for the next start");
        }
        LaneStats::get(&self.samples.stats.written) - before
    }
}

#[cfg(test)]
#[path = "recorder_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "recorder/outage_tests.rs"]
mod outage_tests;
