//! The historian backends behind the `Store` trait of `wellvisor-actors` (architecture §6).
//!
//! `app` calls [`open`] once at start-up with the configured URL and hands the resulting
//! `Arc<dyn Store>` to the recorder (writes) and the HTTP facade (reads, run-time wells).
//!
//! ## Layout
//! - [`open`]: picks the backend from the URL scheme.
//! - [`SqliteStore`]: the embedded default, a single SQLite file; nothing to install.
//! - [`StoreOpenError`]: why a store could not be opened, naming the path or URL at fault.
//! - `names`: how diagnostic enums and sources are spelled in storage columns (any backend).
//! - `suite` (tests only): the behaviour every backend must show, run against each backend.
//!
//! PostgreSQL is selected by a `postgres://` URL but not built yet; [`open`] says so rather
//! than falling back to SQLite.

mod error;
mod names;
mod sqlite;
#[cfg(test)]
mod suite;

use std::sync::Arc;

use wellvisor_actors::store::Store;

pub use error::StoreOpenError;
pub use sqlite::SqliteStore;

/// Opens the store named by `url`, creating and migrating it as needed.
///
/// `sqlite://path/to/file.db` (relative to the working directory), `sqlite:///absolute.db`
/// and `sqlite::memory:` open the embedded backend. A `postgres://` or `postgresql://` URL is
/// answered with [`StoreOpenError::Unsupported`]: that backend is not built yet.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreOpenError> {
    match scheme(url) {
        Some("sqlite") => Ok(Arc::new(SqliteStore::open(url).await?)),
        Some("postgres" | "postgresql") => Err(StoreOpenError::Unsupported {
            reason: "the postgresql backend is not built yet (a later issue adds it); \
                     use a sqlite: url meanwhile"
                .to_owned(),
        }),
        // Only the scheme is echoed: the rest of a URL may carry credentials.
        Some(other) => Err(StoreOpenError::Unsupported {
            reason: format!("unknown store url scheme {other:?}; expected sqlite: or postgres://"),
        }),
        None => Err(StoreOpenError::Unsupported {
            reason: "the store url has no scheme; expected sqlite:path/to/file.db or postgres://...".to_owned(),
        }),
    }
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
    async fn postgres_urls_are_refused_as_not_built_yet_without_echoing_credentials() {
        for url in ["postgres://user:secret@db/wellvisor", "postgresql://user:secret@db/wellvisor"] {
            let message = open_error(url).await;
            assert!(message.contains("postgresql backend is not built yet"), "{message}");
            assert!(!message.contains("secret"), "{message}");
        }
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
