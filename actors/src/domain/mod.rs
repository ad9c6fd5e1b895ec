//! Pure domain vocabulary shared by every layer: well ids, canonical parameters, samples, per-well
//! static data and the states a well shows (architecture §4, esp-domain §1).

mod parameter;
mod sample;
mod states;
mod well_data;
mod well_id;

pub use parameter::{Parameter, UnknownParameter};
pub use sample::{Sample, Values};
pub use states::{ConnectionState, Quality, RunState, SupervisionState, TripCode};
pub use well_data::{InvalidWellData, WellData, WellDataOverrides};
pub use well_id::{InvalidWellId, WellId};
