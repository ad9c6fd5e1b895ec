//! Reading a spool without a recorder: the samples a stopped or crashed service left to replay,
//! for an operator's check and for the crash tests.

use std::path::Path;

use super::codec::{CodecError, Spoolable};
use super::spool::{Spool, SpoolBudget, SpoolError};
use crate::domain::Sample;

/// Frames read per step; any size works, this one keeps memory flat.
const READ_BATCH: usize = 10_000;

/// Why a spool could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error(transparent)]
    Spool(#[from] SpoolError),
    #[error("spooled sample {index} cannot be decoded: {error}")]
    Decode { index: usize, error: CodecError },
}

/// The samples under `spool_dir` not yet in the store, oldest first: what the next start of a
/// recorder on that directory replays. Like a recorder's start, opening the spool tidies what
/// a crash left half-made (temporary and orphan cursor files); it replays and deletes nothing.
pub fn spooled_samples(spool_dir: &Path) -> Result<Vec<Sample>, InspectError> {
    let mut spool = Spool::open(&spool_dir.join("samples"), u64::MAX, SpoolBudget::new(u64::MAX))?;
    let mut samples = Vec::new();
    while let Some((payloads, _unacknowledged)) = spool.read(READ_BATCH)? {
        for payload in payloads {
            let index = samples.len();
            samples.push(Sample::decode(&payload).map_err(|error| InspectError::Decode { index, error })?);
        }
    }
    Ok(samples)
}
