//! How the diagnostic vocabulary is spelled in storage columns: sources, diagnosis kinds and
//! events, priorities and alarm states, each as its serde name (a source as its display form,
//! `W-001`, `feeder@F-1`, `gateway@10.0.0.5:502`). Backend-neutral: every SQL backend uses it.
//!
//! A name this build does not know (a newer build wrote it, or a hand edit) is a [`NameError`]
//! naming what was expected, never a guess and never a panic.

use wellvisor_actors::diagnostics::{AlarmState, DiagnosisEvent, DiagnosisKind, Priority, Source};

/// A stored name that does not decode.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NameError {
    #[error("unknown {what} {name:?}")]
    Unknown { what: &'static str, name: String },
    #[error("invalid well id {name:?} in a stored source")]
    WellId { name: String },
}

fn unknown(what: &'static str, name: &str) -> NameError {
    NameError::Unknown { what, name: name.to_owned() }
}

pub(crate) fn source(source: &Source) -> String {
    source.to_string()
}

pub(crate) fn parse_source(name: &str) -> Result<Source, NameError> {
    Source::parse(name).ok_or_else(|| NameError::WellId { name: name.to_owned() })
}

pub(crate) fn parse_kind(name: &str) -> Result<DiagnosisKind, NameError> {
    DiagnosisKind::from_name(name).ok_or_else(|| unknown("diagnosis kind", name))
}

pub(crate) fn event(event: DiagnosisEvent) -> &'static str {
    match event {
        DiagnosisEvent::Raised => "raised",
        DiagnosisEvent::Cleared => "cleared",
    }
}

pub(crate) fn parse_event(name: &str) -> Result<DiagnosisEvent, NameError> {
    [DiagnosisEvent::Raised, DiagnosisEvent::Cleared]
        .into_iter()
        .find(|e| event(*e) == name)
        .ok_or_else(|| unknown("diagnosis event", name))
}

pub(crate) fn priority(priority: Priority) -> &'static str {
    match priority {
        Priority::High => "high",
        Priority::Medium => "medium",
        Priority::Low => "low",
    }
}

pub(crate) fn parse_priority(name: &str) -> Result<Priority, NameError> {
    [Priority::High, Priority::Medium, Priority::Low]
        .into_iter()
        .find(|p| priority(*p) == name)
        .ok_or_else(|| unknown("priority", name))
}

pub(crate) fn parse_state(name: &str) -> Result<AlarmState, NameError> {
    AlarmState::ALL.into_iter().find(|s| s.as_str() == name).ok_or_else(|| unknown("alarm state", name))
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::*;

    fn serde_name(value: impl Serialize) -> String {
        serde_json::to_value(value).expect("serialise").as_str().expect("a string").to_owned()
    }

    #[test]
    fn names_are_the_serde_names_and_parse_back() {
        for kind in DiagnosisKind::ALL {
            assert_eq!(serde_name(kind), kind.as_str());
            assert_eq!(parse_kind(kind.as_str()).expect("kind"), *kind);
        }
        for e in [DiagnosisEvent::Raised, DiagnosisEvent::Cleared] {
            assert_eq!(serde_name(e), event(e));
            assert_eq!(parse_event(event(e)).expect("event"), e);
        }
        for p in [Priority::High, Priority::Medium, Priority::Low] {
            assert_eq!(serde_name(p), priority(p));
            assert_eq!(parse_priority(priority(p)).expect("priority"), p);
        }
        for state in AlarmState::ALL {
            assert_eq!(serde_name(state), state.as_str());
            assert_eq!(parse_state(state.as_str()).expect("state"), state);
        }
    }

    #[test]
    fn sources_parse_back_from_their_display_form() {
        let sources = [
            Source::Well(wellvisor_actors::domain::WellId::new("W-001").expect("id")),
            Source::System,
            Source::Feeder("F-1@north".into()),
            Source::Gateway("10.0.0.5:502".into()),
        ];
        for written in sources {
            assert_eq!(parse_source(&source(&written)).expect("source"), written);
        }
    }

    #[test]
    fn unknown_names_are_errors_that_say_what_they_expected() {
        assert_eq!(parse_state("snoozed").expect_err("unknown").to_string(), "unknown alarm state \"snoozed\"");
        assert!(parse_priority("urgent").is_err());
        assert!(parse_event("opened").is_err());
        assert!(parse_kind("gremlins").is_err());
        assert!(matches!(parse_source("pump@W-1"), Err(NameError::WellId { .. })));
    }
}
