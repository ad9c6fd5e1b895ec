//! Property tests of the alarm state machine over random configurations, inputs and actions: the
//! state is always a defined one, nothing is annunciated under an overlay, `latched` is left only
//! through reset or re-activation, the core stays in line with the condition, and acknowledging an
//! `unacknowledged` alarm never fails.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use AlarmState::*;

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).unwrap()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[derive(Clone, Debug)]
enum Op {
    Measure(bool),
    Tick,
    Ack,
    Reset,
    Shelve(Option<u64>, bool),
    Unshelve,
    Remove,
    Return,
    Suppress(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<bool>().prop_map(Op::Measure),
        2 => Just(Op::Tick),
        2 => Just(Op::Ack),
        1 => Just(Op::Reset),
        1 => (proptest::option::of(0u64..200), any::<bool>()).prop_map(|(d, r)| Op::Shelve(d, r)),
        1 => Just(Op::Unshelve),
        1 => Just(Op::Remove),
        1 => Just(Op::Return),
        1 => any::<bool>().prop_map(Op::Suppress),
    ]
}

fn config() -> impl Strategy<Value = AlarmConfig> {
    (0u64..30, 0u64..30, proptest::option::of(1u64..300), any::<bool>()).prop_map(|(on, off, re, latching)| {
        AlarmConfig {
            on_delay: secs(on),
            off_delay: secs(off),
            re_alarm: re.map(secs),
            latching,
            ..AlarmConfig::new(Priority::Low)
        }
    })
}

/// Applies `op`; the automatic transitions it produced (operator actions' are checked elsewhere).
fn apply(alarm: &mut Alarm, op: &Op, now: DateTime<Utc>) -> Vec<Transition> {
    match op {
        Op::Measure(active) => return alarm.evaluate(*active, now),
        Op::Tick => return alarm.tick(now),
        Op::Ack => drop(alarm.acknowledge(now)),
        Op::Reset => drop(alarm.reset(now)),
        Op::Shelve(d, with_reason) => drop(alarm.shelve(d.map(secs), if *with_reason { "r" } else { "" }, now)),
        Op::Unshelve => drop(alarm.unshelve(now)),
        Op::Remove => drop(alarm.remove_from_service("maintenance", now)),
        Op::Return => drop(alarm.return_to_service(now)),
        Op::Suppress(on) => return alarm.set_suppressed(*on, now).into_iter().collect(),
    }
    Vec::new()
}

fn check_step(before: &Alarm, after: &Alarm, op: &Op, automatic: &[Transition]) {
    let overlaid = after.state() != after.core_state();
    assert!(AlarmState::ALL.contains(&after.state()));
    assert!(!(overlaid && after.annunciated()), "annunciated under an overlay");
    if !overlaid {
        let active_core = matches!(after.core_state(), Unacknowledged | Acknowledged);
        assert_eq!(active_core, after.condition_active(), "core out of line with the condition");
    }
    if before.core_state() == Latched && after.core_state() != Latched {
        let reset = matches!(op, Op::Reset) && after.core_state() == Normal;
        let reactivated = after.condition_active() && after.core_state() == Unacknowledged;
        assert!(reset || reactivated, "left latched through {op:?}");
    }
    assert!(automatic.iter().all(|tr| tr.from != tr.to));
    if let Some(last) = automatic.last() {
        assert_eq!(last.to, after.state());
    }
}

proptest! {
    #[test]
    fn random_inputs_and_actions_keep_the_invariants(
        config in config(),
        steps in proptest::collection::vec((op(), 0i64..90), 1..120),
    ) {
        let mut alarm = Alarm::new(config);
        let mut now = 0;
        for (op, advance) in &steps {
            now += advance;
            if alarm.state() == Unacknowledged {
                prop_assert!(alarm.clone().acknowledge(t(now)).is_ok());
            }
            let before = alarm.clone();
            let automatic = apply(&mut alarm, op, t(now));
            check_step(&before, &alarm, op, &automatic);
        }
    }
}
