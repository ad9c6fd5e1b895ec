//! The batch roll-up's contracts: one row per key, sorted; merging the roll-ups of consecutive
//! batches gives what rolling up all of them at once gives, and so does holding them (folding
//! samples in one by one, some holds absorbed into others); and that agrees with the reference
//! computed straight from the samples.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;
use wellvisor_actors::store::{Aggregate, RollupQuery};
use wellvisor_actors::testing::rollups_of;

use super::*;

const PARAMS: [Parameter; 3] = [Parameter::CurrentA, Parameter::Frequency, Parameter::StartsCount];

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 23, 58, 0).single().expect("valid time")
}

fn sample(well: usize, second: i64, values: &[Option<f64>]) -> Sample {
    let id = WellId::new(&format!("W-{well}")).expect("valid id");
    let mut sample = Sample::new(id, base() + TimeDelta::seconds(second));
    for (parameter, value) in PARAMS.iter().zip(values) {
        value.iter().for_each(|v| sample.values.set(*parameter, *v));
    }
    sample
}

/// Samples of three wells over four minutes (two hours), with ties in time and gaps in values.
fn samples() -> impl Strategy<Value = Vec<Sample>> {
    let value = proptest::option::weighted(0.7, -1e4..1e4f64);
    let one = (0..3usize, 0..240i64, proptest::collection::vec(value, PARAMS.len()));
    proptest::collection::vec(one.prop_map(|(well, second, values)| sample(well, second, &values)), 0..60)
}

type Merged = BTreeMap<(WellId, i64), [Accumulator; Parameter::COUNT]>;

fn merge_batches(batches: &[&[Sample]], resolution: Resolution) -> Merged {
    let mut merged = Merged::new();
    for batch in batches {
        for row in roll_up(batch, resolution) {
            let key = (row.well_id.clone(), row.bucket);
            let slots = merged.entry(key).or_insert([Accumulator::default(); Parameter::COUNT]);
            merge_slots(slots, &row.params);
        }
    }
    merged
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

fn same(a: &Accumulator, b: &Accumulator) -> bool {
    let exact = (a.count, a.min, a.max, a.last_at) == (b.count, b.min, b.max, b.last_at);
    exact && close(a.sum, b.sum) && (a.is_empty() || a.last == b.last)
}

fn aggregate(a: &Accumulator) -> Aggregate {
    Aggregate { min: a.min, max: a.max, avg: a.sum / a.count as f64, last: a.last, count: a.count }
}

proptest! {
    #[test]
    fn merging_the_roll_ups_of_consecutive_batches_equals_rolling_up_the_whole(
        samples in samples(),
        cuts in proptest::collection::vec(0..60usize, 0..4),
    ) {
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(samples.len())).collect();
        cuts.sort_unstable();
        let mut batches: Vec<&[Sample]> = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([samples.len()]) {
            batches.push(&samples[start..cut]);
            start = cut;
        }
        for resolution in Resolution::ALL {
            let whole = merge_batches(&[&samples], resolution);
            let split = merge_batches(&batches, resolution);
            prop_assert_eq!(whole.keys().collect::<Vec<_>>(), split.keys().collect::<Vec<_>>());
            for (key, slots) in &whole {
                for (a, b) in slots.iter().zip(split[key].iter()) {
                    prop_assert!(same(a, b), "{key:?} at {resolution}: {a:?} != {b:?}");
                }
            }
        }
    }

    #[test]
    fn holding_batches_equals_rolling_up_the_whole(samples in samples(), cut in 0..60usize) {
        let cut = cut.min(samples.len());
        let mut held = super::held::Held::default();
        held.add(&samples[..cut]);
        let mut later = super::held::Held::default();
        later.add(&samples[cut..]);
        held.absorb(&later);
        for resolution in Resolution::ALL {
            let whole = roll_up(&samples, resolution);
            let rows = held.rows_of(resolution);
            let keys = |rows: &[BucketRow<'_>]| rows.iter().map(|r| (r.well_id.clone(), r.bucket)).collect::<Vec<_>>();
            prop_assert_eq!(keys(&rows), keys(&whole));
            for (a, b) in rows.iter().zip(&whole) {
                for (x, y) in a.params.iter().zip(b.params.iter()) {
                    prop_assert!(same(x, y), "{:?} at {resolution}: {x:?} != {y:?}", (a.well_id, a.bucket));
                }
            }
        }
        let both: usize = Resolution::ALL.iter().map(|r| roll_up(&samples, *r).len()).sum();
        prop_assert_eq!(held.rows(), both);
    }

    #[test]
    fn a_batch_roll_up_agrees_with_the_reference(samples in samples(), well in 0..3usize) {
        let well_id = WellId::new(&format!("W-{well}")).expect("valid id");
        for resolution in Resolution::ALL {
            let query = RollupQuery {
                well_id: well_id.clone(),
                from: base() - TimeDelta::hours(1),
                to: base() + TimeDelta::hours(2),
                params: Vec::new(),
                resolution,
                limit: 1_000,
            };
            let expected = rollups_of(&samples, &query);
            let rows: Vec<BucketRow<'_>> =
                roll_up(&samples, resolution).into_iter().filter(|row| *row.well_id == well_id).collect();
            prop_assert_eq!(rows.len(), expected.len());
            for (row, point) in rows.iter().zip(&expected) {
                prop_assert_eq!(row.bucket, point.at.timestamp_millis());
                for parameter in rolled_up() {
                    let got = Some(row.get(parameter)).filter(|a| !a.is_empty()).map(aggregate);
                    let want = point.values.get(&parameter).copied();
                    let agree = match (got, want) {
                        (Some(g), Some(w)) => (g.min, g.max, g.last, g.count) == (w.min, w.max, w.last, w.count)
                            && close(g.avg, w.avg),
                        (None, None) => true,
                        _ => false,
                    };
                    prop_assert!(agree, "{parameter} at {}: {got:?} != {want:?}", point.at);
                }
            }
        }
    }
}

#[test]
fn one_row_per_well_and_bucket_sorted_without_empty_buckets() {
    let samples = [
        sample(2, 5, &[Some(1.0), None, None]),
        sample(1, 70, &[None, Some(50.0), None]),
        sample(1, 130, &[None, Some(49.0), None]),
        sample(1, 10, &[None, Some(52.0), Some(3.0)]),
        sample(1, 20, &[None, None, None]),
        sample(2, 6, &[Some(2.0), None, None]),
        sample(0, 30, &[None, None, None]),
    ];
    let rows = roll_up(&samples, Resolution::Minute);
    let keys: Vec<(&str, i64)> =
        rows.iter().map(|r| (r.well_id.as_str(), (r.bucket - rows[0].bucket) / 60_000)).collect();
    assert_eq!(keys, vec![("W-1", 0), ("W-1", 1), ("W-1", 2), ("W-2", 0)]);
    let first = rows[0].get(Parameter::Frequency);
    assert_eq!((first.count, first.last), (1, 52.0));
    let current = rows[3].get(Parameter::CurrentA);
    assert_eq!((current.min, current.max, current.sum, current.count, current.last), (1.0, 2.0, 3.0, 2, 2.0));
    assert_eq!(roll_up(&samples, Resolution::Hour).len(), 3, "23:58 and 23:59 share an hour; 00:02 is the next");
}

#[test]
fn of_equal_times_the_later_write_is_last() {
    let (first, second) = (sample(1, 5, &[Some(1.0), None, None]), sample(1, 5, &[Some(2.0), None, None]));
    let both = [first.clone(), second.clone()];
    let together = roll_up(&both, Resolution::Minute);
    assert_eq!(together[0].get(Parameter::CurrentA).last, 2.0);
    let mut merged = *roll_up(std::slice::from_ref(&first), Resolution::Minute)[0].get(Parameter::CurrentA);
    merged.merge(roll_up(std::slice::from_ref(&second), Resolution::Minute)[0].get(Parameter::CurrentA));
    assert_eq!(merged.last, 2.0);
}

#[test]
fn every_parameter_has_one_column_per_field() {
    let columns: Vec<String> = columns().collect();
    assert_eq!(columns.len(), (Parameter::COUNT - 2) * FIELDS.len());
    assert_eq!(&columns[..2], ["current_a_min", "current_a_max"]);
    assert_eq!(columns.last().map(String::as_str), Some("starts_count_last_at"));
}
