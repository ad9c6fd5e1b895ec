//! Wall-clock time, injected so that tests on a paused tokio clock see deterministic timestamps.

use chrono::{DateTime, TimeZone, Utc};
use tokio::time::Instant;

/// Where timestamps come from. Schedules use `tokio::time`; this only stamps samples and events.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The system's real UTC clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that follows tokio's (possibly paused) time from a fixed start, for tests.
#[derive(Clone, Copy, Debug)]
pub struct TokioClock {
    origin: Instant,
    start: DateTime<Utc>,
}

impl TokioClock {
    /// Starts at 2026-01-01T00:00:00Z now, in tokio time.
    pub fn new() -> Self {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default();
        Self { origin: Instant::now(), start }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = chrono::Duration::from_std(self.origin.elapsed()).unwrap_or_default();
        self.start + elapsed
    }
}
