//! `manifest.json`: what the archive directory holds, one entry per archived UTC day, and
//! `SHA256SUMS` beside it (the same checksums, for `sha256sum -c`).
//!
//! The manifest is the archive's source of truth: a file it does not list is not part of the
//! archive (a temp file left by an interrupted pass, say). Only the retention pass writes it,
//! always whole, through a temp file renamed over the old one, so a reader sees either the old
//! manifest or the new, never half of one.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::error::ArchiveError;

pub const MANIFEST: &str = "manifest.json";
const SUMS: &str = "SHA256SUMS";
const VERSION: u32 = 1;

/// One archived day: the file, what it holds, and its checksum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedDay {
    pub day: NaiveDate,
    /// The file's name in the archive directory.
    pub file: String,
    /// Raw samples in the file (every well of the day).
    pub samples: u64,
    /// The earliest and latest sample times (`None` only for a day of no samples).
    pub first_at: Option<DateTime<Utc>>,
    pub last_at: Option<DateTime<Utc>>,
    /// The compressed file's size and SHA-256 (lowercase hex).
    pub bytes: u64,
    pub sha256: String,
    /// When the pass wrote the file, and when it last verified it against the store's count.
    pub archived_at: DateTime<Utc>,
    pub verified_at: DateTime<Utc>,
}

/// Every archived day, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub version: u32,
    pub days: Vec<ArchivedDay>,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest { version: VERSION, days: Vec::new() }
    }
}

impl Manifest {
    /// Reads the manifest of `dir`; a directory without one (no day archived yet) is empty.
    pub fn load(dir: &Path) -> Result<Manifest, ArchiveError> {
        let path = dir.join(MANIFEST);
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::default()),
            Err(error) => return Err(ArchiveError::Io { action: "read", path, error }),
        };
        let manifest: Manifest = serde_json::from_slice(&text)
            .map_err(|error| ArchiveError::Manifest { path: path.clone(), problem: error.to_string() })?;
        if manifest.version != VERSION {
            let problem = format!("version {} is not the supported {VERSION}", manifest.version);
            return Err(ArchiveError::Manifest { path, problem });
        }
        Ok(manifest)
    }

    /// Writes the manifest and `SHA256SUMS` into `dir`, each atomically.
    pub fn save(&self, dir: &Path) -> Result<(), ArchiveError> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|error| ArchiveError::Manifest { path: dir.join(MANIFEST), problem: error.to_string() })?;
        write_atomically(&dir.join(MANIFEST), &json)?;
        let sums: String = self.days.iter().map(|day| format!("{}  {}\n", day.sha256, day.file)).collect();
        write_atomically(&dir.join(SUMS), sums.as_bytes())
    }

    pub fn get(&self, day: NaiveDate) -> Option<&ArchivedDay> {
        self.days.iter().find(|entry| entry.day == day)
    }

    /// Adds the entry of a day, replacing any earlier one, keeping the days in order.
    pub fn record(&mut self, entry: ArchivedDay) {
        match self.days.binary_search_by_key(&entry.day, |existing| existing.day) {
            Ok(index) => self.days[index] = entry,
            Err(index) => self.days.insert(index, entry),
        }
    }
}

/// The temp file a write of `path` goes through; its leading dot keeps it out of listings.
pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// Writes `bytes` to a temp file, syncs it, renames it over `path` and syncs the directory.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ArchiveError> {
    let temp = temp_path(path);
    let mut file = std::fs::File::create(&temp).map_err(ArchiveError::io("create", &temp))?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(ArchiveError::io("write", &temp))?;
    publish(&temp, path)
}

/// Renames a finished temp file to its final name and makes the rename durable.
pub(crate) fn publish(temp: &Path, path: &Path) -> Result<(), ArchiveError> {
    std::fs::rename(temp, path).map_err(ArchiveError::io("rename into place", path))?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir).and_then(|dir| dir.sync_all()).map_err(ArchiveError::io("sync", dir))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(day: u32, samples: u64) -> ArchivedDay {
        let day = NaiveDate::from_ymd_opt(2025, 3, day).expect("date");
        ArchivedDay {
            day,
            file: format!("telemetry-{day}.jsonl.gz"),
            samples,
            first_at: None,
            last_at: None,
            bytes: 10,
            sha256: "ab".repeat(32),
            archived_at: DateTime::UNIX_EPOCH,
            verified_at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_directory_without_a_manifest_is_an_empty_archive() {
        let dir = tempfile::tempdir().expect("dir");
        assert_eq!(Manifest::load(dir.path()).expect("load"), Manifest::default());
    }

    #[test]
    fn entries_stay_in_day_order_and_a_day_is_replaced_not_duplicated() {
        let dir = tempfile::tempdir().expect("dir");
        let mut manifest = Manifest::default();
        for (day, samples) in [(14, 1), (12, 2), (14, 3)] {
            manifest.record(entry(day, samples));
        }
        manifest.save(dir.path()).expect("save");
        let loaded = Manifest::load(dir.path()).expect("load");
        let days: Vec<(u32, u64)> = loaded.days.iter().map(|d| (chrono::Datelike::day(&d.day), d.samples)).collect();
        assert_eq!(days, [(12, 2), (14, 3)]);
        let sums = std::fs::read_to_string(dir.path().join(SUMS)).expect("sums");
        assert_eq!(sums.lines().count(), 2);
        assert!(sums.contains("  telemetry-2025-03-14.jsonl.gz"), "{sums}");
        assert!(!dir.path().join(".manifest.json.tmp").exists());
    }

    #[test]
    fn an_unreadable_manifest_is_named() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join(MANIFEST), "{\"version\": 1, \"days\": [").expect("write");
        let error = Manifest::load(dir.path()).expect_err("corrupt");
        assert!(error.to_string().contains("manifest.json: "), "{error}");
    }
}
