//! Opening the historian at start-up. A database that does not answer yet (PostgreSQL still
//! starting, a network blip) is waited for, with a log line per attempt, rather than ending the
//! process into a crash loop; a configuration no retry can fix ends the start at once.

use std::future::Future;
use std::time::Duration;

use crate::store::{Historian, StoreOpenError};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tracing::warn;

/// The first wait after a failed attempt; each later wait doubles, up to [`MAX_WAIT`].
const FIRST_WAIT: Duration = Duration::from_secs(1);
const MAX_WAIT: Duration = Duration::from_secs(30);

/// Opens the store at `url`, retrying for as long as the database is unreachable. The caller
/// bounds the wait (the service races it against its stop signal).
pub(super) async fn open_store(url: &str) -> Result<Historian, StoreOpenError> {
    open_with_retry(|| crate::store::open_historian(url), FIRST_WAIT).await
}

/// Calls `open` until it succeeds or fails in a way retrying cannot fix, waiting `first_wait`
/// after the first failure and twice as long after each later one (to [`MAX_WAIT`]), each wait
/// spread by up to a tenth so many services restarted together do not retry in step.
async fn open_with_retry<T, F, Fut>(mut open: F, first_wait: Duration) -> Result<T, StoreOpenError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreOpenError>>,
{
    let mut wait = first_wait;
    let mut jitter = SmallRng::from_os_rng();
    let mut attempt = 0u32;
    loop {
        attempt = attempt.saturating_add(1);
        match open().await {
            Ok(store) => return Ok(store),
            Err(error) if error.is_retryable() => {
                let jittered = wait.mul_f64(1.0 + jitter.random_range(0.0..0.1));
                warn!(
                    attempt,
                    retry_in_ms = jittered.as_millis() as u64,
                    %error,
                    "the database is unreachable; waiting for it before starting"
                );
                tokio::time::sleep(jittered).await;
                wait = (wait * 2).min(MAX_WAIT);
            }
            Err(error) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn unreachable_error() -> StoreOpenError {
        StoreOpenError::Unreachable { url: "postgres://db/wellvisor".into(), reason: "connection refused".into() }
    }

    #[tokio::test(start_paused = true)]
    async fn an_unreachable_database_is_waited_for_with_growing_pauses() {
        let attempts = AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let opened = open_with_retry(
            || async {
                match attempts.fetch_add(1, Ordering::Relaxed) {
                    0..=6 => Err(unreachable_error()),
                    _ => Ok("store"),
                }
            },
            FIRST_WAIT,
        )
        .await;
        assert_eq!(opened.ok(), Some("store"));
        assert_eq!(attempts.load(Ordering::Relaxed), 8);
        // 1 + 2 + 4 + 8 + 16 + 30 + 30 s, each stretched by less than a tenth.
        let waited = started.elapsed();
        assert!(waited >= Duration::from_secs(91) && waited < Duration::from_secs(101), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_configuration_error_ends_the_start_at_once() {
        let attempts = AtomicU32::new(0);
        let opened: Result<(), _> = open_with_retry(
            || async {
                attempts.fetch_add(1, Ordering::Relaxed);
                Err(StoreOpenError::Unsupported { reason: "unknown store url scheme \"mysql\"".into() })
            },
            FIRST_WAIT,
        )
        .await;
        let message = opened.expect_err("not retryable").to_string();
        assert!(message.contains("mysql"), "{message}");
        assert_eq!(attempts.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn a_postgres_server_that_comes_up_later_is_opened() {
        let mut cluster = crate::store::throwaway::Cluster::start().await.expect("cluster");
        let url = cluster.new_database().await.expect("database");
        cluster.stop().await.expect("stop");
        let opening = async {
            let store = open_with_retry(|| crate::store::open(&url), Duration::from_millis(200)).await;
            (store, tokio::time::Instant::now())
        };
        let comes_back = async {
            tokio::time::sleep(Duration::from_millis(700)).await;
            cluster.restart().await.expect("restart");
            tokio::time::Instant::now()
        };
        let ((store, opened_at), back_at) = tokio::join!(opening, comes_back);
        let store = store.expect("opened once the server is back");
        assert!(opened_at >= back_at, "the store opened while its server was down");
        store.ping().await.expect("ping");
    }
}
