//! The service's retention task: one pass at start, then one every `retention.interval`,
//! until the service stops. Started by `app`.
//!
//! It works on the historian the service opened, through its retention operations. A pass
//! stopped half-way by shutdown is safe: every step it takes is atomic, and the next pass
//! starts the day over.

use chrono::Utc;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{error, info};

use super::pass::run_pass;
use crate::config::RetentionConfig;
use crate::store::Historian;

/// Runs passes over `historian` until `stop` turns true (or its sender goes).
pub fn start(historian: Historian, config: RetentionConfig, stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(run(historian, config, stop))
}

async fn run(historian: Historian, config: RetentionConfig, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = pass(&historian, &config) => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        tokio::select! {
            () = tokio::time::sleep(config.interval) => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
    }
}

async fn pass(historian: &Historian, config: &RetentionConfig) {
    match run_pass(historian.retention.as_ref(), config, Utc::now()).await {
        Ok(report) if report.archived.is_empty() && report.failures.is_empty() && report.dropped_empty.is_empty() => {}
        Ok(report) => info!(
            archived = report.archived.len(),
            dropped_empty = report.dropped_empty.len(),
            pruned_1m = report.pruned[0],
            pruned_1h = report.pruned[1],
            failed = report.failures.len(),
            "retention pass done"
        ),
        Err(error) => error!(%error, "retention pass failed; nothing was deleted"),
    }
}
