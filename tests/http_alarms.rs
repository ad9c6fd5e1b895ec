//! The alarm API through the real router, with `oneshot` (and once over a socket on port 0, for
//! the client's address): the alarm list and its filters, one alarm, the KPIs, and the
//! operator's actions with what each leaves in the audit trail. Alarms are created by feeding
//! conditions to the book directly, as their owners would.

#[path = "support/http_harness.rs"]
mod harness;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Method, StatusCode};
use harness::{error_code, request, well_source, Answer, TestApp};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wellvisor_actors::diagnostics::{AlarmConfig, AlarmId, Priority, Source};
use wellvisor_actors::store::Store;

const FAILED: &str = "supervision_failed";

fn high() -> AlarmConfig {
    AlarmConfig::new(Priority::High)
}

fn feeder() -> Source {
    Source::Feeder("F-1".into())
}

fn assert_error(answer: &Answer, status: StatusCode, code: &str, named: &str) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(error_code(answer), code, "{answer:?}");
    let message = answer.json["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(named), "{named} not named in {answer:?}");
}

fn ids(answer: &Answer) -> Vec<String> {
    let alarms = answer.json["alarms"].as_array().into_iter().flatten();
    alarms.filter_map(|alarm| alarm["id"].as_str().map(str::to_owned)).collect()
}

/// Two wells with an annunciated alarm each (high on W-001, low on W-002) and a feeder's.
async fn app_with_alarms() -> (TestApp, AlarmId) {
    let app = TestApp::start().await.with_idle_wells(&["W-001", "W-002"]);
    let failed = app.condition(&well_source("W-001"), FAILED, high(), true);
    app.condition(&well_source("W-002"), "store_unavailable", AlarmConfig::new(Priority::Low), true);
    app.condition(&feeder(), "power_event", AlarmConfig::new(Priority::Medium), true);
    (app, failed)
}

async fn action(app: &TestApp, id: &AlarmId, verb: &str, body: Option<Value>) -> Answer {
    let uri = format!("/api/v1/alarms/{id}/{verb}");
    match body {
        Some(body) => app.post_json(&uri, &body).await,
        None => app.post(&uri).await,
    }
}

#[tokio::test]
async fn alarms_are_listed_highest_priority_first_and_filtered() {
    let (app, failed) = app_with_alarms().await;
    let all = app.get("/api/v1/alarms").await;
    assert_eq!((all.status, &all.json["count"]), (StatusCode::OK, &json!(3)), "{all:?}");
    assert_eq!(ids(&all), [failed.as_str(), "feeder@F-1:power_event", "W-002:store_unavailable"]);
    assert_eq!(all.json["alarms"][0]["state"], "unacknowledged");
    assert_eq!(all.json["alarms"][0]["source"], json!({"kind": "well", "id": "W-001"}));
    assert_eq!(ids(&app.get("/api/v1/alarms?priority=low").await), ["W-002:store_unavailable"]);
    assert_eq!(ids(&app.get("/api/v1/alarms?well=W-001").await), [failed.as_str()]);
    assert_eq!(ids(&app.get("/api/v1/alarms?source=feeder@F-1").await), ["feeder@F-1:power_event"]);
    assert_eq!(app.get("/api/v1/alarms?state=acknowledged").await.json["count"], 0);
    assert_eq!(action(&app, &failed, "ack", None).await.status, StatusCode::OK);
    assert_eq!(ids(&app.get("/api/v1/alarms?state=acknowledged&priority=high").await), [failed.as_str()]);
}

#[tokio::test]
async fn normal_alarms_are_listed_only_when_asked_for() {
    let (app, failed) = app_with_alarms().await;
    assert_eq!(action(&app, &failed, "ack", None).await.status, StatusCode::OK);
    app.condition(&well_source("W-001"), FAILED, high(), false);
    assert!(ids(&app.get("/api/v1/alarms?well=W-001").await).is_empty());
    assert_eq!(ids(&app.get("/api/v1/alarms?well=W-001&include_normal=true").await), [failed.as_str()]);
    assert_eq!(ids(&app.get("/api/v1/alarms?state=normal").await), [failed.as_str()]);
}

#[tokio::test]
async fn one_alarm_is_served_by_its_id_and_the_kpis_by_their_own_path() {
    let (app, failed) = app_with_alarms().await;
    let one = app.get(&format!("/api/v1/alarms/{failed}")).await;
    assert_eq!((one.status, &one.json["id"], &one.json["priority"]), (StatusCode::OK, &json!(failed), &json!("high")));
    assert_eq!(app.get("/api/v1/alarms/feeder@F-1:power_event").await.json["name"], "power_event");
    let kpis = app.get("/api/v1/alarms/kpis").await;
    assert_eq!(kpis.status, StatusCode::OK, "{kpis:?}");
    assert_eq!((&kpis.json["annunciated"], &kpis.json["in_flood"]), (&json!(3), &json!(false)), "{kpis:?}");
}

#[tokio::test]
async fn acknowledging_answers_with_the_new_record_and_audits_who_asked() {
    let (app, failed) = app_with_alarms().await;
    let mut ack = request(Method::POST, &format!("/api/v1/alarms/{failed}/ack"), Body::empty());
    ack.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 50_000))));
    ack.headers_mut().insert("x-forwarded-for", HeaderValue::from_static("10.0.0.7"));
    let answer = app.send(ack).await;
    assert_eq!((answer.status, &answer.json["state"]), (StatusCode::OK, &json!("acknowledged")), "{answer:?}");
    let audit = app.audit_entries().await;
    assert_eq!(audit.len(), 1, "{audit:?}");
    let entry = &audit[0];
    assert_eq!((entry.actor.as_str(), entry.role.as_deref(), entry.action.as_str()), ("admin", Some("admin"), "ack"));
    assert_eq!((entry.client.as_deref(), entry.result.as_deref()), (Some("10.0.0.7 (via 127.0.0.1)"), Some("ok")));
    assert_eq!((entry.target.as_str(), entry.before.as_deref()), (failed.as_str(), Some("unacknowledged")));
    assert_eq!(entry.after.as_deref(), Some("acknowledged"));
    let persisted = app.store.load_alarms().await.unwrap_or_default();
    assert!(persisted.iter().any(|a| a.id == failed && a.state.as_str() == "acknowledged"), "{persisted:?}");
}

#[tokio::test]
async fn shelving_hides_an_alarm_for_a_while_and_unshelving_brings_it_back() {
    let (app, failed) = app_with_alarms().await;
    let body = json!({"reason": "nuisance during workover", "duration": "2h"});
    let shelved = action(&app, &failed, "shelve", Some(body)).await;
    assert_eq!((shelved.status, &shelved.json["state"]), (StatusCode::OK, &json!("shelved")), "{shelved:?}");
    let until =
        shelved.json["memory"]["shelf"]["until"].as_str().and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok());
    let left = until.map(|until| until - chrono::Utc::now());
    assert!(left.is_some_and(|left| left > chrono::TimeDelta::minutes(119)), "{shelved:?}");
    assert_eq!(app.get("/api/v1/fleet").await.json["active_alarms"], json!({"high": 0, "medium": 1, "low": 1}));
    let unshelved = action(&app, &failed, "unshelve", None).await;
    assert_eq!((unshelved.status, &unshelved.json["state"]), (StatusCode::OK, &json!("unacknowledged")));
    let audit = app.audit_entries().await;
    let actions: Vec<(&str, Option<&str>, &str)> =
        audit.iter().map(|e| (e.action.as_str(), e.reason.as_deref(), e.actor.as_str())).collect();
    assert_eq!(actions, [("shelve", Some("nuisance during workover"), "admin"), ("unshelve", None, "admin")]);
    assert_eq!(audit[0].params.as_deref(), Some(r#"{"duration":"2h"}"#));
}

#[tokio::test]
async fn shelving_without_a_duration_lasts_until_the_condition_clears() {
    let (app, failed) = app_with_alarms().await;
    let shelved = action(&app, &failed, "shelve", Some(json!({"reason": "known, crew on the way"}))).await;
    assert_eq!((shelved.status, &shelved.json["memory"]["shelf"]["until"]), (StatusCode::OK, &Value::Null));
    let nulled = action(&app, &failed, "shelve", Some(json!({"reason": "again", "duration": null}))).await;
    assert_eq!(nulled.status, StatusCode::OK, "{nulled:?}");
}

#[tokio::test]
async fn a_latched_alarm_is_reset_with_a_reason() {
    let app = TestApp::start().await.with_idle_wells(&["W-001"]);
    let latching = AlarmConfig { latching: true, ..high() };
    let id = app.condition(&well_source("W-001"), FAILED, latching.clone(), true);
    app.condition(&well_source("W-001"), FAILED, latching, false);
    assert_eq!(app.get(&format!("/api/v1/alarms/{id}")).await.json["state"], "latched");
    let reset = action(&app, &id, "reset", Some(json!({"reason": "checked on site"}))).await;
    assert_eq!((reset.status, &reset.json["state"]), (StatusCode::OK, &json!("normal")), "{reset:?}");
    let audit = app.audit_entries().await;
    assert_eq!(
        audit.iter().map(|e| (e.action.as_str(), e.reason.as_deref())).collect::<Vec<_>>(),
        [("reset", Some("checked on site"))]
    );
}

#[tokio::test]
async fn an_alarm_goes_out_of_service_with_a_reason_and_comes_back_still_active() {
    let (app, failed) = app_with_alarms().await;
    let out = action(&app, &failed, "out_of_service", Some(json!({"reason": "workover"}))).await;
    assert_eq!((out.status, &out.json["state"]), (StatusCode::OK, &json!("out_of_service")), "{out:?}");
    let back = action(&app, &failed, "return_to_service", None).await;
    assert_eq!((back.status, &back.json["state"]), (StatusCode::OK, &json!("unacknowledged")), "{back:?}");
    let actions: Vec<String> = app.audit_entries().await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["out_of_service", "return_to_service"]);
}

#[tokio::test]
async fn wells_show_their_alarms_and_count_the_annunciated_ones() {
    let (app, failed) = app_with_alarms().await;
    app.condition(&well_source("W-001"), "store_unavailable", AlarmConfig::new(Priority::Low), true);
    let other = AlarmId::new(&well_source("W-001"), "store_unavailable");
    let shelve = json!({"reason": "known", "duration": "30m"});
    assert_eq!(action(&app, &other, "shelve", Some(shelve)).await.status, StatusCode::OK);
    let detail = app.get("/api/v1/wells/W-001").await.json;
    let shown: Vec<(&str, &str)> = detail["alarms"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| Some((a["id"].as_str()?, a["state"].as_str()?)))
        .collect();
    assert_eq!(shown, [(failed.as_str(), "unacknowledged"), (other.as_str(), "shelved")], "{detail}");
    assert_eq!(detail["active_alarms"], 1, "a shelved alarm is not annunciated");
    let list = app.get("/api/v1/wells").await.json;
    let counts: Vec<&Value> = list["wells"].as_array().into_iter().flatten().map(|w| &w["active_alarms"]).collect();
    assert_eq!(counts, [&json!(1), &json!(1)], "{list}");
    assert_eq!(app.get("/api/v1/fleet").await.json["active_alarms"], json!({"high": 1, "medium": 1, "low": 1}));
}

#[tokio::test]
async fn an_unknown_alarm_is_404_for_every_alarm_route() {
    let app = TestApp::start().await;
    let reason = json!({"reason": "why not"});
    let answers = [
        app.get("/api/v1/alarms/W-404:gas_lock").await,
        app.post("/api/v1/alarms/W-404:gas_lock/ack").await,
        app.post_json("/api/v1/alarms/W-404:gas_lock/reset", &reason).await,
        app.post_json("/api/v1/alarms/W-404:gas_lock/shelve", &reason).await,
        app.post("/api/v1/alarms/W-404:gas_lock/unshelve").await,
        app.post_json("/api/v1/alarms/W-404:gas_lock/out_of_service", &reason).await,
        app.post("/api/v1/alarms/nothing/return_to_service").await,
    ];
    for answer in &answers {
        assert_error(answer, StatusCode::NOT_FOUND, "unknown_alarm", "unknown alarm");
    }
    let results: Vec<Option<String>> = app.audit_entries().await.into_iter().map(|e| e.result).collect();
    assert_eq!(
        results,
        vec![Some("404 unknown_alarm".to_owned()); 6],
        "each refused action is audited with its answer"
    );
}

#[tokio::test]
async fn shelving_needs_a_reason_and_a_positive_duration_of_at_most_a_day() {
    let (app, failed) = app_with_alarms().await;
    let cases = [
        (json!({"duration": "1h"}), "reason"),
        (json!({"reason": "  ", "duration": "1h"}), "reason"),
        (json!({"reason": "nuisance", "duration": "-5m"}), "duration"),
        (json!({"reason": "nuisance", "duration": "0m"}), "duration"),
        (json!({"reason": "nuisance", "duration": "25h"}), "duration"),
        (json!({"reason": "nuisance", "duration": "soon"}), "duration"),
        (json!({"reason": "nuisance", "duration": 300}), "duration"),
        (json!({"reason": "nuisance", "for": "1h"}), "for"),
    ];
    for (body, named) in cases {
        let answer = action(&app, &failed, "shelve", Some(body.clone())).await;
        assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", named);
    }
    let out = action(&app, &failed, "out_of_service", Some(json!({}))).await;
    assert_error(&out, StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", "reason");
    assert_eq!(app.get(&format!("/api/v1/alarms/{failed}")).await.json["state"], "unacknowledged");
    let audit = app.audit_entries().await;
    assert_eq!(audit.len(), 9, "each refused action is audited: {audit:?}");
    assert!(audit.iter().all(|e| e.result.as_deref() == Some("422 unprocessable")), "{audit:?}");
}

#[tokio::test]
async fn an_action_the_alarms_state_refuses_is_409() {
    let (app, failed) = app_with_alarms().await;
    assert_eq!(action(&app, &failed, "ack", None).await.status, StatusCode::OK);
    let again = action(&app, &failed, "ack", None).await;
    assert_error(&again, StatusCode::CONFLICT, "action_refused", "cannot acknowledge an alarm that is acknowledged");
    assert_error(&action(&app, &failed, "unshelve", None).await, StatusCode::CONFLICT, "action_refused", "not shelved");
    let reset = action(&app, &failed, "reset", Some(json!({"reason": "try"}))).await;
    assert_error(&reset, StatusCode::CONFLICT, "action_refused", "reset");
    let back = action(&app, &failed, "return_to_service", None).await;
    assert_error(&back, StatusCode::CONFLICT, "action_refused", "not out of service");
    let results: Vec<String> = app.audit_entries().await.into_iter().filter_map(|e| e.result).collect();
    assert_eq!(
        results,
        ["ok", "409 action_refused", "409 action_refused", "409 action_refused", "409 action_refused"],
        "the refusals are audited too"
    );
}

#[tokio::test]
async fn action_bodies_that_are_not_json_are_400_or_415() {
    let (app, failed) = app_with_alarms().await;
    let mut broken = request(Method::POST, &format!("/api/v1/alarms/{failed}/shelve"), Body::from("{\"reason\": "));
    broken.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    assert_error(&app.send(broken).await, StatusCode::BAD_REQUEST, "malformed_json", "JSON");
    let bare = app.post(&format!("/api/v1/alarms/{failed}/reset")).await;
    assert_error(&bare, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "application/json");
}

#[tokio::test]
async fn list_filters_that_cannot_be_read_are_400_naming_the_valid_values() {
    let (app, _) = app_with_alarms().await;
    let cases = [
        ("state=loud", "state", "unacknowledged, acknowledged"),
        ("priority=urgent", "priority", "high, medium, low"),
        ("include_normal=yes", "include_normal", "true or false"),
        ("well=W%20001", "well", "well"),
        ("source=feeder@", "source", "feeder@"),
        ("well=W-001&source=W-001", "source", "one or the other"),
        ("stat=shelved", "stat", "stat"),
    ];
    for (query, named, hint) in cases {
        let answer = app.get(&format!("/api/v1/alarms?{query}")).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request", named);
        assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request", hint);
    }
    assert_error(&app.get("/api/v1/alarms?well=W-404").await, StatusCode::NOT_FOUND, "unknown_well", "W-404");
}

#[tokio::test]
async fn over_a_socket_the_audit_records_the_clients_address() {
    let (app, failed) = app_with_alarms().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let service = app.router.clone().into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, service).await });
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap_or_else(|e| panic!("{e}"));
    let token = harness::auth::token_for(wellvisor::auth::Role::Operator);
    let ack = format!(
        "POST /api/v1/alarms/{failed}/ack HTTP/1.1\r\nhost: wellvisor\r\nauthorization: Bearer {token}\r\n\
         content-length: 0\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(ack.as_bytes()).await.unwrap_or_else(|e| panic!("{e}"));
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap_or_else(|e| panic!("{e}"));
    server.abort();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let seen: Vec<(String, Option<String>)> =
        app.audit_entries().await.into_iter().map(|e| (e.actor, e.client)).collect();
    assert_eq!(seen, [("operator".to_owned(), Some("127.0.0.1".to_owned()))]);
}
