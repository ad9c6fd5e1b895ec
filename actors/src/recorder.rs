//! The Recorder actor: the historian's intake. Wells submit samples into a bounded queue; the
//! recorder writes them to the [`Store`] in batches, flushed by size or age, whichever comes
//! first. A full queue makes a well wait briefly, then the sample is counted as dropped:
//! overflow is never silent. A final [`RecorderMsg::Flush`] drains everything on shutdown.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::time::{timeout, timeout_at, Instant};
use tracing::{error, warn};

use crate::domain::Sample;
use crate::store::{Store, StoreError};

/// The longest the actor waits for samples before it looks at its mailbox again.
const IDLE_WAIT: Duration = Duration::from_millis(100);

/// When batches are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlushPolicy {
    /// Write when this many samples are waiting.
    pub batch_size: usize,
    /// Write when the oldest waiting sample is this old.
    pub max_age: Duration,
    /// Wait this long before retrying a failed write.
    pub retry_delay: Duration,
}

/// Counters shared by the intake handles and the actor.
#[derive(Debug, Default)]
struct Stats {
    queued: AtomicU64,
    waited: AtomicU64,
    dropped: AtomicU64,
    written: AtomicU64,
    batches: AtomicU64,
    write_failures: AtomicU64,
    rejected: AtomicU64,
}

/// What the recorder has done, for the API and tests.
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
    pub last_error: Option<String>,
}

/// Whether a submitted sample made it into the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Submitted {
    Queued,
    Dropped,
}

/// The handle wells submit through. Cheap to clone.
#[derive(Clone)]
pub struct RecorderIntake {
    queue: mpsc::Sender<Sample>,
    stats: Arc<Stats>,
}

impl RecorderIntake {
    /// Queues a sample, waiting at most `patience` for room.
    pub async fn submit(&self, sample: Sample, patience: Duration) -> Submitted {
        let outcome = match self.queue.try_send(sample) {
            Ok(()) => Submitted::Queued,
            Err(mpsc::error::TrySendError::Full(sample)) => {
                self.stats.waited.fetch_add(1, Ordering::Relaxed);
                match timeout(patience, self.queue.send(sample)).await {
                    Ok(Ok(())) => Submitted::Queued,
                    _ => Submitted::Dropped,
                }
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Submitted::Dropped,
        };
        match outcome {
            Submitted::Queued => {
                self.stats.queued.fetch_add(1, Ordering::Relaxed);
            }
            Submitted::Dropped => {
                let dropped = self.stats.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                // Loud at first, then at every power of two, so an overflow is seen but not a flood.
                if dropped.is_power_of_two() {
                    warn!(dropped, "recorder queue full: samples dropped (counted)");
                }
            }
        }
        outcome
    }
}

/// Creates the bounded queue: the intake for wells and the arguments for the actor.
pub fn recorder_queue(store: Arc<dyn Store>, capacity: usize, policy: FlushPolicy) -> (RecorderIntake, RecorderArgs) {
    let (queue, intake) = mpsc::channel(capacity.max(1));
    let stats = Arc::new(Stats::default());
    let handle = RecorderIntake { queue, stats: stats.clone() };
    let args = RecorderArgs { store, intake, policy, stats, capacity: capacity.max(1) };
    (handle, args)
}

pub struct RecorderActor;

pub struct RecorderArgs {
    store: Arc<dyn Store>,
    intake: mpsc::Receiver<Sample>,
    policy: FlushPolicy,
    stats: Arc<Stats>,
    capacity: usize,
}

pub struct RecorderState {
    args: RecorderArgs,
    batch: Vec<Sample>,
    /// When the oldest sample of `batch` was taken.
    batch_since: Option<Instant>,
    retry_at: Option<Instant>,
    last_error: Option<String>,
}

pub enum RecorderMsg {
    /// Internal: take samples from the queue and write when a batch is due.
    Pull,
    /// Write everything queued so far; replies with the samples written by this flush.
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
        let batch = Vec::with_capacity(args.policy.batch_size);
        Ok(RecorderState { args, batch, batch_since: None, retry_at: None, last_error: None })
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

impl RecorderState {
    /// Waits for samples until the batch is due, then writes it.
    async fn pull(&mut self) {
        if let Some(retry_at) = self.retry_at {
            // While the store fails, hold the batch and let the bounded queue push back.
            tokio::time::sleep_until(retry_at.min(Instant::now() + IDLE_WAIT)).await;
            if Instant::now() >= retry_at {
                self.write_batch().await;
            }
            return;
        }
        // Never wait past IDLE_WAIT: a flush or snapshot request may be waiting behind us.
        let idle = Instant::now() + IDLE_WAIT;
        let deadline = self.batch_since.map_or(idle, |since| (since + self.args.policy.max_age).min(idle));
        if let Ok(Some(sample)) = timeout_at(deadline, self.args.intake.recv()).await {
            self.take(sample);
            while self.batch.len() < self.args.policy.batch_size {
                match self.args.intake.try_recv() {
                    Ok(sample) => self.take(sample),
                    Err(_) => break,
                }
            }
        }
        let aged = self.batch_since.is_some_and(|since| since.elapsed() >= self.args.policy.max_age);
        if self.batch.len() >= self.args.policy.batch_size || aged {
            self.write_batch().await;
        }
    }

    fn take(&mut self, sample: Sample) {
        self.batch_since.get_or_insert_with(Instant::now);
        self.batch.push(sample);
    }

    /// Writes the held batch; on failure keeps it for a retry.
    async fn write_batch(&mut self) -> bool {
        if self.batch.is_empty() {
            self.retry_at = None;
            return true;
        }
        let stats = &self.args.stats;
        match self.args.store.write_samples(&self.batch).await {
            Ok(()) => {
                stats.written.fetch_add(self.batch.len() as u64, Ordering::Relaxed);
                stats.batches.fetch_add(1, Ordering::Relaxed);
                self.clear_batch();
                true
            }
            Err(StoreError::Rejected(reason)) => {
                error!(samples = self.batch.len(), %reason, "store rejected a batch; samples counted as rejected");
                stats.rejected.fetch_add(self.batch.len() as u64, Ordering::Relaxed);
                self.last_error = Some(reason);
                self.clear_batch();
                false
            }
            Err(StoreError::Unavailable(reason)) => {
                warn!(samples = self.batch.len(), %reason, "store write failed; will retry");
                stats.write_failures.fetch_add(1, Ordering::Relaxed);
                self.last_error = Some(reason);
                self.retry_at = Some(Instant::now() + self.args.policy.retry_delay);
                false
            }
        }
    }

    fn clear_batch(&mut self) {
        self.batch.clear();
        self.batch_since = None;
        self.retry_at = None;
    }

    /// Drains the queue into the store. Retries a failing store up to ten times per batch, so a
    /// shutdown cannot hang on a dead database; whatever is left is logged with its count.
    async fn flush_all(&mut self) -> u64 {
        let before = self.args.stats.written.load(Ordering::Relaxed);
        loop {
            while self.batch.len() < self.args.policy.batch_size {
                match self.args.intake.try_recv() {
                    Ok(sample) => self.take(sample),
                    Err(_) => break,
                }
            }
            if self.batch.is_empty() {
                break;
            }
            if !self.write_with_retries(10).await {
                let left = self.batch.len() + self.args.intake.len();
                error!(samples = left, "flush gave up: the store stayed unavailable");
                break;
            }
        }
        self.args.stats.written.load(Ordering::Relaxed) - before
    }

    async fn write_with_retries(&mut self, attempts: u32) -> bool {
        for _ in 0..attempts {
            if self.write_batch().await {
                return true;
            }
            if self.retry_at.is_none() {
                return true; // rejected: counted, and retrying cannot help
            }
            tokio::time::sleep(self.args.policy.retry_delay).await;
        }
        false
    }

    fn snapshot(&self) -> RecorderSnapshot {
        let stats = &self.args.stats;
        RecorderSnapshot {
            queued: stats.queued.load(Ordering::Relaxed),
            waited: stats.waited.load(Ordering::Relaxed),
            dropped: stats.dropped.load(Ordering::Relaxed),
            written: stats.written.load(Ordering::Relaxed),
            batches: stats.batches.load(Ordering::Relaxed),
            write_failures: stats.write_failures.load(Ordering::Relaxed),
            rejected: stats.rejected.load(Ordering::Relaxed),
            queue_depth: self.args.intake.len(),
            queue_capacity: self.args.capacity,
            pending: self.batch.len(),
            last_error: self.last_error.clone(),
        }
    }
}

#[cfg(test)]
#[path = "recorder_tests.rs"]
mod tests;
