//! `wellvisor bench store`: how fast the historian ingests telemetry. Generated samples, each a
//! full canonical parameter set, are written through the `Store` trait the recorder uses, in
//! the recorder's batch size, by one writer as the recorder is; only the writes are timed.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::Serialize;
use wellvisor_actors::domain::{Parameter, RunState, Sample, TripCode, WellId};
use wellvisor_actors::store::Store;

use crate::cli::BenchStoreArgs;

/// The figures `bench store` prints.
#[derive(Clone, Debug, Serialize)]
pub struct StoreFigures {
    /// The backend, from the URL's scheme (the URL itself may carry a password).
    pub backend: String,
    pub samples: u64,
    pub wells: usize,
    pub batch: usize,
    /// Values per sample: every canonical parameter.
    pub values_per_sample: usize,
    /// Time spent in the writes alone.
    pub write_s: f64,
    pub samples_per_s: f64,
    pub values_per_s: f64,
    /// Mean time of one batch write.
    pub ms_per_batch: f64,
    /// Samples the store counts afterwards: the run's own, on an empty store.
    pub stored: u64,
}

/// Runs the benchmark and prints its figures.
pub async fn run(args: &BenchStoreArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.samples > 0 && args.wells > 0 && args.batch > 0, "--samples, --wells and --batch must be > 0");
    let store = crate::store::open(&args.url).await.context("opening the store")?;
    let before = store.count_samples(None).await.context("counting stored samples")?;
    let write = ingest(store.as_ref(), args).await?;
    let stored = store.count_samples(None).await.context("counting stored samples")? - before;
    anyhow::ensure!(stored == args.samples, "wrote {} samples but the store gained {stored}", args.samples);
    let secs = write.as_secs_f64();
    let batches = args.samples.div_ceil(args.batch as u64);
    let figures = StoreFigures {
        backend: args.url.split(':').next().unwrap_or_default().to_owned(),
        samples: args.samples,
        wells: args.wells,
        batch: args.batch,
        values_per_sample: Parameter::COUNT,
        write_s: secs,
        samples_per_s: args.samples as f64 / secs,
        values_per_s: (args.samples * Parameter::COUNT as u64) as f64 / secs,
        ms_per_batch: secs * 1e3 / batches as f64,
        stored,
    };
    if args.json {
        println!("{}", serde_json::to_string(&figures)?);
    } else {
        print_figures(&figures);
    }
    Ok(())
}

/// Writes `args.samples` samples batch by batch; returns the time spent writing. Samples go
/// round the wells one period at a time, as a fleet polled once a second produces them, and
/// end at the current second so they fall in partitions a live store has.
async fn ingest(store: &dyn Store, args: &BenchStoreArgs) -> anyhow::Result<Duration> {
    let wells: Vec<WellId> =
        (0..args.wells).map(|i| WellId::new(&format!("BENCH-{i:05}"))).collect::<Result<_, _>>()?;
    let periods = args.samples.div_ceil(args.wells as u64);
    let now = Utc::now().duration_trunc(TimeDelta::seconds(1)).unwrap_or_else(|_| Utc::now());
    let start = now - TimeDelta::seconds(i64::try_from(periods).unwrap_or(i64::MAX));
    let mut written = Duration::ZERO;
    let mut next = 0u64;
    while next < args.samples {
        let end = (next + args.batch as u64).min(args.samples);
        let batch: Vec<Sample> = (next..end).map(|n| generated(&wells, start, n)).collect();
        let began = Instant::now();
        store.write_samples(&batch).await.with_context(|| format!("writing samples {next}..{end}"))?;
        written += began.elapsed();
        next = end;
    }
    Ok(written)
}

/// The `n`th sample: well `n mod wells` at period `n / wells`, every parameter present and
/// varying, as a running ESP reports them.
fn generated(wells: &[WellId], start: DateTime<Utc>, n: u64) -> Sample {
    let well = (n % wells.len() as u64) as usize;
    let period = n / wells.len() as u64;
    let at = start + TimeDelta::seconds(period as i64) + TimeDelta::milliseconds((well % 1000) as i64);
    running_sample(wells[well].clone(), at, n)
}

/// A sample of a running ESP at `at` with every canonical parameter; `n` varies the values.
pub(super) fn running_sample(well_id: WellId, at: DateTime<Utc>, n: u64) -> Sample {
    let mut sample = Sample::new(well_id, at);
    let wobble = ((n % 97) as f64 - 48.0) / 480.0;
    for (i, parameter) in Parameter::ALL.iter().enumerate() {
        let value = match parameter {
            Parameter::RunState => 2.0,
            Parameter::TripCode => 0.0,
            Parameter::StartsCount => 12.0,
            _ => 10.0 * (i + 1) as f64 * (1.0 + wobble),
        };
        sample.values.set(*parameter, value);
    }
    sample.run_state = Some(RunState::Running);
    sample.trip_code = Some(TripCode::None);
    sample
}

fn print_figures(f: &StoreFigures) {
    println!("store ingest: {} ({} wells, batches of {})", f.backend, f.wells, f.batch);
    println!("  samples written        {}", f.samples);
    println!("  values per sample      {}", f.values_per_sample);
    println!("  time writing           {:.2} s", f.write_s);
    println!("  samples/s              {:.0}", f.samples_per_s);
    println!("  values/s               {:.0}", f.values_per_s);
    println!("  per batch              {:.2} ms", f.ms_per_batch);
    println!("  stored (checked)       {}", f.stored);
}
