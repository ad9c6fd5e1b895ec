//! What all sources of the book share: the status and members of each external parent, the timer
//! queue, the annunciated counts and the activation log. Each sits behind its own small lock,
//! taken only while no other of these is held; a source's shard lock may be held around them,
//! never the reverse, so the lock order is always "source, then shared".

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use dashmap::DashMap;

use super::{BookSettings, PriorityCounts};
use crate::diagnostics::kpi::{ActivationKind, ActivationLog, AlarmKpis, StaleAlarm};
use crate::diagnostics::{AlarmId, Priority};
use crate::domain::WellId;

/// Whether a parent suppresses its children now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum ParentStatus {
    #[default]
    Quiet,
    Active,
    /// Cleared, but children stay suppressed until then.
    Grace(DateTime<Utc>),
}

impl ParentStatus {
    pub(super) fn holds(self, now: DateTime<Utc>) -> bool {
        match self {
            Self::Quiet => false,
            Self::Active => true,
            Self::Grace(until) => now < until,
        }
    }
}

/// An external parent (feeder `power_event`, gateway `comms_loss`) as its children see it.
#[derive(Debug, Default)]
pub(super) struct ParentLink {
    pub(super) status: ParentStatus,
    pub(super) members: HashSet<WellId>,
}

#[derive(Debug)]
pub(super) struct Shared {
    pub(super) settings: BookSettings,
    /// Keyed by the parent's alarm id, which every member well keeps at hand.
    parents: DashMap<AlarmId, ParentLink>,
    /// When each point with a pending timer is next due; only points with timers are listed.
    timers: Mutex<BTreeSet<(DateTime<Utc>, AlarmId)>>,
    /// Annunciated points by priority: high, medium, low.
    counts: [AtomicI64; 3],
    log: Mutex<ActivationLog>,
}

impl Shared {
    pub(super) fn new(settings: BookSettings, now: DateTime<Utc>) -> Self {
        let log = Mutex::new(ActivationLog::new(&settings.kpi, now));
        Self { settings, parents: DashMap::new(), timers: Mutex::default(), counts: Default::default(), log }
    }

    pub(super) fn status(&self, parent: &AlarmId) -> ParentStatus {
        self.parents.get(parent).map(|link| link.status).unwrap_or_default()
    }

    pub(super) fn publish(&self, parent: &AlarmId, status: ParentStatus) {
        self.parents.entry(parent.clone()).or_default().status = status;
    }

    pub(super) fn join(&self, parent: &AlarmId, well: &WellId) {
        self.parents.entry(parent.clone()).or_default().members.insert(well.clone());
    }

    pub(super) fn leave(&self, parent: &AlarmId, well: &WellId) {
        if let Some(mut link) = self.parents.get_mut(parent) {
            link.members.remove(well);
        }
    }

    pub(super) fn members(&self, parent: &AlarmId) -> Vec<WellId> {
        self.parents.get(parent).map(|link| link.members.iter().cloned().collect()).unwrap_or_default()
    }

    /// Moves a point's timer from `old` to `new`.
    pub(super) fn reschedule(&self, id: &AlarmId, old: Option<DateTime<Utc>>, new: Option<DateTime<Utc>>) {
        let mut timers = lock(&self.timers);
        if let Some(old) = old {
            timers.remove(&(old, id.clone()));
        }
        if let Some(new) = new {
            timers.insert((new, id.clone()));
        }
    }

    /// Takes the points due at `now` off the queue; one lock and one look when none is.
    pub(super) fn take_due(&self, now: DateTime<Utc>) -> Vec<AlarmId> {
        let mut timers = lock(&self.timers);
        let mut due = Vec::new();
        while timers.first().is_some_and(|(at, _)| *at <= now) {
            if let Some((_, id)) = timers.pop_first() {
                due.push(id);
            }
        }
        due
    }

    /// Moves one annunciated point in or out of the count of its priority.
    pub(super) fn count(&self, priority: Priority, delta: i64) {
        self.counts[slot(priority)].fetch_add(delta, Ordering::Relaxed);
    }

    pub(super) fn counts(&self) -> PriorityCounts {
        let read = |priority| self.counts[slot(priority)].load(Ordering::Relaxed).max(0) as u64;
        PriorityCounts { high: read(Priority::High), medium: read(Priority::Medium), low: read(Priority::Low) }
    }

    pub(super) fn record(&self, id: &AlarmId, kind: ActivationKind, at: DateTime<Utc>) {
        lock(&self.log).record(id.clone(), kind, at);
    }

    pub(super) fn kpis(&self, now: DateTime<Utc>, stale: Vec<StaleAlarm>) -> AlarmKpis {
        lock(&self.log).kpis(now, stale)
    }
}

fn slot(priority: Priority) -> usize {
    match priority {
        Priority::High => 0,
        Priority::Medium => 1,
        Priority::Low => 2,
    }
}

/// A panic elsewhere leaves these structures consistent (each update is one call), so a poisoned
/// lock is taken as is.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
