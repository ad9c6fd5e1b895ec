//! The fleet's families: every well's device counters, restarts and poll latencies summed into
//! fleet totals, and how many wells are in each state, from one pass over the fleet view.
//!
//! Ten thousand wells are one series per counter, not ten thousand. The pass is linear, clones
//! nothing per well and holds each shard's read lock only while it adds that shard's wells.
//! Summed counters would fall when a well is removed, which Prometheus would read as a reset
//! (and a burst of `rate()`); the [`CounterLedger`] keeps them monotonic.

use std::collections::HashMap;

use wellvisor_actors::domain::{ConnectionState, RunState, SupervisionState};
use wellvisor_actors::fleet::{DeviceCounters, FleetView, LatencyHistogram, WellSnapshot, LATENCY_BOUNDS_SECONDS};

use super::writer::{Buckets, MetricsWriter};

/// What one pass over the fleet view adds up.
pub struct FleetTally {
    counters: DeviceCounters,
    restarts: u64,
    latency: LatencyHistogram,
    /// Wells per state, in the order of each state's `ALL`; run states end with "unknown".
    supervision: Vec<usize>,
    connection: Vec<usize>,
    run_state: Vec<usize>,
}

impl FleetTally {
    /// One pass over every well.
    pub fn of(view: &FleetView) -> Self {
        let mut tally = Self {
            counters: DeviceCounters::default(),
            restarts: 0,
            latency: LatencyHistogram::default(),
            supervision: vec![0; SupervisionState::ALL.len()],
            connection: vec![0; ConnectionState::ALL.len()],
            run_state: vec![0; RunState::ALL.len() + 1],
        };
        view.for_each(|well| tally.add(well));
        tally
    }

    fn add(&mut self, well: &WellSnapshot) {
        add_counters(&mut self.counters, &well.counters);
        self.restarts += u64::from(well.restarts);
        self.latency.merge(&well.poll_latency);
        count_in(&mut self.supervision, SupervisionState::ALL.iter().position(|s| *s == well.supervision));
        count_in(&mut self.connection, ConnectionState::ALL.iter().position(|s| *s == well.connection));
        let run_state = well.run_state.and_then(|state| RunState::ALL.iter().position(|s| *s == state));
        count_in(&mut self.run_state, Some(run_state.unwrap_or(RunState::ALL.len())));
    }

    /// Writes the fleet's families, counters through `ledger`.
    pub fn write(&self, metrics: &mut MetricsWriter, ledger: &mut CounterLedger) {
        self.write_polls(metrics, ledger);
        self.write_link(metrics, ledger);
        self.write_states(metrics);
    }

    fn write_polls(&self, metrics: &mut MetricsWriter, ledger: &mut CounterLedger) {
        let c = &self.counters;
        let polls = "Polls, by whether every block was read and decoded.";
        metrics.counter("wellvisor_polls_total", polls, &[("result", "ok")], ledger.total("polls_ok", c.polls_ok));
        let failed = ledger.total("polls_failed", c.polls_failed);
        metrics.counter("wellvisor_polls_total", polls, &[("result", "failed")], failed);
        let errors = [
            ("timeout", c.timeouts),
            ("exception", c.exceptions),
            ("transport", c.transport_errors),
            ("decode", c.decode_errors),
            ("connect", c.connect_failures),
        ];
        for (kind, count) in errors {
            let help = "Device errors, by kind: a read timed out, answered an exception, broke the link, \
                        did not decode, or a connection attempt failed.";
            metrics.counter("wellvisor_poll_errors_total", help, &[("kind", kind)], ledger.total(kind, count));
        }
        let late = ledger.total("late_polls", c.late_polls);
        metrics.counter("wellvisor_late_polls_total", "Polls started over a tenth of a period late.", &[], late);
        let counts: Vec<u64> =
            self.latency.bucket_counts().iter().enumerate().map(|(i, n)| ledger.total_at("latency", i, *n)).collect();
        let sum_micros = ledger.total("latency_sum", self.latency.sum_micros());
        let buckets =
            Buckets { upper_bounds: &LATENCY_BOUNDS_SECONDS, counts: &counts, sum: micros_to_seconds(sum_micros) };
        let help = "Time a poll took to read its blocks, in seconds; one observation per poll counted.";
        metrics.histogram("wellvisor_poll_duration_seconds", help, &[], buckets);
    }

    fn write_link(&self, metrics: &mut MetricsWriter, ledger: &mut CounterLedger) {
        let c = &self.counters;
        let reconnects = ledger.total("reconnects", c.reconnects);
        metrics.counter("wellvisor_reconnects_total", "Device links re-established after loss.", &[], reconnects);
        let restarts = ledger.total("restarts", self.restarts);
        metrics.counter("wellvisor_well_restarts_total", "Well actors restarted by supervision.", &[], restarts);
        let reported = ledger.total("samples_reported", c.samples_reported);
        metrics.counter("wellvisor_samples_reported_total", "Samples handed to the recorder.", &[], reported);
        let dropped = ledger.total("samples_dropped", c.samples_dropped);
        let help = "Samples the recorder's queue could not take in time.";
        metrics.counter("wellvisor_samples_dropped_total", help, &[], dropped);
    }

    /// Every state is present, zero or not, so a dashboard needs no special case.
    fn write_states(&self, metrics: &mut MetricsWriter) {
        let supervision = SupervisionState::ALL.iter().map(|state| state.as_str()).zip(&self.supervision);
        for (state, wells) in supervision {
            let help = "Wells, by supervision state.";
            metrics.gauge("wellvisor_wells", help, &[("supervision", state)], *wells as f64);
        }
        for (state, wells) in ConnectionState::ALL.iter().map(|state| state.as_str()).zip(&self.connection) {
            let help = "Wells, by device connection state.";
            metrics.gauge("wellvisor_wells_by_connection", help, &[("connection", state)], *wells as f64);
        }
        let run_states = RunState::ALL.iter().map(|state| state.as_str()).chain(["unknown"]);
        for (state, wells) in run_states.zip(&self.run_state) {
            let help = "Wells, by drive run state (unknown until a poll reads it).";
            metrics.gauge("wellvisor_wells_by_run_state", help, &[("run_state", state)], *wells as f64);
        }
    }
}

fn add_counters(sum: &mut DeviceCounters, well: &DeviceCounters) {
    sum.polls_ok += well.polls_ok;
    sum.polls_failed += well.polls_failed;
    sum.late_polls += well.late_polls;
    sum.timeouts += well.timeouts;
    sum.exceptions += well.exceptions;
    sum.transport_errors += well.transport_errors;
    sum.decode_errors += well.decode_errors;
    sum.connect_failures += well.connect_failures;
    sum.reconnects += well.reconnects;
    sum.samples_reported += well.samples_reported;
    sum.samples_dropped += well.samples_dropped;
}

fn count_in(counts: &mut [usize], slot: Option<usize>) {
    if let Some(count) = slot.and_then(|slot| counts.get_mut(slot)) {
        *count += 1;
    }
}

fn micros_to_seconds(micros: u64) -> f64 {
    std::time::Duration::from_micros(micros).as_secs_f64()
}

/// Keeps fleet totals monotonic across scrapes. When a total is lower than at the last scrape,
/// wells were removed: what they took with them is kept as retired and added from then on.
///
/// A well removed in the same interval as others counted up hides part of that growth, at most
/// once and at most its own count: the exported totals can lag by that much, but never fall.
#[derive(Debug, Default)]
pub struct CounterLedger {
    floors: HashMap<(&'static str, usize), Floor>,
}

#[derive(Debug, Default)]
struct Floor {
    last_seen: u64,
    retired: u64,
}

impl CounterLedger {
    /// The exported value of the total `key` that is `current` now.
    pub fn total(&mut self, key: &'static str, current: u64) -> u64 {
        self.total_at(key, 0, current)
    }

    /// As [`total`](Self::total), for one of several values under a key (histogram buckets).
    pub fn total_at(&mut self, key: &'static str, index: usize, current: u64) -> u64 {
        let floor = self.floors.entry((key, index)).or_default();
        if current < floor.last_seen {
            floor.retired += floor.last_seen - current;
        }
        floor.last_seen = current;
        floor.retired + current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removed_well_s_count_is_kept_so_the_total_never_falls() {
        let mut ledger = CounterLedger::default();
        // Two wells with 100 and 50 polls, then the first is removed, then the second goes on.
        assert_eq!(ledger.total("polls", 150), 150);
        assert_eq!(ledger.total("polls", 50), 150);
        assert_eq!(ledger.total("polls", 60), 160);
        // A new well comes in and counts up from zero.
        assert_eq!(ledger.total("polls", 65), 165);
    }

    #[test]
    fn keys_and_indexes_are_kept_apart() {
        let mut ledger = CounterLedger::default();
        assert_eq!(ledger.total_at("latency", 0, 10), 10);
        assert_eq!(ledger.total_at("latency", 1, 3), 3);
        assert_eq!(ledger.total_at("latency", 0, 4), 10);
        assert_eq!(ledger.total("polls", 1), 1);
    }
}
