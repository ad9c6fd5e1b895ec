//! The store's errors: why opening failed ([`StoreOpenError`]), and how a driver error becomes
//! the retry-or-drop verdict (`StoreError`) the recorder acts on.

use std::io;
use std::path::PathBuf;

use wellvisor_actors::store::StoreError;

/// Why a store could not be opened. Every message names the URL, path or directory at fault,
/// so an operator can fix the configuration from the log line alone.
#[derive(Debug, thiserror::Error)]
pub enum StoreOpenError {
    /// The URL names a backend this build does not provide, or none at all.
    #[error("unsupported store url: {reason}")]
    Unsupported { reason: String },
    /// The database file's parent directory is missing and could not be made.
    #[error("cannot create directory {}: {}", .path.display(), io_reason(.error))]
    CreateDir { path: PathBuf, error: io::Error },
    /// The database file is missing and could not be made.
    #[error("cannot create database file {}: {}", .path.display(), io_reason(.error))]
    CreateFile { path: PathBuf, error: io::Error },
    /// The URL is malformed, or the driver could not open or configure the database.
    #[error("cannot open database {url}: {reason}")]
    Open { url: String, reason: String },
    /// The schema migrations failed; the database is left as the last good migration made it.
    #[error("cannot migrate database {url}: {reason}")]
    Migrate { url: String, reason: String },
}

/// An IO error as a lowercase phrase ("permission denied (os error 13)").
fn io_reason(error: &io::Error) -> String {
    let text = error.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => error.kind().to_string(),
    }
}

/// Maps a sqlx error from the SQLite backend to the recorder's verdict.
///
/// The rule: `Unavailable` when the store is at fault and a later retry may succeed (busy,
/// locked, IO, disk full, pool exhausted); `Rejected` when the request itself is at fault
/// (constraint, type or SQL errors) and would fail again on a healthy store.
pub(crate) fn sqlite_store_error(error: &sqlx::Error) -> StoreError {
    let transient = match error {
        sqlx::Error::Database(db) => db.code().and_then(|code| code.parse::<i32>().ok()).is_some_and(is_transient_code),
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => true,
        _ => false,
    };
    if transient {
        StoreError::Unavailable(error.to_string())
    } else {
        StoreError::Rejected(error.to_string())
    }
}

/// Whether an SQLite (extended) result code means the store, not the request, is at fault.
fn is_transient_code(extended: i32) -> bool {
    const ABORT: i32 = 4;
    const BUSY: i32 = 5;
    const LOCKED: i32 = 6;
    const NOMEM: i32 = 7;
    const READONLY: i32 = 8;
    const INTERRUPT: i32 = 9;
    const IOERR: i32 = 10;
    const CORRUPT: i32 = 11;
    const FULL: i32 = 13;
    const CANTOPEN: i32 = 14;
    const PROTOCOL: i32 = 15;
    const SCHEMA: i32 = 17;
    const NOTADB: i32 = 26;
    // The primary code is the low byte of an extended code (SQLITE_IOERR_WRITE = 10 | 3 << 8).
    matches!(
        extended & 0xff,
        ABORT
            | BUSY
            | LOCKED
            | NOMEM
            | READONLY
            | INTERRUPT
            | IOERR
            | CORRUPT
            | FULL
            | CANTOPEN
            | PROTOCOL
            | SCHEMA
            | NOTADB
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_reasons_read_as_lowercase_phrases() {
        let error = io::Error::from_raw_os_error(13);
        assert!(io_reason(&error).starts_with("permission denied"), "{}", io_reason(&error));
        let open = StoreOpenError::CreateDir { path: "data/".into(), error };
        assert!(open.to_string().starts_with("cannot create directory data/: permission denied"), "{open}");
    }

    #[test]
    fn busy_locked_io_and_full_are_worth_retrying() {
        for code in [5, 6, 10, 10 | 3 << 8, 13, 14, 5 | 2 << 8] {
            assert!(is_transient_code(code), "{code}");
        }
    }

    #[test]
    fn constraint_mismatch_and_sql_errors_are_rejections() {
        // SQLITE_ERROR, SQLITE_CONSTRAINT_CHECK, SQLITE_CONSTRAINT_TRIGGER, SQLITE_MISMATCH, SQLITE_TOOBIG.
        for code in [1, 19 | 1 << 8, 19 | 7 << 8, 20, 18] {
            assert!(!is_transient_code(code), "{code}");
        }
    }

    #[test]
    fn pool_timeouts_are_unavailable_and_decode_errors_rejected() {
        assert!(matches!(sqlite_store_error(&sqlx::Error::PoolTimedOut), StoreError::Unavailable(_)));
        let decode = sqlx::Error::Decode("bad".into());
        assert!(matches!(sqlite_store_error(&decode), StoreError::Rejected(_)));
    }
}
