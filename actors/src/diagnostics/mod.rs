//! Diagnostics: pure supervision logic over measured conditions (esp-domain §2, §3).
//!
//! So far only the ISA-18.2 alarm state machine ([`alarm`]); whoever evaluates a condition (a well's
//! diagnosis, a system condition such as `store_unavailable`) owns one [`Alarm`] per alarm point and
//! journals the [`Transition`]s it returns.

pub mod alarm;

pub use alarm::{
    limit_active, Alarm, AlarmConfig, AlarmError, AlarmState, Priority, Shelf, Transition, DEFAULT_SHELF, MAX_SHELF,
};
