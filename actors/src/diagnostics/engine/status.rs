//! What the engine remembers about the drive between samples: since when it runs, when its
//! frequency last moved, its trips and the starts that followed them.

use std::collections::VecDeque;

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::{RunState, TripCode};

/// Trips and starts kept, oldest dropped first: enough for any window the rules use.
const KEPT_EVENTS: usize = 32;
/// A steady frequency stays within this of its reference, Hz (baseline learning, broken shaft).
const STEADY_BAND_HZ: f64 = 0.5;

/// The drive's recent history.
#[derive(Clone, Debug, Default)]
pub struct Status {
    pub run_state: Option<RunState>,
    pub trip_code: Option<TripCode>,
    /// When the motor last reached `running`.
    pub running_since: Option<DateTime<Utc>>,
    /// When the motor last stopped turning (any reason).
    pub stopped_at: Option<DateTime<Utc>>,
    /// The frequency the drive settled at, and since when it has stayed within a step of it.
    frequency_reference: Option<f64>,
    pub frequency_changed_at: Option<DateTime<Utc>>,
    /// Since when the frequency has stayed within ±0.5 Hz.
    steady_reference: Option<f64>,
    pub frequency_steady_since: Option<DateTime<Utc>>,
    /// Transitions into `tripped`/`locked_out` that no operator asked for, with the trip code.
    pub trips: VecDeque<(DateTime<Utc>, Option<TripCode>)>,
    /// Starts that followed a trip.
    pub restarts_after_trip: VecDeque<DateTime<Utc>>,
    /// Whether the current stop is a trip (not an operator stop).
    pub tripped: bool,
}

/// What changed with this sample, for the engine to act on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub started_running: bool,
    pub tripped: bool,
}

impl Status {
    /// Takes in the drive state and frequency of a sample.
    pub fn update(
        &mut self,
        run_state: Option<RunState>,
        trip_code: Option<TripCode>,
        frequency: Option<f64>,
        step_hz: f64,
        now: DateTime<Utc>,
    ) -> Changes {
        let mut changes = Changes::default();
        let before = self.run_state;
        if run_state.is_some() && run_state != before {
            changes = self.transition(before, run_state, trip_code, now);
        }
        if run_state.is_some() {
            self.run_state = run_state;
        }
        self.trip_code = trip_code.or(self.trip_code);
        if let Some(frequency) = frequency.filter(|_| self.run_state == Some(RunState::Running)) {
            self.track_frequency(frequency, step_hz, now);
        }
        changes
    }

    fn transition(
        &mut self,
        before: Option<RunState>,
        after: Option<RunState>,
        trip_code: Option<TripCode>,
        now: DateTime<Utc>,
    ) -> Changes {
        let mut changes = Changes::default();
        match after {
            Some(RunState::Running) => {
                self.running_since = Some(now);
                changes.started_running = true;
            }
            Some(RunState::Tripped | RunState::LockedOut) => {
                let turning = matches!(before, Some(RunState::Running | RunState::Starting));
                if turning {
                    self.stopped_at = Some(now);
                }
                if turning && trip_code != Some(TripCode::ManualStop) {
                    push_bounded(&mut self.trips, (now, trip_code));
                    self.tripped = true;
                    changes.tripped = true;
                }
            }
            Some(RunState::Stopped) => {
                self.stopped_at = Some(now);
                self.tripped = false;
            }
            Some(RunState::Starting) | None => {}
        }
        if matches!(after, Some(RunState::Starting | RunState::Running))
            && matches!(before, Some(RunState::Tripped | RunState::LockedOut))
            && self.tripped
        {
            push_bounded(&mut self.restarts_after_trip, now);
        }
        if !matches!(after, Some(RunState::Running)) {
            self.running_since = None;
            self.frequency_reference = None;
            self.steady_reference = None;
        }
        if matches!(after, Some(RunState::Running)) {
            self.tripped = false;
        }
        changes
    }

    fn track_frequency(&mut self, frequency: f64, step_hz: f64, now: DateTime<Utc>) {
        match self.frequency_reference {
            Some(reference) if (frequency - reference).abs() <= step_hz => {}
            Some(_) => {
                self.frequency_reference = Some(frequency);
                self.frequency_changed_at = Some(now);
            }
            None => self.frequency_reference = Some(frequency),
        }
        match self.steady_reference {
            Some(reference) if (frequency - reference).abs() <= STEADY_BAND_HZ => {}
            _ => {
                self.steady_reference = Some(frequency);
                self.frequency_steady_since = Some(now);
            }
        }
    }

    /// The frequency the drive holds steady at, while running.
    pub fn steady_frequency(&self) -> Option<f64> {
        self.steady_reference
    }

    /// How long the motor has been running, if it is.
    pub fn running_for(&self, now: DateTime<Utc>) -> Option<TimeDelta> {
        self.running_since.map(|since| now - since)
    }

    /// Whether the well is stopped on purpose: an operator stop, not a trip.
    pub fn stopped_on_purpose(&self) -> bool {
        self.run_state == Some(RunState::Stopped) || self.trip_code == Some(TripCode::ManualStop) && !self.is_turning()
    }

    pub fn is_turning(&self) -> bool {
        matches!(self.run_state, Some(RunState::Running | RunState::Starting))
    }

    /// Trips in the `window` before `now`, optionally of one code.
    pub fn trips_within(&self, now: DateTime<Utc>, window: TimeDelta, code: Option<TripCode>) -> usize {
        self.trips.iter().filter(|(at, c)| now - *at <= window && (code.is_none() || *c == code)).count()
    }

    pub fn restarts_within(&self, now: DateTime<Utc>, window: TimeDelta) -> usize {
        self.restarts_after_trip.iter().filter(|at| now - **at <= window).count()
    }

    /// When the latest trip happened, if the drive is still down from it.
    pub fn current_trip(&self) -> Option<DateTime<Utc>> {
        self.tripped.then(|| self.trips.back().map(|(at, _)| *at)).flatten()
    }
}

fn push_bounded<T>(queue: &mut VecDeque<T>, item: T) {
    if queue.len() == KEPT_EVENTS {
        queue.pop_front();
    }
    queue.push_back(item);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).single().unwrap_or_default()
    }

    #[test]
    fn trips_and_the_starts_after_them_are_counted_but_operator_stops_are_not() {
        let mut status = Status::default();
        let states = [
            (0, RunState::Running, TripCode::None),
            (100, RunState::Tripped, TripCode::Underload),
            (200, RunState::Starting, TripCode::Underload),
            (230, RunState::Running, TripCode::Underload),
            (400, RunState::Stopped, TripCode::ManualStop),
            (500, RunState::Running, TripCode::ManualStop),
        ];
        for (secs, state, code) in states {
            status.update(Some(state), Some(code), Some(50.0), 1.0, at(secs));
        }
        assert_eq!(status.trips_within(at(600), TimeDelta::hours(1), None), 1);
        assert_eq!(status.trips_within(at(600), TimeDelta::hours(1), Some(TripCode::Overload)), 0);
        assert_eq!(status.restarts_within(at(600), TimeDelta::hours(1)), 1);
        assert_eq!(status.running_since, Some(at(500)));
        assert!(!status.stopped_on_purpose());
    }

    #[test]
    fn frequency_changes_are_timed_from_the_step() {
        let mut status = Status::default();
        status.update(Some(RunState::Running), Some(TripCode::None), Some(50.0), 1.0, at(0));
        status.update(Some(RunState::Running), None, Some(50.4), 1.0, at(10));
        assert_eq!((status.frequency_changed_at, status.frequency_steady_since), (None, Some(at(0))));
        status.update(Some(RunState::Running), None, Some(52.0), 1.0, at(20));
        assert_eq!((status.frequency_changed_at, status.frequency_steady_since), (Some(at(20)), Some(at(20))));
    }

    #[test]
    fn a_stopped_drive_is_stopped_on_purpose_and_a_trip_is_current_until_running() {
        let mut status = Status::default();
        status.update(Some(RunState::Running), Some(TripCode::None), None, 1.0, at(0));
        status.update(Some(RunState::Tripped), Some(TripCode::Other), None, 1.0, at(10));
        assert_eq!(status.current_trip(), Some(at(10)));
        status.update(Some(RunState::Running), Some(TripCode::Other), None, 1.0, at(100));
        assert_eq!(status.current_trip(), None);
        status.update(Some(RunState::Stopped), Some(TripCode::ManualStop), None, 1.0, at(200));
        assert!(status.stopped_on_purpose());
    }
}
