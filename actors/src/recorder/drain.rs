//! A lane's part of the graceful stop: write what memory holds to the store, or, when the store
//! stays away, put it in the spool (fsync'd) for the next start to replay. The disk spool is
//! not replayed at the stop: it is already durable, and a long backlog must not hold up exit.

use tracing::error;

use super::intake::LaneStats;
use super::lane::{Lane, Storable};
use super::FlushPolicy;
use crate::store::{Store, StoreError};

/// Write attempts per batch during the final flush, so a shutdown cannot hang on a dead store;
/// a store already failing before the stop gets one.
const FLUSH_ATTEMPTS: u32 = 10;

impl<T: Storable> Lane<T> {
    /// Writes the batch, the memory buffer and the queue; what the store does not take goes
    /// to the spool. Notes every failure in `last_error`. Returns the items spooled.
    pub(super) async fn flush(
        &mut self,
        store: &dyn Store,
        policy: &FlushPolicy,
        last_error: &mut Option<String>,
    ) -> u64 {
        let attempts = if self.in_outage() { 1 } else { FLUSH_ATTEMPTS };
        loop {
            if self.pending() == 0 {
                self.refill(policy, false);
            }
            if self.pending() == 0 {
                self.fill(policy);
            }
            if self.pending() == 0 && self.depth() == 0 {
                break;
            }
            if self.pending() > 0 && !self.write_with_retries(store, policy, last_error, attempts).await {
                return self.stow();
            }
        }
        self.append_spill();
        0
    }

    /// Writes the batch, retrying an unavailable store up to `attempts` times in all.
    async fn write_with_retries(
        &mut self,
        store: &dyn Store,
        policy: &FlushPolicy,
        last_error: &mut Option<String>,
        attempts: u32,
    ) -> bool {
        for attempt in 1..=attempts {
            match self.write(store, policy).await {
                Ok(()) => return true,
                Err(StoreError::Rejected(reason)) => {
                    *last_error = Some(reason);
                    return true; // counted and let go: retrying cannot help
                }
                Err(StoreError::Unavailable(reason)) => {
                    *last_error = Some(reason);
                    if attempt < attempts {
                        tokio::time::sleep(policy.retry_delay).await;
                    }
                }
            }
        }
        false
    }

    /// Puts the batch, the memory buffer and the queue in the spool, in order. Returns the
    /// items spooled; what could not be is counted as refused.
    fn stow(&mut self) -> u64 {
        // The failed batch holds the lane back, so what is queued goes behind the backlog.
        while let Ok(item) = self.queue.try_recv() {
            self.take(item);
        }
        let older = self.take_batch_for_stow();
        let (spooled, refused) = self.backlog.stow(older);
        if refused > 0 {
            error!(
                refused,
                "the store stayed unavailable and the spool could not take all {}: refused (counted)",
                T::NOUN
            );
            LaneStats::add(&self.stats.spool_dropped, refused);
            self.stats.set_spool_full(true);
        }
        spooled
    }
}
