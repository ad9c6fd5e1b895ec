//! # The ESP well simulator
//!
//! Simulated wells served over real Modbus TCP, for demos, tests and benchmarks; started by
//! `wellvisor simulate` ([`run_cli`]) or in-process by the service and tests ([`start`]).
//!
//! ## Layout
//! - [`design`]: each well's design point: nameplate from its `WellData`, operating point drawn
//!   from the seed.
//! - [`noise`]: deterministic measurement noise, a pure function of (well, channel, tick).
//! - `measure`: noise and phase unbalance on top of the model's noise-free values.
//! - [`physics`]: the pure ESP model: states, start-up ramp, trips and auto-restart, power
//!   dips, readings.
//! - [`condition`]: process faults ([`ProcessCondition`]: pump-off, gas lock, broken shaft,
//!   ...): their slow targets and protection trips; `shapes`: how each reshapes the values.
//! - [`registers`]: a reading rendered into register words through a device profile.
//! - [`frame`]: MBAP framing and PDU replies, pure.
//! - [`fault`]: communication faults and their JSON/TOML form.
//! - [`scenario`]: the scenario file: timed faults, process events, conditions, power dips.
//! - `well_ref`: well ids (`W-001`) and numbers.
//! - `fleet`: every well's shared state, catching up lazily with the clock and the scenario.
//! - `server`: listeners and connection tasks.
//! - `control`: the HTTP control interface.
//! - `handle`: [`start`], [`SimHandle`] and [`free_port_range`].
//! - `cli`: [`run_cli`].

mod cli;
pub mod condition;
mod control;
pub mod design;
mod error;
pub mod fault;
mod fleet;
pub mod frame;
mod handle;
mod measure;
pub mod noise;
pub mod physics;
pub mod registers;
pub mod scenario;
mod scenario_process;
mod server;
mod shapes;
#[cfg(test)]
mod signature_support;
mod well_ref;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use wellvisor_actors::device::Profile;
use wellvisor_actors::domain::WellData;

pub use cli::run_cli;
pub use error::SimError;
pub use fault::{CommsFault, FaultSpec};
pub use handle::{free_port_range, start, SimHandle, WellStatus};
pub use physics::{ProcessCondition, ProcessEvent, Reading, WellModel};
pub use scenario::Scenario;
pub use well_ref::{well_id, well_index, WellRef};

/// Everything [`start`] needs to bring up a simulated fleet.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// How many wells; at most 247 in gateway mode (unit ids 1–247).
    pub wells: usize,
    /// Well `i` (0-based) listens on `base_port + i`; in gateway mode all share `base_port`.
    /// Port 0 (any free port) only works for a single well or a gateway.
    pub base_port: u16,
    /// One listener on `base_port` serving unit ids 1..=wells.
    pub gateway: bool,
    /// Address the listeners bind to, normally 127.0.0.1.
    pub bind_ip: IpAddr,
    /// The register map every well serves.
    pub profile: Arc<Profile>,
    /// Timed faults and process events.
    pub scenario: Scenario,
    /// Where the HTTP control interface listens, if anywhere.
    pub control_bind: Option<SocketAddr>,
    /// Seed of every design point and every noise stream.
    pub seed: u64,
    /// Static data of each well: well `i` uses entry `i` (nameplate, bubble point, shut-in
    /// head, design flow and frequency, feeder); wells past the end use `WellData::default()`.
    pub well_data: Vec<WellData>,
}
