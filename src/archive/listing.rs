//! How the `wellvisor archive` commands show the archive: one line per day.

use std::path::Path;

use super::manifest::{ArchivedDay, Manifest};

/// The table of `archive list`: day, samples, bytes, when verified, file.
pub fn table(dir: &Path, manifest: &Manifest) -> String {
    if manifest.days.is_empty() {
        return format!("no archived days in {}\n", dir.display());
    }
    let mut text = format!("{:<10}  {:>12}  {:>12}  {:<20}  file\n", "day", "samples", "bytes", "verified_at");
    for entry in &manifest.days {
        let verified = entry.verified_at.format("%Y-%m-%dT%H:%M:%SZ");
        text.push_str(&format!(
            "{:<10}  {:>12}  {:>12}  {:<20}  {}\n",
            entry.day, entry.samples, entry.bytes, verified, entry.file
        ));
    }
    let samples: u64 = manifest.days.iter().map(|entry| entry.samples).sum();
    let bytes: u64 = manifest.days.iter().map(|entry| entry.bytes).sum();
    text.push_str(&format!("{} days, {samples} samples, {bytes} bytes in {}\n", manifest.days.len(), dir.display()));
    text
}

/// The line `archive verify` prints for a day whose file verified.
pub fn verified(dir: &Path, entry: &ArchivedDay) -> String {
    format!("ok {} {} ({} samples)", entry.day, dir.join(&entry.file).display(), entry.samples)
}
