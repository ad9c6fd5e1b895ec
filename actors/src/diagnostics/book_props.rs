//! Property tests of the alarm book over random polls, parent outages, ticks and operator actions
//! on two wells of one feeder and gateway: the counts always match the points, a child is never
//! annunciated while a parent of its family is active, every link names a real cause, a tick
//! leaves nothing due, and restoring the persisted records reproduces every point.

use proptest::prelude::*;

use super::tests::{t, well};
use super::*;
use crate::diagnostics::{AlarmState, DiagnosisKind, Priority};
use DiagnosisKind::*;

const KINDS: [DiagnosisKind; 5] = [CommsLoss, UnplannedTrip, PumpOff, Overload, SensorFault];
const GATEWAY: &str = "10.0.0.5:502";

#[derive(Clone, Debug)]
enum Op {
    Measure { well: usize, kind: usize, active: bool },
    Power(bool),
    Gateway(bool),
    Tick,
    Ack { well: usize, kind: usize },
    Shelve { well: usize, kind: usize },
    Unshelve { well: usize, kind: usize },
}

fn op() -> impl Strategy<Value = Op> {
    let point = (0usize..2, 0usize..KINDS.len());
    prop_oneof![
        6 => (point.clone(), any::<bool>()).prop_map(|((well, kind), active)| Op::Measure { well, kind, active }),
        1 => any::<bool>().prop_map(Op::Power),
        1 => any::<bool>().prop_map(Op::Gateway),
        2 => Just(Op::Tick),
        2 => point.clone().prop_map(|(well, kind)| Op::Ack { well, kind }),
        1 => point.clone().prop_map(|(well, kind)| Op::Shelve { well, kind }),
        1 => point.prop_map(|(well, kind)| Op::Unshelve { well, kind }),
    ]
}

fn wells() -> [Source; 2] {
    [well("W-001"), well("W-002")]
}

fn point(well: usize, kind: usize) -> AlarmId {
    AlarmId::new(&wells()[well], KINDS[kind].as_str())
}

fn apply(book: &AlarmBook, op: &Op, now: i64) {
    let at = t(now);
    match op {
        Op::Measure { well, kind, active } => {
            book.evaluate(&wells()[*well], Evaluation::diagnosis(KINDS[*kind], *active, "m"), at);
        }
        Op::Power(active) => {
            book.evaluate(&Source::Feeder("F-1".into()), Evaluation::diagnosis(PowerEvent, *active, "m"), at);
        }
        Op::Gateway(active) => {
            book.evaluate(&Source::Gateway(GATEWAY.into()), Evaluation::diagnosis(CommsLoss, *active, "m"), at);
        }
        Op::Tick => drop(book.tick(at)),
        Op::Ack { well, kind } => drop(book.acknowledge(&point(*well, *kind), "op", at)),
        Op::Shelve { well, kind } => drop(book.shelve(&point(*well, *kind), None, "r", "op", at)),
        Op::Unshelve { well, kind } => drop(book.unshelve(&point(*well, *kind), "op", at)),
    }
}

fn all(book: &AlarmBook) -> Vec<AlarmRecord> {
    book.list(&AlarmFilter { include_normal: true, ..AlarmFilter::default() })
}

fn annunciated(record: &AlarmRecord) -> bool {
    use AlarmState::*;
    matches!(record.state, Unacknowledged | Acknowledged | RtnUnacknowledged | Latched)
}

fn check_counts(book: &AlarmBook, records: &[AlarmRecord]) {
    let count = |priority| records.iter().filter(|r| annunciated(r) && r.priority == priority).count() as u64;
    let expected =
        PriorityCounts { high: count(Priority::High), medium: count(Priority::Medium), low: count(Priority::Low) };
    assert_eq!(book.annunciated_counts(), expected);
}

fn check_links(book: &AlarmBook, records: &[AlarmRecord]) {
    let power = AlarmId::new(&Source::Feeder("F-1".into()), PowerEvent.as_str());
    let power_active = book.get(&power).is_some_and(|r| r.memory.active);
    for record in records {
        let family = SuppressFamily::for_name(&record.name);
        let child_of_power = record.source.well_id().is_some() && family.suppressed_by(ParentKind::PowerEvent);
        if power_active && child_of_power && record.memory.active {
            assert!(!annunciated(record), "{} annunciated under an active power event", record.id);
        }
        if let Some(parent) = &record.parent {
            assert!(book.get(parent).is_some(), "{} linked to unknown {parent}", record.id);
            assert!(matches!(record.state, AlarmState::SuppressedByDesign | AlarmState::OutOfService));
        }
    }
}

fn check_restore(records: &[AlarmRecord], now: i64) {
    let resumed = AlarmBook::new(t(now));
    resumed.restore(records.to_vec());
    for record in records {
        let restored = resumed.get(&record.id).unwrap();
        assert_eq!(
            (restored.state, restored.priority, &restored.parent),
            (record.state, record.priority, &record.parent)
        );
        assert_eq!((restored.memory.core, &restored.memory.shelf), (record.memory.core, &record.memory.shelf));
        assert_eq!(restored.memory.active, record.memory.active);
    }
}

proptest! {
    #[test]
    fn random_polls_outages_and_actions_keep_the_book_consistent(
        steps in proptest::collection::vec((op(), 0i64..400), 1..80),
    ) {
        let book = AlarmBook::new(t(0));
        for name in ["W-001", "W-002"] {
            book.register_well(WellId::new(name).unwrap(), Some("F-1".into()), Some(GATEWAY.into()), t(0));
        }
        let mut now = 0;
        for (op, advance) in &steps {
            now += advance;
            apply(&book, op, now);
            let records = all(&book);
            check_counts(&book, &records);
            check_links(&book, &records);
        }
        book.tick(t(now));
        prop_assert!(book.tick(t(now)).is_empty(), "a second tick at the same time finds nothing due");
        check_restore(&all(&book), now);
    }
}
