//! One well's alarm journal in the shared store suite: the transitions of its alarms only,
//! never those of a well whose id merely looks alike, oldest or newest first, the limit keeping
//! the end asked for. Cases are listed in `store_suite!(records ...)`, so they also run against
//! the engine's `MemoryStore`.

use std::sync::Arc;

use wellvisor_actors::domain::WellId;
use wellvisor_actors::store::{AlarmJournalQuery, Record, Store};

use super::{at, journal};

/// Transitions of `W_1`'s alarms, among those of wells and a feeder whose ids look alike; the
/// last two at the same time.
fn lookalike_journal() -> Vec<Record> {
    [
        ("W_1:gas_lock", 1, "activated"),
        ("W_10:gas_lock", 2, "activated"),
        ("WX1:gas_lock", 3, "activated"),
        ("w_1:gas_lock", 4, "activated"),
        ("W_1:gas_lock", 5, "acknowledged"),
        ("feeder@W_1:power_event", 5, "activated"),
        ("W_1:comms_loss", 6, "suppressed"),
        ("W_1:comms_loss", 6, "shelf_expired"),
    ]
    .into_iter()
    .map(|(alarm, millis, cause)| Record::Journal(journal(alarm, at(millis), cause)))
    .collect()
}

/// The causes of the entries `query` finds, in the order read.
async fn causes(store: &Arc<dyn Store>, query: AlarmJournalQuery) -> Vec<String> {
    let read = store.read_alarm_journal(&query).await.unwrap_or_else(|e| panic!("{query:?}: {e}"));
    read.into_iter().map(|e| e.cause).collect()
}

pub(crate) async fn journal_of_a_well_holds_its_alarms_only_and_reads_newest_first(store: Arc<dyn Store>) {
    store.write_records(&lookalike_journal()).await.expect("write journal");
    let well = AlarmJournalQuery { well: WellId::new("W_1").ok(), ..AlarmJournalQuery::between(at(0), at(10), 100) };
    let oldest_first = ["activated", "acknowledged", "suppressed", "shelf_expired"];
    assert_eq!(causes(&store, well.clone()).await, oldest_first, "not W_10, WX1, w_1 or the feeder");
    let latest = AlarmJournalQuery { newest_first: true, ..well.clone() };
    assert_eq!(causes(&store, latest.clone()).await, ["shelf_expired", "suppressed", "acknowledged", "activated"]);
    let newest_two = AlarmJournalQuery { limit: 2, ..latest.clone() };
    assert_eq!(causes(&store, newest_two).await, ["shelf_expired", "suppressed"], "the limit keeps the latest");
    let earlier = AlarmJournalQuery { from: at(2), to: at(6), ..latest };
    assert_eq!(causes(&store, earlier).await, ["acknowledged"], "the range still holds");
    let unfiltered = AlarmJournalQuery { newest_first: true, limit: 3, ..AlarmJournalQuery::between(at(0), at(10), 0) };
    let latest_of_all = causes(&store, unfiltered).await;
    assert_eq!(latest_of_all, ["shelf_expired", "suppressed", "activated"], "newest first without a well filter too");
}
