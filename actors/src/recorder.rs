//! The Recorder actor: the historian's intake. Wells submit samples, and diagnostics, the
//! fleet and HTTP handlers submit [`Record`]s, each kind into its own bounded queue; the
//! recorder writes each kind to the [`Store`] in its own batches, flushed by size or age,
//! whichever comes first. A failed batch is held and retried while the store is unavailable.
//! A full queue makes a submitter wait briefly, then the item is counted as dropped: overflow
//! is never silent. A final [`RecorderMsg::Flush`] drains both queues on shutdown.
//!
//! - `intake.rs`: the submit handle and the counters it shares with the actor.
//! - `lane.rs`: one queue's batching and retries; the actor runs one lane per kind.

mod intake;
mod lane;

use std::sync::Arc;
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::domain::Sample;
use crate::store::{Record, Store, StoreError};
use intake::LaneStats;
use lane::{Lane, Storable};

pub use intake::{RecorderIntake, Submitted};

/// The longest the actor waits for samples or records before it looks at its mailbox again.
const IDLE_WAIT: Duration = Duration::from_millis(100);

/// Room for records when the configuration names none: a feeder-wide power event raises a
/// diagnosis, an alarm state and a journal entry for each of its wells at once.
pub const DEFAULT_RECORD_CAPACITY: usize = 4_096;

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

/// What the recorder has done, for the API and tests. The unprefixed counters are samples'.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RecorderSnapshot {
    /// Samples accepted into the queue.
    pub queued: u64,
    /// Submissions that found the queue full and waited (back-pressure).
    pub waited: u64,
    /// Samples refused because the queue stayed full: counted, never silent.
    pub dropped: u64,
    pub written: u64,
    pub batches: u64,
    pub write_failures: u64,
    /// Samples the store refused as invalid, counted and logged.
    pub rejected: u64,
    /// Samples in the queue now.
    pub queue_depth: usize,
    pub queue_capacity: usize,
    /// Samples taken from the queue but not yet written.
    pub pending: usize,
    /// Records accepted into their queue.
    pub records_queued: u64,
    /// Record submissions that found their queue full and waited.
    pub records_waited: u64,
    /// Records refused because their queue stayed full: counted, never silent.
    pub records_dropped: u64,
    pub records_written: u64,
    pub record_batches: u64,
    pub record_write_failures: u64,
    /// Records refused as invalid (by the recorder before batching, or by the store), counted
    /// and logged.
    pub records_rejected: u64,
    /// Records in their queue now.
    pub record_queue_depth: usize,
    pub record_queue_capacity: usize,
    /// Records taken from their queue but not yet written.
    pub records_pending: usize,
    /// The latest write failure, of either kind.
    pub last_error: Option<String>,
}

/// Creates the two bounded queues (`capacity` samples, `record_capacity` records): the intake
/// for submitters and the arguments for the actor.
pub fn recorder_queue(
    store: Arc<dyn Store>,
    capacity: usize,
    record_capacity: usize,
    policy: FlushPolicy,
) -> (RecorderIntake, RecorderArgs) {
    let (sample_tx, samples) = lane(capacity);
    let (record_tx, records) = lane(record_capacity);
    let intake = RecorderIntake::new((sample_tx, samples.stats.clone()), (record_tx, records.stats.clone()));
    (intake, RecorderArgs { store, policy, samples, records })
}

fn lane<T: Storable>(capacity: usize) -> (mpsc::Sender<T>, Lane<T>) {
    let capacity = capacity.max(1);
    let (sender, receiver) = mpsc::channel(capacity);
    (sender, Lane::new(receiver, Arc::new(LaneStats::default()), capacity))
}

pub struct RecorderActor;

pub struct RecorderArgs {
    store: Arc<dyn Store>,
    policy: FlushPolicy,
    samples: Lane<Sample>,
    records: Lane<Record>,
}

pub struct RecorderState {
    store: Arc<dyn Store>,
    policy: FlushPolicy,
    samples: Lane<Sample>,
    records: Lane<Record>,
    last_error: Option<String>,
}

pub enum RecorderMsg {
    /// Internal: take from the queues and write the batches that are due.
    Pull,
    /// Write everything queued so far, records and samples; replies with the samples written
    /// by this flush (the records written show in the snapshot).
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
        let RecorderArgs { store, policy, samples, records } = args;
        Ok(RecorderState { store, policy, samples, records, last_error: None })
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
    /// Waits for samples or records until a batch is due, then writes what is due.
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
        self.fill_accepting();
        self.write_due().await;
    }

    /// Takes what is already queued into each lane that is not holding a failed batch.
    fn fill_accepting(&mut self) {
        if self.records.accepting(&self.policy) {
            self.records.fill(&self.policy);
        }
        if self.samples.accepting(&self.policy) {
            self.samples.fill(&self.policy);
        }
    }

    /// Writes each lane's batch when it is due, records first.
    async fn write_due(&mut self) {
        let now = Instant::now();
        if self.records.due(&self.policy, now) {
            Self::note(&mut self.last_error, self.records.write(self.store.as_ref(), &self.policy).await);
        }
        if self.samples.due(&self.policy, now) {
            Self::note(&mut self.last_error, self.samples.write(self.store.as_ref(), &self.policy).await);
        }
    }

    /// Keeps a failed write's reason for the snapshot.
    fn note(last_error: &mut Option<String>, result: Result<(), StoreError>) {
        if let Err(StoreError::Rejected(reason) | StoreError::Unavailable(reason)) = result {
            *last_error = Some(reason);
        }
    }

    /// Drains both queues into the store, records first (fewer, and the ones an operator
    /// misses). Returns the samples written by this flush.
    async fn flush_all(&mut self) -> u64 {
        let before = LaneStats::get(&self.samples.stats.written);
        self.records.drain(self.store.as_ref(), &self.policy, &mut self.last_error).await;
        self.samples.drain(self.store.as_ref(), &self.policy, &mut self.last_error).await;
        LaneStats::get(&self.samples.stats.written) - before
    }

    fn snapshot(&self) -> RecorderSnapshot {
        let (samples, records) = (&self.samples.stats, &self.records.stats);
        RecorderSnapshot {
            queued: LaneStats::get(&samples.queued),
            waited: LaneStats::get(&samples.waited),
            dropped: LaneStats::get(&samples.dropped),
            written: LaneStats::get(&samples.written),
            batches: LaneStats::get(&samples.batches),
            write_failures: LaneStats::get(&samples.write_failures),
            rejected: LaneStats::get(&samples.rejected),
            queue_depth: self.samples.depth(),
            queue_capacity: self.samples.capacity,
            pending: self.samples.pending(),
            records_queued: LaneStats::get(&records.queued),
            records_waited: LaneStats::get(&records.waited),
            records_dropped: LaneStats::get(&records.dropped),
            records_written: LaneStats::get(&records.written),
            record_batches: LaneStats::get(&records.batches),
            record_write_failures: LaneStats::get(&records.write_failures),
            records_rejected: LaneStats::get(&records.rejected),
            record_queue_depth: self.records.depth(),
            record_queue_capacity: self.records.capacity,
            records_pending: self.records.pending(),
            last_error: self.last_error.clone(),
        }
    }
}

#[cfg(test)]
#[path = "recorder_tests.rs"]
mod tests;
