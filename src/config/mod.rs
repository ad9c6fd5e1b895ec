//! The typed configuration: one TOML file, every key documented, unknown keys rejected, a few
//! `WELLVISOR_*` environment overrides, and validation before anything starts.
//!
//! `load` is the only way in: it parses, applies the environment, loads and validates the
//! device profiles and expands well groups, and names the file, key and problem on failure.

pub mod bytesize;
pub mod duration;
mod load;
mod sections;
pub mod security;
pub mod well;

pub use load::{load, load_profiles, ConfigError, LoadedConfig, Secrets};
pub use sections::{
    Config, HttpConfig, LogFormat, LoggingConfig, ModbusConfig, PollingConfig, ProfilesConfig, RetentionConfig,
    SimulatorConfig, StorageConfig, SupervisionConfig, WellGroup,
};
pub use security::{AuthConfig, RateLimitConfig, TlsConfig};
pub use well::{PollOverrides, WellDefinition, WellDefinitionError, WellFactory};
