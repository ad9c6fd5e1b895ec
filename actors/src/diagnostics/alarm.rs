//! The ISA-18.2 alarm state machine (esp-domain §3.1, §3.2): pure, with the clock injected.
//!
//! An [`Alarm`] is fed the measured condition with [`Alarm::evaluate`], has its timers driven by
//! [`Alarm::tick`], and takes operator actions (ack, reset, shelve, out of service). Every visible
//! state change comes back as a [`Transition`] for the alarm or audit journal. No IO and no clock
//! reads: every method takes `now`.
//!
//! Model: a core state (condition × acknowledgement) under three overlays, out of service >
//! suppressed by design > shelved. While overlaid, the condition is still tracked (and activations
//! counted apart) but the core is frozen and nothing is annunciated. When the last overlay lifts, the
//! core is re-evaluated: an active condition re-annunciates as `unacknowledged`; a clear one takes
//! the transition it missed (`unacknowledged` → `rtn_unacknowledged` or `latched`, `acknowledged` →
//! `normal` or `latched`). Re-annunciation is not counted as a new activation.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

#[path = "alarm_types.rs"]
mod types;

pub use types::{
    AlarmConfig, AlarmError, AlarmMemory, AlarmState, CoreState, Priority, Shelf, Transition, DEFAULT_SHELF, MAX_SHELF,
};

use types::CoreState as Core;

impl Core {
    fn state(self) -> AlarmState {
        match self {
            Self::Normal => AlarmState::Normal,
            Self::Unacknowledged => AlarmState::Unacknowledged,
            Self::Acknowledged => AlarmState::Acknowledged,
            Self::RtnUnacknowledged => AlarmState::RtnUnacknowledged,
            Self::Latched => AlarmState::Latched,
        }
    }
}

/// One alarm point. Starts `normal` with the condition clear.
#[derive(Clone, Debug)]
pub struct Alarm {
    config: AlarmConfig,
    core: Core,
    /// The condition as last measured, before the delays.
    measured: bool,
    /// When `measured` last changed: the on- or off-delay runs from here.
    measured_since: Option<DateTime<Utc>>,
    /// The condition after the delays: what the state machine acts on.
    active: bool,
    /// The last ack of an active alarm: the re-alarm time runs from here.
    acked_at: Option<DateTime<Utc>>,
    shelved: Option<Shelf>,
    suppressed: bool,
    out_of_service: Option<String>,
    activations: u64,
    suppressed_activations: u64,
}

impl Alarm {
    pub fn new(config: AlarmConfig) -> Self {
        Self {
            config,
            core: Core::Normal,
            measured: false,
            measured_since: None,
            active: false,
            acked_at: None,
            shelved: None,
            suppressed: false,
            out_of_service: None,
            activations: 0,
            suppressed_activations: 0,
        }
    }

    pub fn config(&self) -> &AlarmConfig {
        &self.config
    }

    /// The state to persist, so [`Alarm::restore`] can resume it after a restart of the process.
    pub fn memory(&self) -> AlarmMemory {
        AlarmMemory {
            core: self.core,
            measured: self.measured,
            measured_since: self.measured_since,
            active: self.active,
            acked_at: self.acked_at,
            shelf: self.shelved.clone(),
            suppressed: self.suppressed,
            out_of_service: self.out_of_service.clone(),
            activations: self.activations,
            suppressed_activations: self.suppressed_activations,
        }
    }

    /// An alarm resumed from its persisted memory, under today's design settings.
    pub fn restore(config: AlarmConfig, memory: AlarmMemory) -> Self {
        Self {
            config,
            core: memory.core,
            measured: memory.measured,
            measured_since: memory.measured_since,
            active: memory.active,
            acked_at: memory.acked_at,
            shelved: memory.shelf,
            suppressed: memory.suppressed,
            out_of_service: memory.out_of_service,
            activations: memory.activations,
            suppressed_activations: memory.suppressed_activations,
        }
    }

    /// Changes the design settings (a rule raising its priority, a threshold edit) in place.
    pub fn set_priority(&mut self, priority: Priority) {
        self.config.priority = priority;
    }

    /// The visible state: out of service > suppressed by design > shelved > the core state.
    pub fn state(&self) -> AlarmState {
        if self.out_of_service.is_some() {
            AlarmState::OutOfService
        } else if self.suppressed {
            AlarmState::SuppressedByDesign
        } else if self.shelved.is_some() {
            AlarmState::Shelved
        } else {
            self.core.state()
        }
    }

    /// The state beneath any overlay (for "state before and after" in the audit).
    pub fn core_state(&self) -> AlarmState {
        self.core.state()
    }

    /// Whether the alarm belongs in the operator's alarm list now.
    pub fn annunciated(&self) -> bool {
        !self.overlaid() && self.core != Core::Normal
    }

    /// The condition after the on- and off-delays.
    pub fn condition_active(&self) -> bool {
        self.active
    }

    pub fn shelf(&self) -> Option<&Shelf> {
        self.shelved.as_ref()
    }

    pub fn is_suppressed(&self) -> bool {
        self.suppressed
    }

    pub fn out_of_service_reason(&self) -> Option<&str> {
        self.out_of_service.as_deref()
    }

    /// Activations that were annunciated (the KPI count).
    pub fn activations(&self) -> u64 {
        self.activations
    }

    /// Activations hidden by an overlay, counted apart so suppression cannot hide a bad actor.
    pub fn suppressed_activations(&self) -> u64 {
        self.suppressed_activations
    }

    /// Feeds the condition as measured now, then runs [`Alarm::tick`].
    pub fn evaluate(&mut self, active: bool, now: DateTime<Utc>) -> Vec<Transition> {
        if active != self.measured {
            self.measured = active;
            self.measured_since = Some(now);
        }
        self.tick(now)
    }

    /// Applies what time alone decides: shelf expiry, elapsed delays, re-alarm.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Transition> {
        [self.expire_shelf(now), self.settle_condition(now), self.re_alarm(now)].into_iter().flatten().collect()
    }

    /// `unacknowledged` → `acknowledged`; `rtn_unacknowledged` → `normal`.
    pub fn acknowledge(&mut self, now: DateTime<Utc>) -> Result<Transition, AlarmError> {
        let from = self.state();
        match from {
            AlarmState::Unacknowledged => {
                self.core = Core::Acknowledged;
                self.acked_at = Some(now);
            }
            AlarmState::RtnUnacknowledged => self.core = Core::Normal,
            _ => return Err(AlarmError::NotAcknowledgeable(from)),
        }
        Ok(self.transition(from, "acknowledged", now))
    }

    /// `latched` → `normal` (the reset also acks); refused while the condition is measured active.
    pub fn reset(&mut self, now: DateTime<Utc>) -> Result<Transition, AlarmError> {
        let from = self.state();
        if from != AlarmState::Latched {
            return Err(AlarmError::NotLatched(from));
        }
        if self.measured || self.active {
            return Err(AlarmError::ConditionActive);
        }
        self.core = Core::Normal;
        Ok(self.transition(from, "reset", now))
    }

    /// Shelves for `duration` (positive, at most [`MAX_SHELF`]) or, with `None`, until the condition
    /// next clears. Shelving again replaces the shelf.
    pub fn shelve(
        &mut self,
        duration: Option<Duration>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Transition, AlarmError> {
        let reason = required(reason)?;
        let until = match duration {
            None => None,
            Some(duration) => Some(shelf_end(duration, now)?),
        };
        let from = self.state();
        self.shelved = Some(Shelf { until, reason });
        Ok(self.transition(from, "shelved", now))
    }

    pub fn unshelve(&mut self, now: DateTime<Utc>) -> Result<Transition, AlarmError> {
        if self.shelved.is_none() {
            return Err(AlarmError::NotShelved);
        }
        let from = self.state();
        self.shelved = None;
        self.reevaluate();
        Ok(self.transition(from, "unshelved", now))
    }

    /// Removes the alarm from service (maintenance, workover); the reason is mandatory.
    pub fn remove_from_service(&mut self, reason: &str, now: DateTime<Utc>) -> Result<Transition, AlarmError> {
        let reason = required(reason)?;
        if self.out_of_service.is_some() {
            return Err(AlarmError::AlreadyOutOfService);
        }
        let from = self.state();
        self.out_of_service = Some(reason);
        Ok(self.transition(from, "removed_from_service", now))
    }

    pub fn return_to_service(&mut self, now: DateTime<Utc>) -> Result<Transition, AlarmError> {
        if self.out_of_service.is_none() {
            return Err(AlarmError::NotOutOfService);
        }
        let from = self.state();
        self.out_of_service = None;
        self.reevaluate();
        Ok(self.transition(from, "returned_to_service", now))
    }

    /// Suppression by design (parent alarm, well stopped on purpose): automatic, no reason needed.
    pub fn set_suppressed(&mut self, suppressed: bool, now: DateTime<Utc>) -> Option<Transition> {
        if self.suppressed == suppressed {
            return None;
        }
        let from = self.state();
        self.suppressed = suppressed;
        if !suppressed {
            self.reevaluate();
        }
        self.observe(from, if suppressed { "suppressed" } else { "suppression_ended" }, now)
    }

    fn overlaid(&self) -> bool {
        self.out_of_service.is_some() || self.suppressed || self.shelved.is_some()
    }

    fn transition(&self, from: AlarmState, cause: &'static str, now: DateTime<Utc>) -> Transition {
        Transition { from, to: self.state(), at: now, cause }
    }

    /// The transition, if the visible state changed.
    fn observe(&self, from: AlarmState, cause: &'static str, now: DateTime<Utc>) -> Option<Transition> {
        let transition = self.transition(from, cause, now);
        (transition.from != transition.to).then_some(transition)
    }

    fn expire_shelf(&mut self, now: DateTime<Utc>) -> Option<Transition> {
        let until = self.shelved.as_ref()?.until?;
        if now < until {
            return None;
        }
        let from = self.state();
        self.shelved = None;
        self.reevaluate();
        self.observe(from, "shelf_expired", now)
    }

    /// Lets the measured condition through once its on- or off-delay has elapsed.
    fn settle_condition(&mut self, now: DateTime<Utc>) -> Option<Transition> {
        let since = self.measured_since?;
        if self.measured == self.active {
            return None;
        }
        let delay = if self.measured { self.config.on_delay } else { self.config.off_delay };
        if now - since < delta(delay) {
            return None;
        }
        let from = self.state();
        self.active = self.measured;
        if self.active {
            self.activate();
            return self.observe(from, "activated", now);
        }
        if self.shelved.as_ref().is_some_and(|shelf| shelf.until.is_none()) {
            self.shelved = None;
            self.reevaluate();
        } else if !self.overlaid() {
            self.clear();
        }
        self.observe(from, "cleared", now)
    }

    fn activate(&mut self) {
        if self.overlaid() {
            self.suppressed_activations += 1;
        } else if matches!(self.core, Core::Normal | Core::RtnUnacknowledged | Core::Latched) {
            self.core = Core::Unacknowledged;
            self.activations += 1;
        }
    }

    fn clear(&mut self) {
        self.core = match self.core {
            Core::Unacknowledged | Core::Acknowledged if self.config.latching => Core::Latched,
            Core::Unacknowledged => Core::RtnUnacknowledged,
            Core::Acknowledged => Core::Normal,
            other => other,
        };
    }

    /// After an overlay lifts: once none remains, bring the core in line with the condition.
    fn reevaluate(&mut self) {
        if self.overlaid() {
            return;
        }
        if self.active {
            self.core = Core::Unacknowledged;
        } else {
            self.clear();
        }
    }

    fn re_alarm(&mut self, now: DateTime<Utc>) -> Option<Transition> {
        let period = self.config.re_alarm?;
        let acked_at = self.acked_at?;
        if self.core != Core::Acknowledged || !self.active || self.overlaid() || now - acked_at < delta(period) {
            return None;
        }
        let from = self.state();
        self.core = Core::Unacknowledged;
        self.observe(from, "re_alarm", now)
    }
}

/// Analog limit check with deadband: a high limit activates above `limit` and, once active, clears
/// only below `limit - deadband` (a low limit mirrors this). A NaN reading keeps the previous answer.
pub fn limit_active(value: f64, limit: f64, deadband: f64, was_active: bool, high: bool) -> bool {
    if value.is_nan() {
        return was_active;
    }
    let deadband = deadband.abs();
    match (high, was_active) {
        (true, false) => value > limit,
        (true, true) => value >= limit - deadband,
        (false, false) => value < limit,
        (false, true) => value <= limit + deadband,
    }
}

fn required(reason: &str) -> Result<String, AlarmError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AlarmError::MissingReason);
    }
    Ok(reason.to_owned())
}

fn shelf_end(duration: Duration, now: DateTime<Utc>) -> Result<DateTime<Utc>, AlarmError> {
    if duration.is_zero() || duration > MAX_SHELF {
        return Err(AlarmError::InvalidShelfDuration);
    }
    now.checked_add_signed(delta(duration)).ok_or(AlarmError::InvalidShelfDuration)
}

fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
#[path = "alarm_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "alarm_props.rs"]
mod props;
