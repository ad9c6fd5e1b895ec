//! The poll-latency histogram a well keeps in its snapshot, against the fake device on a paused
//! clock: one observation per counted poll, and a silent device's polls take their timeout.

use std::time::Duration;

use crate::domain::ConnectionState;
use crate::fleet::{LatencyHistogram, LATENCY_BOUNDS_SECONDS};
use crate::supervisor::RestartPolicy;
use crate::testing::tree::{spec, TestTree};
use crate::testing::FakeBehaviour;
use crate::well::PollSettings;

const SECOND: Duration = Duration::from_secs(1);
const TIMEOUT: Duration = Duration::from_millis(500);

fn poll() -> PollSettings {
    PollSettings {
        period: SECOND,
        timeout: TIMEOUT,
        jitter: Duration::from_millis(20),
        backoff_initial: Duration::from_millis(250),
        backoff_cap: Duration::from_secs(4),
        history: 8,
    }
}

/// The histogram and the polls counted, read together under one lock.
fn latency(tree: &TestTree) -> (LatencyHistogram, u64, u64) {
    let read = tree.well("W-1", |w| (w.poll_latency.clone(), w.counters.polls_ok, w.counters.polls_failed));
    read.unwrap_or_default()
}

/// Observations above `seconds`.
fn slower_than(histogram: &LatencyHistogram, seconds: f64) -> u64 {
    let first_above = LATENCY_BOUNDS_SECONDS.iter().position(|bound| *bound >= seconds).map_or(0, |i| i + 1);
    histogram.bucket_counts()[first_above..].iter().sum()
}

#[tokio::test(start_paused = true)]
async fn every_counted_poll_is_timed_once_and_silent_polls_take_their_timeout() {
    let tree = TestTree::start(RestartPolicy::default()).await;
    tree.add(spec("W-1", poll())).await;
    tree.until(2 * SECOND, "online", |t| tree_connection(t) == Some(ConnectionState::Online)).await;
    tokio::time::sleep(5 * SECOND).await;
    let (healthy, ok, failed) = latency(&tree);
    assert!(ok >= 5, "{ok} polls");
    assert_eq!((healthy.count(), failed), (ok, 0));
    // The fake answers at once and the clock is paused: every read took no time at all.
    assert_eq!((slower_than(&healthy, 0.001), healthy.sum_micros()), (0, 0));

    tree.device.set(FakeBehaviour::Silent);
    tree.until(2 * SECOND, "offline", |t| tree_connection(t) == Some(ConnectionState::Offline)).await;
    tokio::time::sleep(10 * SECOND).await;
    let (all, ok_after, failed) = latency(&tree);
    assert!(failed >= 2, "{failed} failed polls");
    assert_eq!(all.count(), ok_after + failed);
    assert_eq!(slower_than(&all, 0.25), failed, "{all:?}");
    assert!(all.sum_micros() >= failed * 500_000, "{all:?}");
}

fn tree_connection(tree: &TestTree) -> Option<ConnectionState> {
    tree.well("W-1", |w| w.connection)
}
