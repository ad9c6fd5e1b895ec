//! Incremental roll-ups, backend-neutral: how samples are summarised in memory per
//! (well, bucket), how those summaries merge, and how they become the points a read returns.
//! Each SQL backend keeps the summaries of recent batches in memory ([`write_behind`]) and
//! merges them into its roll-up tables in one flush; history is rescanned only to repair
//! buckets a crash left unflushed ([`recovery`]).
//!
//! # Tables (migrations `0003_rollups.sql`, `0004_rollup_watermark.sql`)
//!
//! `telemetry_1m` and `telemetry_1h` ([`table`]), one row per `(well_id, bucket)`, the primary
//! key; `bucket` is the bucket's start (SQLite: epoch milliseconds; PostgreSQL: `timestamptz`).
//! Per rolled-up parameter `p` (every numeric [`Parameter`], named by `as_str`), the columns of
//! [`FIELDS`]: `p_min`, `p_max`, `p_sum`, `p_count`, `p_last`, `p_last_at`. The sum, not the
//! average, is stored so merging stays exact; `p_last_at` (a time, typed as `bucket`) says which
//! value is the latest. `p_count = 0` (min, max, last NULL) means no value in the bucket.
//! `rollup_watermark` holds the highest raw-row sequence whose values the tables hold.
//!
//! Retention prunes a resolution with `DELETE FROM telemetry_1m WHERE bucket < cutoff`, after
//! a flush. Raw samples brought back from an archive go through the backends' `write_raw`,
//! which leaves roll-ups alone: their values were counted when they first arrived.

mod held;
pub(crate) mod recovery;
pub(crate) mod write_behind;

use std::collections::{BTreeMap, HashMap};

use chrono::DateTime;
use wellvisor_actors::domain::{Parameter, Sample, WellId};
use wellvisor_actors::store::{rolled_up, Aggregate, Resolution, RollupPoint, RollupQuery};

/// A roll-up column's suffix, after the parameter's name and `_`, in column order.
pub(crate) const FIELDS: [&str; 6] = ["min", "max", "sum", "count", "last", "last_at"];

/// The roll-up table of `resolution`.
pub(crate) fn table(resolution: Resolution) -> &'static str {
    match resolution {
        Resolution::Minute => "telemetry_1m",
        Resolution::Hour => "telemetry_1h",
    }
}

/// Every roll-up column after the key, in [`FIELDS`] order within each parameter.
pub(crate) fn columns() -> impl Iterator<Item = String> {
    rolled_up().flat_map(|p| FIELDS.iter().map(move |field| format!("{}_{field}", p.as_str())))
}

/// One parameter's values over part of a bucket. Empty (`count == 0`) until a value arrives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Accumulator {
    pub min: f64,
    pub max: f64,
    pub sum: f64,
    pub count: u64,
    /// The value at the latest `last_at`; of equal times, the one added last.
    pub last: f64,
    /// Epoch milliseconds, the stores' time resolution.
    pub last_at: i64,
}

impl Default for Accumulator {
    fn default() -> Self {
        Self { min: f64::INFINITY, max: f64::NEG_INFINITY, sum: 0.0, count: 0, last: f64::NAN, last_at: i64::MIN }
    }
}

impl Accumulator {
    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Takes in one value; `at_millis` equal to the latest so far counts as later.
    pub(crate) fn add(&mut self, value: f64, at_millis: i64) {
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        self.sum += value;
        self.count += 1;
        if at_millis >= self.last_at {
            (self.last, self.last_at) = (value, at_millis);
        }
    }

    /// Takes in what a later batch brought, as the SQL upserts do: min of mins, max of maxes,
    /// sums and counts added, and the later batch's `last` on equal times.
    pub(crate) fn merge(&mut self, later: &Accumulator) {
        if later.is_empty() {
            return;
        }
        self.min = self.min.min(later.min);
        self.max = self.max.max(later.max);
        self.sum += later.sum;
        self.count += later.count;
        if later.last_at >= self.last_at {
            (self.last, self.last_at) = (later.last, later.last_at);
        }
    }

    /// What a read reports; `None` when the bucket held no value.
    fn aggregate(&self) -> Option<Aggregate> {
        let count = self.count;
        (count > 0).then(|| Aggregate {
            min: self.min,
            max: self.max,
            avg: self.sum / count as f64,
            last: self.last,
            count,
        })
    }
}

/// One accumulator per parameter slot (the code slots stay empty): a bucket's summary.
pub(crate) type Slots = [Accumulator; Parameter::COUNT];

/// Merges `later` into `into`, slot by slot.
pub(crate) fn merge_slots(into: &mut Slots, later: &Slots) {
    into.iter_mut().zip(later).for_each(|(into, later)| into.merge(later));
}

/// The points of `query` from bucket summaries keyed by bucket start (epoch ms), oldest first:
/// the wanted parameters that had values, buckets with none of them left out, at most `limit`.
pub(crate) fn points(buckets: &BTreeMap<i64, Slots>, query: &RollupQuery) -> Vec<RollupPoint> {
    let wanted = query.wanted();
    let mut points = Vec::new();
    for (&bucket, slots) in buckets {
        if points.len() >= query.limit {
            break;
        }
        let values: BTreeMap<Parameter, Aggregate> =
            wanted.iter().filter_map(|&p| slots[p.index()].aggregate().map(|a| (p, a))).collect();
        if let (false, Some(at)) = (values.is_empty(), DateTime::from_timestamp_millis(bucket)) {
            points.push(RollupPoint { at, values });
        }
    }
    points
}

/// What one batch brings to one bucket of one well.
#[derive(Clone, Debug)]
pub(crate) struct BucketRow<'a> {
    pub well_id: &'a WellId,
    /// The bucket's start, epoch milliseconds.
    pub bucket: i64,
    pub params: Slots,
}

impl BucketRow<'_> {
    pub(crate) fn get(&self, parameter: Parameter) -> &Accumulator {
        &self.params[parameter.index()]
    }
}

/// Summarises `samples` (in write order) per `(well, bucket)` of `resolution`: one row per key
/// however many samples share it, so one upsert statement never meets its key twice. Sorted by
/// well and bucket, so concurrent writers lock rows in the same order. Buckets in which no
/// sample carried a rolled-up value are left out.
pub(crate) fn roll_up(samples: &[Sample], resolution: Resolution) -> Vec<BucketRow<'_>> {
    let mut rows: Vec<BucketRow<'_>> = Vec::new();
    let mut index: HashMap<(&str, i64), usize> = HashMap::new();
    for sample in samples.iter().filter(|s| !s.values.is_empty()) {
        let at = sample.at.timestamp_millis();
        let bucket = resolution.bucket_of(at);
        let slot = *index.entry((sample.well_id.as_str(), bucket)).or_insert_with(|| {
            rows.push(BucketRow {
                well_id: &sample.well_id,
                bucket,
                params: [Accumulator::default(); Parameter::COUNT],
            });
            rows.len() - 1
        });
        for parameter in rolled_up() {
            if let Some(value) = sample.values.get(parameter) {
                rows[slot].params[parameter.index()].add(value, at);
            }
        }
    }
    rows.retain(|row| row.params.iter().any(|a| !a.is_empty()));
    rows.sort_unstable_by(|a, b| (a.well_id, a.bucket).cmp(&(b.well_id, b.bucket)));
    rows
}

#[cfg(test)]
#[path = "rollup_tests.rs"]
mod tests;
