//! What diagnostics keep across a restart of the process: at start, the alarm points, the wells'
//! baselines and their recent diagnostic history come back from the store; at a graceful stop,
//! every well's latest baseline goes to the store with everything else the recorder holds.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{TimeDelta, Utc};
use tracing::{info, warn};
use wellvisor_actors::diagnostics::book::AlarmBook;
use wellvisor_actors::diagnostics::{Baseline, DiagnosisRecord, Source};
use wellvisor_actors::domain::WellId;
use wellvisor_actors::fleet::FleetView;
use wellvisor_actors::recorder::{RecorderIntake, Submitted};
use wellvisor_actors::store::{DiagnosisQuery, Record, Store, StoredBaseline};

/// How far back a well's in-memory history is refilled from the store.
const HISTORY_RELOAD: TimeDelta = TimeDelta::days(7);
/// The most history entries read back per well.
const HISTORY_RELOAD_LIMIT: usize = 1_000;

/// Restores the alarm book and returns the saved baselines by well.
pub async fn reload(store: &dyn Store, alarms: &AlarmBook) -> anyhow::Result<HashMap<WellId, Arc<Baseline>>> {
    let records = store.load_alarms().await.context("loading alarm states")?;
    let restored = alarms.restore(records);
    let mut baselines = HashMap::new();
    for stored in store.load_baselines().await.context("loading baselines")? {
        match serde_json::from_str::<Baseline>(&stored.state) {
            Ok(baseline) => {
                baselines.insert(stored.well_id, Arc::new(baseline));
            }
            Err(error) => {
                warn!(well_id = %stored.well_id, %error, "saved baseline is unreadable; the well learns anew")
            }
        }
    }
    info!(alarms = restored, baselines = baselines.len(), "diagnostics restored");
    Ok(baselines)
}

/// A well's recent history from the store, oldest first: the supervisor puts it in the well's
/// snapshot before its actor starts. Pages forward so a chatty well's latest entries (its current
/// diagnoses) are never cut off; the snapshot keeps only the newest of them.
pub async fn load_history(store: &dyn Store, well_id: &WellId) -> anyhow::Result<Vec<DiagnosisRecord>> {
    let now = Utc::now();
    let mut query = DiagnosisQuery {
        source: Source::Well(well_id.clone()),
        from: now - HISTORY_RELOAD,
        to: now + TimeDelta::minutes(1),
        limit: HISTORY_RELOAD_LIMIT,
    };
    let mut history = Vec::new();
    loop {
        let page = store.read_diagnoses(&query).await.with_context(|| format!("loading the history of {well_id}"))?;
        let full = page.len() == query.limit;
        let Some(last) = page.last().map(|record| record.at) else { break };
        history.extend(page);
        if !full {
            break;
        }
        // Times are kept to the millisecond: the next page starts just after this one's last.
        query.from = last + TimeDelta::milliseconds(1);
    }
    Ok(history)
}

/// Hands every well's latest baseline to the recorder, before its final flush.
pub fn save_baselines(fleet: &FleetView, records: &RecorderIntake) {
    let now = Utc::now();
    let baselines = fleet.map_all(|snapshot| (snapshot.id.clone(), snapshot.diagnostics.baseline.clone()));
    let mut dropped = 0;
    for (well_id, baseline) in baselines {
        let Some(state) = baseline.and_then(|b| serde_json::to_string(&b).ok()) else { continue };
        let record = Record::Baseline(StoredBaseline { well_id, at: now, state });
        if records.try_submit_record(record) == Submitted::Dropped {
            dropped += 1;
        }
    }
    if dropped > 0 {
        warn!(dropped, "baselines could not be queued at shutdown; the wells keep their last saved ones");
    }
}
