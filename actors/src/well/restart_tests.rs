//! A well actor restarted by its supervisor keeps its diagnostics: the history and current
//! diagnoses in the fleet view, the learned baseline (which the new actor goes on learning from)
//! and its unacknowledged alarms, without writing a second `raised` entry for a diagnosis that
//! never cleared. Paused clock throughout; the fake device wobbles its gauges so hours of healthy
//! running do not read as frozen sensors.

use std::time::Duration;

use ractor::call_t;

use crate::diagnostics::{AlarmId, AlarmState, Baseline, DiagnosisEvent, DiagnosisKind, DiagnosisRecord, Source};
use crate::domain::{Parameter, SupervisionState, WellId};
use crate::recorder::RecorderMsg;
use crate::store::{DiagnosisQuery, Store};
use crate::supervisor::{RestartPolicy, SupervisorMsg};
use crate::testing::tree::{spec, TestTree};
use crate::well::PollSettings;

const WELL: &str = "W-001";
const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
/// The profile's default motor nameplate current, A.
const RATED_CURRENT: f64 = 60.0;

fn poll() -> PollSettings {
    PollSettings { period: 5 * SECOND, ..PollSettings::default() }
}

/// A healthy running well: every channel of the profile plausible and consistent, so no rule
/// holds and the baseline learns.
fn healthy() -> Vec<(Parameter, f64)> {
    use Parameter as P;
    vec![
        (P::CurrentA, 41.5),
        (P::CurrentB, 41.0),
        (P::CurrentC, 41.9),
        (P::VoltageAb, 2_300.0),
        (P::VoltageBc, 2_305.0),
        (P::VoltageCa, 2_298.0),
        (P::Frequency, 58.5),
        (P::Power, 140.0),
        (P::PowerFactor, 0.85),
        (P::DriveTemperature, 45.0),
        (P::RunState, 3.0),
        (P::TripCode, 0.0),
        (P::StartsCount, 12.0),
        (P::IntakePressure, 1_450.0),
        (P::DischargePressure, 3_100.0),
        (P::IntakeTemperature, 90.0),
        (P::MotorTemperature, 104.5),
        (P::VibrationX, 0.8),
        (P::VibrationY, 0.7),
        (P::LeakageCurrent, 1.5),
        (P::TubingPressure, 250.0),
        (P::CasingPressure, 150.0),
        (P::FlowRate, 2_400.0),
    ]
}

/// The gauge channels' per-read variation, a few register steps each.
fn wobble() -> Vec<(Parameter, f64)> {
    use Parameter as P;
    vec![
        (P::IntakePressure, 0.3),
        (P::DischargePressure, 0.3),
        (P::IntakeTemperature, 0.03),
        (P::MotorTemperature, 0.03),
        (P::VibrationX, 0.003),
        (P::VibrationY, 0.003),
    ]
}

/// Every phase at 1.3 × nameplate: past the 1-minute overload limit (1.15 ×).
fn overloaded() -> Vec<(Parameter, f64)> {
    let current = 1.3 * RATED_CURRENT;
    vec![(Parameter::CurrentA, current), (Parameter::CurrentB, current), (Parameter::CurrentC, current)]
}

fn well_id() -> WellId {
    WellId::new(WELL).unwrap_or_else(|e| panic!("{e}"))
}

fn overload_alarm() -> AlarmId {
    AlarmId::new(&Source::Well(well_id()), DiagnosisKind::Overload.as_str())
}

fn alarm_state(tree: &TestTree) -> Option<AlarmState> {
    tree.alarms.get(&overload_alarm()).map(|alarm| alarm.state)
}

fn baseline(tree: &TestTree) -> Option<Baseline> {
    tree.well(WELL, |w| w.diagnostics.baseline.clone()).flatten()
}

fn learned_secs(tree: &TestTree) -> u64 {
    baseline(tree).map_or(0, |b| b.learned_secs)
}

fn current_kinds(tree: &TestTree) -> Vec<DiagnosisKind> {
    tree.well(WELL, |w| w.diagnostics.current.iter().map(|d| d.kind).collect()).unwrap_or_default()
}

/// The overload entries of the well's in-memory history, by event.
fn overload_history(tree: &TestTree) -> Vec<DiagnosisEvent> {
    let entries = tree.well(WELL, |w| w.diagnostics.history.iter().cloned().collect::<Vec<_>>()).unwrap_or_default();
    overload_events(&entries)
}

fn overload_events(entries: &[DiagnosisRecord]) -> Vec<DiagnosisEvent> {
    entries.iter().filter(|d| d.kind == DiagnosisKind::Overload).map(|d| d.event).collect()
}

/// The overload entries the recorder has written to the store, after a flush.
async fn stored_overload_history(tree: &TestTree) -> Vec<DiagnosisEvent> {
    let flushed = call_t!(tree.recorder, RecorderMsg::Flush, 10_000);
    assert!(flushed.is_ok(), "{flushed:?}");
    let start = chrono::DateTime::<chrono::Utc>::MIN_UTC;
    let query = DiagnosisQuery {
        source: Source::Well(well_id()),
        from: start,
        to: chrono::DateTime::<chrono::Utc>::MAX_UTC,
        limit: 1_000,
    };
    let stored = tree.store.read_diagnoses(&query).await.unwrap_or_else(|e| panic!("{e}"));
    overload_events(&stored)
}

/// Lets paused time run in `step`s until `condition` holds, failing after `within`.
async fn run_until(
    tree: &TestTree,
    within: Duration,
    step: Duration,
    what: &str,
    mut condition: impl FnMut(&TestTree) -> bool,
) {
    let deadline = tokio::time::Instant::now() + within;
    while !condition(tree) {
        assert!(tokio::time::Instant::now() < deadline, "timed out after {within:?} waiting for {what}");
        tokio::time::sleep(step).await;
    }
}

/// A well that learned a valid baseline, then overloaded: `W-001:overload` raised and
/// unacknowledged.
async fn overloaded_well_with_a_baseline() -> TestTree {
    let tree = TestTree::start(RestartPolicy::default()).await;
    tree.device.set_values(&healthy());
    tree.device.set_wobble(&wobble());
    tree.add(spec(WELL, poll())).await;
    // Settle (5 min) and a steady frequency (10 min), then 2 h of steady minutes.
    run_until(&tree, 150 * MINUTE, MINUTE, "a valid baseline", |t| baseline(t).is_some_and(|b| b.is_valid())).await;
    assert_eq!(current_kinds(&tree), [], "a healthy well diagnoses nothing");
    assert_eq!(tree.alarms.for_well(&well_id()).iter().filter(|a| a.state != AlarmState::Normal).count(), 0);

    tree.device.set_values(&overloaded());
    // The 1-minute mean passes 1.15 × nameplate, then holds there for a minute.
    run_until(&tree, 5 * MINUTE, SECOND, "overload raised", |t| alarm_state(t) == Some(AlarmState::Unacknowledged))
        .await;
    tree
}

#[tokio::test(start_paused = true)]
async fn a_restarted_well_keeps_its_diagnoses_baseline_and_unacknowledged_alarms() {
    let tree = overloaded_well_with_a_baseline().await;
    run_until(&tree, 10 * SECOND, SECOND, "overload in the fleet view", |t| {
        current_kinds(t).contains(&DiagnosisKind::Overload)
    })
    .await;
    let kept = baseline(&tree).unwrap_or_default();
    assert!(kept.is_valid(), "{kept:?}");
    assert_eq!(overload_history(&tree), [DiagnosisEvent::Raised]);

    let sent = call_t!(tree.supervisor, SupervisorMsg::Panic, 1_000, well_id());
    assert!(matches!(sent, Ok(Ok(()))), "{sent:?}");
    run_until(&tree, 10 * SECOND, Duration::from_millis(10), "restarted", |t| {
        t.well(WELL, |w| (w.supervision, w.restarts)) == Some((SupervisionState::Running, 1))
    })
    .await;

    // Right after the restart: nothing was lost.
    assert_eq!(current_kinds(&tree), [DiagnosisKind::Overload]);
    assert_eq!(overload_history(&tree), [DiagnosisEvent::Raised]);
    assert_eq!(baseline(&tree).as_ref(), Some(&kept), "the baseline in the fleet view is untouched");
    assert_eq!(alarm_state(&tree), Some(AlarmState::Unacknowledged));

    // The fresh engine warms up (settle, 5 min) and judges again while the overload persists: the
    // alarm stays raised and unacknowledged, and no second `raised` entry is written.
    tokio::time::sleep(10 * MINUTE).await;
    assert_eq!(alarm_state(&tree), Some(AlarmState::Unacknowledged));
    assert_eq!(current_kinds(&tree), [DiagnosisKind::Overload]);
    assert_eq!(overload_history(&tree), [DiagnosisEvent::Raised]);
    assert_eq!(stored_overload_history(&tree).await, [DiagnosisEvent::Raised]);
    assert_eq!(baseline(&tree).as_ref(), Some(&kept), "nothing learns while overloaded");

    // Once the fault goes, the new actor learns on from the kept baseline: had it started from an
    // empty one, the fleet view would now show a minute or two of learning, not over two hours.
    tree.device.set_values(&healthy());
    run_until(&tree, 3 * MINUTE, SECOND, "overload cleared", |t| current_kinds(t).is_empty()).await;
    assert_eq!(overload_history(&tree), [DiagnosisEvent::Raised, DiagnosisEvent::Cleared]);
    assert_eq!(alarm_state(&tree), Some(AlarmState::RtnUnacknowledged), "cleared, still not acknowledged");
    run_until(&tree, 30 * MINUTE, MINUTE, "learning again", |t| learned_secs(t) > kept.learned_secs).await;
    let learned = baseline(&tree).unwrap_or_default();
    assert!(learned.is_valid(), "{learned:?}");
    assert!(
        learned.learned_secs <= kept.learned_secs + 30 * 60,
        "{} after {}",
        learned.learned_secs,
        kept.learned_secs
    );
    let (before, after) = (kept.current.unwrap_or_default(), learned.current.unwrap_or_default());
    assert!((after - before).abs() < 0.5, "learning continued from {before} A, now {after} A");
    assert_eq!(stored_overload_history(&tree).await, [DiagnosisEvent::Raised, DiagnosisEvent::Cleared]);
}
