//! How long things took, as a fixed-bucket histogram: each well keeps one of its polls in its
//! snapshot (so it survives actor restarts), the HTTP layer keeps one per route, and the
//! metrics endpoint adds them up across the fleet at scrape time.
//!
//! The buckets are fixed, so histograms of different wells add bucket by bucket, and a
//! histogram costs the same few words whatever it has seen.

use std::time::Duration;

/// The buckets' upper bounds, in seconds. From a millisecond (a poll across a LAN, an API read
/// from memory) to ten seconds (a poll of several blocks that each hit a multi-second timeout).
pub const LATENCY_BOUNDS_SECONDS: [f64; 13] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The bounds in whole microseconds, which is how observations are compared and summed.
const BOUNDS_MICROS: [u64; 13] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000,
];

/// Observation counts per bucket (not cumulative) and their sum. The sum is kept in whole
/// microseconds so that adding histograms is exact and two equal histograms compare equal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LatencyHistogram {
    /// `counts[i]` observations fell in `(bound[i-1], bound[i]]`; the last slot holds those above
    /// the largest bound.
    counts: [u64; BOUNDS_MICROS.len() + 1],
    sum_micros: u64,
}

impl LatencyHistogram {
    /// Counts one observation of `took`.
    pub fn observe(&mut self, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let bucket = BOUNDS_MICROS.iter().position(|bound| micros <= *bound).unwrap_or(BOUNDS_MICROS.len());
        self.counts[bucket] += 1;
        self.sum_micros = self.sum_micros.saturating_add(micros);
    }

    /// Adds `other`'s observations to this one.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (count, more) in self.counts.iter_mut().zip(other.counts) {
            *count += more;
        }
        self.sum_micros = self.sum_micros.saturating_add(other.sum_micros);
    }

    /// Observations per bucket, not cumulative, one more than there are bounds (the overflow).
    pub fn bucket_counts(&self) -> &[u64] {
        &self.counts
    }

    /// How many observations there were.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The sum of the observations, in whole microseconds.
    pub fn sum_micros(&self) -> u64 {
        self.sum_micros
    }

    /// The sum of the observations, in seconds.
    pub fn sum_seconds(&self) -> f64 {
        Duration::from_micros(self.sum_micros).as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_in_seconds_and_micros_agree() {
        for (seconds, micros) in LATENCY_BOUNDS_SECONDS.iter().zip(BOUNDS_MICROS) {
            assert_eq!(Duration::from_secs_f64(*seconds), Duration::from_micros(micros));
        }
        assert!(BOUNDS_MICROS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn an_observation_on_a_bound_falls_in_that_bound_s_bucket() {
        let mut histogram = LatencyHistogram::default();
        histogram.observe(Duration::ZERO);
        histogram.observe(Duration::from_millis(1));
        histogram.observe(Duration::from_micros(1_001));
        histogram.observe(Duration::from_millis(500));
        histogram.observe(Duration::from_secs(11));
        let counts = histogram.bucket_counts();
        assert_eq!(counts.len(), LATENCY_BOUNDS_SECONDS.len() + 1);
        assert_eq!((counts[0], counts[1], counts[8], counts[13]), (2, 1, 1, 1));
        assert_eq!(histogram.count(), 5);
        assert_eq!(histogram.sum_micros(), 1_000 + 1_001 + 500_000 + 11_000_000);
    }

    #[test]
    fn merged_histograms_add_bucket_by_bucket() {
        let (mut one, mut two) = (LatencyHistogram::default(), LatencyHistogram::default());
        one.observe(Duration::from_millis(3));
        two.observe(Duration::from_millis(3));
        two.observe(Duration::from_secs(2));
        one.merge(&two);
        assert_eq!(one.count(), 3);
        assert_eq!(one.bucket_counts()[2], 2);
        assert_eq!(one.bucket_counts()[10], 1);
        assert!((one.sum_seconds() - 2.006).abs() < 1e-9);
    }
}
