//! What the HTTP handlers and the fleet ask of the book: operator actions with their audit
//! entries (esp-domain §3.4), and queries (one alarm, the alarm list, a well's alarms, counts,
//! KPIs). Listing and KPIs visit every point; the counts are kept as the points change.

use chrono::{DateTime, TimeDelta, Utc};

use super::{ActionOutcome, AlarmBook, AlarmFilter, BookError, PriorityCounts};
use crate::diagnostics::kpi::{AlarmKpis, StaleAlarm, STALE_AFTER};
use crate::diagnostics::{
    Alarm, AlarmError, AlarmId, AlarmRecord, AlarmState, AuditEntry, Priority, Source, Transition,
};
use crate::domain::WellId;

impl AlarmBook {
    /// `unacknowledged` → `acknowledged`, `rtn_unacknowledged` → `normal`.
    pub fn acknowledge(&self, id: &AlarmId, actor: &str, now: DateTime<Utc>) -> Result<ActionOutcome, BookError> {
        self.act(id, actor, "ack", None, now, |alarm| alarm.acknowledge(now))
    }

    /// `latched` → `normal` once the condition is clear; the reason is mandatory.
    pub fn reset(
        &self,
        id: &AlarmId,
        actor: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<ActionOutcome, BookError> {
        self.act(id, actor, "reset", Some(reason), now, |alarm| {
            required(reason)?;
            alarm.reset(now)
        })
    }

    /// Shelves for `duration` (positive, at most 24 h) or, with `None`, until the condition next
    /// clears; the reason is mandatory.
    pub fn shelve(
        &self,
        id: &AlarmId,
        duration: Option<TimeDelta>,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<ActionOutcome, BookError> {
        self.act(id, actor, "shelve", Some(reason), now, |alarm| {
            let duration = duration.map(|d| d.to_std().map_err(|_| AlarmError::InvalidShelfDuration)).transpose()?;
            alarm.shelve(duration, reason, now)
        })
    }

    pub fn unshelve(&self, id: &AlarmId, actor: &str, now: DateTime<Utc>) -> Result<ActionOutcome, BookError> {
        self.act(id, actor, "unshelve", None, now, |alarm| alarm.unshelve(now))
    }

    /// Takes the alarm out of service (maintenance, workover); the reason is mandatory.
    pub fn remove_from_service(
        &self,
        id: &AlarmId,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<ActionOutcome, BookError> {
        self.act(id, actor, "out_of_service", Some(reason), now, |alarm| alarm.remove_from_service(reason, now))
    }

    pub fn return_to_service(&self, id: &AlarmId, actor: &str, now: DateTime<Utc>) -> Result<ActionOutcome, BookError> {
        self.act(id, actor, "return_to_service", None, now, |alarm| alarm.return_to_service(now))
    }

    pub fn get(&self, id: &AlarmId) -> Option<AlarmRecord> {
        let (alarms, i) = self.point(id)?;
        Some(alarms.points.get(i).record())
    }

    /// The alarm list: points matching `filter`, highest priority first, then latest change first.
    pub fn list(&self, filter: &AlarmFilter) -> Vec<AlarmRecord> {
        let mut records = Vec::new();
        let mut collect = |alarms: &super::SourceAlarms| {
            let matching = alarms.points.iter().filter(|p| filter.matches(p.alarm.state(), p.alarm.config().priority));
            records.extend(matching.map(|point| point.record()));
        };
        match &filter.source {
            Some(source) => self.inner.sources.get(source).iter().for_each(|alarms| collect(alarms)),
            None => self.inner.sources.iter().for_each(|alarms| collect(&alarms)),
        }
        sort(&mut records);
        records
    }

    /// Every point of a well, `normal` ones included, in alarm-list order.
    pub fn for_well(&self, well_id: &WellId) -> Vec<AlarmRecord> {
        let filter =
            AlarmFilter { source: Some(Source::Well(well_id.clone())), include_normal: true, ..AlarmFilter::default() };
        self.list(&filter)
    }

    /// Annunciated alarms (in the operator's list, not overlaid) by priority.
    pub fn annunciated_counts(&self) -> PriorityCounts {
        self.inner.shared.counts()
    }

    /// Names of a source's points whose condition is active (after delays), suppressed or not.
    pub fn active_names(&self, source: &Source) -> Vec<String> {
        let Some(alarms) = self.inner.sources.get(source) else { return Vec::new() };
        alarms.points.iter().filter(|point| point.alarm.condition_active()).map(|point| point.name.clone()).collect()
    }

    /// The alarm KPIs at `now` over the configured window (esp-domain §3.2).
    pub fn kpis(&self, now: DateTime<Utc>) -> AlarmKpis {
        self.inner.shared.kpis(now, self.stale(now))
    }

    /// Annunciated alarms whose condition has been active continuously for longer than a day.
    fn stale(&self, now: DateTime<Utc>) -> Vec<StaleAlarm> {
        let mut stale = Vec::new();
        for alarms in self.inner.sources.iter() {
            for point in alarms.points.iter().filter(|point| point.alarm.annunciated()) {
                let Some(since) = point.active_since.filter(|_| point.alarm.condition_active()) else { continue };
                if now - since > STALE_AFTER {
                    stale.push(StaleAlarm { id: point.id.clone(), active_since: since });
                }
            }
        }
        stale
    }

    /// Applies an operator action to one point, settles it like any other change and announces
    /// it once the point is unlocked.
    fn act(
        &self,
        id: &AlarmId,
        actor: &str,
        action: &str,
        reason: Option<&str>,
        now: DateTime<Utc>,
        apply: impl FnOnce(&mut Alarm) -> Result<Transition, AlarmError>,
    ) -> Result<ActionOutcome, BookError> {
        let (mut alarms, i) = self.point_mut(id).ok_or_else(|| BookError::UnknownAlarm(id.clone()))?;
        let actor = actor.trim();
        if actor.is_empty() {
            return Err(BookError::MissingActor);
        }
        let point = alarms.points.get_mut(i);
        let before = point.fingerprint();
        let transition = apply(&mut point.alarm)?;
        point.settle_action(before, &transition, &self.inner.shared, now);
        let audit = AuditEntry {
            at: now,
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: id.to_string(),
            reason: reason.map(str::trim).filter(|reason| !reason.is_empty()).map(str::to_owned),
            before: Some(transition.from.to_string()),
            after: Some(transition.to.to_string()),
            role: None,
            client: None,
            params: None,
            result: None,
        };
        let outcome =
            ActionOutcome { journal: point.journal_entry(&transition, Some(actor)), record: point.record(), audit };
        drop(alarms);
        self.inner.announcer.action(&outcome);
        Ok(outcome)
    }
}

fn required(reason: &str) -> Result<(), AlarmError> {
    if reason.trim().is_empty() {
        return Err(AlarmError::MissingReason);
    }
    Ok(())
}

fn sort(records: &mut [AlarmRecord]) {
    let rank = |priority: Priority| match priority {
        Priority::High => 0,
        Priority::Medium => 1,
        Priority::Low => 2,
    };
    let normal_last = |state: AlarmState| state == AlarmState::Normal;
    records.sort_by(|a, b| {
        (normal_last(a.state), rank(a.priority))
            .cmp(&(normal_last(b.state), rank(b.priority)))
            .then_with(|| b.updated_at.cmp(&a.updated_at))
            .then_with(|| a.id.cmp(&b.id))
    });
}
