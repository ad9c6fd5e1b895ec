//! What diagnostics leave behind for the historian and the API: diagnosis history entries, the
//! persisted state of every alarm point, the alarm journal and the operator audit trail
//! (esp-domain §2.1, §3.4). Plain data; the Recorder writes it, the store reads it back.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AlarmMemory, AlarmState, DiagnosisKind, Priority};
use crate::domain::WellId;

/// What an alarm or a diagnosis is about: one well, one power feeder, one gateway (host:port), or
/// wellvisor itself (its historian's overflow, say).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Source {
    Well(WellId),
    Feeder(String),
    Gateway(String),
    System,
}

impl Source {
    /// The inverse of `Display`: `W-001`, `feeder@F-1`, `gateway@10.0.0.5:502`, `@system`.
    pub fn parse(raw: &str) -> Option<Source> {
        if raw == "@system" {
            return Some(Source::System);
        }
        if let Some(feeder) = raw.strip_prefix("feeder@").filter(|name| !name.trim().is_empty()) {
            return Some(Source::Feeder(feeder.to_owned()));
        }
        if let Some(endpoint) = raw.strip_prefix("gateway@").filter(|name| !name.trim().is_empty()) {
            return Some(Source::Gateway(endpoint.to_owned()));
        }
        WellId::new(raw).ok().map(Source::Well)
    }

    pub fn well_id(&self) -> Option<&WellId> {
        match self {
            Source::Well(id) => Some(id),
            _ => None,
        }
    }
}

impl fmt::Display for Source {
    /// `W-001`, `feeder@F-1`, `gateway@10.0.0.5:502`: `@` never occurs in a well id.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Well(id) => write!(f, "{id}"),
            Source::Feeder(feeder) => write!(f, "feeder@{feeder}"),
            Source::Gateway(endpoint) => write!(f, "gateway@{endpoint}"),
            Source::System => f.write_str("@system"),
        }
    }
}

/// An alarm point's id: `{source}:{name}`, e.g. `W-001:gas_lock` or `feeder@F-1:power_event`.
/// Stable across restarts, so an operator's ack and a reloaded alarm find the same point.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct AlarmId(String);

impl AlarmId {
    pub fn new(source: &Source, name: &str) -> Self {
        Self(format!("{source}:{name}"))
    }

    /// Wraps an id as a client sent it; whether it names a known alarm is for the caller to find.
    pub fn parse(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AlarmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One signal behind a diagnosis: its value, what it was judged against, and over what window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evidence {
    /// A canonical parameter or a derived quantity (`load_bl_pct`, `submergence`, `cv_current`).
    pub signal: Cow<'static, str>,
    pub value: f64,
    /// The limit the value crossed, in the value's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    /// The well's own baseline of this signal, when the rule compares against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
    /// The window the value was taken over, seconds (none for an instantaneous value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_secs: Option<u64>,
}

/// Whether a history entry opens or closes a diagnosis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DiagnosisEvent {
    /// The diagnosis holds (after its on-delay).
    Raised,
    /// It no longer holds (after its clear condition and off-delay).
    Cleared,
}

/// One entry of a well's (or a feeder's) diagnostic history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiagnosisRecord {
    pub source: Source,
    pub kind: DiagnosisKind,
    pub event: DiagnosisEvent,
    pub at: DateTime<Utc>,
    pub priority: Priority,
    /// Share of the confirming signals present and `good`, 0–1.
    pub confidence: f64,
    pub evidence: Vec<Evidence>,
    pub blocks_auto_restart: bool,
    pub advice: String,
    /// The alarm point this diagnosis drives.
    pub alarm_id: AlarmId,
    /// The parent alarm that explains it (a `power_event`, a gateway outage, a specific cause).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<AlarmId>,
}

/// An alarm point as persisted: enough to show it and to restore its state machine after a
/// restart of the process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlarmRecord {
    pub id: AlarmId,
    pub source: Source,
    /// A diagnosis name, or a system condition (`supervision_failed`, `store_unavailable`).
    pub name: String,
    pub priority: Priority,
    pub state: AlarmState,
    /// The parent that suppresses it, when one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<AlarmId>,
    /// One line for the alarm list: what is wrong and the advice.
    pub message: String,
    pub updated_at: DateTime<Utc>,
    /// The state machine itself.
    pub memory: AlarmMemory,
}

/// An automatic or operator state change of one alarm (esp-domain §3.4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlarmJournalEntry {
    pub alarm_id: AlarmId,
    pub at: DateTime<Utc>,
    pub from: AlarmState,
    pub to: AlarmState,
    /// `activated`, `cleared`, `acknowledged`, `shelved`, `suppressed`, …
    pub cause: String,
    pub priority: Priority,
    /// The operator, for operator actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// An operator action, append-only (esp-domain §3.4): who, when, what, on what, why, and the
/// state before and after.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// The user name or API key id; the client address in entries written before
    /// authentication existed.
    pub actor: String,
    /// `ack`, `reset`, `shelve`, `unshelve`, `out_of_service`, `return_to_service`, `restart`, …
    pub action: String,
    /// The alarm id, well id or other thing acted on.
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// The actor's role when the action was asked (`operator`); none for entries written before
    /// authentication, and for requests refused before their caller was known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The client's address, as the HTTP facade saw it (`10.0.0.7`, `10.0.0.7 (via 127.0.0.1)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The request's parameters as JSON text. The writer leaves secrets out (passwords, keys,
    /// tokens): the audit trail is read by people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<String>,
    /// `ok`, or the status and error code of a refusal (`401 unauthenticated`, `403 forbidden`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarm_ids_name_source_and_diagnosis() {
        let well = Source::Well(WellId::new("W-001").unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(AlarmId::new(&well, "gas_lock").as_str(), "W-001:gas_lock");
        let feeder = Source::Feeder("F-1".into());
        assert_eq!(AlarmId::new(&feeder, "power_event").as_str(), "feeder@F-1:power_event");
        let gateway = Source::Gateway("10.0.0.5:502".into());
        assert_eq!(AlarmId::new(&gateway, "comms_loss").as_str(), "gateway@10.0.0.5:502:comms_loss");
        assert_eq!(AlarmId::new(&Source::System, "recorder_overflow").as_str(), "@system:recorder_overflow");
        for source in [well, feeder, gateway, Source::System] {
            assert_eq!(Source::parse(&source.to_string()), Some(source));
        }
        assert_eq!(Source::parse("feeder@"), None);
        assert_eq!(Source::parse("no spaces"), None);
    }
}
