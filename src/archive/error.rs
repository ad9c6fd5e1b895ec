//! [`ArchiveError`]: why archiving, verifying or restoring a day did not happen. Every message
//! names the day, file or directory at fault and the problem, for the log and the CLI alike.

use std::io;
use std::path::PathBuf;

use chrono::NaiveDate;
use wellvisor_actors::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// A file or directory of the archive could not be created, written, read or renamed.
    #[error("cannot {action} {}: {error}", .path.display())]
    Io { action: &'static str, path: PathBuf, error: io::Error },
    /// The manifest lists a file that is not there.
    #[error("{}: the archive file is missing", .path.display())]
    Missing { path: PathBuf },
    /// An archive file does not match its manifest entry, or does not decode.
    #[error("{}: {problem}", .path.display())]
    Corrupt { path: PathBuf, problem: String },
    /// The manifest itself cannot be read or written.
    #[error("{}: {problem}", .path.display())]
    Manifest { path: PathBuf, problem: String },
    /// What was exported is not what the store holds, so nothing is deleted.
    #[error("day {day}: {archived} samples archived but the store holds {stored}; nothing deleted")]
    CountMismatch { day: NaiveDate, archived: u64, stored: u64 },
    /// Re-archiving would replace an archive holding more samples than the store still has.
    #[error("day {day}: the store holds {stored} samples, fewer than the {archived} archived; the archive is kept and nothing deleted")]
    FewerThanArchived { day: NaiveDate, archived: u64, stored: u64 },
    /// `restore` of a day the manifest does not list.
    #[error("day {day} is not in the archive at {}", .dir.display())]
    NotArchived { day: NaiveDate, dir: PathBuf },
    /// `restore` of a day that already has raw rows: restoring would duplicate them.
    #[error("day {day} already has {held} raw samples in the store; restore refused")]
    AlreadyInStore { day: NaiveDate, held: u64 },
    /// The store failed or refused.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// A blocking file task panicked or was cancelled.
    #[error("archive file task failed: {0}")]
    Task(String),
}

impl ArchiveError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> ArchiveError {
        let path = path.into();
        move |error| ArchiveError::Io { action, path, error }
    }

    pub(crate) fn corrupt(path: impl Into<PathBuf>, problem: impl Into<String>) -> ArchiveError {
        ArchiveError::Corrupt { path: path.into(), problem: problem.into() }
    }
}

/// Runs blocking file work off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ArchiveError> + Send + 'static,
) -> Result<T, ArchiveError> {
    tokio::task::spawn_blocking(work).await.map_err(|error| ArchiveError::Task(error.to_string()))?
}
