//! Subscribers get what their filter asks for, in order; one that stops reading or falls behind
//! is dropped and counted while publishing goes on unhindered; the limit refuses one more. And
//! the Fleet actor numbers status, alarm and restart events in one sequence.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use ractor::Actor;

use super::*;
use crate::clock::SystemClock;
use crate::diagnostics::book::{AlarmBook, AlarmEvent, AlarmListener, Evaluation};
use crate::diagnostics::{AlarmConfig, AlarmState, Priority, Source};
use crate::fleet::{FleetActor, FleetArgs, FleetMsg, RestartCause, RestartEvent, StatusEvent};

fn well(id: &str) -> WellId {
    WellId::new(id).unwrap_or_else(|e| panic!("{e}"))
}

fn status(id: &str) -> FleetEvent {
    let at = Utc.timestamp_opt(1_700_000_000, 0).single().unwrap_or_default();
    FleetEvent::Status(StatusEvent {
        well_id: well(id),
        at,
        kind: "connection",
        from: Some("online".into()),
        to: Some("offline".into()),
        detail: None,
    })
}

fn restart(id: &str) -> FleetEvent {
    let at = Utc.timestamp_opt(1_700_000_000, 0).single().unwrap_or_default();
    FleetEvent::Restart(RestartEvent { well_id: well(id), at, cause: RestartCause::Operator, reason: None })
}

/// An alarm event, taken from a real book so its fields are what the book announces.
fn alarm(source: &Source) -> FleetEvent {
    struct Keep(std::sync::Mutex<Vec<AlarmEvent>>);
    impl AlarmListener for Keep {
        fn alarm_changed(&self, event: AlarmEvent) {
            self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(event);
        }
    }
    let now = Utc::now();
    let book = AlarmBook::new(now);
    let kept = Arc::new(Keep(std::sync::Mutex::default()));
    book.listen(kept.clone());
    let config = AlarmConfig::new(Priority::High);
    book.evaluate(source, Evaluation::condition("test_condition", config, true, "a test"), now);
    let event = kept.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
    FleetEvent::Alarm(event.unwrap_or_else(|| panic!("the book announced nothing")))
}

fn filter(wells: &[&str], kinds: &[EventKind]) -> EventFilter {
    EventFilter {
        wells: (!wells.is_empty()).then(|| wells.iter().map(|id| well(id)).collect()),
        kinds: (!kinds.is_empty()).then(|| kinds.iter().copied().collect::<HashSet<_>>()),
    }
}

/// Publishes as the Fleet actor does: numbered, without waiting for anyone.
fn publish(view: &FleetView, seq: u64, event: FleetEvent) {
    let _ = view.events.send(SequencedEvent { seq, event: Arc::new(event) });
}

/// Lets the spawned forwarders run until `done` holds (a bounded number of turns).
async fn settle(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..1_000 {
        if done() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("never settled: {what}");
}

#[test]
fn a_filter_passes_the_wells_and_kinds_asked_for() {
    let well_alarm = alarm(&Source::Well(well("W-002")));
    let feeder_alarm = alarm(&Source::Feeder("F-1".into()));
    let events = [status("W-001"), well_alarm, feeder_alarm, restart("W-001")];
    let passed = |filter: EventFilter| -> Vec<bool> { events.iter().map(|e| filter.matches(e)).collect() };
    assert_eq!(passed(EventFilter::everything()), [true, true, true, true]);
    assert_eq!(passed(filter(&["W-001"], &[])), [true, false, false, true]);
    assert_eq!(passed(filter(&["W-002"], &[])), [false, true, false, false], "an alarm of the well's own");
    assert_eq!(passed(filter(&[], &[EventKind::Alarm])), [false, true, true, false], "feeder alarms too");
    assert_eq!(
        passed(filter(&["W-001", "W-002"], &[EventKind::Status, EventKind::Restart])),
        [true, false, false, true]
    );
    assert_eq!(passed(filter(&["W-003"], &[])), [false, false, false, false]);
}

#[tokio::test]
async fn a_subscriber_that_stops_reading_is_dropped_and_counted_while_publishing_never_waits() {
    let view = FleetView::new(1_024);
    let mut stalled = view.follow(EventFilter::everything(), 4).unwrap_or_else(|e| panic!("{e}"));
    let mut reader = view.follow(EventFilter::everything(), 4).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(view.subscribers().connected(), 2);

    // Publishing is a plain call that returns at once: nothing here awaits a subscriber.
    for seq in 1..=100 {
        publish(&view, seq, status("W-001"));
        match reader.next().await {
            Some(Delivery::Event(event)) => assert_eq!(event.seq, seq),
            other => panic!("the reader missed event {seq}: {other:?}"),
        }
    }
    let stats = view.subscribers();
    settle("the stalled subscriber is dropped", || stats.dropped_total() == 1).await;
    assert_eq!((stats.connected(), stats.sent_total()), (1, 100), "the reader stays; it was sent all 100");

    // The stalled client learns of its drop before the stale events it never read, then nothing.
    assert!(matches!(stalled.next().await, Some(Delivery::Dropped(DropReason::QueueFull { capacity: 4 }))));
    assert!(stalled.next().await.is_none());
    assert_eq!(stats.dropped_total(), 1);
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_the_broadcast_is_dropped() {
    let view = FleetView::new(2);
    let mut subscription = view.follow(EventFilter::everything(), 100).unwrap_or_else(|e| panic!("{e}"));
    // The forwarder has not run yet: five events overrun a channel that keeps two.
    for seq in 1..=5 {
        publish(&view, seq, status("W-001"));
    }
    let dropped = subscription.next().await;
    assert!(matches!(dropped, Some(Delivery::Dropped(DropReason::Lagged { missed: 3 }))), "{dropped:?}");
    assert_eq!((view.subscribers().dropped_total(), view.subscribers().connected()), (1, 0));
    assert!(subscription.next().await.is_none());
}

#[tokio::test]
async fn a_subscriber_gets_only_what_its_filter_passes_in_order() {
    let view = FleetView::new(64);
    let mut subscription = view.follow(filter(&["W-002"], &[]), 8).unwrap_or_else(|e| panic!("{e}"));
    publish(&view, 1, status("W-001"));
    publish(&view, 2, alarm(&Source::Well(well("W-002"))));
    publish(&view, 3, status("W-002"));
    publish(&view, 4, restart("W-001"));
    let mut seen = Vec::new();
    for _ in 0..2 {
        match subscription.next().await {
            Some(Delivery::Event(event)) => seen.push((event.seq, event.event.kind())),
            other => panic!("expected an event: {other:?}"),
        }
    }
    assert_eq!(seen, [(2, EventKind::Alarm), (3, EventKind::Status)]);
}

#[tokio::test]
async fn the_limit_refuses_one_more_and_a_subscriber_that_leaves_frees_its_place() {
    let view = FleetView::new(16).with_subscriber_limit(2);
    let first = view.follow(EventFilter::everything(), 4).unwrap_or_else(|e| panic!("{e}"));
    let _second = view.follow(EventFilter::everything(), 4).unwrap_or_else(|e| panic!("{e}"));
    let refused = view.follow(EventFilter::everything(), 4).err();
    assert_eq!(refused, Some(SubscribersFull { limit: 2 }));
    assert_eq!(view.subscribers().refused_total(), 1);

    drop(first);
    let stats = view.subscribers();
    settle("the leaver's forwarder stops", || stats.connected() == 1).await;
    assert!(view.follow(EventFilter::everything(), 4).is_ok());
    assert_eq!(stats.dropped_total(), 0, "leaving is not being dropped");
}

#[tokio::test]
async fn the_fleet_actor_numbers_status_alarm_and_restart_events_in_one_sequence() {
    let view = FleetView::new(64);
    let book = AlarmBook::new(Utc::now());
    let args = FleetArgs { view: view.clone(), alarms: book.clone(), recorder: None, clock: Arc::new(SystemClock) };
    let (fleet, handle) = Actor::spawn(None, FleetActor, args).await.unwrap_or_else(|e| panic!("{e}"));
    let mut subscription = view.follow(EventFilter::everything(), 16).unwrap_or_else(|e| panic!("{e}"));

    let FleetEvent::Status(news) = status("W-001") else { unreachable!() };
    fleet.cast(FleetMsg::Status(news)).unwrap_or_else(|e| panic!("{e}"));
    let source = Source::Well(well("W-001"));
    let config = AlarmConfig::new(Priority::Medium);
    book.evaluate(&source, Evaluation::condition("test_condition", config, true, "it holds"), Utc::now());
    let id = crate::diagnostics::AlarmId::new(&source, "test_condition");
    book.acknowledge(&id, "operator-1", Utc::now()).unwrap_or_else(|e| panic!("{e}"));
    let FleetEvent::Restart(news) = restart("W-001") else { unreachable!() };
    fleet.cast(FleetMsg::Restart(news)).unwrap_or_else(|e| panic!("{e}"));

    let mut events = Vec::new();
    for _ in 0..4 {
        match subscription.next().await {
            Some(Delivery::Event(event)) => events.push(event),
            other => panic!("expected an event: {other:?}"),
        }
    }
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    let kinds: Vec<EventKind> = events.iter().map(|e| e.event.kind()).collect();
    assert_eq!(kinds, [EventKind::Status, EventKind::Alarm, EventKind::Alarm, EventKind::Restart]);
    let FleetEvent::Alarm(raised) = events[1].event.as_ref() else { unreachable!() };
    assert_eq!(
        (raised.from, raised.to, raised.priority),
        (AlarmState::Normal, AlarmState::Unacknowledged, Priority::Medium)
    );
    assert_eq!(
        (raised.name.as_str(), raised.message.as_str(), raised.actor.as_deref()),
        ("test_condition", "it holds", None)
    );
    let FleetEvent::Alarm(acked) = events[2].event.as_ref() else { unreachable!() };
    assert_eq!((acked.to, acked.actor.as_deref()), (AlarmState::Acknowledged, Some("operator-1")));

    let counters = ractor::call_t!(fleet, FleetMsg::Counters, 1_000).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((counters.status_events, counters.alarm_events, counters.restart_events), (1, 2, 1));
    fleet.stop(None);
    let _ = handle.await;
}
