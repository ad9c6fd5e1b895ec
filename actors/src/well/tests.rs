//! Well actor behaviour against the fake device, on a paused clock.

use std::time::Duration;

use crate::device::DeviceError;
use crate::domain::{ConnectionState, Parameter, Quality, RunState};
use crate::supervisor::RestartPolicy;
use crate::testing::tree::{spec, TestTree};
use crate::testing::FakeBehaviour;
use crate::well::PollSettings;

fn poll() -> PollSettings {
    PollSettings {
        period: Duration::from_secs(1),
        timeout: Duration::from_millis(500),
        jitter: Duration::from_millis(20),
        backoff_initial: Duration::from_millis(250),
        backoff_cap: Duration::from_secs(4),
        history: 8,
    }
}

const SECOND: Duration = Duration::from_secs(1);

async fn tree_with_one_well() -> TestTree {
    let tree = TestTree::start(RestartPolicy::default()).await;
    tree.add(spec("W-1", poll())).await;
    tree
}

fn connection(tree: &TestTree) -> Option<ConnectionState> {
    tree.well("W-1", |w| w.connection)
}

#[tokio::test(start_paused = true)]
async fn healthy_well_goes_online_with_decoded_values() {
    let tree = tree_with_one_well().await;
    assert_eq!(connection(&tree), Some(ConnectionState::Connecting));
    tree.until(2 * SECOND, "online", |t| connection(t) == Some(ConnectionState::Online)).await;
    let (frequency, quality, run_state) = tree
        .well("W-1", |w| {
            (w.latest.values.get(Parameter::Frequency), w.latest.quality(Parameter::Frequency), w.run_state)
        })
        .unwrap_or_default();
    assert_eq!(frequency, Some(58.5));
    assert_eq!(quality, Some(Quality::Good));
    assert_eq!(run_state, Some(RunState::Running));
}

#[tokio::test(start_paused = true)]
async fn polls_follow_the_period_and_every_reported_sample_is_stored() {
    let tree = tree_with_one_well().await;
    tokio::time::sleep(Duration::from_millis(10_500)).await;
    let counters = tree.well("W-1", |w| w.counters.clone()).unwrap_or_default();
    assert!((10..=11).contains(&counters.polls_ok), "{counters:?}");
    assert_eq!((counters.polls_failed, counters.late_polls), (0, 0));
    let store = tree.store.clone();
    let fleet = tree.fleet.clone();
    tree.shutdown().await;
    let reported = fleet.read(&crate::domain::WellId::new("W-1").unwrap(), |w| w.counters.samples_reported);
    assert_eq!(Some(store.samples().len() as u64), reported);
}

#[tokio::test(start_paused = true)]
async fn refused_connections_leave_the_well_offline_until_the_device_returns() {
    let tree = TestTree::start(RestartPolicy::default()).await;
    tree.device.set(FakeBehaviour::Refuse);
    tree.add(spec("W-1", poll())).await;
    tree.until(2 * SECOND, "offline", |t| connection(t) == Some(ConnectionState::Offline)).await;
    tokio::time::sleep(20 * SECOND).await;
    let failures = tree.well("W-1", |w| w.counters.connect_failures).unwrap_or_default();
    // Backoff: ceilings 250 ms doubling to the 4 s cap, so far fewer attempts than polls.
    assert!((5..=80).contains(&failures), "{failures} connect attempts in 20 s");
    assert_eq!(tree.device.connects(), 0);

    tree.device.set(FakeBehaviour::Healthy);
    // Within the backoff cap plus one period.
    tree.until(5 * SECOND, "online again", |t| connection(t) == Some(ConnectionState::Online)).await;
    let last_error = tree.well("W-1", |w| w.last_error.clone()).flatten().map(|e| e.message);
    assert!(last_error.is_some_and(|m| m.contains("connect failed")));
}

#[tokio::test(start_paused = true)]
async fn a_silent_device_times_out_and_the_link_is_reopened() {
    let tree = tree_with_one_well().await;
    tree.until(2 * SECOND, "online", |t| connection(t) == Some(ConnectionState::Online)).await;
    tree.device.set(FakeBehaviour::Silent);
    // One period plus the timeout.
    tree.until(SECOND + Duration::from_millis(600), "offline", |t| connection(t) == Some(ConnectionState::Offline))
        .await;
    tokio::time::sleep(10 * SECOND).await;
    let counters = tree.well("W-1", |w| w.counters.clone()).unwrap_or_default();
    assert!(counters.timeouts >= 2, "{counters:?}");
    assert!(tree.device.connects() >= 3, "every timeout drops the link: {} connects", tree.device.connects());
    assert_eq!(tree.well("W-1", |w| w.latest.quality(Parameter::Frequency)), Some(Some(Quality::Stale)));

    tree.device.set(FakeBehaviour::Healthy);
    tree.until(5 * SECOND, "online again", |t| connection(t) == Some(ConnectionState::Online)).await;
    assert!(tree.well("W-1", |w| w.counters.reconnects).unwrap_or_default() >= 2);
}

#[tokio::test(start_paused = true)]
async fn exception_replies_degrade_without_dropping_the_link() {
    let tree = tree_with_one_well().await;
    tree.until(2 * SECOND, "online", |t| connection(t) == Some(ConnectionState::Online)).await;
    tree.device.set(FakeBehaviour::Exception(0x02));
    tree.until(2 * SECOND, "degraded", |t| connection(t) == Some(ConnectionState::Degraded)).await;
    tokio::time::sleep(5 * SECOND).await;
    assert_eq!(tree.device.connects(), 1);
    let counters = tree.well("W-1", |w| w.counters.clone()).unwrap_or_default();
    assert!(counters.exceptions >= 5, "{counters:?}");
    assert_eq!(connection(&tree), Some(ConnectionState::Degraded));
}

#[tokio::test(start_paused = true)]
async fn gateway_exceptions_mean_the_unit_is_unreachable() {
    let tree = tree_with_one_well().await;
    tree.device.set(FakeBehaviour::Exception(0x0B));
    tree.until(2 * SECOND, "offline", |t| connection(t) == Some(ConnectionState::Offline)).await;
    assert_eq!(tree.device.connects(), 1, "the gateway itself is alive: keep the connection");
}

#[tokio::test(start_paused = true)]
async fn a_unit_its_gateway_calls_unreachable_is_probed_on_the_backoff() {
    let tree = tree_with_one_well().await;
    tree.device.set(FakeBehaviour::Exception(0x0B));
    tokio::time::sleep(60 * SECOND).await;
    let reads = tree.device.reads();
    // One read per poll (the first 0x0B ends it): every period would be 60 reads; on a backoff
    // capped at 4 s with full jitter, about half that.
    assert!(reads < 45, "{reads} reads in 60 s");
    assert_eq!(connection(&tree), Some(ConnectionState::Offline));
    tree.device.set(FakeBehaviour::Healthy);
    tree.until(5 * SECOND, "online", |t| connection(t) == Some(ConnectionState::Online)).await;
    let reads = tree.device.reads();
    tokio::time::sleep(10 * SECOND).await;
    assert!(tree.device.reads() - reads >= 18, "back to a poll every period");
}

#[tokio::test(start_paused = true)]
async fn garbage_replies_drop_the_link_and_count_as_transport_errors() {
    let tree = tree_with_one_well().await;
    tree.until(2 * SECOND, "online", |t| connection(t) == Some(ConnectionState::Online)).await;
    tree.device.set(FakeBehaviour::Garbage);
    tree.until(2 * SECOND, "offline", |t| connection(t) == Some(ConnectionState::Offline)).await;
    tokio::time::sleep(5 * SECOND).await;
    let counters = tree.well("W-1", |w| w.counters.clone()).unwrap_or_default();
    assert!(counters.transport_errors >= 2 && tree.device.connects() >= 2, "{counters:?}");
}

#[tokio::test(start_paused = true)]
async fn device_trouble_never_fails_the_actor() {
    let tree = tree_with_one_well().await;
    for behaviour in [FakeBehaviour::Silent, FakeBehaviour::Garbage, FakeBehaviour::Refuse, FakeBehaviour::Exception(4)]
    {
        tree.device.set(behaviour);
        tokio::time::sleep(5 * SECOND).await;
    }
    tree.device.set(FakeBehaviour::Healthy);
    tree.until(6 * SECOND, "online", |t| connection(t) == Some(ConnectionState::Online)).await;
    let status = tree.well("W-1", |w| (w.restarts, w.supervision));
    assert_eq!(status, Some((0, crate::domain::SupervisionState::Running)));
}

#[tokio::test(start_paused = true)]
async fn history_is_bounded() {
    let tree = tree_with_one_well().await;
    tokio::time::sleep(20 * SECOND).await;
    let (kept, polls) = tree.well("W-1", |w| (w.history.len(), w.counters.polls_ok)).unwrap_or_default();
    assert_eq!(kept, 8);
    assert!(polls > 8);
}

#[test]
fn only_exceptions_keep_a_link() {
    assert!(DeviceError::Timeout.breaks_link());
    assert!(!DeviceError::Exception(0x0B).breaks_link());
    assert!(DeviceError::Exception(0x0B).is_no_reply());
    assert!(!DeviceError::Exception(0x02).is_no_reply());
}
