//! Crash repair of the write-behind roll-ups, backend-neutral: which buckets raw rows past the
//! watermark touch, and the rows that replace those buckets, recounted from every raw sample in
//! them. Each backend's `recovery.rs` runs it at open: the scan and the raw reads are its SQL,
//! the deletes and inserts its roll-up statements.
//!
//! Recounting replaces a bucket's row rather than merging into it, so running it again (a
//! crash during the repair itself) gives the same rows, and rows whose values the tables
//! already held (written by a flush that committed, or brought back by `write_raw`) are not
//! counted twice.

use std::collections::{BTreeMap, BTreeSet};

use tracing::warn;
use wellvisor_actors::domain::{Sample, WellId};
use wellvisor_actors::store::Resolution;

use super::{roll_up, BucketRow};

/// Hours recounted per transaction: a repair interrupted midway keeps what it finished.
pub(crate) const HOURS_PER_TRANSACTION: usize = 64;

/// The minute buckets raw rows past the watermark fall in, and the highest sequence seen.
#[derive(Debug)]
pub(crate) struct Touched {
    minutes: BTreeSet<(WellId, i64)>,
    /// The watermark to persist once every touched bucket is recounted.
    pub last_seq: i64,
}

impl Touched {
    pub(crate) fn new(watermark: i64) -> Touched {
        Touched { minutes: BTreeSet::new(), last_seq: watermark }
    }

    /// The minute bucket of `well_id` starting at `minute` (epoch ms), known valid.
    pub(crate) fn insert(&mut self, well_id: WellId, minute: i64) {
        self.minutes.insert((well_id, minute));
    }

    /// One row of a backend's scan: raw rows of `well_id` in the minute starting at `minute`
    /// (epoch ms), the highest of their sequences `seq`. A well id edited by hand into
    /// something invalid is skipped: no read can ask for it.
    pub(crate) fn add(&mut self, well_id: &str, minute: i64, seq: i64) {
        self.last_seq = self.last_seq.max(seq);
        match WellId::new(well_id) {
            Ok(id) => {
                self.minutes.insert((id, minute));
            }
            Err(error) => warn!(%error, "raw rows of an invalid well id left out of the roll-ups"),
        }
    }

    /// The touched hours, each with its touched minutes, by well and time.
    pub(crate) fn hours(&self) -> Vec<TouchedHour> {
        let mut hours: BTreeMap<(&WellId, i64), Vec<i64>> = BTreeMap::new();
        for (well_id, minute) in &self.minutes {
            hours.entry((well_id, Resolution::Hour.bucket_of(*minute))).or_default().push(*minute);
        }
        let touched =
            hours.into_iter().map(|((well_id, hour), minutes)| TouchedHour { well_id: well_id.clone(), hour, minutes });
        touched.collect()
    }
}

/// One well's hour bucket touched past the watermark, and its touched minute buckets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TouchedHour {
    pub well_id: WellId,
    /// The hour's start, epoch ms.
    pub hour: i64,
    /// The touched minutes' starts, ascending.
    pub minutes: Vec<i64>,
}

impl TouchedHour {
    /// `[start, end)` of the hour in epoch ms: the raw rows to read.
    pub(crate) fn span(&self) -> (i64, i64) {
        (self.hour, self.hour + Resolution::Hour.bucket_millis())
    }

    /// The rows replacing the hour's bucket and its touched minutes, from `samples`: every raw
    /// sample of the well in the hour, by time and then write order. A touched bucket without a
    /// rolled-up value gets no row.
    pub(crate) fn recount<'a>(&self, samples: &'a [Sample]) -> Vec<(Resolution, Vec<BucketRow<'a>>)> {
        let mut minutes = roll_up(samples, Resolution::Minute);
        minutes.retain(|row| self.minutes.binary_search(&row.bucket).is_ok());
        vec![(Resolution::Minute, minutes), (Resolution::Hour, roll_up(samples, Resolution::Hour))]
    }

    /// The buckets whose rows [`TouchedHour::recount`] replaces, per resolution.
    pub(crate) fn keys(&self) -> [(Resolution, Vec<i64>); 2] {
        [(Resolution::Minute, self.minutes.clone()), (Resolution::Hour, vec![self.hour])]
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeDelta};
    use wellvisor_actors::domain::Parameter;

    use super::*;

    const HOUR: i64 = 3_600_000;

    fn sample(well_id: &WellId, millis: i64, value: f64) -> Sample {
        let mut sample = Sample::new(well_id.clone(), DateTime::UNIX_EPOCH + TimeDelta::milliseconds(millis));
        sample.values.set(Parameter::Frequency, value);
        sample
    }

    #[test]
    fn touched_minutes_are_grouped_by_well_and_hour() {
        let mut touched = Touched::new(7);
        touched.add("W-2", HOUR + 60_000, 11);
        touched.add("W-1", HOUR + 120_000, 9);
        touched.add("W-1", HOUR, 10);
        touched.add("W-1", 2 * HOUR, 8);
        touched.add("not a well id!", 0, 12);
        let hours: Vec<(String, i64, Vec<i64>)> =
            touched.hours().into_iter().map(|h| (h.well_id.to_string(), h.hour, h.minutes)).collect();
        let expected = vec![
            ("W-1".to_owned(), HOUR, vec![HOUR, HOUR + 120_000]),
            ("W-1".to_owned(), 2 * HOUR, vec![2 * HOUR]),
            ("W-2".to_owned(), HOUR, vec![HOUR + 60_000]),
        ];
        assert_eq!(hours, expected);
        assert_eq!(touched.last_seq, 12, "the highest sequence, of any row");
    }

    #[test]
    fn a_recount_replaces_the_hour_and_only_the_touched_minutes() {
        let w = WellId::new("W-1").expect("id");
        let samples = [sample(&w, HOUR + 1, 1.0), sample(&w, HOUR + 60_001, 2.0), sample(&w, HOUR + 60_002, 4.0)];
        let touched = TouchedHour { well_id: w.clone(), hour: HOUR, minutes: vec![HOUR + 60_000] };
        let recount = touched.recount(&samples);
        let minutes = &recount[0].1;
        assert_eq!(minutes.iter().map(|r| r.bucket).collect::<Vec<_>>(), vec![HOUR + 60_000]);
        assert_eq!(minutes[0].get(Parameter::Frequency).sum, 6.0);
        let hour = &recount[1].1;
        assert_eq!((hour.len(), hour[0].get(Parameter::Frequency).count), (1, 3));
        assert_eq!(touched.span(), (HOUR, 2 * HOUR));
    }
}
