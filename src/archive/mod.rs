//! The raw-telemetry archive and its retention (architecture §6): raw days older than
//! `retention.raw_days` leave the store only once a compressed, verified copy of them is in
//! the archive directory, so all history stays recoverable.
//!
//! Called by the service's retention task and by `wellvisor archive list|verify|restore`; it
//! reaches the store only through [`crate::store::Retention`].
//!
//! ## Layout
//! - `format.rs`: one JSON line per sample, exact to the bit and the millisecond.
//! - `file.rs`: a day's gzip'd file: written to a temp file, verified, renamed into place.
//! - [`manifest`]: `manifest.json` (and `SHA256SUMS`): every archived day, its file and checksum.
//! - [`pass`]: the retention pass: archive, verify, record, and only then delete; prune roll-ups.
//! - [`restore`]: verify the files; restore a day into a store that does not hold it.
//! - [`listing`]: what the commands print; [`commands`]: `wellvisor archive ...` itself.
//! - [`task`]: the service's periodic pass.
//! - [`ArchiveError`]: what went wrong, naming the day or file and the problem.
//!
//! The archive directory holds `telemetry-YYYY-MM-DD.jsonl.gz` per UTC day (every well of the
//! day, ordered by well then time), `manifest.json` and `SHA256SUMS`. One service writes it.

pub mod commands;
mod error;
mod file;
mod format;
pub mod listing;
pub mod manifest;
pub mod pass;
pub mod restore;
pub mod task;
#[cfg(test)]
mod tests;

pub use error::ArchiveError;
pub use file::file_name;
pub use manifest::{ArchivedDay, Manifest};
pub use pass::{run_pass, PassReport};
pub use restore::{restore_day, verify_archive};
