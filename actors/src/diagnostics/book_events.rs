//! The alarm book's live announcements: every state change of an alarm point, automatic or by an
//! operator, told to one listener (the Fleet actor, which numbers it and puts it on the fleet's
//! event stream) as it happens. The book stays pure: announcing is one plain call per change, and
//! a listener must queue, never wait, because the book calls it from wherever the change happened
//! (a well's poll, the fleet's tick, an HTTP handler).

use std::sync::{Arc, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ActionOutcome, BookChanges};
use crate::diagnostics::{AlarmId, AlarmJournalEntry, AlarmRecord, AlarmState, Priority, Source};
use crate::domain::WellId;

/// One alarm point's state change, as the control room's live feed shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlarmEvent {
    pub alarm_id: AlarmId,
    pub source: Source,
    /// The diagnosis or system condition (`gas_lock`, `supervision_failed`).
    pub name: String,
    pub priority: Priority,
    pub from: AlarmState,
    pub to: AlarmState,
    /// What moved it: `activated`, `cleared`, `acknowledged`, `shelved`, `suppressed`, …
    pub cause: String,
    /// The operator, for operator actions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    pub at: DateTime<Utc>,
    /// The point's line in the alarm list: what is wrong and the advice.
    pub message: String,
}

impl AlarmEvent {
    fn new(entry: &AlarmJournalEntry, record: &AlarmRecord) -> Self {
        Self {
            alarm_id: entry.alarm_id.clone(),
            source: record.source.clone(),
            name: record.name.clone(),
            priority: entry.priority,
            from: entry.from,
            to: entry.to,
            cause: entry.cause.clone(),
            actor: entry.actor.clone(),
            at: entry.at,
            message: record.message.clone(),
        }
    }

    /// The well the alarm is about; none for feeder, gateway and system alarms.
    pub fn well_id(&self) -> Option<&WellId> {
        self.source.well_id()
    }
}

/// Hears of every alarm state change, in the order each point went through them.
pub trait AlarmListener: Send + Sync {
    /// Must return at once: it runs under no book lock, but on the caller's time.
    fn alarm_changed(&self, event: AlarmEvent);
}

/// The book's one listener slot; empty until the fleet starts, and then nothing is announced.
#[derive(Default)]
pub(super) struct Announcer {
    listener: RwLock<Option<Arc<dyn AlarmListener>>>,
}

impl Announcer {
    pub(super) fn set(&self, listener: Arc<dyn AlarmListener>) {
        *self.listener.write().unwrap_or_else(PoisonError::into_inner) = Some(listener);
    }

    fn current(&self) -> Option<Arc<dyn AlarmListener>> {
        self.listener.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Announces the automatic changes of one book call.
    pub(super) fn changes(&self, changes: &BookChanges) {
        if changes.journal.is_empty() {
            return;
        }
        let Some(listener) = self.current() else { return };
        for entry in &changes.journal {
            // A journalled transition always leaves its point's latest record in `states`.
            if let Some(record) = changes.states.iter().rev().find(|record| record.id == entry.alarm_id) {
                listener.alarm_changed(AlarmEvent::new(entry, record));
            }
        }
    }

    /// Announces an operator action; it is journalled even when an overlay hides its effect.
    pub(super) fn action(&self, outcome: &ActionOutcome) {
        if let Some(listener) = self.current() {
            listener.alarm_changed(AlarmEvent::new(&outcome.journal, &outcome.record));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use chrono::{TimeDelta, TimeZone};

    use super::*;
    use crate::diagnostics::book::{AlarmBook, Evaluation};
    use crate::diagnostics::AlarmConfig;

    #[derive(Default)]
    struct Heard(Mutex<Vec<AlarmEvent>>);

    impl AlarmListener for Heard {
        fn alarm_changed(&self, event: AlarmEvent) {
            self.0.lock().unwrap_or_else(PoisonError::into_inner).push(event);
        }
    }

    impl Heard {
        fn take(&self) -> Vec<(AlarmState, AlarmState, String, Option<String>)> {
            let mut heard = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            heard.drain(..).map(|e| (e.from, e.to, e.cause, e.actor)).collect()
        }
    }

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000, 0).single().unwrap_or_default() + TimeDelta::seconds(secs)
    }

    #[test]
    fn every_automatic_and_operator_change_is_announced_once() {
        use AlarmState::*;
        let book = AlarmBook::new(at(0));
        let heard = Arc::new(Heard::default());
        book.listen(heard.clone());
        let source = Source::Well(WellId::new("W-001").unwrap_or_else(|e| panic!("{e}")));
        let evaluate = |measured, secs| {
            let config = AlarmConfig::new(Priority::High);
            book.evaluate(&source, Evaluation::condition("overload", config, measured, "motor overload"), at(secs))
        };
        evaluate(true, 1);
        evaluate(true, 2);
        let raised = heard.0.lock().unwrap_or_else(PoisonError::into_inner)[0].clone();
        assert_eq!((raised.alarm_id.as_str(), raised.name.as_str()), ("W-001:overload", "overload"));
        assert_eq!(
            (raised.source, raised.priority, raised.message.as_str()),
            (source.clone(), Priority::High, "motor overload")
        );
        assert_eq!(raised.at, at(1));
        assert_eq!(
            heard.take(),
            [(Normal, Unacknowledged, "activated".into(), None)],
            "a condition that holds is told once"
        );

        book.acknowledge(&raised.alarm_id, "operator-1", at(3)).unwrap_or_else(|e| panic!("{e}"));
        evaluate(false, 4);
        let heard = heard.take();
        assert_eq!(heard.len(), 2, "{heard:?}");
        assert_eq!((heard[0].1, heard[0].3.as_deref()), (Acknowledged, Some("operator-1")));
        assert_eq!((heard[1].0, heard[1].1), (Acknowledged, Normal));
    }

    #[test]
    fn restored_points_are_not_announced() {
        let book = AlarmBook::new(at(0));
        let source = Source::System;
        let config = AlarmConfig::new(Priority::Low);
        book.evaluate(&source, Evaluation::condition("store_unavailable", config, true, "down"), at(1));
        let records = book.list(&crate::diagnostics::AlarmFilter::default());
        let restarted = AlarmBook::new(at(2));
        let heard = Arc::new(Heard::default());
        restarted.listen(heard.clone());
        assert_eq!(restarted.restore(records), 1);
        assert!(heard.take().is_empty());
    }
}
