//! Diagnostics: pure supervision logic over measured conditions (esp-domain §2, §3).
//!
//! - [`alarm`]: the ISA-18.2 alarm state machine, one [`Alarm`] per alarm point.
//! - [`kind`]: the canonical diagnoses, with default priority, restart block and advice.
//! - [`record`]: what diagnostics leave for the historian and the API (history, alarm states,
//!   journal, audit).
//!
//! Whoever evaluates a condition (a well's diagnosis, a feeder's power event, a system condition
//! such as `store_unavailable`) owns one [`Alarm`] per alarm point and journals the
//! [`Transition`]s it returns.

pub mod alarm;
pub mod kind;
pub mod record;

pub use alarm::{
    limit_active, Alarm, AlarmConfig, AlarmError, AlarmMemory, AlarmState, CoreState, Priority, Shelf, Transition,
    DEFAULT_SHELF, MAX_SHELF,
};
pub use kind::DiagnosisKind;
pub use record::{
    AlarmId, AlarmJournalEntry, AlarmRecord, AuditEntry, DiagnosisEvent, DiagnosisRecord, Evidence, Source,
};
