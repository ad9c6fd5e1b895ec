//! Exponential backoff with full jitter, for reconnects and actor restarts.

use std::time::Duration;

use rand::Rng;

/// Delays that double per failed attempt up to a cap, each drawn uniformly from zero to the
/// current ceiling ("full jitter"), so a fleet that lost its devices together does not
/// reconnect together.
#[derive(Clone, Debug)]
pub struct Backoff {
    initial: Duration,
    cap: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(initial: Duration, cap: Duration) -> Self {
        Self { initial, cap: cap.max(initial), attempt: 0 }
    }

    /// The ceiling of the next delay: `initial × 2^attempt`, at most the cap.
    pub fn ceiling(&self) -> Duration {
        let factor = 1u32 << self.attempt.min(20);
        self.initial.saturating_mul(factor).min(self.cap)
    }

    /// Draws the next delay and moves on to the next attempt.
    pub fn next_delay(&mut self, rng: &mut impl Rng) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rng.random_range(0..=nanos))
    }

    /// Failed attempts since the last reset.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Starts over after a success.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn ceiling_doubles_until_the_cap() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        let mut rng = SmallRng::seed_from_u64(7);
        let mut ceilings = Vec::new();
        for _ in 0..6 {
            ceilings.push(backoff.ceiling().as_millis());
            backoff.next_delay(&mut rng);
        }
        assert_eq!(ceilings, [100, 200, 400, 800, 1000, 1000]);
        backoff.reset();
        assert_eq!(backoff.ceiling(), Duration::from_millis(100));
        assert_eq!(backoff.attempts(), 0);
    }

    #[test]
    fn jitter_spreads_delays_over_the_whole_range() {
        let mut rng = SmallRng::seed_from_u64(1);
        let delays: Vec<Duration> = (0..1000)
            .map(|_| Backoff::new(Duration::from_secs(1), Duration::from_secs(1)).next_delay(&mut rng))
            .collect();
        assert!(delays.iter().any(|d| *d < Duration::from_millis(100)));
        assert!(delays.iter().any(|d| *d > Duration::from_millis(900)));
    }

    proptest! {
        #[test]
        fn every_delay_stays_within_zero_and_the_cap(initial_ms in 1u64..5_000, cap_ms in 1u64..120_000, attempts in 0usize..80, seed in any::<u64>()) {
            let cap = Duration::from_millis(cap_ms);
            let mut backoff = Backoff::new(Duration::from_millis(initial_ms), cap);
            let mut rng = SmallRng::seed_from_u64(seed);
            let bound = cap.max(Duration::from_millis(initial_ms));
            for _ in 0..attempts {
                let ceiling = backoff.ceiling();
                let delay = backoff.next_delay(&mut rng);
                prop_assert!(delay <= ceiling && ceiling <= bound);
            }
        }
    }
}
