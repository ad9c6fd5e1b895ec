//! The audit trail's filters in the shared store suite: who acted, what they did, on what, and
//! with which result, applied by the backend before the limit; and one well's trail, newest first. Cases are listed in
//! `store_suite!(records ...)`, so they also run against the engine's `MemoryStore`.

use std::sync::Arc;

use wellvisor_actors::diagnostics::AuditEntry;
use wellvisor_actors::domain::WellId;
use wellvisor_actors::store::{AuditQuery, Record, Store};

use super::{at, audit};

/// An entry by `actor`, doing `action` on `target`, ending in `result`, at `at(millis)`.
fn entry(millis: i64, actor: &str, action: &str, target: &str, result: Option<&str>) -> AuditEntry {
    AuditEntry {
        actor: actor.to_owned(),
        target: target.to_owned(),
        result: result.map(str::to_owned),
        ..audit(at(millis), action)
    }
}

/// A trail of denied and carried-out actions, and one written before roles and results existed.
fn trail() -> Vec<AuditEntry> {
    let older =
        AuditEntry { role: None, client: None, params: None, ..entry(0, "10.0.0.7", "ack", "W-001:gas_lock", None) };
    vec![
        older,
        entry(1, "alice", "restart", "W-001", Some("ok")),
        entry(2, "alice", "ack", "W-001:gas_lock", Some("ok")),
        entry(3, "bob", "restart", "W-001", Some("403 forbidden")),
        entry(4, "anonymous", "restart", "W-002", Some("401 unauthenticated")),
        entry(5, "Alice", "add_well", "W-0010", Some("ok")),
        entry(6, "key:0123456789ab", "ingest", "W-002", Some("4%_ odd")),
    ]
}

async fn stored_trail(store: &Arc<dyn Store>) -> Vec<AuditEntry> {
    let records: Vec<Record> = trail().into_iter().map(Record::Audit).collect();
    store.write_records(&records).await.expect("write audit");
    trail()
}

/// The times (`at` offsets) of the entries `query` finds.
async fn found(store: &Arc<dyn Store>, query: AuditQuery) -> Vec<i64> {
    let read = store.read_audit(&query).await.unwrap_or_else(|e| panic!("{query:?}: {e}"));
    read.iter().map(|e| (e.at - at(0)).num_milliseconds()).collect()
}

fn everything() -> AuditQuery {
    AuditQuery::between(at(-1000), at(1000), 100)
}

fn owned(text: &str) -> Option<String> {
    Some(text.to_owned())
}

pub(crate) async fn audit_entries_round_trip_with_and_without_roles_and_results(store: Arc<dyn Store>) {
    let written = stored_trail(&store).await;
    assert_eq!(store.read_audit(&everything()).await.expect("audit"), written);
}

pub(crate) async fn audit_filters_match_actor_action_and_target_exactly(store: Arc<dyn Store>) {
    stored_trail(&store).await;
    assert_eq!(found(&store, AuditQuery { actor: owned("alice"), ..everything() }).await, [1, 2], "case counts");
    assert_eq!(found(&store, AuditQuery { actor: owned("ali"), ..everything() }).await, [] as [i64; 0]);
    assert_eq!(found(&store, AuditQuery { action: owned("restart"), ..everything() }).await, [1, 3, 4]);
    assert_eq!(found(&store, AuditQuery { target: owned("W-001"), ..everything() }).await, [1, 3], "not W-0010");
    assert_eq!(found(&store, AuditQuery { target: owned("W-001:gas_lock"), ..everything() }).await, [0, 2]);
    assert_eq!(found(&store, AuditQuery { actor: owned("key:0123456789ab"), ..everything() }).await, [6]);
}

pub(crate) async fn audit_results_match_by_prefix(store: Arc<dyn Store>) {
    stored_trail(&store).await;
    let result = |prefix: &str| AuditQuery { result: owned(prefix), ..everything() };
    assert_eq!(found(&store, result("ok")).await, [1, 2, 5]);
    assert_eq!(found(&store, result("4")).await, [3, 4, 6], "every refusal of a client error");
    assert_eq!(found(&store, result("401")).await, [4]);
    assert_eq!(found(&store, result("403 forbidden")).await, [3], "a whole result is its own prefix");
    assert_eq!(found(&store, result("4%_")).await, [6], "% and _ are plain characters");
    for none in ["forbidden", "OK", "4%1", "4_1", "403 forbidden!"] {
        assert_eq!(found(&store, result(none)).await, [] as [i64; 0], "{none}");
    }
}

pub(crate) async fn audit_filters_combine_and_apply_before_the_range_limit(store: Arc<dyn Store>) {
    stored_trail(&store).await;
    let alice_ok = AuditQuery { actor: owned("alice"), result: owned("ok"), ..everything() };
    assert_eq!(found(&store, alice_ok.clone()).await, [1, 2]);
    let restarted = AuditQuery { actor: owned("alice"), action: owned("restart"), ..alice_ok.clone() };
    assert_eq!(found(&store, restarted).await, [1]);
    let nowhere = AuditQuery { target: owned("W-002"), ..alice_ok.clone() };
    assert_eq!(found(&store, nowhere).await, [] as [i64; 0]);
    let first_refusal = AuditQuery { result: owned("4"), limit: 1, ..everything() };
    assert_eq!(found(&store, first_refusal).await, [3], "the limit counts matching entries only");
    let later = AuditQuery { from: at(2), to: at(5), ..alice_ok };
    assert_eq!(found(&store, later).await, [2], "the range still holds");
}

/// What was done to `W_1` and its alarms, among entries about wells whose ids look alike.
fn well_trail() -> Vec<AuditEntry> {
    vec![
        entry(1, "alice", "restart", "W_1", Some("ok")),
        entry(2, "alice", "ack", "W_1:gas_lock", Some("ok")),
        entry(3, "bob", "restart", "WX1", Some("ok")),
        entry(4, "bob", "ack", "W_10:gas_lock", Some("ok")),
        entry(5, "bob", "restart", "w_1", Some("ok")),
        entry(6, "carol", "shelve", "W_1:comms_loss", Some("ok")),
        entry(6, "carol", "unshelve", "W_1:comms_loss", Some("403 forbidden")),
    ]
}

/// The actions of the entries `query` finds, in the order read.
async fn actions(store: &Arc<dyn Store>, query: AuditQuery) -> Vec<String> {
    let read = store.read_audit(&query).await.unwrap_or_else(|e| panic!("{query:?}: {e}"));
    read.into_iter().map(|e| e.action).collect()
}

pub(crate) async fn audit_of_a_well_holds_its_alarms_and_reads_newest_first(store: Arc<dyn Store>) {
    let records: Vec<Record> = well_trail().into_iter().map(Record::Audit).collect();
    store.write_records(&records).await.expect("write audit");
    let well = AuditQuery { well: WellId::new("W_1").ok(), ..everything() };
    let latest = AuditQuery { newest_first: true, ..well.clone() };
    assert_eq!(actions(&store, well.clone()).await, ["restart", "ack", "shelve", "unshelve"], "not WX1, W_10, w_1");
    assert_eq!(actions(&store, latest.clone()).await, ["unshelve", "shelve", "ack", "restart"]);
    let newest_two = AuditQuery { limit: 2, ..latest.clone() };
    assert_eq!(actions(&store, newest_two).await, ["unshelve", "shelve"], "the limit keeps the latest");
    let refused = AuditQuery { result: owned("4"), ..latest.clone() };
    assert_eq!(actions(&store, refused).await, ["unshelve"], "it combines with the other filters");
    let bob = AuditQuery { actor: owned("bob"), ..latest };
    assert_eq!(actions(&store, bob).await, [] as [&str; 0]);
    let unfiltered = AuditQuery { newest_first: true, limit: 1, ..everything() };
    assert_eq!(found(&store, unfiltered).await, [6], "newest first without a well filter too");
}
