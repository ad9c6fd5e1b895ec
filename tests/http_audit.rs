//! The audit trail over HTTP: `GET /api/v1/audit` narrowed by `actor`, `action`, `target` and
//! `result` beside its range. The entries are written to the store directly, so each filter is
//! checked against a known trail; what handlers write is checked where the actions are
//! (`http_api.rs`, `http_alarms.rs`), and refused filter values in `http_errors.rs`.

#[path = "support/http_harness.rs"]
mod harness;

use axum::http::StatusCode;
use chrono::Utc;
use harness::TestApp;
use serde_json::json;
use wellvisor_actors::diagnostics::AuditEntry;
use wellvisor_actors::store::{Record, Store};

/// An audit entry `seconds` ago, by `actor`, doing `action` on `target`, ending in `result`.
fn audit_entry(seconds: i64, actor: &str, action: &str, target: &str, result: &str) -> AuditEntry {
    AuditEntry {
        at: Utc::now() - chrono::TimeDelta::seconds(seconds),
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        reason: None,
        before: None,
        after: None,
        role: Some("operator".to_owned()),
        client: Some("10.0.0.7".to_owned()),
        params: None,
        result: Some(result.to_owned()),
    }
}

/// Who, on what and with which result, of each entry `GET /api/v1/audit?{query}` answers.
async fn audit_rows(app: &TestApp, query: &str) -> Vec<(String, String, String)> {
    let answer = app.get(&format!("/api/v1/audit?{query}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {answer:?}");
    let text = |e: &serde_json::Value, key: &str| e[key].as_str().unwrap_or_default().to_owned();
    let entries = answer.json["entries"].as_array().cloned().unwrap_or_default();
    entries.iter().map(|e| (text(e, "actor"), text(e, "target"), text(e, "result"))).collect()
}

#[tokio::test]
async fn the_audit_trail_filters_by_actor_action_target_and_result() {
    let app = TestApp::start().await;
    let entries = [
        audit_entry(50, "t-alice", "restart", "W-901", "ok"),
        audit_entry(40, "t-alice", "ack", "W-901:gas_lock", "ok"),
        audit_entry(30, "t-bob", "restart", "W-901", "403 forbidden"),
        audit_entry(20, "t-bob", "restart", "W-902", "401 unauthenticated"),
    ];
    let records: Vec<Record> = entries.iter().cloned().map(Record::Audit).collect();
    app.store.write_records(&records).await.expect("write audit");
    let row = |e: &AuditEntry| (e.actor.clone(), e.target.clone(), e.result.clone().unwrap_or_default());
    let expect = |picked: &[usize]| picked.iter().map(|&i| row(&entries[i])).collect::<Vec<_>>();
    let rows = |query: &'static str| audit_rows(&app, query);
    assert_eq!(rows("actor=t-alice").await, expect(&[0, 1]));
    assert_eq!(rows("actor=t-bob&action=restart").await, expect(&[2, 3]));
    assert_eq!(rows("target=W-901&action=restart").await, expect(&[0, 2]));
    assert_eq!(rows("target=W-901%3Agas_lock").await, expect(&[1]), "an alarm id, colon encoded");
    assert_eq!(rows("result=4&actor=t-bob").await, expect(&[2, 3]), "results match by prefix");
    assert_eq!(rows("result=403&actor=t-bob").await, expect(&[2]));
    assert_eq!(rows("result=403+forbidden&actor=t-bob").await, expect(&[2]), "a space as `+`");
    assert_eq!(rows("actor=t-al").await, expect(&[]), "actors match whole");
    let cut = app.get("/api/v1/audit?actor=t-bob&limit=1").await;
    assert_eq!((&cut.json["count"], &cut.json["truncated"]), (&json!(1), &json!(true)), "{cut:?}");
    assert_eq!(cut.json["entries"][0]["result"], "403 forbidden");
    assert_eq!(cut.json["entries"][0]["role"], "operator");
    assert_eq!(cut.json["entries"][0]["client"], "10.0.0.7");
}
