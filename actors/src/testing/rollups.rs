//! The reference roll-up: computed straight from raw samples, every time, with no merging. The
//! in-memory stores answer `read_rollups` with it, and the backends' incremental roll-ups are
//! checked against what it says.

use std::collections::BTreeMap;

use chrono::DateTime;

use crate::domain::{Parameter, Sample};
use crate::store::{Aggregate, RollupPoint, RollupQuery};

/// The roll-up points `query` asks for, from `samples` given in write order (the order breaks
/// ties between equal times for `last`). Times count to the millisecond, as a store keeps them.
pub fn rollups_of<'a>(samples: impl IntoIterator<Item = &'a Sample>, query: &RollupQuery) -> Vec<RollupPoint> {
    let (from, to) = (query.from.timestamp_millis(), query.to.timestamp_millis());
    let mut buckets: BTreeMap<i64, Vec<&Sample>> = BTreeMap::new();
    for sample in samples.into_iter().filter(|s| s.well_id == query.well_id) {
        let bucket = query.resolution.bucket_of(sample.at.timestamp_millis());
        if (from..to).contains(&bucket) {
            buckets.entry(bucket).or_default().push(sample);
        }
    }
    let wanted = query.wanted();
    let points = buckets.into_iter().filter_map(|(bucket, samples)| {
        let values: BTreeMap<Parameter, Aggregate> =
            wanted.iter().filter_map(|p| aggregate(&samples, *p).map(|a| (*p, a))).collect();
        let at = DateTime::from_timestamp_millis(bucket)?;
        (!values.is_empty()).then_some(RollupPoint { at, values })
    });
    points.take(query.limit).collect()
}

/// One parameter over the samples of one bucket; `None` when no sample carried it.
fn aggregate(samples: &[&Sample], parameter: Parameter) -> Option<Aggregate> {
    let carried: Vec<(i64, f64)> =
        samples.iter().filter_map(|s| s.values.get(parameter).map(|v| (s.at.timestamp_millis(), v))).collect();
    let count = carried.len();
    // `max_by_key` keeps the last of equal maxima: the latest time, written last.
    let (_, last) = carried.iter().copied().max_by_key(|(at, _)| *at)?;
    let values = carried.iter().map(|(_, v)| *v);
    Some(Aggregate {
        min: values.clone().fold(f64::INFINITY, f64::min),
        max: values.clone().fold(f64::NEG_INFINITY, f64::max),
        avg: values.sum::<f64>() / count as f64,
        last,
        count: count as u64,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone, Utc};

    use super::*;
    use crate::domain::WellId;
    use crate::store::Resolution;

    fn sample(well: &str, second: i64, values: &[(Parameter, f64)]) -> Sample {
        let base = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("time");
        let mut sample = Sample::new(WellId::new(well).expect("id"), base + TimeDelta::seconds(second));
        values.iter().for_each(|(p, v)| sample.values.set(*p, *v));
        sample
    }

    #[test]
    fn summarises_each_minute_of_one_well_with_the_latest_value_last() {
        use Parameter::{CurrentA, Frequency};
        let samples = [
            sample("W-1", 30, &[(Frequency, 50.0), (CurrentA, 40.0)]),
            sample("W-1", 10, &[(Frequency, 54.0)]),
            sample("W-2", 20, &[(Frequency, 99.0)]),
            sample("W-1", 30, &[(Frequency, 52.0)]),
            sample("W-1", 61, &[(CurrentA, 41.0)]),
        ];
        let query = RollupQuery {
            well_id: WellId::new("W-1").expect("id"),
            from: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("time"),
            to: Utc.with_ymd_and_hms(2026, 1, 1, 1, 0, 0).single().expect("time"),
            params: Vec::new(),
            resolution: Resolution::Minute,
            limit: 10,
        };
        let points = rollups_of(&samples, &query);
        assert_eq!(points.len(), 2);
        let frequency = points[0].values[&Frequency];
        assert_eq!(frequency, Aggregate { min: 50.0, max: 54.0, avg: 52.0, last: 52.0, count: 3 });
        assert_eq!(points[0].values[&CurrentA].count, 1);
        assert_eq!(points[1].values.keys().collect::<Vec<_>>(), vec![&CurrentA]);
        assert_eq!(rollups_of(&samples, &RollupQuery { limit: 1, ..query }).len(), 1);
    }
}
