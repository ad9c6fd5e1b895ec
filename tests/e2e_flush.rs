//! After a graceful stop, every sample that wells reported is in SQLite.

mod support;

use std::time::Duration;

use support::{free_ports, Scratch};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reported_sample_is_in_sqlite_after_a_graceful_stop() {
    let scratch = Scratch::new();
    let base_port = free_ports(20);
    // Batches far larger than what arrives, and a long age: only the final flush writes most.
    let path = scratch.config(&format!(
        "[http]\nbind = \"127.0.0.1:0\"\n[storage]\nurl = \"sqlite://{{db}}\"\nbatch_size = 50000\nqueue_capacity = 100000\nbatch_max_age = \"1h\"\n\
         [polling]\nperiod = \"100ms\"\ntimeout = \"80ms\"\njitter = \"10ms\"\n\
         [simulator]\nwells = 20\nbase_port = {base_port}\n\
         [[well_group]]\nprefix = \"W-\"\ncount = 20\nprofile = \"esp-default\"\nfirst_port = {base_port}\n"
    ));
    let loaded = wellvisor::config::load(&path, &support::auth::test_env).expect("config");
    let app = wellvisor::app::start(&loaded).await.expect("start");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let fleet = app.fleet.clone();
    let report = app.shutdown().await.expect("shutdown");

    let reported: u64 = fleet.map_all(|w| w.counters.samples_reported).iter().sum();
    let dropped: u64 = fleet.map_all(|w| w.counters.samples_dropped).iter().sum();
    assert!(reported > 200, "the wells polled: {reported}");
    assert_eq!(dropped, 0);
    assert!(report.flushed > 0, "the final flush wrote the held samples");

    let store = wellvisor::store::open(&scratch.db_url()).await.expect("reopen");
    assert_eq!(store.count_samples(None).await.expect("count"), reported);
    for id in fleet.map_all(|w| (w.id.clone(), w.counters.samples_reported)) {
        assert_eq!(store.count_samples(Some(&id.0)).await.expect("count"), id.1, "{}", id.0);
    }
}
