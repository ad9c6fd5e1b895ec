//! The benchmarks: `bench diagnostics`, `bench store` and `bench query` live in their own files.
//!
//! `wellvisor bench fleet`: polls a simulated fleet served by child `wellvisor simulate`
//! processes, so the figures are the fleet's alone, and prints what it achieved.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use ractor::call_t;
use serde::Serialize;
use tokio::process::{Child, Command};
use wellvisor_actors::recorder::RecorderMsg;

use crate::app::{self, RunningApp};
use crate::cli::{raise_open_file_limit, BenchFleetArgs};
use crate::config::{self, LoadedConfig};

#[path = "bench/diagnostics.rs"]
mod diagnostics;
#[path = "bench/http_probe.rs"]
mod http_probe;
#[path = "bench/query.rs"]
mod query;
#[path = "bench/store.rs"]
mod store;

pub use diagnostics::{run as diagnostics, DiagnosticsFigures};
pub use query::{run as query, QueryFigures};
pub use store::{run as store, StoreFigures};

/// The figures `bench fleet` prints.
#[derive(Clone, Debug, Serialize)]
pub struct FleetFigures {
    pub wells: usize,
    pub period_ms: u64,
    pub duration_s: f64,
    pub polls_scheduled_per_s: f64,
    pub polls_achieved_per_s: f64,
    /// Share of polls that started within 10 % of the period after their slot.
    pub on_time_share: f64,
    pub cpu_us_per_poll: f64,
    pub rss_mib: f64,
    pub rss_kib_per_well: f64,
    pub samples_persisted_per_s: f64,
    pub samples_dropped: u64,
    pub wells_online: usize,
    /// A few wells that were not online at the end, with their state and last error.
    pub not_online: Vec<String>,
    /// What a scrape and the full well list cost while the fleet polls.
    pub reads: http_probe::ReadFigures,
}

#[derive(Clone, Copy, Default)]
struct Totals {
    polls: u64,
    late: u64,
    written: u64,
}

/// Runs the benchmark and prints its figures.
pub async fn fleet(args: &BenchFleetArgs) -> anyhow::Result<()> {
    raise_open_file_limit(4 * args.wells as u64 + 1_024);
    let data = tempfile::tempdir().context("creating a scratch directory")?;
    let mut simulators = spawn_simulators(args).await?;
    let outcome = measure(args, data.path()).await;
    for simulator in &mut simulators {
        let _ = simulator.kill().await;
    }
    let figures = outcome?;
    if args.json {
        println!("{}", serde_json::to_string(&figures)?);
    } else {
        print_table(&figures);
    }
    Ok(())
}

async fn measure(args: &BenchFleetArgs, data: &Path) -> anyhow::Result<FleetFigures> {
    let loaded = bench_config(args, data)?;
    let rss_before = rss_kib();
    let app = app::start(&loaded).await?;
    // Warm-up: connections opened, first samples through the recorder.
    tokio::time::sleep(args.period * 3).await;
    let (before, cpu_before, clock) = (totals(&app).await, cpu_seconds(), Instant::now());
    tokio::time::sleep(args.duration).await;
    let (after, cpu_after, elapsed) = (totals(&app).await, cpu_seconds(), clock.elapsed().as_secs_f64());
    let rss_after = rss_kib();
    let online = app.fleet.summary().connection.get("online").copied().unwrap_or(0);
    let not_online = not_online_examples(&app);
    let reads = http_probe::measure(&app).await?;
    let report = app.shutdown().await?;
    let polls = (after.polls - before.polls).max(1) as f64;
    Ok(FleetFigures {
        wells: args.wells,
        period_ms: args.period.as_millis() as u64,
        duration_s: elapsed,
        polls_scheduled_per_s: args.wells as f64 / args.period.as_secs_f64(),
        polls_achieved_per_s: polls / elapsed,
        on_time_share: 1.0 - (after.late - before.late) as f64 / polls,
        cpu_us_per_poll: (cpu_after - cpu_before) * 1e6 / polls,
        rss_mib: rss_after as f64 / 1024.0,
        rss_kib_per_well: rss_after.saturating_sub(rss_before) as f64 / args.wells as f64,
        samples_persisted_per_s: (after.written - before.written) as f64 / elapsed,
        samples_dropped: report.recorder.dropped,
        wells_online: online,
        not_online,
        reads,
    })
}

fn not_online_examples(app: &RunningApp) -> Vec<String> {
    let rows = app.fleet.map_all(|w| {
        let error = w.last_error.as_ref().map_or("", |e| e.message.as_str());
        (w.connection.as_str() != "online").then(|| format!("{} {} {}: {error}", w.id, w.endpoint, w.connection))
    });
    rows.into_iter().flatten().take(5).collect()
}

fn bench_config(args: &BenchFleetArgs, data: &Path) -> anyhow::Result<LoadedConfig> {
    let profiles = std::env::current_dir()?.join("config/profiles");
    let text = format!(
        "[http]\nbind = \"127.0.0.1:0\"\n[storage]\nurl = \"sqlite://{db}\"\n[polling]\nperiod = \"{period}\"\n\
         timeout = \"{timeout}\"\njitter = \"{jitter}\"\n[profiles]\ndir = \"{profiles}\"\n[logging]\nlevel = \"warn\"\n\
         [[well_group]]\nprefix = \"B-\"\ncount = {wells}\ndigits = 5\nprofile = \"esp-default\"\nfirst_port = {port}\n",
        db = data.join("bench.db").display(),
        period = config::duration::format(args.period),
        timeout = config::duration::format((args.period / 2).min(Duration::from_secs(1))),
        jitter = config::duration::format(args.period / 50),
        profiles = profiles.display(),
        wells = args.wells,
        port = args.base_port,
    );
    let path = data.join("bench.toml");
    std::fs::write(&path, text)?;
    // The benchmark's own throwaway credentials: it never calls the API as a user.
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_os_rng();
    let secret = format!("bench secret {:032x}", rand::Rng::random::<u128>(&mut rng));
    let password = format!("bench admin {:032x}", rand::Rng::random::<u128>(&mut rng));
    let env = |name: &str| match name {
        "WELLVISOR_JWT_SECRET" => Some(secret.clone()),
        "WELLVISOR_ADMIN_PASSWORD" => Some(password.clone()),
        _ => None,
    };
    Ok(config::load(&path, &env)?)
}

/// Wells one simulator process serves: each needs a listener and a connection, two file
/// descriptors, and an unprivileged process may not raise its limit past about 20,000.
const WELLS_PER_SIMULATOR: usize = 4_000;

/// Starts as many simulator processes as the fleet needs, on consecutive port ranges.
async fn spawn_simulators(args: &BenchFleetArgs) -> anyhow::Result<Vec<Child>> {
    let mut children = Vec::new();
    for first in (0..args.wells).step_by(WELLS_PER_SIMULATOR) {
        let wells = WELLS_PER_SIMULATOR.min(args.wells - first);
        let base_port =
            u16::try_from(usize::from(args.base_port) + first).context("--base-port + wells passes 65535")?;
        children.push(spawn_simulator(wells, base_port).await?);
    }
    Ok(children)
}

async fn spawn_simulator(wells: usize, base_port: u16) -> anyhow::Result<Child> {
    let exe = std::env::current_exe()?;
    let child = Command::new(exe)
        .args(["simulate", "--wells", &wells.to_string(), "--base-port", &base_port.to_string()])
        .env("WELLVISOR_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("starting the simulator")?;
    let last = usize::from(base_port) + wells - 1;
    let deadline = Instant::now() + Duration::from_secs(120);
    while tokio::net::TcpStream::connect(("127.0.0.1", last as u16)).await.is_err() {
        anyhow::ensure!(Instant::now() < deadline, "the simulator did not open port {last} within 120 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(child)
}

async fn totals(app: &RunningApp) -> Totals {
    let rows = app.fleet.map_all(|w| (w.counters.polls_ok + w.counters.polls_failed, w.counters.late_polls));
    let written = call_t!(app.recorder, RecorderMsg::Snapshot, 10_000).map(|s| s.written).unwrap_or(0);
    Totals { polls: rows.iter().map(|r| r.0).sum(), late: rows.iter().map(|r| r.1).sum(), written }
}

/// User plus system CPU time of this process, from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // After the command name: utime is field 14 and stime 15 of the whole line (1-based).
    (ticks(11) + ticks(12)) / 100.0
}

/// Resident set size of this process in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn print_table(figures: &FleetFigures) {
    let rows: BTreeMap<&str, String> = BTreeMap::from([
        ("1 wells", figures.wells.to_string()),
        ("2 period", format!("{} ms", figures.period_ms)),
        ("3 measured for", format!("{:.1} s", figures.duration_s)),
        ("4 polls/s scheduled", format!("{:.0}", figures.polls_scheduled_per_s)),
        ("5 polls/s achieved", format!("{:.0}", figures.polls_achieved_per_s)),
        ("6 on time (within 10% of period)", format!("{:.2} %", figures.on_time_share * 100.0)),
        ("7 CPU per poll", format!("{:.1} µs", figures.cpu_us_per_poll)),
        ("8 RSS", format!("{:.1} MiB", figures.rss_mib)),
        ("9 RSS per well", format!("{:.1} KiB", figures.rss_kib_per_well)),
        ("a samples persisted/s", format!("{:.0}", figures.samples_persisted_per_s)),
        ("b samples dropped", figures.samples_dropped.to_string()),
        ("c wells online at the end", figures.wells_online.to_string()),
        (
            "d GET /metrics (median)",
            format!("{:.1} ms, {} bytes", figures.reads.metrics_scrape_ms, figures.reads.metrics_bytes),
        ),
        (
            "e GET /api/v1/wells (median)",
            format!("{:.1} ms, {} bytes", figures.reads.wells_list_ms, figures.reads.wells_list_bytes),
        ),
    ]);
    for (label, value) in rows {
        println!("{:<36} {value}", &label[2..]);
    }
    for example in &figures.not_online {
        println!("  not online: {example}");
    }
}
