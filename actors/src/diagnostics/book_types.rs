//! The vocabulary of the alarm book: what an evaluation brings, which parents may suppress what,
//! what a call changed, filters, settings and refused actions. Re-exported by `book`.

use std::collections::HashSet;
use std::time::Duration;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::diagnostics::kpi::KpiSettings;
use crate::diagnostics::{
    AlarmConfig, AlarmError, AlarmId, AlarmJournalEntry, AlarmRecord, AlarmState, AuditEntry, DiagnosisKind, Priority,
    Source,
};

/// One alarm point's condition as its owner measured it now (a well's diagnosis, a feeder's
/// power event, a system condition). The point is created on first use.
#[derive(Clone, Debug)]
pub struct Evaluation<'a> {
    /// A diagnosis name or a system condition; unique within its source, without `:`.
    pub name: &'a str,
    /// Today's design settings; a change (a rule raising the priority) applies at once.
    pub config: AlarmConfig,
    /// The condition before the on- and off-delays.
    pub measured: bool,
    /// One line for the alarm list. Kept in memory at every evaluation but persisted only with
    /// the next state change, so live values in it do not cause writes.
    pub message: &'a str,
    /// A specific alarm of the same source that explains this generic one (esp-domain §2.1):
    /// while it is active this one is suppressed by design and linked to it.
    pub explained_by: Option<AlarmId>,
    /// Which parent alarms may suppress this one (esp-domain §3.3).
    pub suppress_family: SuppressFamily,
}

impl<'a> Evaluation<'a> {
    /// A diagnosis under its default priority and suppression family, no delays.
    pub fn diagnosis(kind: DiagnosisKind, measured: bool, message: &'a str) -> Self {
        Self {
            name: kind.as_str(),
            config: AlarmConfig::new(kind.default_priority()),
            measured,
            message,
            explained_by: None,
            suppress_family: SuppressFamily::of(kind),
        }
    }

    /// Any condition (a system condition such as `store_unavailable`) under `config`; the family
    /// is the diagnosis's when `name` is one, else [`SuppressFamily::Never`].
    pub fn condition(name: &'a str, config: AlarmConfig, measured: bool, message: &'a str) -> Self {
        Self { name, config, measured, message, explained_by: None, suppress_family: SuppressFamily::for_name(name) }
    }

    pub fn explained_by(mut self, id: AlarmId) -> Self {
        self.explained_by = Some(id);
        self
    }

    pub fn with_config(mut self, config: AlarmConfig) -> Self {
        self.config = config;
        self
    }
}

/// The parent alarms of esp-domain §3.3 that the book links children to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParentKind {
    /// `power_event` on a feeder: suppresses the consequences on the feeder's wells.
    PowerEvent,
    /// `comms_loss` on a gateway (host:port): suppresses the wells behind it.
    GatewayCommsLoss,
    /// A well's own `comms_loss`: its values are stale, so its value-based diagnoses are moot.
    WellCommsLoss,
}

impl ParentKind {
    /// The parent role of an alarm point, from where it sits and what it is called.
    pub fn of(source: &Source, name: &str) -> Option<Self> {
        let power_event = DiagnosisKind::PowerEvent.as_str();
        let comms_loss = DiagnosisKind::CommsLoss.as_str();
        match source {
            Source::Feeder(_) if name == power_event => Some(Self::PowerEvent),
            Source::Gateway(_) if name == comms_loss => Some(Self::GatewayCommsLoss),
            Source::Well(_) if name == comms_loss => Some(Self::WellCommsLoss),
            _ => None,
        }
    }

    /// Whether its children sit in other sources (member wells) rather than its own.
    pub fn is_external(self) -> bool {
        self != Self::WellCommsLoss
    }

    /// How long children stay suppressed after this parent clears.
    pub fn grace(self, settings: &BookSettings) -> TimeDelta {
        let grace = match self {
            Self::PowerEvent => settings.power_grace,
            Self::GatewayCommsLoss => settings.gateway_grace,
            Self::WellCommsLoss => settings.comms_grace,
        };
        TimeDelta::from_std(grace).unwrap_or(TimeDelta::MAX)
    }
}

/// Which parents may suppress an alarm point (esp-domain §3.3 table).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressFamily {
    /// No parent suppresses it (parents themselves, system conditions).
    #[default]
    Never,
    /// A well's `comms_loss`: drives powered down or the gateway gone.
    CommsLoss,
    /// `unplanned_trip`: a power event trips every drive of the feeder.
    UnplannedTrip,
    /// Underload-type diagnoses (`pump_off`, `gas_lock`, `gas_interference`, `broken_shaft`,
    /// `tubing_leak`, `closed_valve`): a power loss looks like underload.
    Underload,
    VoltageImbalance,
    /// `excessive_cycling` from the restarts after a power event.
    ExcessiveCycling,
    /// Any other diagnosis judged from process values.
    ValueBased,
}

impl SuppressFamily {
    pub fn of(kind: DiagnosisKind) -> Self {
        use DiagnosisKind::*;
        match kind {
            CommsLoss => Self::CommsLoss,
            UnplannedTrip => Self::UnplannedTrip,
            PumpOff | GasLock | GasInterference | BrokenShaft | TubingLeak | ClosedValve => Self::Underload,
            VoltageImbalance => Self::VoltageImbalance,
            ExcessiveCycling => Self::ExcessiveCycling,
            PowerEvent => Self::Never,
            other if other.is_value_based() => Self::ValueBased,
            _ => Self::Never,
        }
    }

    /// The family of a diagnosis name; [`SuppressFamily::Never`] for anything else.
    pub fn for_name(name: &str) -> Self {
        DiagnosisKind::from_name(name).map_or(Self::Never, Self::of)
    }

    pub fn suppressed_by(self, parent: ParentKind) -> bool {
        let value_based = matches!(self, Self::Underload | Self::VoltageImbalance | Self::ValueBased);
        match parent {
            ParentKind::PowerEvent => matches!(
                self,
                Self::CommsLoss
                    | Self::UnplannedTrip
                    | Self::Underload
                    | Self::VoltageImbalance
                    | Self::ExcessiveCycling
            ),
            ParentKind::GatewayCommsLoss => value_based || self == Self::CommsLoss,
            ParentKind::WellCommsLoss => value_based,
        }
    }
}

/// Tunables of the book (esp-domain §3.3: grace periods are defaults, tune per field).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookSettings {
    /// Children stay suppressed this long after a gateway's `comms_loss` clears (default 2 min).
    pub gateway_grace: Duration,
    /// Children stay suppressed this long after a feeder's `power_event` clears (default 15 min).
    pub power_grace: Duration,
    /// Value-based alarms stay suppressed this long after their well's `comms_loss` clears
    /// (default 2 min).
    pub comms_grace: Duration,
    pub kpi: KpiSettings,
}

impl Default for BookSettings {
    fn default() -> Self {
        Self {
            gateway_grace: Duration::from_secs(120),
            power_grace: Duration::from_secs(15 * 60),
            comms_grace: Duration::from_secs(120),
            kpi: KpiSettings::default(),
        }
    }
}

/// What a call changed, for the recorder: append `journal`, upsert `states`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BookChanges {
    /// Automatic state changes, in order.
    pub journal: Vec<AlarmJournalEntry>,
    /// The latest record of every point whose state, condition, priority or link changed.
    pub states: Vec<AlarmRecord>,
    /// Points whose condition became active after its delays (suppressed ones included).
    pub raised: Vec<AlarmId>,
    /// Points whose condition cleared after its delays.
    pub cleared: Vec<AlarmId>,
}

impl BookChanges {
    pub fn is_empty(&self) -> bool {
        self.journal.is_empty() && self.states.is_empty() && self.raised.is_empty() && self.cleared.is_empty()
    }

    pub fn append(&mut self, mut other: BookChanges) {
        self.journal.append(&mut other.journal);
        self.states.append(&mut other.states);
        self.raised.append(&mut other.raised);
        self.cleared.append(&mut other.cleared);
    }

    /// Keeps only the last record of each point, so a caller upserts each once.
    pub(super) fn compact(&mut self) {
        if self.states.len() < 2 {
            return;
        }
        let mut seen = HashSet::new();
        let mut keep: Vec<bool> = self.states.iter().rev().map(|record| seen.insert(record.id.clone())).collect();
        keep.reverse();
        let mut keep = keep.into_iter();
        self.states.retain(|_| keep.next().unwrap_or(true));
    }
}

/// Which alarm points [`super::AlarmBook::list`] returns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlarmFilter {
    pub state: Option<AlarmState>,
    pub priority: Option<Priority>,
    pub source: Option<Source>,
    /// Include points in `normal` (off by default: the alarm list shows what is not normal).
    pub include_normal: bool,
}

impl AlarmFilter {
    pub(super) fn matches(&self, state: AlarmState, priority: Priority) -> bool {
        let shown = self.include_normal || state != AlarmState::Normal || self.state == Some(AlarmState::Normal);
        shown && self.state.is_none_or(|s| s == state) && self.priority.is_none_or(|p| p == priority)
    }
}

/// Annunciated alarms by priority, for the fleet summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PriorityCounts {
    pub high: u64,
    pub medium: u64,
    pub low: u64,
}

impl PriorityCounts {
    pub fn total(&self) -> u64 {
        self.high + self.medium + self.low
    }
}

/// What a successful operator action produced: the journal entry and new record for the
/// recorder, and the audit entry (esp-domain §3.4).
#[derive(Clone, Debug, PartialEq)]
pub struct ActionOutcome {
    pub journal: AlarmJournalEntry,
    pub record: AlarmRecord,
    pub audit: AuditEntry,
}

/// A refused operator action: `UnknownAlarm` is a 404, the others a 409 or 422.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BookError {
    #[error("unknown alarm {0}")]
    UnknownAlarm(AlarmId),
    #[error("an actor is required")]
    MissingActor,
    #[error(transparent)]
    Refused(#[from] AlarmError),
}
