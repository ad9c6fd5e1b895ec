//! The roll-up half of the shared store suite: what `read_rollups` answers after samples arrive
//! in several batches, late and out of order, checked against a computation made here straight
//! from the raw samples. Cases are listed in `store_suite!`; they also run against the engine's
//! `MemoryStore`, whose roll-ups are that reference.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use wellvisor_actors::domain::{Parameter, Sample, WellId};
use wellvisor_actors::store::{Aggregate, Resolution, RollupPoint, RollupQuery, Store};

use super::{full_sample, well};

/// 10:00:00.000 UTC: an hour and a minute boundary.
fn hour() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 10, 0, 0).single().expect("valid date")
}

/// The hour boundary plus `millis`.
pub(super) fn t(millis: i64) -> DateTime<Utc> {
    hour() + Duration::milliseconds(millis)
}

/// A sample carrying only `values`.
fn sparse(well_id: &WellId, at: DateTime<Utc>, values: &[(Parameter, f64)]) -> Sample {
    let mut sample = Sample::new(well_id.clone(), at);
    values.iter().for_each(|(p, v)| sample.values.set(*p, *v));
    sample
}

pub(super) fn query(well_id: &WellId, resolution: Resolution, from: DateTime<Utc>, to: DateTime<Utc>) -> RollupQuery {
    RollupQuery { well_id: well_id.clone(), from, to, params: Vec::new(), resolution, limit: 1_000 }
}

/// Four batches for two wells around 10:00: buckets rolled by one batch receive late,
/// out-of-order and equal-time samples in the next; some samples lack parameters, one carries
/// none and one only a device code.
pub(super) fn batches(a: &WellId, b: &WellId) -> Vec<Vec<Sample>> {
    use Parameter::{CurrentA, Frequency, MotorTemperature};
    vec![
        vec![
            full_sample(a, t(0), 1),
            full_sample(a, t(10_000), 2),
            full_sample(b, t(5_000), 3),
            full_sample(a, t(20_000), 4),
            full_sample(a, t(-1), 5),
        ],
        vec![
            full_sample(a, t(61_000), 6),
            full_sample(a, t(30_000), 7),
            sparse(a, t(15_000), &[(Frequency, -3.25)]),
            full_sample(b, t(59_999), 8),
        ],
        vec![
            sparse(a, t(5_000), &[(Frequency, 70.5), (CurrentA, 0.125)]),
            sparse(a, t(30_000), &[(MotorTemperature, 1e-3)]),
            full_sample(a, t(-30_000), 9),
            Sample::new(a.clone(), t(40_000)),
            sparse(a, t(45_000), &[(Parameter::RunState, 3.0)]),
        ],
        vec![sparse(a, t(3_600_001), &[(Frequency, 58.0)]), full_sample(b, t(-3_600_000), 10)],
    ]
}

/// The expected points, computed from every sample written, in write order.
pub(super) fn direct(written: &[Sample], query: &RollupQuery) -> Vec<RollupPoint> {
    let size = query.resolution.bucket_millis();
    let mut buckets: BTreeMap<i64, Vec<&Sample>> = BTreeMap::new();
    for sample in written.iter().filter(|s| s.well_id == query.well_id) {
        let start = sample.at.timestamp_millis().div_euclid(size) * size;
        if start >= query.from.timestamp_millis() && start < query.to.timestamp_millis() {
            buckets.entry(start).or_default().push(sample);
        }
    }
    let mut points = Vec::new();
    for (start, samples) in buckets {
        let mut values = BTreeMap::new();
        for parameter in query.wanted() {
            let mut carried = samples.iter().filter_map(|s| s.values.get(parameter).map(|v| (s.at, v))).peekable();
            let Some(&(_, first)) = carried.peek() else { continue };
            let mut aggregate = Aggregate { min: first, max: first, avg: 0.0, last: first, count: 0 };
            let mut latest = DateTime::<Utc>::MIN_UTC;
            for (at, value) in carried {
                aggregate.min = aggregate.min.min(value);
                aggregate.max = aggregate.max.max(value);
                aggregate.avg += value;
                aggregate.count += 1;
                if at >= latest {
                    (latest, aggregate.last) = (at, value);
                }
            }
            aggregate.avg /= aggregate.count as f64;
            values.insert(parameter, aggregate);
        }
        if !values.is_empty() {
            let at = DateTime::from_timestamp_millis(start).expect("bucket time");
            points.push(RollupPoint { at, values });
        }
    }
    points.truncate(query.limit);
    points
}

/// Exact but for the average, which depends on the order of the additions.
pub(super) fn assert_same(got: &[RollupPoint], expected: &[RollupPoint], what: &str) {
    let times = |points: &[RollupPoint]| points.iter().map(|p| p.at).collect::<Vec<_>>();
    assert_eq!(times(got), times(expected), "{what}: bucket times");
    for (got, expected) in got.iter().zip(expected) {
        let keys = |point: &RollupPoint| point.values.keys().copied().collect::<Vec<_>>();
        assert_eq!(keys(got), keys(expected), "{what} at {}: parameters", got.at);
        for (parameter, want) in &expected.values {
            let have = got.values[parameter];
            let exact = (have.min, have.max, have.last, have.count) == (want.min, want.max, want.last, want.count);
            let close = (have.avg - want.avg).abs() <= 1e-9 * want.avg.abs().max(1.0);
            assert!(exact && close, "{what} at {}, {parameter}: {have:?} != {want:?}", got.at);
        }
    }
}

/// Asserts that every roll-up of `wells` around 10:00 equals the direct computation.
pub(super) async fn assert_direct(store: &dyn Store, written: &[Sample], wells: &[&WellId], when: &str) {
    for resolution in Resolution::ALL {
        for id in wells {
            let asked = query(id, resolution, t(-7_200_000), t(7_200_000));
            let got = store.read_rollups(&asked).await.expect("read");
            let expected = direct(written, &asked);
            assert_same(&got, &expected, &format!("{when}: {id} at {resolution}"));
        }
    }
}

/// With a write-behind backend, every read here is answered from rows held in memory.
pub(crate) async fn rollups_equal_a_direct_computation_over_the_raw_data(store: Arc<dyn Store>) {
    let (a, b) = (well("W-001"), well("W-002"));
    let mut written = Vec::new();
    for batch in batches(&a, &b) {
        store.write_samples(&batch).await.expect("write");
        written.extend(batch);
    }
    assert_direct(store.as_ref(), &written, &[&a, &b], "after four batches").await;
    let minutes = store.read_rollups(&query(&a, Resolution::Minute, t(-60_000), t(120_000))).await.expect("read");
    assert_eq!(minutes.len(), 3, "09:59, 10:00 and 10:01: {minutes:?}");
    assert_eq!(minutes[1].values[&Parameter::Frequency].count, 6, "10:00 holds six frequencies");
    assert_eq!(minutes[1].values[&Parameter::MotorTemperature].last, 1e-3, "of equal times, the later write");
}

pub(crate) async fn rollups_read_only_the_asked_parameters(store: Arc<dyn Store>) {
    let (a, b) = (well("W-001"), well("W-002"));
    let written: Vec<Sample> = batches(&a, &b).concat();
    store.write_samples(&written).await.expect("write");
    let mut asked = query(&a, Resolution::Minute, t(-7_200_000), t(7_200_000));
    asked.params = vec![Parameter::MotorTemperature, Parameter::RunState, Parameter::MotorTemperature];
    let got = store.read_rollups(&asked).await.expect("read");
    assert!(got.iter().all(|p| p.values.keys().eq([&Parameter::MotorTemperature])), "{got:?}");
    assert_same(&got, &direct(&written, &asked), "motor temperature");
    asked.params = vec![Parameter::TripCode];
    assert_eq!(store.read_rollups(&asked).await.expect("read codes"), vec![], "codes are not rolled up");
}

pub(crate) async fn rollup_limits_return_the_oldest_buckets_first(store: Arc<dyn Store>) {
    let a = well("W-001");
    let written: Vec<Sample> = (0..10).rev().map(|m| full_sample(&a, t(m * 60_000 + 7), m as u32)).collect();
    store.write_samples(&written).await.expect("write");
    let mut asked = query(&a, Resolution::Minute, t(0), t(3_600_000));
    asked.limit = 3;
    let got = store.read_rollups(&asked).await.expect("read");
    assert_eq!(got.iter().map(|p| p.at).collect::<Vec<_>>(), vec![t(0), t(60_000), t(120_000)]);
    assert_same(&got, &direct(&written, &asked), "the first three minutes");
    asked.limit = 0;
    assert_eq!(store.read_rollups(&asked).await.expect("read"), vec![]);
}

pub(crate) async fn rollup_ranges_hold_the_buckets_that_start_in_them(store: Arc<dyn Store>) {
    let a = well("W-001");
    store.write_samples(&[full_sample(&a, t(90_000), 1), full_sample(&a, t(150_000), 2)]).await.expect("write");
    let read = |from, to| {
        let asked = query(&a, Resolution::Minute, from, to);
        let store = store.clone();
        async move { store.read_rollups(&asked).await.expect("read").iter().map(|p| p.at).collect::<Vec<_>>() }
    };
    assert_eq!(read(t(60_000), t(120_000)).await, vec![t(60_000)], "from is inclusive");
    assert_eq!(read(t(60_001), t(120_001)).await, vec![t(120_000)], "a bucket starting before from is left out");
    let none: Vec<DateTime<Utc>> = Vec::new();
    assert_eq!(read(t(0), t(60_000)).await, none, "to is exclusive");
    assert_eq!(read(t(3_600_000), t(7_200_000)).await, none, "an empty range");
    let other = query(&well("W-404"), Resolution::Hour, t(-3_600_000), t(3_600_000));
    assert_eq!(store.read_rollups(&other).await.expect("read"), vec![], "a well without samples");
}

/// The roll-up cases against the engine's in-memory test store: its reference computation
/// must agree with the one here.
mod memory_store {
    use std::sync::Arc;

    use wellvisor_actors::store::Store;
    use wellvisor_actors::testing::MemoryStore;

    async fn fresh_store() -> (Arc<dyn Store>, ()) {
        (Arc::new(MemoryStore::default()), ())
    }

    crate::store::suite::store_suite!(rollups fresh_store);
}
