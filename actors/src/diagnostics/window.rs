//! Rolling aggregates of one signal in fixed time buckets: mean, spread, extremes and slope over
//! the last few minutes without keeping every sample, so ten thousand wells fit in memory.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// The aggregates of one bucket of time: 40 bytes, as ten thousand wells keep a few hundred
/// each. Sums stay double precision (variances subtract them); extremes and offsets need not.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Bucket {
    /// Bucket number: start time in seconds divided by the width, relative to the series' origin.
    slot: i32,
    count: u32,
    sum: f64,
    sum_sq: f64,
    min: f32,
    max: f32,
    /// Sum of the values' offsets from the bucket start, s: where in the bucket they sit.
    offset_sum: f32,
}

impl Bucket {
    fn new(slot: i32, value: f64, offset: f64) -> Self {
        let narrow = value as f32;
        Self { slot, count: 1, sum: value, sum_sq: value * value, min: narrow, max: narrow, offset_sum: offset as f32 }
    }

    fn add(&mut self, value: f64, offset: f64) {
        self.count += 1;
        self.offset_sum += offset as f32;
        self.sum += value;
        self.sum_sq += value * value;
        self.min = self.min.min(value as f32);
        self.max = self.max.max(value as f32);
    }

    fn mean(&self) -> f64 {
        self.sum / f64::from(self.count)
    }
}

/// Summary of a signal over a window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    pub count: u32,
    pub mean: f64,
    /// Population standard deviation.
    pub std_dev: f64,
    pub min: f64,
    pub max: f64,
}

impl Stats {
    /// Coefficient of variation (spread relative to the mean); zero for a zero mean.
    pub fn cv(&self) -> f64 {
        if self.mean.abs() < f64::EPSILON {
            0.0
        } else {
            self.std_dev / self.mean.abs()
        }
    }
}

/// One signal's buckets, newest last, covering at most `span`.
#[derive(Clone, Debug)]
pub struct Series {
    width: i64,
    capacity: usize,
    buckets: VecDeque<Bucket>,
}

impl Series {
    /// Buckets `width` wide (whole seconds, at least one) covering `span`.
    pub fn new(width: Duration, span: Duration) -> Self {
        let width = width.as_secs().max(1) as i64;
        let capacity = (span.as_secs() as i64 / width + 1).max(1) as usize;
        Self { width, capacity, buckets: VecDeque::with_capacity(capacity) }
    }

    /// Adds a value; times must not go backwards (an earlier one joins the newest bucket).
    pub fn push(&mut self, at: DateTime<Utc>, value: f64) {
        if !value.is_finite() {
            return;
        }
        let Some(slot) = self.slot_of(at.timestamp()) else { return };
        let offset = (at.timestamp() - i64::from(slot) * self.width) as f64;
        match self.buckets.back_mut() {
            Some(last) if last.slot >= slot => last.add(value, offset),
            _ => {
                if self.buckets.len() == self.capacity {
                    self.buckets.pop_front();
                }
                self.buckets.push_back(Bucket::new(slot, value, offset));
            }
        }
    }

    /// Forgets everything (a restart of the motor, a frequency step).
    pub fn clear(&mut self) {
        self.buckets.clear();
    }

    /// Aggregates over the buckets that started within `window` before `now`.
    pub fn stats(&self, now: DateTime<Utc>, window: Duration) -> Option<Stats> {
        let first = self.first_slot(now, window);
        let mut count = 0u32;
        let (mut sum, mut sum_sq) = (0.0, 0.0);
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        for bucket in self.buckets.iter().rev().take_while(|b| b.slot >= first) {
            count += bucket.count;
            sum += bucket.sum;
            sum_sq += bucket.sum_sq;
            min = min.min(f64::from(bucket.min));
            max = max.max(f64::from(bucket.max));
        }
        if count == 0 {
            return None;
        }
        let n = f64::from(count);
        let mean = sum / n;
        let variance = (sum_sq / n - mean * mean).max(0.0);
        Some(Stats { count, mean, std_dev: variance.sqrt(), min, max })
    }

    pub fn mean(&self, now: DateTime<Utc>, window: Duration) -> Option<f64> {
        self.stats(now, window).map(|stats| stats.mean)
    }

    /// How much of `window` the series covers, in seconds (from its oldest bucket in the window).
    pub fn covered_secs(&self, now: DateTime<Utc>, window: Duration) -> u64 {
        let first = self.first_slot(now, window);
        let oldest = self.buckets.iter().find(|b| b.slot >= first);
        oldest.map_or(0, |b| (now.timestamp() - i64::from(b.slot) * self.width).max(0) as u64)
    }

    /// Least-squares slope of the bucket means over `window`, per second; none with fewer than
    /// three buckets.
    pub fn slope(&self, now: DateTime<Utc>, window: Duration) -> Option<f64> {
        let first = self.first_slot(now, window);
        let points: Vec<(f64, f64)> = self
            .buckets
            .iter()
            .filter(|b| b.slot >= first)
            .map(|b| ((i64::from(b.slot) * self.width) as f64 + f64::from(b.offset_sum) / f64::from(b.count), b.mean()))
            .collect();
        if points.len() < 3 {
            return None;
        }
        let n = points.len() as f64;
        let mean_t = points.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_v = points.iter().map(|p| p.1).sum::<f64>() / n;
        let covariance: f64 = points.iter().map(|(t, v)| (t - mean_t) * (v - mean_v)).sum();
        let spread: f64 = points.iter().map(|(t, _)| (t - mean_t).powi(2)).sum();
        (spread > 0.0).then(|| covariance / spread)
    }

    /// The mean of the bucket that held `at`, if one did.
    pub fn bucket_mean_at(&self, at: DateTime<Utc>) -> Option<f64> {
        let slot = self.slot_of(at.timestamp())?;
        self.buckets.iter().rev().find(|b| b.slot == slot).map(Bucket::mean)
    }

    /// The lowest and the highest bucket mean over `window` (a step shows as their ratio).
    pub fn mean_range(&self, now: DateTime<Utc>, window: Duration) -> Option<(f64, f64)> {
        let first = self.first_slot(now, window);
        self.buckets.iter().filter(|b| b.slot >= first).map(Bucket::mean).fold(None, |range, mean| {
            Some(range.map_or((mean, mean), |(lo, hi): (f64, f64)| (lo.min(mean), hi.max(mean))))
        })
    }

    fn first_slot(&self, now: DateTime<Utc>, window: Duration) -> i32 {
        let first = (now.timestamp() - window.as_secs() as i64).div_euclid(self.width) + 1;
        i32::try_from(first).unwrap_or(if first < 0 { i32::MIN } else { i32::MAX })
    }

    /// The bucket number of a Unix time; none for times a 32-bit bucket number cannot reach
    /// (beyond year 2100 at the finest 10-s width).
    fn slot_of(&self, timestamp: i64) -> Option<i32> {
        i32::try_from(timestamp.div_euclid(self.width)).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).single().unwrap_or_default()
    }

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn stats_cover_only_the_window() {
        let mut series = Series::new(MINUTE, Duration::from_secs(3600));
        for s in 0..600 {
            series.push(at(s), if s < 300 { 10.0 } else { 20.0 });
        }
        let recent = series.stats(at(599), Duration::from_secs(240)).unwrap_or_else(|| panic!("no stats"));
        assert_eq!(recent.mean, 20.0);
        assert_eq!(recent.std_dev, 0.0);
        let all = series.stats(at(599), Duration::from_secs(3600)).unwrap_or_else(|| panic!("no stats"));
        assert!((all.mean - 15.0).abs() < 1e-9);
        assert!((all.cv() - 5.0 / 15.0).abs() < 1e-9);
        assert_eq!((all.min, all.max), (10.0, 20.0));
    }

    #[test]
    fn slope_follows_a_ramp_and_old_buckets_fall_off() {
        let mut series = Series::new(MINUTE, Duration::from_secs(600));
        for s in 0..3600 {
            series.push(at(s), s as f64 * 0.5);
        }
        let slope = series.slope(at(3599), Duration::from_secs(600)).unwrap_or_default();
        assert!((slope - 0.5).abs() < 1e-9, "{slope}");
        assert!(series.stats(at(3599), Duration::from_secs(3600)).is_some_and(|s| s.count <= 11 * 60));
        assert_eq!(series.bucket_mean_at(at(0)), None);
    }

    #[test]
    fn non_finite_values_are_ignored_and_empty_windows_have_no_stats() {
        let mut series = Series::new(Duration::from_secs(10), Duration::from_secs(60));
        series.push(at(0), f64::NAN);
        assert_eq!(series.stats(at(0), MINUTE), None);
        series.push(at(0), 4.0);
        assert_eq!(series.stats(at(200), MINUTE), None);
        assert_eq!(series.covered_secs(at(5), MINUTE), 5);
        assert_eq!(series.mean_range(at(5), MINUTE), Some((4.0, 4.0)));
    }
}
