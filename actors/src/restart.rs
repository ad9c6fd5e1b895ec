//! The restart-intensity window (OTP's MaxR in MaxT), pure and clock-injected.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// What to do after a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Restart; `recent` failures (this one included) fall in the window.
    Restart { recent: u32 },
    /// The limit is reached: leave the well down until an operator restarts it.
    GiveUp,
}

/// Counts failures in a sliding window. The `max_failures`-th failure within `window` gives up.
#[derive(Clone, Debug)]
pub struct RestartIntensity {
    max_failures: u32,
    window: Duration,
    failures: VecDeque<Instant>,
}

impl RestartIntensity {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self { max_failures: max_failures.max(1), window, failures: VecDeque::new() }
    }

    /// Records a failure at `now` and judges it.
    pub fn record(&mut self, now: Instant) -> Verdict {
        self.forget_before(now);
        self.failures.push_back(now);
        let recent = self.failures.len() as u32;
        if recent >= self.max_failures {
            Verdict::GiveUp
        } else {
            Verdict::Restart { recent }
        }
    }

    /// Failures still inside the window at `now`.
    pub fn recent(&mut self, now: Instant) -> u32 {
        self.forget_before(now);
        self.failures.len() as u32
    }

    /// Forgets every failure: an operator restart starts with a clean slate.
    pub fn clear(&mut self) {
        self.failures.clear();
    }

    fn forget_before(&mut self, now: Instant) {
        while let Some(oldest) = self.failures.front() {
            if now.duration_since(*oldest) < self.window {
                break;
            }
            self.failures.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const WINDOW: Duration = Duration::from_secs(60);

    #[test]
    fn the_fifth_failure_in_the_window_gives_up() {
        let start = Instant::now();
        let mut intensity = RestartIntensity::new(5, WINDOW);
        let verdicts: Vec<Verdict> = (0..5).map(|i| intensity.record(start + Duration::from_secs(i * 10))).collect();
        assert_eq!(
            verdicts,
            [1, 2, 3, 4]
                .map(|recent| Verdict::Restart { recent })
                .into_iter()
                .chain([Verdict::GiveUp])
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn failures_older_than_the_window_are_forgotten() {
        let start = Instant::now();
        let mut intensity = RestartIntensity::new(5, WINDOW);
        for i in 0..4 {
            intensity.record(start + Duration::from_secs(i));
        }
        // 60 s after the first failure it no longer counts; exactly at the boundary it is out.
        assert_eq!(intensity.record(start + Duration::from_secs(60)), Verdict::Restart { recent: 4 });
        assert_eq!(intensity.recent(start + Duration::from_secs(200)), 0);
    }

    #[test]
    fn clear_starts_over() {
        let start = Instant::now();
        let mut intensity = RestartIntensity::new(2, WINDOW);
        intensity.record(start);
        assert_eq!(intensity.record(start), Verdict::GiveUp);
        intensity.clear();
        assert_eq!(intensity.record(start), Verdict::Restart { recent: 1 });
    }

    proptest! {
        #[test]
        fn gives_up_exactly_when_the_window_holds_max_failures(max in 1u32..8, gaps in prop::collection::vec(0u64..40_000, 1..40)) {
            let start = Instant::now();
            let mut intensity = RestartIntensity::new(max, WINDOW);
            let mut times: Vec<Instant> = Vec::new();
            let mut at = start;
            for gap in gaps {
                at += Duration::from_millis(gap);
                times.push(at);
                let in_window = times.iter().filter(|t| at.duration_since(**t) < WINDOW).count() as u32;
                let verdict = intensity.record(at);
                if in_window >= max {
                    prop_assert_eq!(verdict, Verdict::GiveUp);
                } else {
                    prop_assert_eq!(verdict, Verdict::Restart { recent: in_window });
                }
            }
        }
    }
}
