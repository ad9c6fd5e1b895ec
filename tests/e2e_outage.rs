//! A separate simulator process serving 100 wells: stop it and every well goes offline within
//! one period plus the timeout; start it again and every well is back online within the
//! backoff cap plus one period, with no manual step.

mod support;

use std::time::{Duration, Instant};

use support::{eventually, free_ports, wait_for_port, ChildProcess, Scratch};
use wellvisor::config;

const WELLS: u16 = 100;
const PERIOD: Duration = Duration::from_secs(1);
const TIMEOUT: Duration = Duration::from_millis(500);
const BACKOFF_CAP: Duration = Duration::from_secs(3);
/// Allowance for process scheduling on a busy two-core machine; the bounds themselves come from
/// the poll settings above.
const GRACE: Duration = Duration::from_millis(700);

fn simulator(base_port: u16) -> ChildProcess {
    let (wells, base) = (WELLS.to_string(), base_port.to_string());
    ChildProcess::spawn(&["simulate", "--wells", &wells, "--base-port", &base])
}

fn count(app: &wellvisor::app::RunningApp, state: &str) -> usize {
    app.fleet.summary().connection.get(state).copied().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wells_follow_their_simulator_down_and_back_up() {
    let base_port = free_ports(WELLS);
    let sim = simulator(base_port);
    wait_for_port(base_port + WELLS - 1, Duration::from_secs(30)).await;

    let scratch = Scratch::new();
    let path = scratch.config(&format!(
        "[http]\nbind = \"127.0.0.1:0\"\n[storage]\nurl = \"sqlite://{{db}}\"\n\
         [polling]\nperiod = \"1s\"\ntimeout = \"500ms\"\nbackoff_initial = \"250ms\"\nbackoff_cap = \"3s\"\n\
         [[well_group]]\nprefix = \"W-\"\ncount = {WELLS}\nprofile = \"esp-default\"\nfirst_port = {base_port}\n"
    ));
    let loaded = config::load(&path, &support::auth::test_env).expect("config");
    let app = wellvisor::app::start(&loaded).await.expect("start");
    eventually(Duration::from_secs(10), "all wells online", async || (count(&app, "online") == 100).then_some(()))
        .await;

    sim.kill();
    let stopped = Instant::now();
    eventually(PERIOD + TIMEOUT + GRACE, "all wells offline", async || (count(&app, "offline") == 100).then_some(()))
        .await;
    println!("all offline {:?} after the simulator stopped", stopped.elapsed());

    // Stay down for a while so reconnect backoff reaches its cap.
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert_eq!(count(&app, "offline"), 100);

    let restarted = simulator(base_port);
    wait_for_port(base_port + WELLS - 1, Duration::from_secs(30)).await;
    let back = Instant::now();
    eventually(BACKOFF_CAP + PERIOD + GRACE, "all wells online again", async || {
        (count(&app, "online") == 100).then_some(())
    })
    .await;
    println!("all online {:?} after the simulator came back", back.elapsed());

    let reconnects: u64 = app.fleet.map_all(|w| w.counters.reconnects).iter().sum();
    assert!(reconnects >= 100, "every well reconnected by itself: {reconnects}");
    app.shutdown().await.expect("shutdown");
    restarted.kill();
}
