//! `wellvisor bench diagnostics`: the CPU cost of diagnostics per sample. Simulated wells are
//! stepped through simulated time in-process, one poll period at a time, through the same
//! engine and alarm book the well actors use; only the diagnostics step is timed.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde::Serialize;
use wellvisor_actors::diagnostics::book::AlarmBook;
use wellvisor_actors::diagnostics::{Poll, Thresholds};
use wellvisor_actors::domain::{ConnectionState, Sample, WellData, WellId};
use wellvisor_actors::well::WellDiagnostics;

use super::rss_kib;
use crate::cli::BenchDiagnosticsArgs;
use crate::sim::physics::DEFAULT_RESTART_DELAY;
use crate::sim::{ProcessCondition, ProcessEvent, WellModel};

/// The figures `bench diagnostics` prints.
#[derive(Clone, Debug, Serialize)]
pub struct DiagnosticsFigures {
    pub wells: usize,
    pub period_s: f64,
    /// Simulated time before the measured hour (the baselines learn in it).
    pub warm_up_h: f64,
    pub samples_measured: u64,
    /// Mean time of one diagnostics step (engine, alarm book, records), single thread.
    pub us_per_sample: f64,
    /// Wells with a process fault during the measured hour, so rules do their full work.
    pub faulted_wells: usize,
    pub alarms_raised: usize,
    pub rss_kib_per_well: f64,
}

struct BenchWell {
    id: WellId,
    model: WellModel,
    diagnostics: WellDiagnostics,
}

/// Runs the benchmark and prints its figures.
pub fn run(args: &BenchDiagnosticsArgs) -> anyhow::Result<()> {
    let figures = measure(args);
    if args.json {
        println!("{}", serde_json::to_string(&figures)?);
    } else {
        print_figures(&figures);
    }
    Ok(())
}

fn measure(args: &BenchDiagnosticsArgs) -> DiagnosticsFigures {
    let start = epoch();
    let book = AlarmBook::new(start);
    let rss_before = rss_kib();
    let mut wells: Vec<BenchWell> = (0..args.wells).map(|index| bench_well(index, &book)).collect();
    let period = args.period;
    let warm_up = Duration::from_secs(2 * 3600 + 600);
    let mut t = Duration::ZERO;
    while t < warm_up {
        t += period;
        step(&mut wells, t, &book);
    }
    // A tenth of the wells develop a fault each, so rules that hold do their full work too.
    let faults = &ProcessCondition::ALL[1..];
    let faulted = args.wells / 10;
    for (index, well) in wells.iter_mut().take(faulted).enumerate() {
        well.model.apply(ProcessEvent::Condition(faults[index % faults.len()]), t);
    }
    let (mut spent, mut samples) = (Duration::ZERO, 0u64);
    let end = t + Duration::from_secs(3600);
    while t < end {
        t += period;
        spent += step(&mut wells, t, &book);
        samples += wells.len() as u64;
    }
    let rss_per_well = (rss_kib().saturating_sub(rss_before)) as f64 / args.wells.max(1) as f64;
    DiagnosticsFigures {
        wells: args.wells,
        period_s: period.as_secs_f64(),
        warm_up_h: warm_up.as_secs_f64() / 3600.0,
        samples_measured: samples,
        us_per_sample: spent.as_secs_f64() * 1e6 / samples.max(1) as f64,
        faulted_wells: faulted,
        alarms_raised: book.list(&Default::default()).len(),
        rss_kib_per_well: rss_per_well,
    }
}

fn bench_well(index: usize, book: &AlarmBook) -> BenchWell {
    let id = WellId::new(&format!("W-{:05}", index + 1)).unwrap_or_else(|_| unreachable_id());
    let data = WellData { feeder_id: Some(format!("F-{}", index / 50)), ..WellData::default() };
    book.register_well(id.clone(), data.feeder_id.clone(), None, epoch());
    let model = WellModel::for_well(7, index, &data, DEFAULT_RESTART_DELAY);
    let diagnostics = WellDiagnostics::new(id.clone(), data, Thresholds::default(), Default::default(), book);
    BenchWell { id, model, diagnostics }
}

fn unreachable_id() -> WellId {
    // "W-" and digits always make a valid id; keep the bench total anyway.
    WellId::new("W-0").unwrap_or_else(|error| panic!("{error}"))
}

/// Polls every well once at `t`; returns the time spent in diagnostics.
fn step(wells: &mut [BenchWell], t: Duration, book: &AlarmBook) -> Duration {
    let at = epoch() + TimeDelta::from_std(t).unwrap_or_default();
    let mut spent = Duration::ZERO;
    for well in wells.iter_mut() {
        let reading = well.model.observe(t);
        let mut sample = Sample::new(well.id.clone(), at);
        sample.values = reading.values;
        sample.run_state = Some(reading.run_state);
        sample.trip_code = Some(reading.trip_code);
        let began = Instant::now();
        let poll = Poll { at, connection: ConnectionState::Online, sample: Some(&sample) };
        let step = well.diagnostics.observe(poll, book);
        spent += began.elapsed();
        drop(step);
    }
    book.tick(at);
    spent
}

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).single().unwrap_or_default()
}

fn print_figures(figures: &DiagnosticsFigures) {
    println!("{:<36} {}", "wells", figures.wells);
    println!("{:<36} {} s", "poll period (simulated)", figures.period_s);
    println!("{:<36} {:.2} h", "warm-up (simulated)", figures.warm_up_h);
    println!("{:<36} {}", "samples measured", figures.samples_measured);
    println!("{:<36} {:.2} µs", "diagnostics CPU per sample", figures.us_per_sample);
    println!("{:<36} {}", "wells with a process fault", figures.faulted_wells);
    println!("{:<36} {}", "alarms shown at the end", figures.alarms_raised);
    println!("{:<36} {:.1} KiB", "RSS per well (diagnostics + model)", figures.rss_kib_per_well);
}
