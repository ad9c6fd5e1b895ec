//! The HTTP API's happy paths, through the real router and a real supervision tree, with
//! `oneshot` (no sockets): probes, the fleet overview, wells with their telemetry and diagnostic
//! history, and the audit of operator actions on wells. Alarms are in `http_alarms.rs`.

#[path = "support/http_harness.rs"]
mod harness;

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, StatusCode};
use chrono::{TimeZone, Utc};
use harness::{request, well_body, well_id, TestApp, SECOND};
use serde_json::json;
use wellvisor::http::HttpLimits;
use wellvisor_actors::diagnostics::{
    AlarmId, DiagnosisEvent, DiagnosisKind, DiagnosisRecord, Evidence, Priority, Source,
};
use wellvisor_actors::domain::{ConnectionState, Parameter, RunState, Sample, SupervisionState};
use wellvisor_actors::store::{Record, Store};

fn sample(id: &str, second: i64) -> Sample {
    let at = Utc.timestamp_opt(1_767_225_600 + second, 0).single().unwrap_or_default(); // 2026-01-01
    let mut sample = Sample::new(well_id(id), at);
    sample.values.set(Parameter::Frequency, 50.0 + second as f64);
    sample.values.set(Parameter::CurrentA, 40.0);
    sample.run_state = Some(RunState::Running);
    sample
}

fn diagnosis(id: &str, kind: DiagnosisKind, event: DiagnosisEvent, second: i64) -> DiagnosisRecord {
    let source = Source::Well(well_id(id));
    DiagnosisRecord {
        alarm_id: AlarmId::new(&source, kind.as_str()),
        source,
        kind,
        event,
        at: Utc.timestamp_opt(1_767_225_600 + second, 0).single().unwrap_or_default(),
        priority: Priority::High,
        confidence: 1.0,
        evidence: vec![Evidence {
            signal: "load_bl_pct".into(),
            value: 55.0,
            limit: Some(70.0),
            baseline: None,
            window_secs: Some(60),
        }],
        blocks_auto_restart: kind.blocks_auto_restart(),
        advice: kind.advice().into(),
        parent: None,
    }
}

#[tokio::test]
async fn live_probe_answers_while_the_process_serves() {
    let app = TestApp::start().await;
    app.state.health.set_tree_up(false);
    let answer = app.get("/health/live").await;
    assert_eq!((answer.status, answer.json), (StatusCode::OK, json!({"status": "live"})));
}

#[tokio::test]
async fn startup_probe_passes_once_the_initial_fleet_is_spawned() {
    let app = TestApp::unstarted(HttpLimits::default()).await;
    let before = app.get("/health/startup").await;
    assert_eq!((before.status, harness::error_code(&before)), (StatusCode::SERVICE_UNAVAILABLE, "starting".into()));
    app.state.health.mark_startup_complete();
    assert_eq!(app.get("/health/startup").await.json, json!({"status": "started"}));
}

#[tokio::test]
async fn readiness_needs_the_tree_the_store_and_no_shutdown() {
    let app = TestApp::start().await;
    let ready = app.get("/health/ready").await;
    assert_eq!((ready.status, &ready.json["status"]), (StatusCode::OK, &json!("ready")));

    app.store.ping_fails.store(true, Ordering::SeqCst);
    let store_down = app.get("/health/ready").await;
    assert_eq!(store_down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(harness::error_code(&store_down), "not_ready");
    let checks = &store_down.json["checks"];
    assert_eq!(
        (&checks["supervision_tree"], &checks["store"], &checks["shutdown"]),
        (&json!("up"), &json!("down"), &json!("not_started"))
    );
    assert_eq!((&checks["historian"]["lag_secs"], &checks["historian"]["spooled_samples"]), (&json!(0), &json!(0)));
    let message = store_down.json["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("behind") && message.contains("spooled"), "{message}");

    app.store.ping_fails.store(false, Ordering::SeqCst);
    app.state.health.set_tree_up(false);
    let tree_down = app.get("/health/ready").await;
    assert_eq!(
        (tree_down.status, &tree_down.json["checks"]["supervision_tree"]),
        (StatusCode::SERVICE_UNAVAILABLE, &json!("down"))
    );

    app.state.health.set_tree_up(true);
    app.state.health.mark_shutting_down();
    let stopping = app.get("/health/ready").await;
    assert_eq!(
        (stopping.status, &stopping.json["checks"]["shutdown"]),
        (StatusCode::SERVICE_UNAVAILABLE, &json!("in_progress"))
    );
}

#[tokio::test]
async fn fleet_overview_counts_wells_by_state_and_reports_actor_counters() {
    let app = TestApp::start().await.with_wells(&["W-001", "W-002"]).await;
    app.state.fleet.update(&well_id("W-002"), |well| well.record_sample(sample("W-002", 1)));
    let answer = app.get("/api/v1/fleet").await;
    assert_eq!(answer.status, StatusCode::OK);
    let fleet = &answer.json;
    assert_eq!(fleet["wells"], 2);
    assert_eq!(fleet["supervision"], json!({"running": 2, "restarting": 0, "failed": 0, "stopped": 0}));
    assert_eq!(fleet["run_state"]["running"], 1);
    assert_eq!(fleet["run_state"]["unknown"], 1);
    assert_eq!(fleet["active_alarms"], json!({"high": 0, "medium": 0, "low": 0}));
    let connections: u64 = ConnectionState::ALL.iter().filter_map(|s| fleet["connection"][s.as_str()].as_u64()).sum();
    assert_eq!(connections, 2);
    assert_eq!((&fleet["supervisor"]["available"], &fleet["supervisor"]["added"]), (&json!(true), &json!(2)));
    assert_eq!(fleet["recorder"]["available"], true);
    assert!(fleet["recorder"]["queue_capacity"].is_u64(), "{fleet}");
    assert_eq!(fleet["events"]["available"], true);
}

#[tokio::test]
async fn fleet_overview_still_answers_when_an_actor_is_gone() {
    let app = TestApp::start().await.with_wells(&["W-001"]).await;
    let _ = app.state.recorder.stop_and_wait(None, Some(SECOND)).await;
    let answer = app.get("/api/v1/fleet").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json["wells"], 1);
    assert_eq!(answer.json["recorder"]["available"], false);
    assert!(answer.json["recorder"]["error"].as_str().is_some_and(|e| e.contains("recorder")), "{}", answer.json);
    assert_eq!(answer.json["supervisor"]["available"], true);
}

#[tokio::test]
async fn wells_are_listed_sorted_by_id_with_their_states() {
    let app = TestApp::start().await.with_wells(&["W-003", "W-001", "W-002"]).await;
    let answer = app.get("/api/v1/wells").await;
    assert_eq!((answer.status, &answer.json["count"]), (StatusCode::OK, &json!(3)));
    let ids: Vec<&str> =
        answer.json["wells"].as_array().into_iter().flatten().filter_map(|w| w["id"].as_str()).collect();
    assert_eq!(ids, ["W-001", "W-002", "W-003"]);
    let first = &answer.json["wells"][0];
    for key in ["id", "name", "connection", "supervision", "run_state", "last_sample_at", "active_alarms", "restarts"] {
        assert!(first.get(key).is_some(), "{key} missing from {first}");
    }
    assert_eq!(first["name"], "well W-001");
}

#[tokio::test]
async fn wells_list_filters_by_connection_and_supervision() {
    let app = TestApp::start().await.with_wells(&["W-001", "W-002"]).await;
    app.state.fleet.update(&well_id("W-002"), |well| {
        well.connection = ConnectionState::Online;
        well.supervision = SupervisionState::Failed;
    });
    let online = app.get("/api/v1/wells?connection=online").await;
    assert_eq!(
        (online.status, &online.json["wells"][0]["id"], &online.json["count"]),
        (StatusCode::OK, &json!("W-002"), &json!(1))
    );
    let running = app.get("/api/v1/wells?supervision=running").await;
    assert_eq!((&running.json["count"], &running.json["wells"][0]["id"]), (&json!(1), &json!("W-001")));
    let none = app.get("/api/v1/wells?connection=online&supervision=running").await;
    assert_eq!(none.json, json!({"count": 0, "wells": []}));
}

#[tokio::test]
async fn adding_a_well_starts_it_saves_it_and_points_to_it() {
    let app = TestApp::start().await;
    let answer = app.post_json("/api/v1/wells", &well_body("W-100")).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{answer:?}");
    assert_eq!(answer.headers.get(header::LOCATION).map(|l| l.as_bytes()), Some(&b"/api/v1/wells/W-100"[..]));
    assert_eq!((&answer.json["id"], &answer.json["supervision"]), (&json!("W-100"), &json!("running")));
    let saved = app.store.saved_well("W-100").map(|w| serde_json::from_str::<serde_json::Value>(&w.definition).ok());
    assert_eq!(saved.flatten().map(|d| d["port"].clone()), Some(json!(502)));
    assert_eq!(app.get("/api/v1/wells/W-100").await.status, StatusCode::OK);
}

#[tokio::test]
async fn well_detail_shows_values_counters_and_empty_diagnoses() {
    let app = TestApp::start().await.with_wells(&["W-001"]).await;
    app.state.fleet.update(&well_id("W-001"), |well| well.record_sample(sample("W-001", 5)));
    let answer = app.get("/api/v1/wells/W-001").await;
    assert_eq!(answer.status, StatusCode::OK);
    let well = &answer.json;
    assert_eq!(
        (&well["id"], &well["profile"], &well["endpoint"]),
        (&json!("W-001"), &json!("esp-default"), &json!("10.0.0.1:502 unit 1"))
    );
    assert_eq!(well["values"]["frequency"], json!({"value": 55.0, "unit": "Hz", "quality": "good"}));
    assert_eq!((&well["last_sample_at"], &well["run_state"]), (&json!("2026-01-01T00:00:05Z"), &json!("running")));
    assert!(well["counters"]["polls_ok"].is_u64(), "{well}");
    assert_eq!(well["diagnoses"], json!([]));
    assert!(well.get("last_error").is_some() && well.get("trip_code").is_some());
}

#[tokio::test]
async fn well_detail_shows_the_diagnoses_raised_now() {
    let app = TestApp::start().await.with_idle_wells(&["W-001"]);
    app.state.fleet.update(&well_id("W-001"), |well| {
        well.diagnostics.record(diagnosis("W-001", DiagnosisKind::GasLock, DiagnosisEvent::Raised, 10));
        well.diagnostics.record(diagnosis("W-001", DiagnosisKind::PumpOff, DiagnosisEvent::Raised, 11));
        well.diagnostics.record(diagnosis("W-001", DiagnosisKind::PumpOff, DiagnosisEvent::Cleared, 12));
    });
    let detail = app.get("/api/v1/wells/W-001").await.json;
    let kinds: Vec<&str> =
        detail["diagnoses"].as_array().into_iter().flatten().filter_map(|d| d["kind"].as_str()).collect();
    assert_eq!(kinds, ["gas_lock"], "{detail}");
    assert_eq!(detail["diagnoses"][0]["alarm_id"], "W-001:gas_lock");
}

#[tokio::test]
async fn a_posted_wells_static_data_is_saved_as_given_and_shown_resolved() {
    let app = TestApp::start().await;
    let mut body = well_body("W-100");
    body["well_data"] = json!({"shut_in_head": 2500, "feeder_id": "F-1"});
    assert_eq!(app.post_json("/api/v1/wells", &body).await.status, StatusCode::CREATED);
    let saved = app.store.saved_well("W-100").map(|w| serde_json::from_str::<serde_json::Value>(&w.definition).ok());
    let expected = json!({"shut_in_head": 2500.0, "feeder_id": "F-1"});
    assert_eq!(saved.flatten().map(|d| d["well_data"].clone()), Some(expected), "only the overrides are saved");
    let detail = app.get("/api/v1/wells/W-100").await.json;
    let well_data = &detail["well_data"];
    assert_eq!((&well_data["shut_in_head"], &well_data["feeder_id"]), (&json!(2500.0), &json!("F-1")), "{detail}");
    assert_eq!(well_data["design_flow"], json!(3000.0), "the profile's default: {detail}");
}

#[tokio::test]
async fn removing_a_well_stops_it_and_forgets_it() {
    let app = TestApp::start().await;
    assert_eq!(app.post_json("/api/v1/wells", &well_body("W-100")).await.status, StatusCode::CREATED);
    let answer = app.delete("/api/v1/wells/W-100").await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert!(app.store.saved_well("W-100").is_none());
    assert_eq!(app.get("/api/v1/wells/W-100").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/wells").await.json["count"], 0);
}

#[tokio::test]
async fn operator_restart_answers_with_the_new_supervision_state() {
    let app = TestApp::start().await.with_wells(&["W-001"]).await;
    app.state.fleet.update(&well_id("W-001"), |well| well.supervision = SupervisionState::Failed);
    let answer = app.send(request(Method::POST, "/api/v1/wells/W-001/restart", Body::empty())).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{answer:?}");
    assert_eq!((&answer.json["supervision"], &answer.json["restarts"]), (&json!("running"), &json!(1)));
}

#[tokio::test]
async fn telemetry_returns_the_range_oldest_first_with_the_asked_parameters() {
    let app = TestApp::start().await.with_wells(&["W-001"]).await;
    app.store.insert_samples((0..10).map(|s| sample("W-001", s)));
    let uri = "/api/v1/wells/W-001/telemetry?from=2026-01-01T00:00:02Z&to=2026-01-01T00:00:05Z&params=frequency";
    let answer = app.get(uri).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    let page = &answer.json;
    assert_eq!((&page["well_id"], &page["count"], &page["truncated"]), (&json!("W-001"), &json!(3), &json!(false)));
    assert_eq!(
        (&page["from"], &page["to"], &page["params"]),
        (&json!("2026-01-01T00:00:02Z"), &json!("2026-01-01T00:00:05Z"), &json!(["frequency"]))
    );
    assert_eq!(
        page["samples"][0],
        json!({"at": "2026-01-01T00:00:02Z", "values": {"frequency": 52.0}, "run_state": "running", "trip_code": null})
    );
}

#[tokio::test]
async fn telemetry_says_when_the_limit_cut_the_range_short() {
    let app = TestApp::start().await.with_wells(&["W-001"]).await;
    app.store.insert_samples((0..10).map(|s| sample("W-001", s)));
    let range = "from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z";
    let cut = app.get(&format!("/api/v1/wells/W-001/telemetry?{range}&limit=4")).await;
    assert_eq!((&cut.json["count"], &cut.json["truncated"]), (&json!(4), &json!(true)));
    assert_eq!(cut.json["samples"][3]["at"], "2026-01-01T00:00:03Z");
    assert_eq!(cut.json["next_from"], "2026-01-01T00:00:04Z", "where the next page starts");
    let whole = app.get(&format!("/api/v1/wells/W-001/telemetry?{range}&limit=10")).await;
    assert_eq!((&whole.json["count"], &whole.json["truncated"]), (&json!(10), &json!(false)));
    assert_eq!(whole.json["next_from"], json!(null));
    let recent = app.get("/api/v1/wells/W-001/telemetry").await;
    assert_eq!((recent.status, &recent.json["count"]), (StatusCode::OK, &json!(0)));
}

#[tokio::test]
async fn telemetry_serves_minute_roll_ups_with_every_aggregate() {
    let app = TestApp::start().await.with_wells(&["W-001"]).await;
    app.store.insert_samples((0..150).map(|s| sample("W-001", s)));
    let range = "from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z";
    let answer = app.get(&format!("/api/v1/wells/W-001/telemetry?{range}&resolution=1m&params=frequency")).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    let page = &answer.json;
    assert_eq!((&page["resolution"], &page["count"], &page["truncated"]), (&json!("1m"), &json!(3), &json!(false)));
    assert_eq!(
        page["points"][0],
        json!({"at": "2026-01-01T00:00:00Z", "values": {"frequency": {"min": 50.0, "max": 109.0, "avg": 79.5, "last": 109.0, "count": 60}}})
    );
    assert_eq!(page["points"][2]["values"]["frequency"]["count"], 30, "the last minute holds 30 samples");
    let hourly = app.get(&format!("/api/v1/wells/W-001/telemetry?{range}&resolution=1h")).await;
    assert_eq!((&hourly.json["resolution"], &hourly.json["count"]), (&json!("1h"), &json!(1)));
    assert_eq!(hourly.json["points"][0]["values"]["current_a"]["count"], 150);
}

#[tokio::test]
async fn roll_up_pages_say_where_to_continue() {
    let app = TestApp::start().await.with_wells(&["W-001"]).await;
    app.store.insert_samples((0..150).map(|s| sample("W-001", s)));
    let uri = "/api/v1/wells/W-001/telemetry?from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z&resolution=1m&limit=2";
    let page = app.get(uri).await.json;
    assert_eq!((&page["count"], &page["truncated"]), (&json!(2), &json!(true)));
    assert_eq!(page["next_from"], "2026-01-01T00:02:00Z");
    let rest = app.get(&uri.replace("from=2026-01-01T00:00:00Z", "from=2026-01-01T00:02:00Z")).await.json;
    assert_eq!((&rest["count"], &rest["truncated"], &rest["next_from"]), (&json!(1), &json!(false), &json!(null)));
}

#[tokio::test]
async fn telemetry_auto_serves_the_finest_resolution_that_fits_the_limit() {
    let app = TestApp::start().await.with_wells(&["W-001"]).await;
    app.store.insert_samples((0..150).map(|s| sample("W-001", s)));
    let cases = [
        ("to=2026-01-01T00:10:00Z", "raw"),
        ("to=2026-01-01T01:00:00Z", "1m"),
        ("to=2026-01-01T01:00:00Z&limit=5000", "raw"),
        ("to=2026-01-31T00:00:00Z", "1h"),
        ("to=2026-01-31T00:00:00Z&params=frequency,run_state", "raw"),
    ];
    for (query, resolution) in cases {
        let uri = format!("/api/v1/wells/W-001/telemetry?from=2026-01-01T00:00:00Z&{query}&resolution=auto");
        let answer = app.get(&uri).await;
        assert_eq!((answer.status, &answer.json["resolution"]), (StatusCode::OK, &json!(resolution)), "{query}");
    }
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_keeps_the_clients() {
    let app = TestApp::start().await;
    let made_up = app.get("/api/v1/wells").await;
    assert!(made_up.headers.get("x-request-id").is_some_and(|id| !id.is_empty()));
    let mut asked = request(Method::GET, "/no/such/path", Body::empty());
    asked.headers_mut().insert("x-request-id", HeaderValue::from_static("operator-42"));
    let answer = app.send(asked).await;
    assert_eq!(answer.headers.get("x-request-id").map(|id| id.as_bytes()), Some(&b"operator-42"[..]));
}

#[tokio::test]
async fn diagnostic_history_returns_the_wells_range_oldest_first() {
    let app = TestApp::start().await.with_wells(&["W-001", "W-002"]).await;
    let records = [
        diagnosis("W-001", DiagnosisKind::GasLock, DiagnosisEvent::Raised, 10),
        diagnosis("W-002", DiagnosisKind::PumpOff, DiagnosisEvent::Raised, 15),
        diagnosis("W-001", DiagnosisKind::GasLock, DiagnosisEvent::Cleared, 20),
        diagnosis("W-001", DiagnosisKind::BrokenShaft, DiagnosisEvent::Raised, 30),
    ];
    let written = app.store.write_records(&records.map(Record::Diagnosis)).await;
    assert!(written.is_ok(), "{written:?}");
    let range = "from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z";
    let answer = app.get(&format!("/api/v1/wells/W-001/diagnostics?{range}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    let page = &answer.json;
    assert_eq!((&page["well_id"], &page["count"], &page["truncated"]), (&json!("W-001"), &json!(3), &json!(false)));
    let events: Vec<(&str, &str)> = page["diagnoses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| Some((d["kind"].as_str()?, d["event"].as_str()?)))
        .collect();
    assert_eq!(events, [("gas_lock", "raised"), ("gas_lock", "cleared"), ("broken_shaft", "raised")]);
    assert_eq!(page["diagnoses"][0]["evidence"][0]["signal"], "load_bl_pct");
    let cut = app.get(&format!("/api/v1/wells/W-001/diagnostics?{range}&limit=2")).await;
    assert_eq!((&cut.json["count"], &cut.json["truncated"]), (&json!(2), &json!(true)));
    let recent = app.get("/api/v1/wells/W-001/diagnostics").await;
    assert_eq!((recent.status, &recent.json["count"]), (StatusCode::OK, &json!(0)));
}

#[tokio::test]
async fn operator_actions_on_wells_reach_the_audit_trail() {
    let app = TestApp::start().await.with_wells(&["W-001"]).await;
    assert_eq!(app.post_json("/api/v1/wells", &well_body("W-100")).await.status, StatusCode::CREATED);
    app.state.fleet.update(&well_id("W-001"), |well| well.supervision = SupervisionState::Failed);
    assert_eq!(app.post("/api/v1/wells/W-001/restart").await.status, StatusCode::ACCEPTED);
    assert_eq!(app.delete("/api/v1/wells/W-100").await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.post("/api/v1/wells/W-404/restart").await.status, StatusCode::NOT_FOUND);
    app.flush().await;
    let answer = app.get("/api/v1/audit?result=ok").await;
    assert_eq!((answer.status, &answer.json["count"]), (StatusCode::OK, &json!(3)), "{answer:?}");
    let entries: Vec<(&str, &str, &str, &str)> = answer.json["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let state = |key: &str| e.get(key).and_then(|v| v.as_str()).unwrap_or("-");
            Some((e["action"].as_str()?, e["target"].as_str()?, state("before"), state("after")))
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("add_well", "W-100", "-", "running"),
            ("restart", "W-001", "failed", "running"),
            ("remove_well", "W-100", "running", "-"),
        ]
    );
    assert_eq!(
        (&answer.json["entries"][0]["actor"], &answer.json["entries"][0]["role"]),
        (&json!("admin"), &json!("admin"))
    );
    let refused = app.get("/api/v1/audit?result=404&action=restart").await;
    assert_eq!(
        (&refused.json["count"], &refused.json["entries"][0]["target"]),
        (&json!(1), &json!("W-404")),
        "{refused:?}"
    );
    let everything = app.get("/api/v1/audit?actor=admin").await;
    assert_eq!(everything.json["count"], json!(4), "the refusal is audited too: {everything:?}");
    let cut = app.get("/api/v1/audit?limit=1").await;
    assert_eq!((&cut.json["count"], &cut.json["truncated"]), (&json!(1), &json!(true)));
}
