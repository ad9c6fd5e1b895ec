//! One alarm point of the book: the [`Alarm`] state machine with what the book keeps beside it
//! (message, suppression family, link to its parent, parent role and grace, timer). Every change
//! to a point ends in [`Point::settle`], which journals it, keeps the counts, the KPI log and the
//! timer queue in step, and says whether suppression elsewhere must be looked at again.

use chrono::{DateTime, TimeDelta, Utc};

use super::shared::{ParentStatus, Shared};
use super::{BookChanges, Evaluation, ParentKind, SuppressFamily};
use crate::diagnostics::kpi::ActivationKind;
use crate::diagnostics::{
    Alarm, AlarmConfig, AlarmId, AlarmJournalEntry, AlarmRecord, AlarmState, CoreState, Priority, Source, Transition,
};

#[derive(Clone, Debug)]
pub(super) struct Point {
    pub(super) id: AlarmId,
    pub(super) source: Source,
    pub(super) name: String,
    pub(super) alarm: Alarm,
    pub(super) message: String,
    pub(super) family: SuppressFamily,
    pub(super) explained_by: Option<AlarmId>,
    /// The parent or specific alarm that suppresses this one now.
    pub(super) link: Option<AlarmId>,
    pub(super) role: Option<ParentKind>,
    /// The condition as last measured, before the delays.
    pub(super) measured: bool,
    /// When the condition last became active (after its delays).
    pub(super) active_since: Option<DateTime<Utc>>,
    /// A cleared parent keeps its children suppressed until then.
    grace_until: Option<DateTime<Utc>>,
    /// The parent status last told to the children.
    published: ParentStatus,
    /// Where this point sits in the timer queue.
    pub(super) scheduled: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    /// A change that the fingerprint does not show (the link) awaits persisting.
    dirty: bool,
}

/// What of a point, when changed, must be persisted or counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Fingerprint {
    state: AlarmState,
    core: AlarmState,
    active: bool,
    annunciated: bool,
    priority: Priority,
    activations: u64,
    hidden_activations: u64,
}

/// What a settled change means beyond the point itself.
#[derive(Debug, Default)]
pub(super) struct Effects {
    /// The condition became active or cleared: explained generics may need relinking.
    pub(super) activity_changed: bool,
    /// The point is a parent whose hold on its children changed.
    pub(super) parent_changed: bool,
    /// The point is an external parent whose member wells must be looked at again.
    pub(super) sweep: Option<AlarmId>,
}

impl Point {
    pub(super) fn new(source: &Source, name: &str, config: AlarmConfig, now: DateTime<Utc>) -> Self {
        Self {
            id: AlarmId::new(source, name),
            source: source.clone(),
            name: name.to_owned(),
            alarm: Alarm::new(config),
            message: String::new(),
            family: SuppressFamily::for_name(name),
            explained_by: None,
            link: None,
            role: ParentKind::of(source, name),
            measured: false,
            active_since: None,
            grace_until: None,
            published: ParentStatus::Quiet,
            scheduled: None,
            updated_at: now,
            dirty: false,
        }
    }

    /// A point resumed from its record. Until its owner evaluates it again it keeps the recorded
    /// priority, latches if it was latched, and has no delays: a delay running at shutdown is
    /// dropped (the next evaluation measures afresh) so a tick cannot settle it under the wrong
    /// settings. A cleared parent's grace is not resumed.
    pub(super) fn restored(record: AlarmRecord) -> Self {
        let mut memory = record.memory;
        memory.measured = memory.active;
        let config = AlarmConfig { latching: memory.core == CoreState::Latched, ..AlarmConfig::new(record.priority) };
        let active_since = memory.active.then_some(memory.measured_since.unwrap_or(record.updated_at));
        let measured = memory.measured;
        Self {
            family: SuppressFamily::for_name(&record.name),
            role: ParentKind::of(&record.source, &record.name),
            alarm: Alarm::restore(config, memory),
            id: record.id,
            source: record.source,
            name: record.name,
            message: record.message,
            explained_by: None,
            link: record.parent,
            measured,
            active_since,
            grace_until: None,
            published: ParentStatus::Quiet,
            scheduled: None,
            updated_at: record.updated_at,
            dirty: false,
        }
    }

    /// Takes the owner's settings, message and measured condition (before the alarm sees it).
    pub(super) fn take_design(&mut self, input: &Evaluation<'_>) {
        if self.alarm.config() != &input.config {
            self.alarm = Alarm::restore(input.config.clone(), self.alarm.memory());
        }
        if self.message != input.message {
            input.message.clone_into(&mut self.message);
        }
        if self.explained_by != input.explained_by {
            self.explained_by.clone_from(&input.explained_by);
        }
        self.family = input.suppress_family;
        self.measured = input.measured;
    }

    /// Links the point to `link` (or unlinks it) and sets suppression by design to match.
    pub(super) fn relink(&mut self, link: Option<AlarmId>, now: DateTime<Utc>) -> Option<Transition> {
        let suppressed = link.is_some();
        self.link = link;
        self.dirty = true;
        self.alarm.set_suppressed(suppressed, now)
    }

    pub(super) fn fingerprint(&self) -> Fingerprint {
        Fingerprint {
            state: self.alarm.state(),
            core: self.alarm.core_state(),
            active: self.alarm.condition_active(),
            annunciated: self.alarm.annunciated(),
            priority: self.alarm.config().priority,
            activations: self.alarm.activations(),
            hidden_activations: self.alarm.suppressed_activations(),
        }
    }

    /// Journals `transitions` (automatic ones), counts, persists, reschedules, and reports what
    /// the change means for other points.
    pub(super) fn settle(
        &mut self,
        before: Fingerprint,
        transitions: &[Transition],
        shared: &Shared,
        now: DateTime<Utc>,
        out: &mut BookChanges,
    ) -> Effects {
        let activity_changed = self.note(before, transitions, shared, now, out);
        let parent_changed = self.publish(shared, now);
        self.reschedule(shared);
        let sweep = (parent_changed && self.role.is_some_and(ParentKind::is_external)).then(|| self.id.clone());
        Effects { activity_changed, parent_changed, sweep }
    }

    /// Settles an operator action. An action changes no condition; a parent's grace that ended
    /// meanwhile is left to the tick or the next evaluation, which can report the children's
    /// changes.
    pub(super) fn settle_action(
        &mut self,
        before: Fingerprint,
        transition: &Transition,
        shared: &Shared,
        now: DateTime<Utc>,
    ) {
        self.note(before, std::slice::from_ref(transition), shared, now, &mut BookChanges::default());
        self.reschedule(shared);
    }

    /// Whether the point must be relinked to match `desired`.
    pub(super) fn needs_relink(&self, desired: Option<&AlarmId>) -> bool {
        desired != self.link.as_ref() || desired.is_some() != self.alarm.is_suppressed()
    }

    /// Journals, counts and persists a change; whether the condition became active or cleared.
    fn note(
        &mut self,
        before: Fingerprint,
        transitions: &[Transition],
        shared: &Shared,
        now: DateTime<Utc>,
        out: &mut BookChanges,
    ) -> bool {
        let after = self.fingerprint();
        out.journal.extend(transitions.iter().map(|transition| self.journal_entry(transition, None)));
        self.count(before, after, transitions, shared, now);
        let activity_changed = before.active != after.active;
        if activity_changed {
            self.note_activity(after.active, shared, now, out);
        }
        if after != before || self.dirty || !transitions.is_empty() {
            self.updated_at = now;
            self.dirty = false;
            out.states.push(self.record());
        }
        activity_changed
    }

    /// The hold this point has on its children now, if it is a parent.
    pub(super) fn parent_status(&self, now: DateTime<Utc>) -> ParentStatus {
        if self.alarm.condition_active() {
            return ParentStatus::Active;
        }
        match self.grace_until {
            Some(until) if now < until => ParentStatus::Grace(until),
            _ => ParentStatus::Quiet,
        }
    }

    /// If this point is a parent whose hold changed, tells its children (an external parent
    /// through the shared parents map); whether it did.
    pub(super) fn publish(&mut self, shared: &Shared, now: DateTime<Utc>) -> bool {
        let Some(role) = self.role else { return false };
        let status = self.parent_status(now);
        if status == ParentStatus::Quiet {
            self.grace_until = None;
        }
        if status == self.published {
            return false;
        }
        self.published = status;
        if role.is_external() {
            shared.publish(&self.id, status);
        }
        true
    }

    pub(super) fn record(&self) -> AlarmRecord {
        AlarmRecord {
            id: self.id.clone(),
            source: self.source.clone(),
            name: self.name.clone(),
            priority: self.alarm.config().priority,
            state: self.alarm.state(),
            parent: self.link.clone(),
            message: self.message.clone(),
            updated_at: self.updated_at,
            memory: self.alarm.memory(),
        }
    }

    pub(super) fn journal_entry(&self, transition: &Transition, actor: Option<&str>) -> AlarmJournalEntry {
        AlarmJournalEntry {
            alarm_id: self.id.clone(),
            at: transition.at,
            from: transition.from,
            to: transition.to,
            cause: transition.cause.to_owned(),
            priority: self.alarm.config().priority,
            actor: actor.map(str::to_owned),
        }
    }

    /// Brings a restored point into the counts, the timer queue and, for a parent, its children's
    /// view.
    pub(super) fn adopt(&mut self, shared: &Shared) {
        if self.alarm.annunciated() {
            shared.count(self.alarm.config().priority, 1);
        }
        self.publish(shared, self.updated_at);
        self.reschedule(shared);
    }

    fn count(
        &self,
        before: Fingerprint,
        after: Fingerprint,
        transitions: &[Transition],
        shared: &Shared,
        now: DateTime<Utc>,
    ) {
        for _ in before.activations..after.activations {
            shared.record(&self.id, ActivationKind::Annunciated, now);
        }
        for _ in before.hidden_activations..after.hidden_activations {
            shared.record(&self.id, hidden_kind(after.state), now);
        }
        for _ in transitions.iter().filter(|transition| reannunciates(transition)) {
            shared.record(&self.id, ActivationKind::Reannunciated, now);
        }
        if (before.annunciated, before.priority) != (after.annunciated, after.priority) {
            if before.annunciated {
                shared.count(before.priority, -1);
            }
            if after.annunciated {
                shared.count(after.priority, 1);
            }
        }
    }

    fn note_activity(&mut self, active: bool, shared: &Shared, now: DateTime<Utc>, out: &mut BookChanges) {
        if active {
            out.raised.push(self.id.clone());
            self.active_since = Some(now);
            self.grace_until = None;
            return;
        }
        out.cleared.push(self.id.clone());
        self.active_since = None;
        if let Some(role) = self.role {
            self.grace_until = Some(later(now, role.grace(&shared.settings)));
        }
    }

    fn reschedule(&mut self, shared: &Shared) {
        let next = self.next_due();
        if next != self.scheduled {
            shared.reschedule(&self.id, self.scheduled, next);
            self.scheduled = next;
        }
    }

    /// The next time something is due without a new measurement: shelf expiry, an elapsed delay,
    /// re-alarm, the end of a parent's grace.
    fn next_due(&self) -> Option<DateTime<Utc>> {
        let memory = self.alarm.memory();
        let config = self.alarm.config();
        let shelf = memory.shelf.as_ref().and_then(|shelf| shelf.until);
        let delay = if memory.measured { config.on_delay } else { config.off_delay };
        let settle = (memory.measured != memory.active).then_some(memory.measured_since).flatten();
        let settle = settle.map(|since| later(since, std_delta(delay)));
        let plain = self.alarm.state() == AlarmState::Acknowledged && memory.active;
        let re_alarm = match (plain, config.re_alarm, memory.acked_at) {
            (true, Some(period), Some(acked_at)) => Some(later(acked_at, std_delta(period))),
            _ => None,
        };
        [shelf, settle, re_alarm, self.grace_until].into_iter().flatten().min()
    }
}

fn hidden_kind(state: AlarmState) -> ActivationKind {
    match state {
        AlarmState::OutOfService => ActivationKind::OutOfService,
        AlarmState::Shelved => ActivationKind::Shelved,
        _ => ActivationKind::Suppressed,
    }
}

/// An overlay lifted and an active condition is shown again.
fn reannunciates(transition: &Transition) -> bool {
    let overlaid =
        matches!(transition.from, AlarmState::Shelved | AlarmState::SuppressedByDesign | AlarmState::OutOfService);
    overlaid && transition.to == AlarmState::Unacknowledged
}

fn std_delta(duration: std::time::Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

/// `at + delta`, or the end of time when that overflows.
fn later(at: DateTime<Utc>, delta: TimeDelta) -> DateTime<Utc> {
    at.checked_add_signed(delta).unwrap_or(DateTime::<Utc>::MAX_UTC)
}
