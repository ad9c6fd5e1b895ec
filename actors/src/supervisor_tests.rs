//! Supervision: restarts with backoff, the intensity limit, operator restarts, run-time
//! add/remove, and state that survives an actor restart. Paused clock throughout.

use std::time::Duration;

use ractor::call_t;

use super::*;
use crate::diagnostics::{AlarmId, AlarmState};
use crate::domain::{ConnectionState, WellData};
use crate::testing::tree::{spec, TestTree};
use crate::well::PollSettings;

const SECOND: Duration = Duration::from_secs(1);

fn id(raw: &str) -> WellId {
    WellId::new(raw).unwrap_or_else(|e| panic!("{e}"))
}

async fn tree() -> TestTree {
    let tree = TestTree::start(RestartPolicy::default()).await;
    tree.add(spec("W-1", PollSettings::default())).await;
    tree.until(2 * SECOND, "online", |t| t.well("W-1", |w| w.connection) == Some(ConnectionState::Online)).await;
    tree
}

async fn panic_well(tree: &TestTree, well: &str) {
    let sent = call_t!(tree.supervisor, SupervisorMsg::Panic, 1_000, id(well));
    assert!(matches!(sent, Ok(Ok(()))), "{sent:?}");
}

fn supervision(tree: &TestTree) -> Option<(SupervisionState, u32)> {
    tree.well("W-1", |w| (w.supervision, w.restarts))
}

async fn counters(tree: &TestTree) -> SupervisorCounters {
    call_t!(tree.supervisor, SupervisorMsg::Counters, 1_000).unwrap_or_default()
}

#[tokio::test(start_paused = true)]
async fn a_panicking_well_is_restarted_and_polls_again() {
    let tree = tree().await;
    let polls_before = tree.well("W-1", |w| w.counters.polls_ok).unwrap_or_default();
    panic_well(&tree, "W-1").await;
    tree.until(6 * SECOND, "restarted", |t| supervision(t) == Some((SupervisionState::Running, 1))).await;
    tree.until(3 * SECOND, "polling", |t| {
        t.well("W-1", |w| w.counters.polls_ok).unwrap_or_default() > polls_before + 1
    })
    .await;
    let counters = counters(&tree).await;
    assert_eq!((counters.failures, counters.restarts, counters.gave_up), (1, 1, 0));
}

#[tokio::test(start_paused = true)]
async fn five_failures_in_the_window_leave_the_well_failed_and_down() {
    let tree = tree().await;
    for restarts in 1..=4 {
        panic_well(&tree, "W-1").await;
        tree.until(6 * SECOND, "restarted", |t| supervision(t) == Some((SupervisionState::Running, restarts))).await;
    }
    panic_well(&tree, "W-1").await;
    tree.until(SECOND, "failed", |t| supervision(t).map(|s| s.0) == Some(SupervisionState::Failed)).await;
    let reads_when_failed = tree.device.reads();

    // No more restarts follow, however long we wait, and the well is not polled.
    tokio::time::sleep(120 * SECOND).await;
    assert_eq!(supervision(&tree), Some((SupervisionState::Failed, 4)));
    assert_eq!(tree.device.reads(), reads_when_failed);
    let counters = counters(&tree).await;
    assert_eq!((counters.failures, counters.restarts, counters.gave_up), (5, 4, 1));
    assert_eq!(failed_alarm(&tree), Some(AlarmState::Unacknowledged), "a failed well is an alarm");
}

fn failed_alarm(tree: &TestTree) -> Option<AlarmState> {
    let id = AlarmId::new(&Source::Well(id("W-1")), SUPERVISION_FAILED);
    tree.alarms.get(&id).map(|alarm| alarm.state)
}

#[tokio::test(start_paused = true)]
async fn failures_spread_beyond_the_window_keep_being_restarted() {
    let tree = tree().await;
    for restarts in 1..=8 {
        panic_well(&tree, "W-1").await;
        tree.until(6 * SECOND, "restarted", |t| supervision(t) == Some((SupervisionState::Running, restarts))).await;
        tokio::time::sleep(20 * SECOND).await;
    }
    assert_eq!(counters(&tree).await.gave_up, 0);
}

#[tokio::test(start_paused = true)]
async fn operator_restart_clears_failed() {
    let tree = tree().await;
    for _ in 0..5 {
        panic_well(&tree, "W-1").await;
        tree.until(6 * SECOND, "running or failed", |t| {
            supervision(t).map(|s| s.0) != Some(SupervisionState::Restarting)
        })
        .await;
    }
    tree.until(SECOND, "failed", |t| supervision(t).map(|s| s.0) == Some(SupervisionState::Failed)).await;

    let restarted = call_t!(tree.supervisor, SupervisorMsg::Restart, 5_000, id("W-1"));
    assert_eq!(restarted.ok(), Some(Ok(())));
    assert_eq!(supervision(&tree).map(|s| s.0), Some(SupervisionState::Running));
    assert_eq!(failed_alarm(&tree), Some(AlarmState::RtnUnacknowledged), "cleared, still to be acknowledged");
    let reads = tree.device.reads();
    tree.until(3 * SECOND, "polling again", |t| t.device.reads() > reads).await;
    // The slate is clean: one more panic is restarted, not failed.
    panic_well(&tree, "W-1").await;
    tree.until(6 * SECOND, "restarted", |t| supervision(t).map(|s| s.0) == Some(SupervisionState::Running)).await;
    assert_eq!(counters(&tree).await.operator_restarts, 1);
}

#[tokio::test(start_paused = true)]
async fn counters_and_history_survive_an_actor_restart() {
    let tree = tree().await;
    tokio::time::sleep(5 * SECOND).await;
    let (polls, history) = tree.well("W-1", |w| (w.counters.polls_ok, w.history.len())).unwrap_or_default();
    assert!(polls >= 4 && history >= 4);
    panic_well(&tree, "W-1").await;
    tree.until(6 * SECOND, "restarted", |t| supervision(t) == Some((SupervisionState::Running, 1))).await;
    let (polls_after, history_after) = tree.well("W-1", |w| (w.counters.polls_ok, w.history.len())).unwrap_or_default();
    assert!(polls_after >= polls && history_after >= history, "{polls_after} < {polls} or {history_after} < {history}");
}

#[tokio::test(start_paused = true)]
async fn wells_are_added_and_removed_at_run_time() {
    let tree = tree().await;
    let well_data = WellData { feeder_id: Some("F-1".into()), ..WellData::default() };
    tree.add(spec("W-2", PollSettings::default()).with_well_data(well_data.clone())).await;
    tree.until(3 * SECOND, "W-2 online", |t| t.well("W-2", |w| w.connection) == Some(ConnectionState::Online)).await;
    assert_eq!(tree.well("W-2", |w| w.well_data.clone()), Some(well_data), "the fleet view shows the static data");

    let duplicate = call_t!(tree.supervisor, SupervisorMsg::Add, 1_000, spec("W-2", PollSettings::default()));
    assert_eq!(duplicate.ok(), Some(Err(SupervisorError::Duplicate(id("W-2")))));

    let removed = call_t!(tree.supervisor, SupervisorMsg::Remove, 1_000, id("W-2"));
    assert_eq!(removed.ok(), Some(Ok(())));
    assert!(!tree.fleet.contains(&id("W-2")));
    let again = call_t!(tree.supervisor, SupervisorMsg::Remove, 1_000, id("W-2"));
    assert_eq!(again.ok(), Some(Err(SupervisorError::UnknownWell(id("W-2")))));
    let unknown = call_t!(tree.supervisor, SupervisorMsg::Restart, 1_000, id("W-9"));
    assert_eq!(unknown.ok(), Some(Err(SupervisorError::UnknownWell(id("W-9")))));

    // A removed well's actor is gone: no supervision event resurrects it.
    tokio::time::sleep(10 * SECOND).await;
    assert!(!tree.fleet.contains(&id("W-2")));
    let counters = counters(&tree).await;
    assert_eq!((counters.wells, counters.added, counters.removed, counters.failures), (1, 2, 1, 0));
}

#[tokio::test(start_paused = true)]
async fn stop_all_stops_every_well_and_refuses_new_ones() {
    let tree = tree().await;
    let stopped = call_t!(tree.supervisor, SupervisorMsg::StopAll, 10_000);
    assert_eq!(stopped.ok(), Some(()));
    assert_eq!(supervision(&tree).map(|s| s.0), Some(SupervisionState::Stopped));
    let reads = tree.device.reads();
    tokio::time::sleep(5 * SECOND).await;
    assert_eq!(tree.device.reads(), reads);
    let refused = call_t!(tree.supervisor, SupervisorMsg::Add, 1_000, spec("W-3", PollSettings::default()));
    assert_eq!(refused.ok(), Some(Err(SupervisorError::ShuttingDown)));
}
