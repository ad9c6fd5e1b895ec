//! Alarm state machine: every §3.1 transition, every refused action, delays, re-alarm, shelving,
//! overlays and the deadband helper. Property tests live in `alarm_props.rs`.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use AlarmState::*;

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).unwrap()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn alarm_with(edit: impl FnOnce(&mut AlarmConfig)) -> Alarm {
    let mut config = AlarmConfig::new(Priority::High);
    edit(&mut config);
    Alarm::new(config)
}

fn plain() -> Alarm {
    alarm_with(|_| {})
}

fn latching() -> Alarm {
    alarm_with(|c| c.latching = true)
}

/// `alarm` driven to `unacknowledged` at t(0).
fn raised(mut alarm: Alarm) -> Alarm {
    alarm.evaluate(true, t(0));
    assert_eq!(alarm.state(), Unacknowledged);
    alarm
}

fn acked(alarm: Alarm) -> Alarm {
    let mut alarm = raised(alarm);
    alarm.acknowledge(t(1)).unwrap();
    alarm
}

/// The single transition in `transitions`, checked against `from`, `to` and `cause`.
fn only(transitions: &[Transition], from: AlarmState, to: AlarmState, cause: &str) {
    assert_eq!(transitions.len(), 1, "{transitions:?}");
    assert_eq!((transitions[0].from, transitions[0].to, transitions[0].cause), (from, to, cause));
}

#[test]
fn normal_becomes_unacknowledged_when_condition_activates() {
    let mut alarm = plain();
    only(&alarm.evaluate(true, t(0)), Normal, Unacknowledged, "activated");
    assert!(alarm.annunciated());
    assert_eq!(alarm.activations(), 1);
}

#[test]
fn unacknowledged_becomes_acknowledged_on_ack() {
    let mut alarm = raised(plain());
    let transition = alarm.acknowledge(t(5)).unwrap();
    assert_eq!(transition, Transition { from: Unacknowledged, to: Acknowledged, at: t(5), cause: "acknowledged" });
}

#[test]
fn unacknowledged_becomes_rtn_unacknowledged_when_condition_clears() {
    let mut alarm = raised(plain());
    only(&alarm.evaluate(false, t(1)), Unacknowledged, RtnUnacknowledged, "cleared");
    assert!(alarm.annunciated());
}

#[test]
fn unacknowledged_latching_alarm_latches_when_condition_clears() {
    let mut alarm = raised(latching());
    only(&alarm.evaluate(false, t(1)), Unacknowledged, Latched, "cleared");
}

#[test]
fn acknowledged_becomes_normal_when_condition_clears() {
    let mut alarm = acked(plain());
    only(&alarm.evaluate(false, t(2)), Acknowledged, Normal, "cleared");
    assert!(!alarm.annunciated());
}

#[test]
fn acknowledged_latching_alarm_latches_when_condition_clears() {
    let mut alarm = acked(latching());
    only(&alarm.evaluate(false, t(2)), Acknowledged, Latched, "cleared");
    assert!(alarm.annunciated());
}

#[test]
fn acknowledged_returns_to_unacknowledged_after_re_alarm_time() {
    let mut alarm = acked(alarm_with(|c| c.re_alarm = Some(secs(60))));
    assert!(alarm.tick(t(60)).is_empty(), "re-alarm runs from the ack at t(1)");
    only(&alarm.tick(t(61)), Acknowledged, Unacknowledged, "re_alarm");
    assert_eq!(alarm.activations(), 1, "a re-alarm is not a new activation");
}

#[test]
fn re_alarm_is_off_by_default() {
    let mut alarm = acked(plain());
    assert!(alarm.tick(t(1_000_000)).is_empty());
    assert_eq!(alarm.state(), Acknowledged);
}

#[test]
fn rtn_unacknowledged_becomes_normal_on_ack() {
    let mut alarm = raised(plain());
    alarm.evaluate(false, t(1));
    let transition = alarm.acknowledge(t(2)).unwrap();
    assert_eq!((transition.from, transition.to), (RtnUnacknowledged, Normal));
}

#[test]
fn rtn_unacknowledged_becomes_unacknowledged_when_active_again() {
    let mut alarm = raised(plain());
    alarm.evaluate(false, t(1));
    only(&alarm.evaluate(true, t(2)), RtnUnacknowledged, Unacknowledged, "activated");
    assert_eq!(alarm.activations(), 2);
}

#[test]
fn latched_becomes_normal_on_reset_with_condition_clear() {
    let mut alarm = acked(latching());
    alarm.evaluate(false, t(2));
    let transition = alarm.reset(t(3)).unwrap();
    assert_eq!((transition.from, transition.to, transition.cause), (Latched, Normal, "reset"));
}

#[test]
fn latched_becomes_unacknowledged_when_active_again() {
    let mut alarm = raised(latching());
    alarm.evaluate(false, t(1));
    only(&alarm.evaluate(true, t(2)), Latched, Unacknowledged, "activated");
}

#[test]
fn latched_holds_without_reset() {
    let mut alarm = raised(latching());
    alarm.evaluate(false, t(1));
    assert!(alarm.tick(t(100_000)).is_empty());
    assert_eq!(alarm.acknowledge(t(2)), Err(AlarmError::NotAcknowledgeable(Latched)));
    assert_eq!(alarm.state(), Latched);
}

#[test]
fn ack_is_refused_unless_unacknowledged_or_rtn_unacknowledged() {
    assert_eq!(plain().acknowledge(t(0)), Err(AlarmError::NotAcknowledgeable(Normal)));
    assert_eq!(acked(plain()).acknowledge(t(2)), Err(AlarmError::NotAcknowledgeable(Acknowledged)));
    let mut shelved = raised(plain());
    shelved.shelve(None, "known", t(1)).unwrap();
    assert_eq!(shelved.acknowledge(t(2)), Err(AlarmError::NotAcknowledgeable(Shelved)));
    let mut suppressed = raised(plain());
    suppressed.set_suppressed(true, t(1));
    assert_eq!(suppressed.acknowledge(t(2)), Err(AlarmError::NotAcknowledgeable(SuppressedByDesign)));
    let mut removed = raised(plain());
    removed.remove_from_service("workover", t(1)).unwrap();
    assert_eq!(removed.acknowledge(t(2)), Err(AlarmError::NotAcknowledgeable(OutOfService)));
}

#[test]
fn reset_is_refused_unless_latched() {
    assert_eq!(plain().reset(t(0)), Err(AlarmError::NotLatched(Normal)));
    assert_eq!(raised(latching()).reset(t(1)), Err(AlarmError::NotLatched(Unacknowledged)));
}

#[test]
fn reset_is_refused_while_condition_is_measured_active() {
    let mut alarm = raised(alarm_with(|c| c.latching = true));
    alarm.evaluate(false, t(1));
    alarm.config.on_delay = secs(10);
    alarm.evaluate(true, t(2));
    assert_eq!(alarm.state(), Latched, "the on-delay is still running");
    assert_eq!(alarm.reset(t(3)), Err(AlarmError::ConditionActive));
}

#[test]
fn shelve_is_refused_without_reason() {
    let mut alarm = raised(plain());
    assert_eq!(alarm.shelve(Some(DEFAULT_SHELF), "", t(1)), Err(AlarmError::MissingReason));
    assert_eq!(alarm.shelve(None, "  \t", t(1)), Err(AlarmError::MissingReason));
    assert_eq!(alarm.state(), Unacknowledged);
}

#[test]
fn shelve_is_refused_unless_duration_is_positive_and_at_most_24_h() {
    let mut alarm = raised(plain());
    assert_eq!(alarm.shelve(Some(Duration::ZERO), "r", t(1)), Err(AlarmError::InvalidShelfDuration));
    assert_eq!(alarm.shelve(Some(MAX_SHELF + secs(1)), "r", t(1)), Err(AlarmError::InvalidShelfDuration));
    assert!(alarm.shelve(Some(MAX_SHELF), "r", t(1)).is_ok());
}

#[test]
fn unshelve_is_refused_when_not_shelved() {
    assert_eq!(raised(plain()).unshelve(t(1)), Err(AlarmError::NotShelved));
}

#[test]
fn remove_from_service_is_refused_without_reason_or_twice() {
    let mut alarm = plain();
    assert_eq!(alarm.remove_from_service(" ", t(0)), Err(AlarmError::MissingReason));
    alarm.remove_from_service("workover", t(0)).unwrap();
    assert_eq!(alarm.remove_from_service("again", t(1)), Err(AlarmError::AlreadyOutOfService));
    assert_eq!(alarm.out_of_service_reason(), Some("workover"));
}

#[test]
fn return_to_service_is_refused_when_in_service() {
    assert_eq!(plain().return_to_service(t(0)), Err(AlarmError::NotOutOfService));
}

#[test]
fn error_messages_are_lowercase_without_trailing_period() {
    let message = AlarmError::NotAcknowledgeable(RtnUnacknowledged).to_string();
    assert_eq!(message, "cannot acknowledge an alarm that is rtn_unacknowledged");
    for error in [AlarmError::MissingReason, AlarmError::InvalidShelfDuration, AlarmError::ConditionActive] {
        let message = error.to_string();
        assert!(message.starts_with(char::is_lowercase) && !message.ends_with('.'), "{message}");
    }
}

#[test]
fn on_delay_ignores_a_short_blip() {
    let mut alarm = alarm_with(|c| c.on_delay = secs(10));
    assert!(alarm.evaluate(true, t(0)).is_empty());
    assert!(alarm.evaluate(false, t(9)).is_empty());
    assert!(alarm.tick(t(60)).is_empty());
    assert_eq!((alarm.state(), alarm.activations()), (Normal, 0));
}

#[test]
fn on_delay_activates_once_condition_held_for_the_delay() {
    let mut alarm = alarm_with(|c| c.on_delay = secs(10));
    alarm.evaluate(true, t(0));
    assert!(alarm.evaluate(true, t(9)).is_empty());
    only(&alarm.tick(t(10)), Normal, Unacknowledged, "activated");
}

#[test]
fn off_delay_keeps_the_alarm_through_a_brief_return() {
    let mut alarm = acked(alarm_with(|c| c.off_delay = secs(30)));
    assert!(alarm.evaluate(false, t(10)).is_empty());
    assert!(alarm.evaluate(true, t(20)).is_empty());
    assert!(alarm.tick(t(100)).is_empty());
    assert_eq!(alarm.state(), Acknowledged);
    assert_eq!(alarm.activations(), 1);
}

#[test]
fn off_delay_clears_once_condition_stayed_clear_for_the_delay() {
    let mut alarm = acked(alarm_with(|c| c.off_delay = secs(30)));
    alarm.evaluate(false, t(10));
    assert!(alarm.tick(t(39)).is_empty());
    only(&alarm.tick(t(40)), Acknowledged, Normal, "cleared");
}

#[test]
fn timed_shelf_hides_until_expiry_then_reannunciates_an_active_condition() {
    let mut alarm = acked(plain());
    let transition = alarm.shelve(Some(DEFAULT_SHELF), "pump change tomorrow", t(10)).unwrap();
    assert_eq!((transition.from, transition.to), (Acknowledged, Shelved));
    assert_eq!(alarm.shelf().and_then(|s| s.until), Some(t(10 + 8 * 3600)));
    assert!(!alarm.annunciated());
    assert!(alarm.tick(t(10 + 8 * 3600 - 1)).is_empty());
    only(&alarm.tick(t(10 + 8 * 3600)), Shelved, Unacknowledged, "shelf_expired");
}

#[test]
fn timed_shelf_expiry_returns_a_clear_alarm_to_normal() {
    let mut alarm = plain();
    alarm.shelve(Some(secs(60)), "noisy", t(0)).unwrap();
    only(&alarm.tick(t(60)), Shelved, Normal, "shelf_expired");
}

#[test]
fn one_shot_shelf_lifts_when_the_condition_clears() {
    let mut alarm = acked(plain());
    alarm.shelve(None, "known trip", t(2)).unwrap();
    assert!(alarm.tick(t(1_000_000)).is_empty(), "a one-shot shelf has no expiry");
    only(&alarm.evaluate(false, t(1_000_001)), Shelved, Normal, "cleared");
    assert!(alarm.shelf().is_none());
}

#[test]
fn shelved_activations_are_counted_apart_and_not_annunciated() {
    let mut alarm = plain();
    alarm.shelve(Some(secs(3600)), "sensor swap", t(0)).unwrap();
    assert!(alarm.evaluate(true, t(1)).is_empty());
    assert_eq!((alarm.state(), alarm.core_state()), (Shelved, Normal));
    assert!(!alarm.annunciated() && alarm.condition_active());
    assert_eq!((alarm.activations(), alarm.suppressed_activations()), (0, 1));
}

#[test]
fn shelving_again_replaces_the_shelf() {
    let mut alarm = plain();
    alarm.shelve(Some(secs(60)), "first", t(0)).unwrap();
    alarm.shelve(None, "second", t(1)).unwrap();
    assert_eq!(alarm.shelf(), Some(&Shelf { until: None, reason: "second".into() }));
}

#[test]
fn overlays_take_precedence_out_of_service_then_suppressed_then_shelved() {
    let mut alarm = raised(plain());
    alarm.shelve(None, "known", t(1)).unwrap();
    assert_eq!(alarm.set_suppressed(true, t(2)).map(|tr| tr.to), Some(SuppressedByDesign));
    assert_eq!(alarm.remove_from_service("workover", t(3)).unwrap().to, OutOfService);
    assert_eq!(alarm.unshelve(t(4)).unwrap().to, OutOfService, "a lower overlay lifts unseen");
    assert_eq!(alarm.return_to_service(t(5)).unwrap().to, SuppressedByDesign);
    assert_eq!(alarm.core_state(), Unacknowledged);
    assert_eq!(alarm.set_suppressed(false, t(6)).map(|tr| tr.to), Some(Unacknowledged));
}

#[test]
fn leaving_an_overlay_reannunciates_an_active_condition_as_unacknowledged() {
    let mut alarm = acked(plain());
    alarm.set_suppressed(true, t(2));
    let transition = alarm.set_suppressed(false, t(3));
    assert_eq!(transition.map(|tr| (tr.from, tr.to)), Some((SuppressedByDesign, Unacknowledged)));
    let mut alarm = acked(plain());
    alarm.remove_from_service("workover", t(2)).unwrap();
    assert_eq!(alarm.return_to_service(t(3)).unwrap().to, Unacknowledged);
    let mut alarm = acked(plain());
    alarm.shelve(Some(secs(60)), "known", t(2)).unwrap();
    assert_eq!(alarm.unshelve(t(3)).unwrap().to, Unacknowledged);
}

#[test]
fn leaving_an_overlay_applies_a_clear_that_happened_under_it() {
    let mut alarm = raised(plain());
    alarm.remove_from_service("workover", t(1)).unwrap();
    assert!(alarm.evaluate(false, t(2)).is_empty());
    assert_eq!(alarm.core_state(), Unacknowledged, "the core is frozen while overlaid");
    assert_eq!(alarm.return_to_service(t(3)).unwrap().to, RtnUnacknowledged);
    let mut alarm = acked(latching());
    alarm.set_suppressed(true, t(2));
    alarm.evaluate(false, t(3));
    assert_eq!(alarm.set_suppressed(false, t(4)).map(|tr| tr.to), Some(Latched));
}

#[test]
fn setting_suppression_twice_changes_nothing() {
    let mut alarm = plain();
    assert!(alarm.set_suppressed(true, t(0)).is_some());
    assert!(alarm.set_suppressed(true, t(1)).is_none());
    assert!(alarm.is_suppressed());
}

#[test]
fn deadband_stops_chatter_of_a_high_limit() {
    let (limit, deadband) = (100.0, 5.0);
    let mut active = limit_active(100.5, limit, deadband, false, true);
    assert!(active);
    for value in [99.0, 96.0, 100.0, 95.0, 98.0, 99.9] {
        active = limit_active(value, limit, deadband, active, true);
        assert!(active, "{value} is inside the deadband");
    }
    active = limit_active(94.9, limit, deadband, active, true);
    assert!(!active);
    for value in [96.0, 99.0, 100.0] {
        active = limit_active(value, limit, deadband, active, true);
        assert!(!active, "{value} is not beyond the limit");
    }
}

#[test]
fn deadband_mirrors_for_a_low_limit() {
    assert!(!limit_active(10.0, 10.0, 1.0, false, false));
    assert!(limit_active(9.9, 10.0, 1.0, false, false));
    assert!(limit_active(10.9, 10.0, 1.0, true, false));
    assert!(!limit_active(11.1, 10.0, 1.0, true, false));
}

#[test]
fn a_nan_reading_keeps_the_previous_limit_answer() {
    assert!(limit_active(f64::NAN, 1.0, 0.1, true, true));
    assert!(!limit_active(f64::NAN, 1.0, 0.1, false, false));
}

#[test]
fn states_and_priorities_serialize_as_snake_case() {
    let names: Vec<String> = AlarmState::ALL.iter().map(|s| serde_json::to_string(s).unwrap()).collect();
    let expected = [
        "normal",
        "unacknowledged",
        "acknowledged",
        "rtn_unacknowledged",
        "latched",
        "shelved",
        "suppressed_by_design",
        "out_of_service",
    ];
    assert_eq!(names, expected.map(|n| format!("\"{n}\"")));
    assert_eq!(AlarmState::ALL.map(|s| s.to_string()), expected.map(String::from));
    assert_eq!(serde_json::to_string(&Priority::Medium).unwrap(), "\"medium\"");
}

#[test]
fn memory_round_trip_resumes_every_state_and_counter() {
    let mut alarm = alarm_with(|c| {
        c.on_delay = secs(10);
        c.re_alarm = Some(secs(60));
    });
    alarm.evaluate(true, t(0));
    alarm.tick(t(10));
    alarm.acknowledge(t(11)).unwrap();
    alarm.shelve(Some(secs(3600)), "pump change", t(12)).unwrap();
    alarm.evaluate(false, t(13));
    let memory = alarm.memory();
    let mut resumed = Alarm::restore(alarm.config().clone(), memory.clone());
    assert_eq!(resumed.memory(), memory);
    assert_eq!((resumed.state(), resumed.core_state()), (Shelved, Acknowledged));
    assert_eq!(resumed.shelf(), alarm.shelf());
    assert_eq!((resumed.activations(), resumed.suppressed_activations()), (1, 0));
    assert_eq!(resumed.tick(t(3612)), alarm.tick(t(3612)), "both resume the off-delay and the shelf alike");
}

#[test]
fn an_unacknowledged_alarm_stays_unacknowledged_after_restore() {
    let alarm = raised(latching());
    let mut resumed = Alarm::restore(alarm.config().clone(), alarm.memory());
    assert_eq!(resumed.state(), Unacknowledged);
    assert!(resumed.annunciated());
    only(&resumed.evaluate(false, t(5)), Unacknowledged, Latched, "cleared");
    assert_eq!(resumed.acknowledge(t(6)), Err(AlarmError::NotAcknowledgeable(Latched)));
}
