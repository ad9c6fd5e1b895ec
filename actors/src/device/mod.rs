//! The device side of a well: register maps and their decoding (pure), the Modbus TCP link,
//! and reconnect backoff.

pub mod backoff;
pub mod codec;
pub mod gateway;
pub mod link;
pub mod plan;
pub mod profile;

pub use backoff::Backoff;
pub use codec::{BitField, RegisterType, WordOrder};
pub use gateway::ModbusConnector;
pub use link::{Connector, DeviceError, Endpoint, Link};
pub use plan::{DecodeError, ReadBlock, ReadPlan};
pub use profile::{Addressing, CodeTable, Field, FunctionCode, Profile, ProfileError};
