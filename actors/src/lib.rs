//! # wellvisor-actors: the supervision engine
//!
//! Everything that keeps wells polled and supervised, and nothing of HTTP or SQL.
//!
//! ```text
//! Root (the service wires this up)
//! ├── Recorder        recorder.rs   batches samples and records into a `Store`; bounded intakes, counted overflow,
//! │                                 store-and-forward through a disk spool while the store is away
//! ├── Fleet           fleet.rs      live picture: a snapshot per well (dashmap), status broadcast,
//! │                                 power events per feeder and outages per gateway
//! └── WellSupervisor  supervisor.rs one_for_one restarts with backoff and an intensity limit
//!     ├── Well W-001  well.rs       owns its Modbus link, poll schedule, latest values, history,
//!     │                             its diagnostic engine and its alarm points in the AlarmBook
//!     └── …
//! ```
//!
//! ## Layout
//! - [`domain`]: pure vocabulary (well ids, canonical parameters, samples, states).
//! - [`device`]: register maps and decoding (pure), the Modbus link seam, connections shared
//!   per gateway, backoff.
//! - [`diagnostics`]: pure, clock injected: the diagnostic engine and its rules, the well's
//!   baseline, the ISA-18.2 alarm state machine, the fleet's alarm book (shared by wells, the
//!   fleet and the API) and its KPIs.
//! - [`restart`]: the restart-intensity window (pure).
//! - [`well`], [`supervisor`], [`fleet`], [`recorder`]: one actor per file.
//! - [`store`]: the storage trait the recorder writes through (samples and diagnostic records);
//!   implemented by the service.
//! - [`clock`]: wall-clock time, injected so tests are deterministic.
//! - `openapi` (feature `openapi`): the OpenAPI schemas of the types serialised by hand.
//! - `testing` (tests and the `test-hooks` feature): a scriptable fake device and an in-memory store.

pub mod clock;
pub mod device;
pub mod diagnostics;
pub mod domain;
pub mod fleet;
#[cfg(feature = "openapi")]
mod openapi;
pub mod recorder;
pub mod restart;
pub mod store;
pub mod supervisor;
#[cfg(any(test, feature = "test-hooks"))]
pub mod testing;
pub mod well;
