//! The historian backends behind the `Store` trait of `wellvisor-actors` (architecture §6).
//!
//! `app` calls [`open`] once at start-up with the configured URL and hands the resulting
//! `Arc<dyn Store>` to the recorder (writes) and the HTTP facade (reads, run-time wells).
//!
//! ## Layout
//! - [`open`]: picks the backend from the URL scheme.
//! - [`SqliteStore`]: the embedded default, a single SQLite file; nothing to install.
//! - [`PostgresStore`]: the production historian: day-partitioned telemetry, batch ingest;
//!   [`PostgresOptions`] sizes its pool and bounds its statements.
//! - [`open_historian`]: the same, also handing out the backend's [`Retention`] operations and
//!   its users and API keys (`crate::auth::accounts::Accounts`).
//! - [`retention`]: the days of raw telemetry the archive exports, drops and restores.
//! - [`StoreOpenError`]: why a store could not be opened, naming the path or URL at fault.
//! - `names`: how diagnostic enums and sources are spelled in storage columns (any backend).
//! - `rollup`: 1-minute and 1-hour roll-ups summarised per batch, held in memory by either
//!   backend and flushed in bulk ([`HeldRollups`]); recounted at open after a crash.
//! - `suite` (tests only): the behaviour every backend must show, run against each backend.
//! - [`throwaway`]: a PostgreSQL server the tests start themselves; a fresh database per caller.
//!
//! Both backends pass the same suite, run against a real SQLite file and a real PostgreSQL
//! server.

mod error;
mod names;
mod postgres;
pub mod retention;
pub(crate) mod rollup;
mod sqlite;
#[cfg(test)]
pub(crate) mod suite;
pub mod throwaway;

use std::sync::Arc;

use wellvisor_actors::device::link::BoxFuture;
use wellvisor_actors::domain::Parameter;
use wellvisor_actors::store::{Store, StoreError};

use crate::auth::accounts::Accounts;

pub use error::StoreOpenError;

/// A statement slower than this is logged as a warning (with its text); quicker ones only at
/// trace level. A roll-up flush of 20,000 rows takes about a second on a busy machine, which is
/// normal; ten seconds is a database in trouble.
const SLOW_STATEMENT: std::time::Duration = std::time::Duration::from_secs(10);
pub use postgres::{PostgresOptions, PostgresStore};
pub use retention::Retention;
pub use sqlite::SqliteStore;

/// Opens the store named by `url`, creating and migrating it as needed.
///
/// `sqlite://path/to/file.db` (relative to the working directory), `sqlite:///absolute.db`
/// and `sqlite::memory:` open the embedded backend.
///
/// `postgres://user:password@host:port/database` (or `postgresql://`) opens the PostgreSQL
/// backend, which must be reachable: one attempt, and [`StoreOpenError::Unreachable`] when the
/// server does not answer (the caller decides whether to retry, see
/// [`StoreOpenError::is_retryable`]). Its query may carry `max_connections` and
/// `statement_timeout` ([`PostgresOptions`]) beside the driver's own keys (`sslmode`, ...).
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreOpenError> {
    match scheme(url) {
        Some("sqlite") => Ok(Arc::new(SqliteStore::open(url).await?)),
        Some("postgres" | "postgresql") => Ok(Arc::new(PostgresStore::open(url).await?)),
        other => Err(unsupported(other)),
    }
}

/// Why a URL names no backend. Only the scheme is echoed: the rest may carry credentials.
fn unsupported(scheme: Option<&str>) -> StoreOpenError {
    let reason = match scheme {
        Some(other) => format!("unknown store url scheme {other:?}; expected sqlite: or postgres://"),
        None => "the store url has no scheme; expected sqlite:path/to/file.db or postgres://...".to_owned(),
    };
    StoreOpenError::Unsupported { reason }
}

/// One historian seen four ways: as the `Store` the service writes and reads, as the
/// [`Retention`] operations only the archive uses, as the users and API keys authentication
/// loads and saves, and as the roll-ups it holds in memory.
#[derive(Clone)]
pub struct Historian {
    pub store: Arc<dyn Store>,
    pub retention: Arc<dyn Retention>,
    pub accounts: Arc<dyn Accounts>,
    pub(crate) rollups: Arc<dyn HeldRollups>,
}

/// A backend's write-behind roll-ups (`rollup::write_behind`): what its recent batches brought
/// to the roll-ups, held in memory until a flush. Reads count them already; a crash loses
/// nothing (the next open recounts from raw rows), but a graceful stop flushes them so the
/// next open has nothing to recount.
pub(crate) trait HeldRollups: Send + Sync + 'static {
    /// Merges every held row into the roll-up tables now, in one transaction.
    fn flush_rollups(&self) -> BoxFuture<'_, Result<(), StoreError>>;

    /// The bookkeeping itself, for tests to observe and tune.
    #[cfg(test)]
    fn write_behind(&self) -> &rollup::write_behind::WriteBehind;
}

/// Opens the store named by `url` as [`open`] does, keeping its retention operations and its
/// accounts too.
pub async fn open_historian(url: &str) -> Result<Historian, StoreOpenError> {
    match scheme(url) {
        Some("sqlite") => Ok(Historian::from(Arc::new(SqliteStore::open(url).await?))),
        Some("postgres" | "postgresql") => Ok(Historian::from(Arc::new(PostgresStore::open(url).await?))),
        other => Err(unsupported(other)),
    }
}

impl<S: Store + Retention + Accounts + HeldRollups> From<Arc<S>> for Historian {
    fn from(backend: Arc<S>) -> Historian {
        Historian { store: backend.clone(), retention: backend.clone(), accounts: backend.clone(), rollups: backend }
    }
}

impl HeldRollups for SqliteStore {
    fn flush_rollups(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(SqliteStore::flush_rollups(self))
    }

    #[cfg(test)]
    fn write_behind(&self) -> &rollup::write_behind::WriteBehind {
        self.write_behind()
    }
}

impl HeldRollups for PostgresStore {
    fn flush_rollups(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(PostgresStore::flush_rollups(self))
    }

    #[cfg(test)]
    fn write_behind(&self) -> &rollup::write_behind::WriteBehind {
        self.write_behind()
    }
}

/// The parameters a telemetry query returns, for any backend: all when none are named, else each
/// named one once, in the order asked.
fn wanted(params: &[Parameter]) -> Vec<Parameter> {
    if params.is_empty() {
        return Parameter::ALL.to_vec();
    }
    let mut wanted = Vec::with_capacity(params.len());
    for parameter in params {
        if !wanted.contains(parameter) {
            wanted.push(*parameter);
        }
    }
    wanted
}

/// The URL scheme: the text before the first `:`, when it is shaped like a scheme (RFC 3986).
/// Compared as written; sqlx itself only understands a lowercase `sqlite:`.
fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let valid = starts_with_letter && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn open_error(url: &str) -> String {
        match open(url).await {
            Ok(_) => panic!("{url} should not open"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn scheme_is_the_text_before_the_first_colon() {
        assert_eq!(scheme("sqlite://data/w.db"), Some("sqlite"));
        assert_eq!(scheme("sqlite::memory:"), Some("sqlite"));
        assert_eq!(scheme("postgresql://u:p@h/db"), Some("postgresql"));
        assert_eq!(scheme("data/w.db"), None);
        assert_eq!(scheme("C:\\data\\w.db"), Some("C"));
        assert_eq!(scheme("1x://y"), None);
    }

    #[tokio::test]
    async fn postgres_urls_open_the_postgresql_backend() {
        let url = throwaway::database().await.expect("throwaway database");
        let (_, rest) = url.split_once("://").expect("a url");
        for url in [format!("postgres://{rest}"), format!("postgresql://{rest}?max_connections=2")] {
            let store = open(&url).await.unwrap_or_else(|error| panic!("{url}: {error}"));
            store.ping().await.expect("ping");
            assert_eq!(store.count_samples(None).await.expect("count"), 0);
        }
    }

    #[tokio::test]
    async fn an_unreachable_postgres_server_is_retryable_and_hides_the_password() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let url = format!("postgres://wellvisor:secret@127.0.0.1:{port}/wellvisor");
        let error = open(&url).await.err().expect("nothing listens there");
        let message = error.to_string();
        assert!(error.is_retryable(), "{message}");
        let expected = format!("cannot reach database postgres://wellvisor:***@127.0.0.1:{port}/wellvisor: ");
        assert!(message.starts_with(&expected) && !message.contains("secret"), "{message}");
    }

    #[tokio::test]
    async fn unknown_schemes_are_named() {
        let message = open_error("mysql://user:secret@db/wellvisor").await;
        assert!(message.contains("unknown store url scheme \"mysql\""), "{message}");
        assert!(!message.contains("secret"), "{message}");
        let message = open_error("data/wellvisor.db").await;
        assert!(message.contains("no scheme"), "{message}");
    }

    #[tokio::test]
    async fn sqlite_urls_open_the_embedded_backend() {
        let store = open("sqlite::memory:").await.expect("in-memory store");
        store.ping().await.expect("ping");
        assert_eq!(store.count_samples(None).await.expect("count"), 0);
    }
}
