//! A crash during a database outage: the service spools to disk while PostgreSQL is down, is
//! killed with SIGKILL, and is started again once the database is back. Every sample the
//! spool held is replayed into the historian, once, and each well's samples stay in order.

#[path = "support/historian.rs"]
mod historian;
mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use historian::{assert_written_in_order, written_order, Stored};
use serde_json::Value;
use support::{eventually, free_ports, get, ChildProcess, Scratch};
use wellvisor::store::throwaway::Cluster;
use wellvisor_actors::domain::{Parameter, Sample};
use wellvisor_actors::recorder::spooled_samples;

const WELLS: u16 = 200;

fn config(scratch: &Scratch, http_port: u16, base_port: u16) -> String {
    let spool = scratch.path("spool");
    let path = scratch.config(&format!(
        "[http]\nbind = \"127.0.0.1:{http_port}\"\n\
         [storage]\nspool_dir = \"{}\"\nbatch_size = 500\nmemory_buffer = 500\nretry_delay = \"500ms\"\n\
         [polling]\nperiod = \"1s\"\ntimeout = \"800ms\"\n\
         [simulator]\nwells = {WELLS}\nbase_port = {base_port}\n\
         [[well_group]]\nprefix = \"W-\"\ncount = {WELLS}\nprofile = \"esp-default\"\nfirst_port = {base_port}\n",
        spool.display()
    ));
    path.to_str().expect("utf-8 path").to_owned()
}

/// The recorder's counters, as `/api/v1/fleet` serves them.
async fn recorder(addr: SocketAddr) -> Option<Value> {
    let (status, fleet) = get(addr, "/api/v1/fleet").await;
    (status == 200).then(|| fleet["recorder"].clone())
}

fn count(recorder: &Value, key: &str) -> u64 {
    recorder[key].as_u64().unwrap_or_default()
}

fn service(config: &str, url: &str) -> ChildProcess {
    ChildProcess::spawn_with_env(&["run", "--config", config], &[("WELLVISOR_DATABASE_URL", url)])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_killed_during_an_outage_replays_its_spool_at_the_next_start() {
    let mut cluster = Cluster::start().await.expect("throwaway PostgreSQL");
    let url = cluster.new_database().await.expect("database");
    let scratch = Scratch::new();
    let http_port = free_ports(1);
    let config = config(&scratch, http_port, free_ports(WELLS));
    let addr: SocketAddr = ([127, 0, 0, 1], http_port).into();

    let first = service(&config, &url);
    eventually(Duration::from_secs(60), "samples written", async || {
        recorder(addr).await.filter(|r| count(r, "written") > 0).map(drop)
    })
    .await;
    cluster.stop().await.expect("stop PostgreSQL");
    eventually(Duration::from_secs(60), "samples spooled to disk", async || {
        recorder(addr).await.filter(|r| count(r, "spooled_samples") >= 2_000).map(drop)
    })
    .await;
    first.kill();

    let left = spooled_samples(&scratch.path("spool")).expect("the spool reads back");
    assert!(left.len() >= 2_000, "the spool holds {} samples", left.len());
    cluster.restart().await.expect("start PostgreSQL again");
    let second = service(&config, &url);
    let replayed = eventually(Duration::from_secs(60), "the spool replayed", async || {
        recorder(addr).await.filter(|r| count(r, "spooled_samples") == 0 && count(r, "replayed") > 0)
    })
    .await;
    assert!(second.terminate().success(), "the second run stops cleanly");
    assert!(count(&replayed, "replayed") >= left.len() as u64, "{replayed}");

    let stored = written_order(&url).await;
    assert_every_spooled_sample_stored_once(&left, &stored);
    assert_written_in_order(&stored);
    assert!(leftover_segments(&scratch.path("spool/samples")).is_empty(), "replayed segments are deleted");
}

/// Each sample the spool held is in the historian as often as the spool held it (once, unless
/// two polls completed within one millisecond with equal values): the same well, time (to the
/// millisecond, as the store keeps it) and values.
fn assert_every_spooled_sample_stored_once(spooled: &[Sample], stored: &HashMap<String, Vec<Stored>>) {
    type Key = (String, i64, [Option<u64>; 4]);
    let key = |well: &str, at: i64, values: [Option<f64>; 4]| -> Key {
        (well.to_owned(), at, values.map(|v| v.map(f64::to_bits)))
    };
    let mut in_store: HashMap<Key, usize> = HashMap::new();
    for (well, samples) in stored {
        for sample in samples {
            *in_store.entry(key(well, sample.at.timestamp_millis(), sample.fingerprint)).or_default() += 1;
        }
    }
    let fingerprint = |sample: &Sample| {
        [Parameter::CurrentA, Parameter::IntakePressure, Parameter::MotorTemperature, Parameter::VibrationX]
            .map(|parameter| sample.values.get(parameter))
    };
    let mut in_spool: HashMap<Key, usize> = HashMap::new();
    for sample in spooled {
        *in_spool
            .entry(key(sample.well_id.as_str(), sample.at.timestamp_millis(), fingerprint(sample)))
            .or_default() += 1;
    }
    for (sample, spooled) in &in_spool {
        let stored = in_store.get(sample).copied().unwrap_or(0);
        let (well, at, _) = sample;
        assert_eq!(stored, *spooled, "{well} at {at} ms: spooled {spooled} times, stored {stored} times");
    }
}

fn leftover_segments(dir: &Path) -> Vec<String> {
    let entries = std::fs::read_dir(dir).into_iter().flatten().flatten();
    entries.map(|e| e.file_name().to_string_lossy().into_owned()).filter(|name| name.ends_with(".seg")).collect()
}
