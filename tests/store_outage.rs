//! The historian goes away for a minute under a polling fleet: 1,000 simulated wells at 1 s,
//! PostgreSQL stopped for 60 s, then started again. Nothing the wells reported is lost, and each
//! well's samples are written in the order they were polled.

#[path = "support/historian.rs"]
mod historian;
mod support;

use std::time::Duration;

use historian::{assert_written_in_order, written_order};
use ractor::call_t;
use support::{eventually, free_ports, wait_for_port, ChildProcess, Scratch};
use wellvisor::store::throwaway::Cluster;
use wellvisor_actors::diagnostics::Source;
use wellvisor_actors::recorder::{RecorderMsg, RecorderSnapshot};

const WELLS: u16 = 1_000;
const OUTAGE: Duration = Duration::from_secs(60);
/// Samples held in memory before the recorder spills to disk: a fifth of the outage's, so
/// both the memory buffer and the disk spool carry part of it.
const MEMORY_BUFFER: u32 = 12_000;

async fn recorder(app: &wellvisor::app::RunningApp) -> RecorderSnapshot {
    call_t!(app.recorder, RecorderMsg::Snapshot, 5_000).expect("recorder snapshot")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minute_without_postgres_loses_no_sample_and_keeps_each_wells_order() {
    wellvisor::cli::raise_open_file_limit(4 * u64::from(WELLS) + 1_024);
    let mut cluster = Cluster::start().await.expect("throwaway PostgreSQL");
    let url = cluster.new_database().await.expect("database");
    let base_port = free_ports(WELLS);
    let (wells, base) = (WELLS.to_string(), base_port.to_string());
    let _simulator = ChildProcess::spawn(&["simulate", "--wells", &wells, "--base-port", &base]);
    wait_for_port(base_port + WELLS - 1, Duration::from_secs(60)).await;

    let scratch = Scratch::new();
    let spool = scratch.path("spool");
    let path = scratch.config(&format!(
        "[http]\nbind = \"127.0.0.1:0\"\n\
         [storage]\nspool_dir = \"{}\"\nmemory_buffer = {MEMORY_BUFFER}\nretry_delay = \"1s\"\n\
         [polling]\nperiod = \"1s\"\ntimeout = \"800ms\"\n\
         [[well_group]]\nprefix = \"W-\"\ncount = {WELLS}\nprofile = \"esp-default\"\nfirst_port = {base_port}\n",
        spool.display()
    ));
    let env =
        |name: &str| if name == "WELLVISOR_DATABASE_URL" { Some(url.clone()) } else { support::auth::test_env(name) };
    let loaded = wellvisor::config::load(&path, &env).expect("config");
    let app = wellvisor::app::start(&loaded).await.expect("start");
    let online = || app.fleet.summary().connection.get("online").copied().unwrap_or(0);
    eventually(Duration::from_secs(60), "every well online", async || (online() == usize::from(WELLS)).then_some(()))
        .await;
    eventually(Duration::from_secs(30), "samples written", async || (recorder(&app).await.written > 0).then_some(()))
        .await;

    cluster.stop().await.expect("stop PostgreSQL");
    tokio::time::sleep(OUTAGE).await;
    let during = recorder(&app).await;
    println!("after the outage: {during:?}");
    assert!(!during.store_available, "the recorder noticed the outage");
    assert!(during.spooled_samples > 0, "the outage outgrew memory and spilled to disk");
    let system_alarms = app.alarms.active_names(&Source::System);
    assert!(system_alarms.iter().any(|name| name == "store_unavailable"), "{system_alarms:?}");
    cluster.restart().await.expect("start PostgreSQL again");

    eventually(Duration::from_secs(180), "the backlog written", async || {
        let now = recorder(&app).await;
        (now.store_available && now.spooled_samples == 0 && now.memory_buffered == 0).then_some(())
    })
    .await;
    let fleet = app.fleet.clone();
    let report = app.shutdown().await.expect("graceful stop");
    let recorder = report.recorder;
    println!("at the end: {recorder:?}");
    assert_eq!((recorder.dropped, recorder.rejected, recorder.spool_dropped), (0, 0, 0));
    assert_eq!(recorder.written, recorder.queued, "every queued sample was written");

    let reported: Vec<(String, u64, u64)> =
        fleet.map_all(|w| (w.id.as_str().to_owned(), w.counters.samples_reported, w.counters.samples_dropped));
    let stored = written_order(&url).await;
    for (well, reported, dropped) in &reported {
        assert_eq!(*dropped, 0, "{well} dropped samples");
        let count = stored.get(well).map_or(0, Vec::len) as u64;
        assert_eq!(count, *reported, "{well}: the historian holds {count} of the {reported} samples reported");
    }
    assert_eq!(stored.len(), usize::from(WELLS));
    assert_written_in_order(&stored);
}
