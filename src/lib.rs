//! # wellvisor: the service shell
//!
//! The supervision engine lives in the `wellvisor-actors` crate (its `lib.rs` draws the tree).
//! This crate wires it to the outside world.
//!
//! ## Layout
//! - [`config`]: the typed TOML configuration, well definitions and profile loading.
//! - [`auth`]: users, roles, tokens and API keys: who may use the API.
//! - [`archive`]: raw telemetry archived, verified, then deleted; `wellvisor archive` commands.
//! - [`app`]: builds the supervision tree, serves HTTP, and shuts down in order.
//! - [`store`]: `Store` implementations (SQLite, the embedded default).
//! - [`http`]: the axum facade: router, handlers, JSON errors.
//! - [`sim`]: the ESP well simulator: physics, fault injection, Modbus TCP server.
//! - [`bench`]: the fleet benchmark behind `wellvisor bench fleet`.
//! - [`cli`]: command-line parsing and logging set-up.

pub mod app;
pub mod archive;
pub mod auth;
pub mod bench;
pub mod cli;
pub mod config;
pub mod http;
pub mod sim;
pub mod store;
