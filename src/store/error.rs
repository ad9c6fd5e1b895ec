//! The store's errors: why opening failed ([`StoreOpenError`]), and how a driver error becomes
//! the retry-or-drop verdict (`StoreError`) the recorder acts on, for SQLite and PostgreSQL.

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
    /// The database server did not answer (refused, unreachable, starting up, timed out). The
    /// configuration may be right: the caller may retry the open later.
    #[error("cannot reach database {url}: {reason}")]
    Unreachable { url: String, reason: String },
}

impl StoreOpenError {
    /// Whether opening again later may succeed without a change of configuration.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreOpenError::Unreachable { .. })
    }
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
        other => is_transport_failure(other),
    };
    if transient {
        StoreError::Unavailable(error.to_string())
    } else {
        StoreError::Rejected(error.to_string())
    }
}

/// Whether a driver error, whatever the backend, lies in reaching the database rather than in the
/// request: the connection, the pool or the driver's own worker failed.
fn is_transport_failure(error: &sqlx::Error) -> bool {
    matches!(
        error,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::BeginFailed
    )
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

/// Maps a sqlx error from the PostgreSQL backend to the recorder's verdict, prefixed with what
/// was being done (`"writing telemetry"`), since PostgreSQL does not always name the table.
///
/// The same rule as SQLite's: `Unavailable` when the server or the network is at fault
/// (connection lost or refused, shutdown, out of resources, timeouts, lock and serialization
/// conflicts, a read-only standby after a failover); `Rejected` when the request is at fault
/// (constraints, types, JSON syntax, rows that do not decode), with the table, column and
/// constraint PostgreSQL names.
pub(crate) fn postgres_store_error(doing: &str, error: &sqlx::Error) -> StoreError {
    let message = format!("{doing}: {}", postgres_reason(error));
    if postgres_is_transient(error) {
        StoreError::Unavailable(message)
    } else {
        StoreError::Rejected(message)
    }
}

/// Whether a PostgreSQL driver error is the server's or the network's fault (worth retrying).
pub(crate) fn postgres_is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => db.code().is_some_and(|code| is_transient_sqlstate(&code)),
        other => is_transport_failure(other),
    }
}

/// A sqlx error as one line, with what PostgreSQL says about where it happened.
pub(crate) fn postgres_reason(error: &sqlx::Error) -> String {
    let sqlx::Error::Database(db) = error else { return error.to_string() };
    let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() else { return error.to_string() };
    let mut reason = format!("{} (sqlstate {}", pg.message(), pg.code());
    let fields = [("table", pg.table()), ("column", pg.column()), ("constraint", pg.constraint())];
    for (name, value) in fields {
        if let Some(value) = value {
            reason.push_str(&format!(", {name} {value}"));
        }
    }
    reason.push(')');
    if let Some(detail) = pg.detail() {
        reason.push_str(&format!(": {detail}"));
    }
    reason
}

/// Whether a PostgreSQL SQLSTATE means the server, not the request, is at fault.
fn is_transient_sqlstate(code: &str) -> bool {
    const CLASSES: [&str; 4] = [
        "08", // connection exception
        "53", // insufficient resources: disk full, out of memory, too many connections
        "58", // system error: IO
        "XX", // internal error
    ];
    const CODES: [&str; 8] = [
        "57P01", // admin_shutdown
        "57P02", // crash_shutdown
        "57P03", // cannot_connect_now (starting up)
        "57014", // query_canceled (statement_timeout)
        "40001", // serialization_failure
        "40P01", // deadlock_detected
        "55P03", // lock_not_available
        "25006", // read_only_sql_transaction (a standby after a failover)
    ];
    CLASSES.iter().any(|class| code.starts_with(class)) || CODES.contains(&code)
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
    fn postgres_outages_and_timeouts_are_worth_retrying() {
        for code in ["08006", "08001", "53100", "53300", "57P01", "57P03", "57014", "40001", "58030", "25006"] {
            assert!(is_transient_sqlstate(code), "{code}");
        }
    }

    #[test]
    fn postgres_constraint_type_and_syntax_errors_are_rejections() {
        // not_null, check, unique, invalid_text_representation, undefined_column, trigger raise.
        for code in ["23502", "23514", "23505", "22P02", "42703", "23000", "P0001"] {
            assert!(!is_transient_sqlstate(code), "{code}");
        }
    }

    #[test]
    fn postgres_verdicts_say_what_was_being_done() {
        let verdict = postgres_store_error("writing telemetry", &sqlx::Error::PoolTimedOut);
        assert!(matches!(&verdict, StoreError::Unavailable(m) if m.starts_with("writing telemetry: ")), "{verdict:?}");
        let verdict = postgres_store_error("reading audit", &sqlx::Error::Decode("bad".into()));
        assert!(matches!(&verdict, StoreError::Rejected(m) if m.starts_with("reading audit: ")), "{verdict:?}");
    }

    #[test]
    fn only_an_unreachable_server_is_worth_opening_again() {
        let unreachable = StoreOpenError::Unreachable { url: "postgres://db/w".into(), reason: "refused".into() };
        assert!(unreachable.is_retryable());
        let open = StoreOpenError::Open { url: "postgres://db/w".into(), reason: "bad password".into() };
        assert!(!open.is_retryable());
    }

    #[test]
    fn pool_timeouts_are_unavailable_and_decode_errors_rejected() {
        assert!(matches!(sqlite_store_error(&sqlx::Error::PoolTimedOut), StoreError::Unavailable(_)));
        let decode = sqlx::Error::Decode("bad".into());
        assert!(matches!(sqlite_store_error(&decode), StoreError::Rejected(_)));
    }
}
