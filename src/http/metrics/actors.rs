//! The families that come from asking the top-level actors at scrape time: the recorder's
//! queues, store lag and spool, the supervisor's restarts, the fleet actor's status events.
//!
//! ractor 0.16 does not tell how many messages wait in an actor's mailbox, so there is no
//! mailbox depth. What stands in for it: how long each actor took to answer the scrape's
//! question (it answers after everything queued before it), and whether it answered at all.
//! The queues we bound ourselves, the recorder's, are exported with depth and capacity.

use std::time::Duration;

use tokio::time::Instant;
use wellvisor_actors::fleet::{FleetCounters, FleetMsg};
use wellvisor_actors::recorder::{RecorderMsg, RecorderSnapshot};
use wellvisor_actors::supervisor::{SupervisorCounters, SupervisorMsg};

use super::writer::MetricsWriter;
use crate::http::ask::ask;
use crate::http::state::AppState;

/// The longest a scrape waits for an actor. Well under Prometheus's default scrape timeout
/// (10 s), so a stuck actor costs only its own families (and shows as `wellvisor_actor_up` 0),
/// never the whole scrape.
const ACTOR_DEADLINE: Duration = Duration::from_secs(2);

/// One actor's answer and how long it took, or nothing if it did not answer in time.
pub struct Answer<T> {
    answer: Option<(T, Duration)>,
}

/// What the top-level actors answered.
pub struct ActorParts {
    recorder: Answer<RecorderSnapshot>,
    supervisor: Answer<SupervisorCounters>,
    fleet: Answer<FleetCounters>,
}

impl ActorParts {
    /// Asks the three actors at once, each within the handlers' call timeout or
    /// [`ACTOR_DEADLINE`], whichever is shorter.
    pub async fn ask(state: &AppState) -> Self {
        let timeout = state.call_timeout.min(ACTOR_DEADLINE);
        let (recorder, supervisor, fleet) = tokio::join!(
            timed(ask(&state.recorder, "the recorder", timeout, RecorderMsg::Snapshot)),
            timed(ask(&state.supervisor, "the supervisor", timeout, SupervisorMsg::Counters)),
            timed(ask(&state.fleet_actor, "the fleet actor", timeout, FleetMsg::Counters)),
        );
        Self { recorder, supervisor, fleet }
    }

    pub fn write(&self, metrics: &mut MetricsWriter) {
        write_actor(metrics, "recorder", &self.recorder);
        write_actor(metrics, "supervisor", &self.supervisor);
        write_actor(metrics, "fleet", &self.fleet);
        if let Some((recorder, _)) = &self.recorder.answer {
            write_queues(metrics, recorder);
            write_store(metrics, recorder);
        }
        if let Some((supervisor, _)) = &self.supervisor.answer {
            write_supervisor(metrics, supervisor);
        }
        if let Some((fleet, _)) = &self.fleet.answer {
            write_events(metrics, fleet);
        }
    }
}

async fn timed<T, E>(asking: impl std::future::Future<Output = Result<T, E>>) -> Answer<T> {
    let started = Instant::now();
    Answer { answer: asking.await.ok().map(|answer| (answer, started.elapsed())) }
}

fn write_actor<T>(metrics: &mut MetricsWriter, actor: &str, answer: &Answer<T>) {
    let up = "Whether the actor answered the scrape in time (2 s at most).";
    metrics.gauge("wellvisor_actor_up", up, &[("actor", actor)], if answer.answer.is_some() { 1.0 } else { 0.0 });
    if let Some((_, took)) = &answer.answer {
        let help = "How long the actor took to answer the scrape, in seconds: it grows with the mailbox \
                    backlog, whose depth ractor does not expose. The recorder looks at its mailbox at \
                    least every 100 ms, so up to 0.1 is normal for it.";
        metrics.gauge("wellvisor_actor_reply_seconds", help, &[("actor", actor)], took.as_secs_f64());
    }
}

fn write_queues(metrics: &mut MetricsWriter, recorder: &RecorderSnapshot) {
    let queues = [
        ("samples", recorder.queue_depth, recorder.queue_capacity),
        ("records", recorder.record_queue_depth, recorder.record_queue_capacity),
    ];
    for (queue, depth, capacity) in queues {
        let depth_help = "Items waiting in a bounded queue.";
        metrics.gauge("wellvisor_queue_depth", depth_help, &[("queue", queue)], depth as f64);
        let capacity_help = "The bound of a queue: past it, submitters wait briefly, then drop (counted).";
        metrics.gauge("wellvisor_queue_capacity", capacity_help, &[("queue", queue)], capacity as f64);
    }
    let kinds = [("samples", recorder.dropped), ("records", recorder.records_dropped)];
    for (kind, dropped) in kinds {
        let help = "Items the recorder's queue refused because it stayed full.";
        metrics.counter("wellvisor_recorder_dropped_total", help, &[("kind", kind)], dropped);
    }
    for (kind, written) in [("samples", recorder.written), ("records", recorder.records_written)] {
        metrics.counter("wellvisor_recorder_written_total", "Items written to the store.", &[("kind", kind)], written);
    }
    let failures = [("samples", recorder.write_failures), ("records", recorder.record_write_failures)];
    for (kind, failed) in failures {
        let help = "Batch writes the store refused or did not answer.";
        metrics.counter("wellvisor_recorder_write_failures_total", help, &[("kind", kind)], failed);
    }
}

fn write_store(metrics: &mut MetricsWriter, recorder: &RecorderSnapshot) {
    let available = if recorder.store_available { 1.0 } else { 0.0 };
    metrics.gauge("wellvisor_store_available", "Whether the last write of each kind succeeded.", &[], available);
    let lag = "Age of the oldest sample held and not yet written, in seconds (0 when caught up).";
    metrics.gauge("wellvisor_store_lag_seconds", lag, &[], recorder.lag_secs as f64);
    let spool_bytes = (recorder.spooled_sample_bytes + recorder.records_spooled_bytes) as f64;
    metrics.gauge("wellvisor_spool_bytes", "Bytes in the disk spools, samples and records.", &[], spool_bytes);
    let cap = "The cap on both spools together, in bytes (0: no spool).";
    metrics.gauge("wellvisor_spool_max_bytes", cap, &[], recorder.spool_max_bytes as f64);
    let spooled = "Samples in the disk spool, waiting for the store.";
    metrics.gauge("wellvisor_spooled_samples", spooled, &[], recorder.spooled_samples as f64);
    let records = "Records (alarms, diagnoses, audit) in the disk spool, waiting for the store.";
    metrics.gauge("wellvisor_spooled_records", records, &[], recorder.records_spooled as f64);
    let buffered = (recorder.memory_buffered + recorder.records_memory_buffered) as f64;
    let help = "Samples and records held in memory while the store is away or catching up.";
    metrics.gauge("wellvisor_memory_buffered", help, &[], buffered);
    let dropped = recorder.spool_dropped + recorder.records_spool_dropped;
    let help = "Samples and records refused because memory was full and the spool at its cap (or absent).";
    metrics.counter("wellvisor_spool_dropped_total", help, &[], dropped);
    let replayed = recorder.replayed + recorder.records_replayed;
    let help = "Samples and records written after an outage held them back.";
    metrics.counter("wellvisor_replayed_total", help, &[], replayed);
}

fn write_supervisor(metrics: &mut MetricsWriter, supervisor: &SupervisorCounters) {
    let counters = [
        ("wellvisor_supervisor_failures_total", "Well actor failures seen (panics, errors).", supervisor.failures),
        ("wellvisor_supervisor_gave_up_total", "Wells left failed at the restart limit.", supervisor.gave_up),
        ("wellvisor_operator_restarts_total", "Wells restarted by an operator.", supervisor.operator_restarts),
        ("wellvisor_wells_added_total", "Wells added since start.", supervisor.added),
        ("wellvisor_wells_removed_total", "Wells removed since start.", supervisor.removed),
    ];
    for (name, help, value) in counters {
        metrics.counter(name, help, &[], value);
    }
}

fn write_events(metrics: &mut MetricsWriter, fleet: &FleetCounters) {
    let help = "Status events the fleet published on its broadcast channel.";
    metrics.counter("wellvisor_status_events_total", help, &[], fleet.status_events);
    let help = "Status events published while nobody subscribed.";
    metrics.counter("wellvisor_status_events_unobserved_total", help, &[], fleet.events_unobserved);
    let help = "Subscribers of the fleet's status events.";
    metrics.gauge("wellvisor_status_event_subscribers", help, &[], fleet.subscribers as f64);
    let help = "Fleet alarm records the recorder could not take.";
    metrics.counter("wellvisor_fleet_records_dropped_total", help, &[], fleet.records_dropped);
}
