//! When a well polls: fixed-rate slots at a per-well offset, plus a small random jitter, so ten
//! thousand wells never poll in the same millisecond and a slow poll never shifts later ones.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

use crate::domain::WellId;

#[derive(Clone, Debug)]
pub struct PollSchedule {
    period: Duration,
    jitter: Duration,
    next_slot: Instant,
    /// Slots skipped because a poll (or a reconnect wait) overran them, or left them half a
    /// period behind.
    pub missed: u64,
}

impl PollSchedule {
    /// The first slot is `offset_for(id)` into the period after `now`.
    pub fn new(id: &WellId, now: Instant, period: Duration, jitter: Duration) -> Self {
        let period = period.max(Duration::from_millis(1));
        Self { period, jitter: jitter.min(period), next_slot: now + offset_for(id, period), missed: 0 }
    }

    /// The first slot: `now` plus a stable offset within the period, derived from the well id.
    pub fn first_slot(&self) -> Instant {
        self.next_slot
    }

    /// The slot the next poll belongs to; the poll should fire at `slot + jitter`.
    ///
    /// A slot already half a period or more behind `now` is skipped (counted in `missed`): a
    /// poll that ran late would otherwise be followed at once by the next slot's, two polls of
    /// one device in the same instant, and an overloaded fleet would keep firing late polls
    /// instead of catching up with its slots.
    pub fn next(&mut self, now: Instant, rng: &mut impl Rng) -> (Instant, Instant) {
        while self.next_slot + self.period / 2 <= now {
            self.next_slot += self.period;
            self.missed += 1;
        }
        let slot = self.next_slot;
        self.next_slot += self.period;
        let jitter_nanos = u64::try_from(self.jitter.as_nanos()).unwrap_or(u64::MAX);
        let fire = slot + Duration::from_nanos(rng.random_range(0..=jitter_nanos));
        (slot, fire)
    }

    /// Skips ahead so the next slot is the first one after `at` (after a reconnect wait).
    pub fn resume_after(&mut self, at: Instant) {
        while self.next_slot < at {
            self.next_slot += self.period;
        }
    }

    pub fn period(&self) -> Duration {
        self.period
    }
}

fn offset_for(id: &WellId, period: Duration) -> Duration {
    let period_nanos = u64::try_from(period.as_nanos()).unwrap_or(u64::MAX).max(1);
    Duration::from_nanos(seed_for(id) % period_nanos)
}

/// A stable number per well id: its slot offset, and the seed of its jitter, so wells differ
/// from each other while every run of a test draws the same delays.
pub fn seed_for(id: &WellId) -> u64 {
    let mut hasher = DefaultHasher::new();
    id.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    use super::*;

    fn id(raw: &str) -> WellId {
        WellId::new(raw).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn slots_are_fixed_rate_and_jitter_stays_small() {
        let start = Instant::now();
        let period = Duration::from_secs(1);
        let mut schedule = PollSchedule::new(&id("W-1"), start, period, Duration::from_millis(50));
        let first = schedule.first_slot();
        assert!(first >= start && first < start + period);
        let mut rng = SmallRng::seed_from_u64(3);
        for k in 0..10u32 {
            let (slot, fire) = schedule.next(start, &mut rng);
            assert_eq!(slot, first + period * k);
            assert!(fire >= slot && fire <= slot + Duration::from_millis(50));
        }
    }

    #[test]
    fn overrun_slots_are_skipped_not_burst() {
        let start = Instant::now();
        let period = Duration::from_secs(1);
        let mut schedule = PollSchedule::new(&id("W-2"), start, period, Duration::ZERO);
        let mut rng = SmallRng::seed_from_u64(3);
        let first = schedule.first_slot();
        let (late_slot, _) = schedule.next(first + Duration::from_millis(3_400), &mut rng);
        assert_eq!(late_slot, first + Duration::from_secs(3));
        assert_eq!(schedule.missed, 3);
    }

    #[test]
    fn a_slot_half_a_period_behind_is_skipped_so_polls_never_bunch() {
        let start = Instant::now();
        let period = Duration::from_secs(1);
        let fresh = || PollSchedule::new(&id("W-3"), start, period, Duration::ZERO);
        let mut rng = SmallRng::seed_from_u64(3);
        let first = fresh().first_slot();
        // Less than half a period late: the slot still fires, at once.
        let mut schedule = fresh();
        assert_eq!(schedule.next(first + Duration::from_millis(400), &mut rng), (first, first));
        assert_eq!(schedule.missed, 0);
        // Nearly a period late: firing now would put two polls 10 ms apart; the next slot is kept.
        let mut schedule = fresh();
        let (slot, _) = schedule.next(first + Duration::from_millis(990), &mut rng);
        assert_eq!((slot, schedule.missed), (first + period, 1));
        let mut schedule = fresh();
        let (slot, _) = schedule.next(first + Duration::from_millis(1_600), &mut rng);
        assert_eq!((slot, schedule.missed), (first + period * 2, 2));
        let (slot, _) = schedule.next(first + Duration::from_millis(2_400), &mut rng);
        assert_eq!((slot, schedule.missed), (first + period * 3, 2));
    }

    #[test]
    fn offsets_spread_wells_over_the_period() {
        let start = Instant::now();
        let period = Duration::from_secs(1);
        let mut tenths = [0u32; 10];
        for n in 0..1000 {
            let schedule = PollSchedule::new(&id(&format!("W-{n:04}")), start, period, Duration::ZERO);
            let offset = schedule.first_slot() - start;
            tenths[(offset.as_millis() / 100) as usize] += 1;
        }
        assert!(tenths.iter().all(|count| (50..150).contains(count)), "{tenths:?}");
    }
}
