//! [`Held`]: the bucket summaries a write-behind store keeps in memory between flushes, per
//! resolution, well and bucket. Samples are folded in one by one, in write order, so a held
//! row is what merging the batches' roll-ups would give (`rollup_tests` proves that equality)
//! without building them first: ingest pays one map lookup per sample and resolution.

use std::collections::BTreeMap;

use wellvisor_actors::domain::{Parameter, Sample, WellId};
use wellvisor_actors::store::{rolled_up, Resolution, RollupQuery};

use super::recovery::{Touched, TouchedHour};
use super::{merge_slots, Accumulator, BucketRow, Slots};

/// One resolution's summaries: by well, then by bucket start (epoch ms). Sorted, so a flush
/// writes rows in key order and concurrent writers lock them in the same order.
type Buckets = BTreeMap<WellId, BTreeMap<i64, Slots>>;

/// Bucket summaries of both resolutions. Every held row has at least one value.
#[derive(Clone, Debug, Default)]
pub(crate) struct Held {
    by_resolution: [Buckets; 2],
    rows: usize,
}

fn slot(resolution: Resolution) -> usize {
    match resolution {
        Resolution::Minute => 0,
        Resolution::Hour => 1,
    }
}

impl Held {
    /// Rows held, both resolutions.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Takes in a batch written after everything held. Samples without a rolled-up value
    /// (none, or device codes only) bring no row.
    pub(crate) fn add(&mut self, samples: &[Sample]) {
        for sample in samples {
            if !rolled_up().any(|p| sample.values.get(p).is_some()) {
                continue;
            }
            let at = sample.at.timestamp_millis();
            for resolution in Resolution::ALL {
                self.update(resolution, &sample.well_id, resolution.bucket_of(at), |slots| {
                    for parameter in rolled_up() {
                        if let Some(value) = sample.values.get(parameter) {
                            slots[parameter.index()].add(value, at);
                        }
                    }
                });
            }
        }
    }

    /// Applies `change` to the summary of one bucket, made empty when new.
    fn update(&mut self, resolution: Resolution, well_id: &WellId, bucket: i64, change: impl FnOnce(&mut Slots)) {
        let wells = &mut self.by_resolution[slot(resolution)];
        let rows = &mut self.rows;
        let summary = |buckets: &mut BTreeMap<i64, Slots>| {
            change(buckets.entry(bucket).or_insert_with(|| {
                *rows += 1;
                [Accumulator::default(); Parameter::COUNT]
            }))
        };
        // Looked up first, so the common case clones no id.
        match wells.get_mut(well_id) {
            Some(buckets) => summary(buckets),
            None => summary(wells.entry(well_id.clone()).or_default()),
        }
    }

    /// Takes in `later`, held after everything in `self`.
    pub(crate) fn absorb(&mut self, later: &Held) {
        for resolution in Resolution::ALL {
            for (well_id, buckets) in &later.by_resolution[slot(resolution)] {
                for (bucket, summary) in buckets {
                    self.update(resolution, well_id, *bucket, |into| merge_slots(into, summary));
                }
            }
        }
    }

    /// The held rows of `resolution`, sorted by well and bucket.
    pub(crate) fn rows_of(&self, resolution: Resolution) -> Vec<BucketRow<'_>> {
        let wells = self.by_resolution[slot(resolution)].iter();
        let rows = wells.flat_map(|(well_id, buckets)| {
            buckets.iter().map(move |(bucket, params)| BucketRow { well_id, bucket: *bucket, params: *params })
        });
        rows.collect()
    }

    /// The held buckets as hours to recount, each with its minutes.
    pub(crate) fn touched(&self) -> Vec<TouchedHour> {
        let mut touched = Touched::new(0);
        for (well_id, minutes) in &self.by_resolution[slot(Resolution::Minute)] {
            minutes.keys().for_each(|minute| touched.insert(well_id.clone(), *minute));
        }
        touched.hours()
    }

    /// Merges into `buckets` the held rows `query` asks for.
    pub(crate) fn overlay(&self, query: &RollupQuery, buckets: &mut BTreeMap<i64, Slots>) {
        let (from, to) = (query.from.timestamp_millis(), query.to.timestamp_millis());
        let Some(held) = self.by_resolution[slot(query.resolution)].get(&query.well_id) else { return };
        if from >= to {
            return;
        }
        for (bucket, summary) in held.range(from..to) {
            match buckets.get_mut(bucket) {
                Some(into) => merge_slots(into, summary),
                None => {
                    buckets.insert(*bucket, *summary);
                }
            }
        }
    }
}
