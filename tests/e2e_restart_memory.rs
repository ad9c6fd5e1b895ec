//! A restart of the process keeps what diagnostics know: the service runs twice on one SQLite
//! file. In the first run W-001 is silent from the start, so `comms_loss` is raised; nobody
//! acknowledges it. Between the runs a valid baseline for W-002 is written to the store, as an
//! earlier run would have saved it. In the second run the alarm is still unacknowledged, the
//! history still holds the first run's `raised` entry (and no second one), the detail shows the
//! diagnosis as current, and W-002 has its saved baseline.

mod support;

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use support::{eventually, free_ports, get, Scratch};
use wellvisor::app::RunningApp;
use wellvisor::config::LoadedConfig;
use wellvisor_actors::diagnostics::Baseline;
use wellvisor_actors::domain::WellId;
use wellvisor_actors::store::{Record, StoredBaseline};

const SILENT: &str = "W-001";
const SEEDED: &str = "W-002";
/// Polls are 200 ms with a 150 ms timeout; `comms_loss` takes three failed polls.
const WITHIN: Duration = Duration::from_secs(10);

fn seeded_baseline() -> Baseline {
    Baseline { learned_secs: 3 * 3600, current: Some(40.0), frequency: Some(55.0), ..Default::default() }
}

fn load(scratch: &Scratch, base_port: u16) -> LoadedConfig {
    let scenario = "[[fault]]\nwell = \"W-001\"\nkind = \"silent\"\nat = \"0s\"\n";
    std::fs::write(scratch.path("scenarios/restart_memory.toml"), scenario).expect("write scenario");
    let path = scratch.config(&format!(
        "[http]\nbind = \"127.0.0.1:0\"\n[storage]\nurl = \"sqlite://{{db}}\"\nbatch_max_age = \"100ms\"\n\
         [polling]\nperiod = \"200ms\"\ntimeout = \"150ms\"\nbackoff_initial = \"100ms\"\nbackoff_cap = \"500ms\"\n\
         [simulator]\nwells = 2\nbase_port = {base_port}\nscenario = \"scenarios/restart_memory.toml\"\n\
         [[well_group]]\nprefix = \"W-\"\ncount = 2\nprofile = \"esp-default\"\nfirst_port = {base_port}\n"
    ));
    wellvisor::config::load(&path, &support::auth::test_env).expect("config")
}

/// The well's `comms_loss` alarm as `GET /api/v1/alarms?well=…` lists it.
async fn comms_loss_alarm(app: &RunningApp) -> Option<Value> {
    let (status, list) = get(app.http_addr, &format!("/api/v1/alarms?well={SILENT}")).await;
    assert_eq!(status, 200, "{list}");
    let alarms = list["alarms"].as_array().cloned().unwrap_or_default();
    alarms.into_iter().find(|alarm| alarm["id"] == format!("{SILENT}:comms_loss"))
}

/// The `comms_loss` entries of the well's diagnostic history since `from`, as (event, at).
async fn comms_loss_history(app: &RunningApp, from: DateTime<Utc>) -> Vec<(String, DateTime<Utc>)> {
    let from = from.to_rfc3339_opts(SecondsFormat::Millis, true);
    let (status, page) = get(app.http_addr, &format!("/api/v1/wells/{SILENT}/diagnostics?from={from}")).await;
    assert_eq!(status, 200, "{page}");
    let entries = page["diagnoses"].as_array().cloned().unwrap_or_default();
    let comms_loss = entries.into_iter().filter(|entry| entry["kind"] == "comms_loss");
    comms_loss
        .filter_map(|entry| {
            let at = entry["at"].as_str()?.parse().ok()?;
            Some((entry["event"].as_str()?.to_owned(), at))
        })
        .collect()
}

/// The kinds of the diagnoses the well detail shows as current.
async fn current_diagnoses(app: &RunningApp, well: &str) -> Vec<String> {
    let (status, detail) = get(app.http_addr, &format!("/api/v1/wells/{well}")).await;
    assert_eq!(status, 200, "{detail}");
    let current = detail["diagnoses"].as_array().cloned().unwrap_or_default();
    current.iter().filter_map(|d| d["kind"].as_str().map(str::to_owned)).collect()
}

fn fleet_baseline(app: &RunningApp, well: &str) -> Option<Baseline> {
    app.fleet.read(&WellId::new(well).expect("id"), |w| w.diagnostics.baseline.clone()).flatten()
}

/// Offline polls the silent well has had in this run.
fn timeouts(app: &RunningApp) -> u64 {
    app.fleet.read(&WellId::new(SILENT).expect("id"), |w| w.counters.timeouts).unwrap_or(0)
}

/// Writes W-002's baseline straight into the store, as a graceful stop would have.
async fn seed_baseline(scratch: &Scratch) {
    let store = wellvisor::store::open(&scratch.db_url()).await.expect("open the store");
    let state = serde_json::to_string(&seeded_baseline()).expect("baseline json");
    let record = Record::Baseline(StoredBaseline { well_id: WellId::new(SEEDED).expect("id"), at: Utc::now(), state });
    store.write_records(&[record]).await.expect("write the baseline");
}

/// What the two runs leave for the assertions: the second run, still going, and when the first
/// began and the second started.
struct Restarted {
    app: RunningApp,
    began: DateTime<Utc>,
    restarted_at: DateTime<Utc>,
}

/// Runs the service until W-001's `comms_loss` is raised and stored, stops it, seeds W-002's
/// baseline, and starts it again on the same database.
async fn run_twice(scratch: &Scratch) -> Restarted {
    let loaded = load(scratch, free_ports(2));
    let began = Utc::now() - chrono::TimeDelta::minutes(1);

    let app = wellvisor::app::start(&loaded).await.expect("first start");
    let alarm = eventually(WITHIN, "comms_loss raised", async || comms_loss_alarm(&app).await).await;
    assert_eq!(alarm["state"], "unacknowledged", "{alarm}");
    eventually(WITHIN, "the raised entry stored", async || {
        let history = comms_loss_history(&app, began).await;
        history.iter().any(|(event, _)| event == "raised").then_some(())
    })
    .await;
    assert_eq!(current_diagnoses(&app, SILENT).await, ["comms_loss"]);
    app.shutdown().await.expect("first shutdown");

    seed_baseline(scratch).await;
    let restarted_at = Utc::now();
    let app = wellvisor::app::start(&loaded).await.expect("second start");
    Restarted { app, began, restarted_at }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unacknowledged_alarm_and_its_history_survive_a_restart_of_the_process() {
    let scratch = Scratch::new();
    let Restarted { app, began, restarted_at } = run_twice(&scratch).await;

    // Nobody acknowledges the alarm: it comes back from the store as it was.
    let alarm = comms_loss_alarm(&app).await.expect("comms_loss listed after the restart");
    assert_eq!(alarm["state"], "unacknowledged", "{alarm}");
    // The silent well fails polls of its own in this run, so its fresh diagnostics have judged.
    eventually(WITHIN, "the silent well polled", async || (timeouts(&app) >= 8).then_some(())).await;
    let alarm = comms_loss_alarm(&app).await.expect("comms_loss still listed");
    assert_eq!(alarm["state"], "unacknowledged", "{alarm}");

    let history = comms_loss_history(&app, began).await;
    let raised: Vec<_> = history.iter().filter(|(event, _)| event == "raised").collect();
    assert_eq!(raised.len(), 1, "one raised entry, and no second one for the same outage: {history:?}");
    assert!(raised[0].1 < restarted_at, "the raised entry is the first run's: {history:?}");
    assert!(!history.iter().any(|(event, _)| event == "cleared"), "{history:?}");
    app.shutdown().await.expect("second shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn current_diagnoses_show_after_a_restart_of_the_process() {
    let scratch = Scratch::new();
    let Restarted { app, .. } = run_twice(&scratch).await;
    eventually(WITHIN, "the silent well polled", async || (timeouts(&app) >= 8).then_some(())).await;
    let shown = eventually(WITHIN, "comms_loss current in the detail", async || {
        let current = current_diagnoses(&app, SILENT).await;
        current.contains(&"comms_loss".to_owned()).then_some(current)
    })
    .await;
    assert_eq!(shown, ["comms_loss"]);
    app.shutdown().await.expect("second shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_saved_baseline_shows_after_a_restart_of_the_process() {
    let scratch = Scratch::new();
    let Restarted { app, .. } = run_twice(&scratch).await;
    // The detail does not serve the baseline; the fleet view it is built from holds it.
    let baseline =
        eventually(WITHIN, "the seeded baseline in the fleet view", async || fleet_baseline(&app, SEEDED)).await;
    assert!(baseline.is_valid(), "{baseline:?}");
    assert!(baseline.learned_secs >= seeded_baseline().learned_secs, "{baseline:?}");
    app.shutdown().await.expect("second shutdown");
}
