//! One well's alarm journal as the well page reads it: the automatic transitions and operator
//! actions of the well's own alarms, newest first, over the last day by default; and the
//! requests it refuses.

#[path = "support/http_harness.rs"]
mod harness;

use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use chrono::{DateTime, TimeDelta, Utc};
use harness::auth::token_for;
use harness::{error_code, request, well_source, Answer, TestApp};
use serde_json::{json, Value};
use wellvisor::auth::Role;
use wellvisor_actors::diagnostics::{AlarmConfig, Evaluation, Priority};
use wellvisor_actors::store::{Record, Store};

/// `{method} {uri}` with a token of `role`.
async fn send_as(app: &TestApp, role: Role, method: Method, uri: &str) -> Answer {
    let mut request = request(method, uri, Body::empty());
    let bearer = format!("Bearer {}", token_for(role));
    request.headers_mut().insert(header::AUTHORIZATION, bearer.parse().expect("a header value"));
    app.send(request).await
}

/// Feeds the condition of `well`'s `test_high` alarm to the book and stores the journal entries
/// it makes, as the point's owner does through the recorder.
async fn judge(app: &TestApp, well: &str, holds: bool) {
    let input = Evaluation::condition("test_high", AlarmConfig::new(Priority::High), holds, "test_high for the test");
    let changes = app.state.alarms.evaluate(&well_source(well), input, Utc::now());
    let records: Vec<Record> = changes.journal.into_iter().map(Record::Journal).collect();
    app.store.write_records(&records).await.expect("storing the journal");
}

/// W-001's `test_high` raised, acknowledged by the operator and cleared; the same alarm raised
/// and acknowledged on W-002 and on W-0010, whose id starts like W-001's.
async fn journalled_fleet() -> TestApp {
    let app = TestApp::start().await.with_idle_wells(&["W-001", "W-002", "W-0010"]);
    for well in ["W-001", "W-002", "W-0010"] {
        judge(&app, well, true).await;
        let acked = send_as(&app, Role::Operator, Method::POST, &format!("/api/v1/alarms/{well}:test_high/ack")).await;
        assert_eq!(acked.status, StatusCode::OK, "{well}: {acked:?}");
    }
    judge(&app, "W-001", false).await;
    app.flush().await;
    app
}

/// Each entry's alarm, cause and actor (empty when automatic), in the order served.
fn journal(answer: &Answer) -> Vec<(String, String, String)> {
    let text = |entry: &Value, key: &str| entry[key].as_str().unwrap_or_default().to_owned();
    let entries = answer.json["entries"].as_array().cloned().unwrap_or_default();
    entries.iter().map(|e| (text(e, "alarm_id"), text(e, "cause"), text(e, "actor"))).collect()
}

fn owned(entries: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    entries.iter().map(|(a, c, w)| ((*a).to_owned(), (*c).to_owned(), (*w).to_owned())).collect()
}

fn timestamp(value: &Value) -> DateTime<Utc> {
    let text = value.as_str().unwrap_or_else(|| panic!("{value} is not text"));
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}")).with_timezone(&Utc)
}

#[tokio::test]
async fn a_viewer_reads_the_transitions_of_the_wells_own_alarms_newest_first() {
    let app = journalled_fleet().await;
    let answer = send_as(&app, Role::Viewer, Method::GET, "/api/v1/wells/W-001/alarm-journal").await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    let expected = [
        ("W-001:test_high", "cleared", ""),
        ("W-001:test_high", "acknowledged", "operator"),
        ("W-001:test_high", "activated", ""),
    ];
    assert_eq!(journal(&answer), owned(&expected), "nothing of W-002 or W-0010: {answer:?}");
    assert_eq!(
        (&answer.json["well_id"], &answer.json["count"], &answer.json["truncated"]),
        (&json!("W-001"), &json!(3), &json!(false))
    );
    let acked = &answer.json["entries"][1];
    assert_eq!(
        (&acked["from"], &acked["to"], &acked["priority"]),
        (&json!("unacknowledged"), &json!("acknowledged"), &json!("high"))
    );
    let (from, to) = (timestamp(&answer.json["from"]), timestamp(&answer.json["to"]));
    assert_eq!(to - from, TimeDelta::days(1), "the last day by default");
    assert!(to <= Utc::now() && to > Utc::now() - TimeDelta::minutes(1), "up to now: {to}");

    let latest = send_as(&app, Role::Viewer, Method::GET, "/api/v1/wells/W-002/alarm-journal?limit=1").await;
    assert_eq!((&latest.json["count"], &latest.json["truncated"]), (&json!(1), &json!(true)), "{latest:?}");
    assert_eq!(
        journal(&latest),
        owned(&[("W-002:test_high", "acknowledged", "operator")]),
        "the limit keeps the latest"
    );
}

#[tokio::test]
async fn a_range_given_bounds_the_journal() {
    let app = journalled_fleet().await;
    let before = "from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00%2B01:00";
    let answer = send_as(&app, Role::Viewer, Method::GET, &format!("/api/v1/wells/W-001/alarm-journal?{before}")).await;
    assert_eq!((answer.status, &answer.json["count"]), (StatusCode::OK, &json!(0)), "{answer:?}");
    assert_eq!(
        (&answer.json["from"], &answer.json["to"]),
        (&json!("2020-01-01T00:00:00Z"), &json!("2020-01-01T23:00:00Z"))
    );
    let from = (Utc::now() - TimeDelta::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let recent =
        send_as(&app, Role::Viewer, Method::GET, &format!("/api/v1/wells/W-001/alarm-journal?from={from}")).await;
    assert_eq!(recent.json["count"], 3, "{recent:?}");
}

#[tokio::test]
async fn the_journal_refuses_unknown_wells_bad_queries_and_anonymous_callers() {
    let app = TestApp::start().await.with_idle_wells(&["W-001"]);
    let unknown = send_as(&app, Role::Viewer, Method::GET, "/api/v1/wells/W-404/alarm-journal").await;
    assert_eq!((unknown.status, error_code(&unknown).as_str()), (StatusCode::NOT_FOUND, "unknown_well"));
    for (query, status, code) in [
        ("limit=0", StatusCode::UNPROCESSABLE_ENTITY, "unprocessable"),
        ("limit=1001", StatusCode::UNPROCESSABLE_ENTITY, "unprocessable"),
        ("limit=ten", StatusCode::BAD_REQUEST, "bad_request"),
        ("from=yesterday", StatusCode::BAD_REQUEST, "bad_request"),
        ("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", StatusCode::BAD_REQUEST, "bad_request"),
        ("well=W-001", StatusCode::BAD_REQUEST, "bad_request"),
    ] {
        let answer =
            send_as(&app, Role::Viewer, Method::GET, &format!("/api/v1/wells/W-001/alarm-journal?{query}")).await;
        assert_eq!((answer.status, error_code(&answer).as_str()), (status, code), "{query}");
    }
    let most = send_as(&app, Role::Viewer, Method::GET, "/api/v1/wells/W-001/alarm-journal?limit=1000").await;
    assert_eq!((most.status, &most.json["count"]), (StatusCode::OK, &json!(0)));
    let anonymous = app.send_as_is(request(Method::GET, "/api/v1/wells/W-001/alarm-journal", Body::empty())).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}
