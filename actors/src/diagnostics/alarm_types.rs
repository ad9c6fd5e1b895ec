//! The vocabulary of the alarm state machine: states, priorities, design settings, transitions,
//! shelves and refused actions. Kept apart from [`super::Alarm`] so each file stays small;
//! re-exported by `alarm`.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Shelf time to offer when the operator names none (tune per field).
pub const DEFAULT_SHELF: Duration = Duration::from_secs(8 * 3600);
/// Longest shelf an operator may set (tune per field).
pub const MAX_SHELF: Duration = Duration::from_secs(24 * 3600);

/// What an operator sees of an alarm: the overlay if one is set, else the core state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlarmState {
    Normal,
    Unacknowledged,
    Acknowledged,
    RtnUnacknowledged,
    Latched,
    Shelved,
    SuppressedByDesign,
    OutOfService,
}

impl AlarmState {
    /// Every state, core states first.
    pub const ALL: [AlarmState; 8] = [
        Self::Normal,
        Self::Unacknowledged,
        Self::Acknowledged,
        Self::RtnUnacknowledged,
        Self::Latched,
        Self::Shelved,
        Self::SuppressedByDesign,
        Self::OutOfService,
    ];

    /// The wire name, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Unacknowledged => "unacknowledged",
            Self::Acknowledged => "acknowledged",
            Self::RtnUnacknowledged => "rtn_unacknowledged",
            Self::Latched => "latched",
            Self::Shelved => "shelved",
            Self::SuppressedByDesign => "suppressed_by_design",
            Self::OutOfService => "out_of_service",
        }
    }
}

impl fmt::Display for AlarmState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Severity of consequence × time available to respond (esp-domain §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    High,
    Medium,
    Low,
}

impl Priority {
    /// Sort key: 0 for high, the most urgent first.
    pub fn rank(self) -> u8 {
        match self {
            Self::High => 0,
            Self::Medium => 1,
            Self::Low => 2,
        }
    }

    /// The wire name, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }
}

/// Design settings of one alarm point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlarmConfig {
    pub priority: Priority,
    /// The condition must hold this long before the alarm activates (motor inrush must not alarm).
    pub on_delay: Duration,
    /// The condition must stay clear this long before the alarm clears (rides through brief returns).
    pub off_delay: Duration,
    /// An acknowledged alarm still active this long after the ack returns to `unacknowledged`.
    pub re_alarm: Option<Duration>,
    /// A latching alarm holds in `latched` after it clears, until an operator resets it.
    pub latching: bool,
}

impl AlarmConfig {
    /// No delays, no re-alarm, not latching.
    pub fn new(priority: Priority) -> Self {
        Self { priority, on_delay: Duration::ZERO, off_delay: Duration::ZERO, re_alarm: None, latching: false }
    }
}

/// One visible state change, for the journal. Operator actions always yield one (the audit needs the
/// action even when a higher overlay hides its effect, so `from` may equal `to`); automatic changes
/// are reported only when the visible state changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from: AlarmState,
    pub to: AlarmState,
    pub at: DateTime<Utc>,
    pub cause: &'static str,
}

/// An operator's shelf: hidden until `until`, or, when `until` is `None`, until the condition clears.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shelf {
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
}

/// A refused operator action; the API maps these to 4xx answers.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AlarmError {
    #[error("cannot acknowledge an alarm that is {0}")]
    NotAcknowledgeable(AlarmState),
    #[error("cannot reset an alarm that is {0}")]
    NotLatched(AlarmState),
    #[error("cannot reset while the condition is active")]
    ConditionActive,
    #[error("a reason is required")]
    MissingReason,
    #[error("shelf duration must be positive and at most 24 h")]
    InvalidShelfDuration,
    #[error("alarm is not shelved")]
    NotShelved,
    #[error("alarm is already out of service")]
    AlreadyOutOfService,
    #[error("alarm is not out of service")]
    NotOutOfService,
}

/// Everything an [`super::Alarm`] knows beyond its design settings, so a restart of the process
/// resumes an alarm where it stood (unacknowledged stays unacknowledged, a shelf keeps its expiry).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlarmMemory {
    /// The core state beneath the overlays (one of the five core states).
    pub core: CoreState,
    pub measured: bool,
    pub measured_since: Option<DateTime<Utc>>,
    pub active: bool,
    pub acked_at: Option<DateTime<Utc>>,
    pub shelf: Option<Shelf>,
    pub suppressed: bool,
    pub out_of_service: Option<String>,
    pub activations: u64,
    pub suppressed_activations: u64,
}

/// The core state of an alarm, without overlays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CoreState {
    #[default]
    Normal,
    Unacknowledged,
    Acknowledged,
    RtnUnacknowledged,
    Latched,
}
