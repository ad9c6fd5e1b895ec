//! Reading the archive back: verifying its files, and restoring an archived day into the
//! store as raw telemetry. Called by the `wellvisor archive` commands.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use tracing::warn;

use super::error::{blocking, ArchiveError};
use super::file::{self, DayReader};
use super::manifest::{ArchivedDay, Manifest};
use crate::store::retention::Retention;

/// Samples per transaction of a restore.
const BATCH: usize = 10_000;

/// Verifies the files of every archived day, or of `day` only; one result per day checked.
pub async fn verify_archive(
    dir: &Path,
    day: Option<NaiveDate>,
) -> Result<Vec<(ArchivedDay, Result<(), ArchiveError>)>, ArchiveError> {
    let dir = dir.to_owned();
    blocking(move || {
        let manifest = Manifest::load(&dir)?;
        let entries: Vec<ArchivedDay> = match day {
            Some(day) => {
                vec![manifest.get(day).cloned().ok_or_else(|| ArchiveError::NotArchived { day, dir: dir.clone() })?]
            }
            None => manifest.days,
        };
        Ok(entries
            .into_iter()
            .map(|entry| {
                let verdict = file::verify(&dir, &entry);
                (entry, verdict)
            })
            .collect())
    })
    .await
}

/// Writes an archived day back into the store, identical to what was archived.
///
/// Refuses a day the store already holds raw samples of (restoring would duplicate them), and
/// a file that does not verify. Writes in batches; if one fails, the batches already written
/// are deleted again, so the day is restored whole or not at all. Returns the samples restored.
pub async fn restore_day(retention: &dyn Retention, dir: &Path, day: NaiveDate) -> Result<u64, ArchiveError> {
    let entry = {
        let dir = dir.to_owned();
        blocking(move || {
            let manifest = Manifest::load(&dir)?;
            let entry =
                manifest.get(day).cloned().ok_or_else(|| ArchiveError::NotArchived { day, dir: dir.clone() })?;
            file::verify(&dir, &entry)?;
            Ok(entry)
        })
        .await?
    };
    let held = retention.count_day(day).await?;
    if held > 0 {
        return Err(ArchiveError::AlreadyInStore { day, held });
    }
    let path = dir.join(&entry.file);
    let written = match write_back(retention, path, day).await {
        Ok(written) => written,
        Err((written, error)) => {
            undo(retention, day, written).await;
            return Err(error);
        }
    };
    let stored = retention.count_day(day).await?;
    if stored != entry.samples {
        return Err(ArchiveError::CountMismatch { day, archived: entry.samples, stored });
    }
    Ok(written)
}

/// Streams the file into the store; on failure, says how many samples were written first.
async fn write_back(retention: &dyn Retention, path: PathBuf, day: NaiveDate) -> Result<u64, (u64, ArchiveError)> {
    let mut reader = blocking(move || DayReader::open(&path, day)).await.map_err(|error| (0, error))?;
    let mut written = 0;
    loop {
        let (batch, back) = blocking(move || reader.next_batch(BATCH).map(|batch| (batch, reader)))
            .await
            .map_err(|error| (written, error))?;
        reader = back;
        if batch.is_empty() {
            return Ok(written);
        }
        retention.restore_day(&batch).await.map_err(|error| (written, error.into()))?;
        written += batch.len() as u64;
    }
}

/// Deletes the part of a restore that was written before it failed.
async fn undo(retention: &dyn Retention, day: NaiveDate, written: u64) {
    if written == 0 {
        return;
    }
    if let Err(error) = retention.drop_day(day, written).await {
        warn!(%day, written, %error, "a failed restore left samples of the day in the store");
    }
}
