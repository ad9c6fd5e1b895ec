//! Diagnostics: pure supervision logic over measured conditions (esp-domain §2, §3). No IO, no
//! async, no clock: every judgement takes the time it is made.
//!
//! - [`engine`]: one well's diagnostic engine: sensors, signals, windows, baseline, rules.
//! - [`rules`]: the rules of esp-domain §2.4, one function per diagnosis.
//! - [`baseline`]: the well's own steady-running baseline, persisted across restarts.
//! - [`signals`], [`window`]: derived quantities and the rolling windows rules read.
//! - [`thresholds`]: every tunable limit, with the documented defaults.
//! - [`alarm`]: the ISA-18.2 alarm state machine, one [`Alarm`] per alarm point.
//! - [`book`]: the fleet's [`AlarmBook`] of alarm points: evaluation, parent suppression,
//!   operator actions with audit, queries, persistence hand-off.
//! - [`kpi`]: alarm-management KPIs (rate, flood, chattering, stale, bad actors) for the book.
//! - [`kind`]: the canonical diagnoses, with default priority, restart block and advice.
//! - [`record`]: what diagnostics leave for the historian and the API (history, alarm states,
//!   journal, audit).
//!
//! Whoever evaluates a condition (a well's diagnosis, a feeder's power event, a system condition
//! such as `store_unavailable`) owns one [`Alarm`] per alarm point and journals the
//! [`Transition`]s it returns.

pub mod alarm;
pub mod baseline;
pub mod book;
pub mod engine;
pub mod kind;
pub mod kpi;
pub mod power;
pub mod record;
pub mod rules;
pub mod signals;
pub mod thresholds;
pub mod window;

pub use alarm::{
    limit_active, Alarm, AlarmConfig, AlarmError, AlarmMemory, AlarmState, CoreState, Priority, Shelf, Transition,
    DEFAULT_SHELF, MAX_SHELF,
};
pub use baseline::Baseline;
pub use book::{
    ActionOutcome, AlarmBook, AlarmFilter, BookChanges, BookError, BookSettings, Evaluation, ParentKind,
    PriorityCounts, SuppressFamily,
};
pub use engine::{Engine, Finding, Poll};
pub use kind::DiagnosisKind;
pub use kpi::{AlarmKpis, KpiSettings};
pub use record::{
    AlarmId, AlarmJournalEntry, AlarmRecord, AuditEntry, DiagnosisEvent, DiagnosisRecord, Evidence, Source,
};
pub use thresholds::{InvalidThreshold, Thresholds};
