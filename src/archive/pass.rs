//! The retention pass: archive, verify, and only then delete each expired day of raw
//! telemetry; then prune the roll-ups past their own retention.
//!
//! Called by the service's retention task (`task.rs`) with the wall clock, and by tests with
//! any `now`. A day goes through these steps, and a failure at any of them leaves the day in
//! the store, is logged and reported, and the pass goes on with the next day:
//!
//! 1. export the day from the store, page by page, into a temp file;
//! 2. verify the file: its count equals the store's count for the day; re-read from disk, its
//!    checksum is the one written, every line decodes; only then is it renamed into place, so
//!    an earlier archive of the day is never replaced by a file that did not verify;
//! 3. record it in the manifest (rewritten atomically);
//! 4. delete the day, which the store refuses unless it still holds exactly the count archived.

use std::path::Path;

use chrono::{DateTime, Days, NaiveDate, Utc};
use tracing::{info, warn};

use super::error::{blocking, ArchiveError};
use super::file::{self, DayWriter};
use super::manifest::{ArchivedDay, Manifest};
use crate::config::RetentionConfig;
use wellvisor_actors::store::Resolution;

use crate::store::retention::{DayCount, DayCursor, Retention};

/// Samples per page of a day's export.
const PAGE: usize = 10_000;

/// What one pass did.
#[derive(Debug, Default)]
pub struct PassReport {
    /// Days archived, verified and deleted from the store.
    pub archived: Vec<ArchivedDay>,
    /// Days that had a partition but no samples: dropped, nothing to archive.
    pub dropped_empty: Vec<NaiveDate>,
    /// Roll-up rows pruned, 1-minute then 1-hour.
    pub pruned: [u64; 2],
    /// What failed, and why. A failed day is still in the store.
    pub failures: Vec<PassFailure>,
}

#[derive(Debug, thiserror::Error)]
#[error("{step}: {error}")]
pub struct PassFailure {
    /// The day, or the roll-up table, the failure concerns.
    pub step: String,
    pub error: ArchiveError,
}

/// The first day raw telemetry is kept: every whole UTC day before it has expired.
pub fn first_kept_day(now: DateTime<Utc>, raw_days: u32) -> NaiveDate {
    let today = now.date_naive();
    today.checked_sub_days(Days::new(u64::from(raw_days))).unwrap_or(NaiveDate::MIN)
}

/// Runs one pass at `now`. Fails as a whole only when the store cannot list its days or the
/// manifest cannot be read: then nothing has been touched.
pub async fn run_pass(
    retention: &dyn Retention,
    config: &RetentionConfig,
    now: DateTime<Utc>,
) -> Result<PassReport, ArchiveError> {
    let dir = config.archive_dir.as_path();
    let days = retention.raw_days(first_kept_day(now, config.raw_days)).await?;
    let mut report = PassReport::default();
    if !days.is_empty() {
        let mut manifest = load_manifest(dir).await?;
        for count in days {
            expire_day(retention, dir, &mut manifest, count, now, &mut report).await;
        }
    }
    prune(retention, config, now, &mut report).await;
    Ok(report)
}

async fn expire_day(
    retention: &dyn Retention,
    dir: &Path,
    manifest: &mut Manifest,
    count: DayCount,
    now: DateTime<Utc>,
    report: &mut PassReport,
) {
    let day = count.day;
    if count.samples == 0 {
        match retention.drop_day(day, 0).await {
            Ok(_) => report.dropped_empty.push(day),
            Err(error) => report.failures.push(failure(format!("day {day}"), error.into())),
        }
        return;
    }
    match archive_day(retention, dir, manifest, count, now).await {
        Ok(entry) => {
            info!(%day, samples = entry.samples, file = %entry.file, "raw telemetry day archived and deleted");
            report.archived.push(entry);
        }
        Err(error) => report.failures.push(failure(format!("day {day}"), error)),
    }
}

/// Steps 1-4 for one day; returns the day's manifest entry once the store has deleted it.
pub async fn archive_day(
    retention: &dyn Retention,
    dir: &Path,
    manifest: &mut Manifest,
    count: DayCount,
    now: DateTime<Utc>,
) -> Result<ArchivedDay, ArchiveError> {
    let DayCount { day, samples: stored } = count;
    if let Some(earlier) = manifest.get(day).filter(|earlier| earlier.samples > stored) {
        return Err(ArchiveError::FewerThanArchived { day, archived: earlier.samples, stored });
    }
    let written = export(retention, dir, day).await?;
    let entry = written.entry(now);
    verify_and_publish(written, entry.clone(), stored).await?;
    manifest.record(entry.clone());
    let snapshot = manifest.clone();
    let owned_dir = dir.to_owned();
    blocking(move || snapshot.save(&owned_dir)).await?;
    retention.drop_day(day, stored).await?;
    Ok(entry)
}

/// Step 2: checks the temp file, then renames it into place; removes it when it fails.
async fn verify_and_publish(written: file::WrittenDay, entry: ArchivedDay, stored: u64) -> Result<(), ArchiveError> {
    blocking(move || {
        let checked = if entry.samples == stored {
            file::verify_at(&written.temp, &entry).and_then(|()| written.publish())
        } else {
            Err(ArchiveError::CountMismatch { day: entry.day, archived: entry.samples, stored })
        };
        if checked.is_err() {
            written.discard();
        }
        checked
    })
    .await
}

/// Step 1: the day, page by page, into its file.
async fn export(retention: &dyn Retention, dir: &Path, day: NaiveDate) -> Result<file::WrittenDay, ArchiveError> {
    let owned_dir = dir.to_owned();
    let mut writer = blocking(move || DayWriter::create(&owned_dir, day)).await?;
    let mut cursor: Option<DayCursor> = None;
    loop {
        let page = retention.read_day(day, cursor.as_ref(), PAGE).await?;
        let samples = page.samples;
        writer = blocking(move || writer.append(&samples).map(|()| writer)).await?;
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    blocking(move || writer.finish()).await
}

async fn load_manifest(dir: &Path) -> Result<Manifest, ArchiveError> {
    let owned_dir = dir.to_owned();
    blocking(move || Manifest::load(&owned_dir)).await
}

/// Prunes each roll-up whose retention is not "forever" (0 days).
async fn prune(retention: &dyn Retention, config: &RetentionConfig, now: DateTime<Utc>, report: &mut PassReport) {
    let rollups = [(Resolution::Minute, config.rollup_1m_days), (Resolution::Hour, config.rollup_1h_days)];
    for (slot, (rollup, days)) in rollups.into_iter().enumerate() {
        if days == 0 {
            continue;
        }
        let before = now - chrono::Duration::days(i64::from(days));
        match retention.prune_rollups(rollup, before).await {
            Ok(pruned) => report.pruned[slot] = pruned,
            Err(error) => {
                report.failures.push(failure(format!("pruning the {} roll-ups", rollup.as_str()), error.into()))
            }
        }
    }
}

fn failure(step: String, error: ArchiveError) -> PassFailure {
    warn!(%step, %error, "retention step failed; nothing of it was deleted");
    PassFailure { step, error }
}
