//! `wellvisor bench query`: how fast the historian answers the trend queries an engineer asks
//! most: one well's last 24 hours at 1-minute resolution, and its last 30 days at 1-hour
//! resolution, over a store loaded with a fleet's month of history.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::Serialize;
use wellvisor_actors::domain::{Sample, WellId};
use wellvisor_actors::store::{Resolution, RollupQuery, Store, TelemetryQuery};

use super::store::running_sample;
use crate::cli::BenchQueryArgs;

/// Samples per write while loading.
const LOAD_BATCH: usize = 5_000;
/// The most points one query may return; every query here asks for fewer.
const QUERY_LIMIT: usize = 10_000;

/// The figures `bench query` prints.
#[derive(Clone, Debug, Serialize)]
pub struct QueryFigures {
    pub backend: String,
    pub wells: usize,
    pub days: u32,
    pub period_s: u64,
    /// Samples in the store when the queries ran.
    pub samples: u64,
    /// Samples per second while loading; `None` when an earlier run's data was reused.
    pub load_samples_per_s: Option<f64>,
    pub queries: Vec<QueryTiming>,
}

/// One kind of query, asked `repeat` times of different wells.
#[derive(Clone, Debug, Serialize)]
pub struct QueryTiming {
    pub name: &'static str,
    pub points: usize,
    pub median_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
}

/// The loaded history: `days` whole UTC days ending at today's midnight.
struct History {
    wells: Vec<WellId>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    period: TimeDelta,
}

impl History {
    fn new(args: &BenchQueryArgs) -> anyhow::Result<History> {
        let wells = (0..args.wells).map(|i| WellId::new(&format!("QUERY-{i:04}"))).collect::<Result<_, _>>()?;
        let end = Utc::now().duration_trunc(TimeDelta::days(1))?;
        let start = end - TimeDelta::days(i64::from(args.days));
        let period = TimeDelta::from_std(args.period)?;
        anyhow::ensure!(period >= TimeDelta::seconds(1), "--period must be at least 1s");
        Ok(History { wells, start, end, period })
    }

    fn periods(&self) -> u64 {
        ((self.end - self.start).num_milliseconds() / self.period.num_milliseconds()) as u64
    }

    fn samples(&self) -> u64 {
        self.periods() * self.wells.len() as u64
    }

    /// Sample `n` in time order: every well at one period, then the next period.
    fn sample(&self, n: u64) -> Sample {
        let wells = self.wells.len() as u64;
        let (period, well) = (n / wells, (n % wells) as usize);
        let at = self.start + self.period * period as i32 + TimeDelta::milliseconds(well as i64);
        running_sample(self.wells[well].clone(), at, n)
    }
}

/// Runs the benchmark and prints its figures.
pub async fn run(args: &BenchQueryArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.wells > 0 && args.days > 0 && args.repeat > 0, "--wells, --days and --repeat must be > 0");
    let store = crate::store::open(&args.url).await.context("opening the store")?;
    let history = History::new(args)?;
    let load_samples_per_s = load(store.as_ref(), &history).await?;
    let mut queries = Vec::new();
    for resolution_query in [day_at_minutes as QueryOf, month_at_hours, hour_raw] {
        queries.push(time_query(store.as_ref(), &history, args.repeat, resolution_query).await?);
    }
    let figures = QueryFigures {
        backend: args.url.split(':').next().unwrap_or_default().to_owned(),
        wells: args.wells,
        days: args.days,
        period_s: args.period.as_secs(),
        samples: history.samples(),
        load_samples_per_s,
        queries,
    };
    if args.json {
        println!("{}", serde_json::to_string(&figures)?);
    } else {
        print_figures(&figures);
    }
    Ok(())
}

/// Loads the history unless an earlier run with the same shape did; returns the load rate.
async fn load(store: &dyn Store, history: &History) -> anyhow::Result<Option<f64>> {
    let stored = store.count_samples(None).await.context("counting stored samples")?;
    let wanted = history.samples();
    if stored == wanted {
        eprintln!("reusing the {stored} samples an earlier run loaded");
        return Ok(None);
    }
    anyhow::ensure!(
        stored == 0,
        "the store holds {stored} samples, not 0 or the {wanted} this shape loads: use an empty store"
    );
    eprintln!("loading {wanted} samples ...");
    let began = Instant::now();
    let mut next = 0;
    while next < wanted {
        let end = (next + LOAD_BATCH as u64).min(wanted);
        let batch: Vec<Sample> = (next..end).map(|n| history.sample(n)).collect();
        store.write_samples(&batch).await.with_context(|| format!("loading samples {next}..{end}"))?;
        next = end;
        if next % 1_000_000 < LOAD_BATCH as u64 {
            eprintln!("  {next} / {wanted}");
        }
    }
    Ok(Some(wanted as f64 / began.elapsed().as_secs_f64()))
}

/// The query of one kind for the `i`th repetition: its name, and how to ask it.
type QueryOf = fn(&History, usize) -> (&'static str, Ask);

enum Ask {
    Rollup(RollupQuery),
    Raw(TelemetryQuery),
}

fn well(history: &History, i: usize) -> WellId {
    history.wells[(i * 7) % history.wells.len()].clone()
}

fn day_at_minutes(history: &History, i: usize) -> (&'static str, Ask) {
    let (from, to) = (history.end - TimeDelta::hours(24), history.end);
    let query = RollupQuery {
        well_id: well(history, i),
        from,
        to,
        params: Vec::new(),
        resolution: Resolution::Minute,
        limit: QUERY_LIMIT,
    };
    ("one well, 24 h at 1 min, all parameters", Ask::Rollup(query))
}

fn month_at_hours(history: &History, i: usize) -> (&'static str, Ask) {
    let query = RollupQuery {
        well_id: well(history, i),
        from: history.start,
        to: history.end,
        params: Vec::new(),
        resolution: Resolution::Hour,
        limit: QUERY_LIMIT,
    };
    ("one well, whole history at 1 h, all parameters", Ask::Rollup(query))
}

fn hour_raw(history: &History, i: usize) -> (&'static str, Ask) {
    let query = TelemetryQuery {
        well_id: well(history, i),
        from: history.end - TimeDelta::hours(1),
        to: history.end,
        params: Vec::new(),
        limit: QUERY_LIMIT,
    };
    ("one well, 1 h raw, all parameters", Ask::Raw(query))
}

/// Asks one kind of query `repeat` times, of different wells; every answer must hold the same
/// number of points, and at least one.
async fn time_query(
    store: &dyn Store,
    history: &History,
    repeat: usize,
    query_of: QueryOf,
) -> anyhow::Result<QueryTiming> {
    let mut times = Vec::with_capacity(repeat);
    let mut points = None;
    let mut name = "";
    for i in 0..repeat {
        let (query_name, ask) = query_of(history, i);
        name = query_name;
        let began = Instant::now();
        let answered = match &ask {
            Ask::Rollup(query) => store.read_rollups(query).await.map(|p| p.len()),
            Ask::Raw(query) => store.read_telemetry(query).await.map(|s| s.len()),
        }
        .with_context(|| format!("asking {name}"))?;
        times.push(began.elapsed());
        anyhow::ensure!(answered > 0, "{name}: no points; is the store loaded?");
        anyhow::ensure!(points.is_none_or(|p| p == answered), "{name}: {answered} points, earlier {points:?}");
        points = Some(answered);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    Ok(QueryTiming {
        name,
        points: points.unwrap_or_default(),
        median_ms: ms(times[times.len() / 2]),
        p95_ms: ms(times[(times.len() * 95 / 100).min(times.len() - 1)]),
        max_ms: ms(times[times.len() - 1]),
    })
}

fn print_figures(f: &QueryFigures) {
    println!(
        "store queries: {} ({} wells, {} days at {} s: {} samples)",
        f.backend, f.wells, f.days, f.period_s, f.samples
    );
    if let Some(rate) = f.load_samples_per_s {
        println!("  load                                      {rate:.0} samples/s");
    }
    for q in &f.queries {
        println!(
            "  {:<42} {:>5} points   median {:>8.2} ms   p95 {:>8.2} ms   max {:>8.2} ms",
            q.name, q.points, q.median_ms, q.p95_ms, q.max_ms
        );
    }
}
