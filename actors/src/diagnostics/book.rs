//! The fleet's alarm book: every alarm point, shared by the well actors that evaluate their
//! diagnoses, the fleet actor that evaluates feeder and gateway conditions, and the HTTP handlers
//! that list alarms and take operator actions (esp-domain §3).
//!
//! Pure, with the clock injected: every method takes `now`; nothing here does IO. Each call
//! returns what changed ([`BookChanges`], or an [`ActionOutcome`] for an operator action) for the
//! caller to hand to the recorder, and announces each state change to the book's one listener
//! ([`AlarmBook::listen`]: the fleet's live event stream, `book_events.rs`).
//!
//! Layout: points are grouped by [`Source`] in a sharded map, so a well evaluates its ~18 points
//! under one shard lock and no lock is fleet-wide on the hot path. Beside them, in `shared`: each
//! external parent's status and member wells, a timer queue holding only points with something
//! pending (so [`AlarmBook::tick`] costs one lock when nothing is due), annunciated counts by
//! priority (atomics), and the activation log behind [`AlarmBook::kpis`].
//!
//! Suppression by design (esp-domain §2.1, §3.3) is owned here: a point is linked to a parent
//! (feeder `power_event`, gateway `comms_loss`, its well's `comms_loss`) or to the specific alarm
//! that explains it, by the rule in `book_source.rs`; when a parent clears, its children stay
//! linked for the parent's grace and then re-annunciate only if their condition still holds.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use dashmap::mapref::one::{Ref, RefMut};
use dashmap::DashMap;

use super::{AlarmId, AlarmRecord, Source};
use crate::domain::WellId;

#[path = "book_types.rs"]
mod types;

#[path = "book_shared.rs"]
mod shared;

#[path = "book_point.rs"]
mod point;

#[path = "book_source.rs"]
mod source;

#[path = "book_ops.rs"]
mod ops;

#[path = "book_events.rs"]
mod events;

pub use events::{AlarmEvent, AlarmListener};
pub use types::{
    ActionOutcome, AlarmFilter, BookChanges, BookError, BookSettings, Evaluation, ParentKind, PriorityCounts,
    SuppressFamily,
};

use events::Announcer;
use point::Point;
use shared::Shared;
use source::{Membership, SourceAlarms};

/// The registry of alarm points. Cheap to clone: clones share one book.
#[derive(Clone)]
pub struct AlarmBook {
    inner: Arc<Inner>,
}

struct Inner {
    sources: DashMap<Source, SourceAlarms>,
    shared: Shared,
    /// Who hears of each state change as it happens (the fleet's event stream).
    announcer: Announcer,
}

impl fmt::Debug for AlarmBook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlarmBook").field("sources", &self.inner.sources.len()).finish_non_exhaustive()
    }
}

impl AlarmBook {
    /// An empty book under default settings; `now` starts the KPI history.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self::with_settings(BookSettings::default(), now)
    }

    pub fn with_settings(settings: BookSettings, now: DateTime<Utc>) -> Self {
        let shared = Shared::new(settings, now);
        Self { inner: Arc::new(Inner { sources: DashMap::new(), shared, announcer: Announcer::default() }) }
    }

    /// Tells `listener` of every state change from now on, automatic or by an operator,
    /// replacing any earlier listener. Restored points are not announced: nothing changed.
    pub fn listen(&self, listener: Arc<dyn AlarmListener>) {
        self.inner.announcer.set(listener);
    }

    /// Makes a well a member of its feeder's and gateway's parent alarms (replacing an earlier
    /// registration) and relinks its points at once.
    pub fn register_well(
        &self,
        well_id: WellId,
        feeder: Option<String>,
        gateway: Option<String>,
        now: DateTime<Utc>,
    ) -> BookChanges {
        let membership = Membership::new(feeder, gateway);
        for parent in membership.parents() {
            self.inner.shared.join(parent, &well_id);
        }
        let previous = self.source_mut(Source::Well(well_id.clone())).membership.replace(membership.clone());
        for parent in previous.iter().flat_map(Membership::parents) {
            if !membership.parents().any(|kept| kept == parent) {
                self.inner.shared.leave(parent, &well_id);
            }
        }
        self.relink_well(well_id, now)
    }

    /// Ends a well's membership of its parents; its points stay (a restarted well actor finds
    /// them) but are no longer suppressed by those parents.
    pub fn unregister_well(&self, well_id: &WellId, now: DateTime<Utc>) -> BookChanges {
        let previous = self.inner.sources.get_mut(&Source::Well(well_id.clone())).and_then(|mut s| s.membership.take());
        for parent in previous.iter().flat_map(Membership::parents) {
            self.inner.shared.leave(parent, well_id);
        }
        self.relink_well(well_id.clone(), now)
    }

    /// Feeds one alarm point's condition; see [`AlarmBook::evaluate_all`].
    pub fn evaluate(&self, source: &Source, input: Evaluation<'_>, now: DateTime<Utc>) -> BookChanges {
        self.evaluate_all(source, &[input], now)
    }

    /// Feeds the conditions of a source's points under one lock (a well's poll). Quiet points that
    /// stay quiet cost a lookup and produce no changes.
    pub fn evaluate_all(&self, source: &Source, inputs: &[Evaluation<'_>], now: DateTime<Utc>) -> BookChanges {
        let mut out = BookChanges::default();
        let sweeps = match self.inner.sources.get_mut(source) {
            Some(mut alarms) => alarms.evaluate_all(source, inputs, &self.inner.shared, now, &mut out),
            None => self.source_mut(source.clone()).evaluate_all(source, inputs, &self.inner.shared, now, &mut out),
        };
        self.sweep(sweeps, now, &mut out);
        out.compact();
        self.inner.announcer.changes(&out);
        out
    }

    /// Applies what time alone decides: shelf expiry, elapsed delays, re-alarm and the end of a
    /// parent's grace. Call it from a periodic timer; it visits only points that are due.
    pub fn tick(&self, now: DateTime<Utc>) -> BookChanges {
        let mut out = BookChanges::default();
        let mut sweeps = Vec::new();
        for id in self.inner.shared.take_due(now) {
            if let Some((mut alarms, i)) = self.point_mut(&id) {
                sweeps.extend(alarms.tick(i, &self.inner.shared, now, &mut out));
            }
        }
        self.sweep(sweeps, now, &mut out);
        out.compact();
        self.inner.announcer.changes(&out);
        out
    }

    /// Resumes persisted points at start-up, before the first evaluation; a point that already
    /// exists is kept. Each restored point keeps its recorded priority and state (an
    /// unacknowledged alarm stays unacknowledged) until its owner's next evaluation supplies its
    /// design settings. Returns how many were restored.
    pub fn restore(&self, records: Vec<AlarmRecord>) -> usize {
        let mut restored = 0;
        for record in records {
            let mut alarms = self.source_mut(record.source.clone());
            if alarms.points.find(&record.name).is_some() {
                continue;
            }
            let mut point = Point::restored(record);
            point.adopt(&self.inner.shared);
            alarms.points.insert(point);
            restored += 1;
        }
        restored
    }

    fn source_mut(&self, source: Source) -> RefMut<'_, Source, SourceAlarms> {
        self.inner.sources.entry(source).or_default()
    }

    fn relink_well(&self, well_id: WellId, now: DateTime<Utc>) -> BookChanges {
        let mut out = BookChanges::default();
        if let Some(mut alarms) = self.inner.sources.get_mut(&Source::Well(well_id)) {
            alarms.relink_all(&self.inner.shared, now, &mut out);
        }
        out.compact();
        self.inner.announcer.changes(&out);
        out
    }

    /// Relinks the member wells of parents whose hold changed. Called with no source locked.
    fn sweep(&self, mut parents: Vec<AlarmId>, now: DateTime<Utc>, out: &mut BookChanges) {
        parents.sort();
        parents.dedup();
        for parent in parents {
            for well in self.inner.shared.members(&parent) {
                if let Some(mut alarms) = self.inner.sources.get_mut(&Source::Well(well)) {
                    // Wells are never external parents, so this yields no further sweep.
                    alarms.relink_all(&self.inner.shared, now, out);
                }
            }
        }
    }

    fn point(&self, id: &AlarmId) -> Option<(Ref<'_, Source, SourceAlarms>, usize)> {
        candidates(id).find_map(|(source, name)| {
            let alarms = self.inner.sources.get(&source)?;
            let i = alarms.points.find(name).filter(|&i| alarms.points.get(i).id == *id)?;
            Some((alarms, i))
        })
    }

    fn point_mut(&self, id: &AlarmId) -> Option<(RefMut<'_, Source, SourceAlarms>, usize)> {
        candidates(id).find_map(|(source, name)| {
            let alarms = self.inner.sources.get_mut(&source)?;
            let i = alarms.points.find(name).filter(|&i| alarms.points.get(i).id == *id)?;
            Some((alarms, i))
        })
    }
}

/// The (source, name) pairs an id could stand for: `{source}:{name}` split at each `:` from the
/// right, since gateway endpoints contain `:` and names do not.
fn candidates(id: &AlarmId) -> impl Iterator<Item = (Source, &str)> {
    let raw = id.as_str();
    raw.rmatch_indices(':').filter_map(move |(at, _)| Some((Source::parse(&raw[..at])?, &raw[at + 1..])))
}

#[cfg(test)]
#[path = "book_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "book_suppression_tests.rs"]
mod suppression_tests;

#[cfg(test)]
#[path = "book_props.rs"]
mod props;
