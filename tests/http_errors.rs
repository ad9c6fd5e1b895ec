//! What the API answers to bad input and to outages: the right 4xx or 503, always the JSON
//! error object, never a 500.

#[path = "support/http_harness.rs"]
mod harness;

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, StatusCode};
use harness::{error_code, request, well_body, Answer, TestApp};
use serde_json::{json, Value};
use wellvisor::http::HttpLimits;

fn assert_error(answer: &Answer, status: StatusCode, code: &str) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(error_code(answer), code, "{answer:?}");
}

fn message(answer: &Answer) -> &str {
    answer.json["error"]["message"].as_str().unwrap_or_default()
}

async fn post_raw(app: &TestApp, content_type: Option<&'static str>, body: &str) -> Answer {
    let mut post = request(Method::POST, "/api/v1/wells", Body::from(body.to_owned()));
    if let Some(content_type) = content_type {
        post.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    app.send(post).await
}

#[tokio::test]
async fn an_unknown_well_is_404_on_every_well_route() {
    let app = TestApp::start().await;
    let answers = [
        app.get("/api/v1/wells/W-404").await,
        app.delete("/api/v1/wells/W-404").await,
        app.send(request(Method::POST, "/api/v1/wells/W-404/restart", Body::empty())).await,
        app.get("/api/v1/wells/W-404/telemetry").await,
        app.get("/api/v1/wells/W-404/diagnostics").await,
    ];
    for answer in &answers {
        assert_error(answer, StatusCode::NOT_FOUND, "unknown_well");
        assert!(message(answer).contains("W-404"), "{answer:?}");
    }
}

#[tokio::test]
async fn a_malformed_well_id_is_400_before_any_lookup() {
    let app = TestApp::start().await;
    let long = "x".repeat(65);
    for uri in ["/api/v1/wells/W%20001", "/api/v1/wells/w%C3%A9ll/telemetry", &format!("/api/v1/wells/{long}")] {
        assert_error(&app.get(uri).await, StatusCode::BAD_REQUEST, "invalid_well_id");
    }
    assert_error(&app.get("/api/v1/wells/W%20001/diagnostics").await, StatusCode::BAD_REQUEST, "invalid_well_id");
    let restart = app.send(request(Method::POST, "/api/v1/wells/a%2Fb/restart", Body::empty())).await;
    assert_error(&restart, StatusCode::BAD_REQUEST, "invalid_well_id");
    assert_error(&app.get("/api/v1/wells/%FF").await, StatusCode::BAD_REQUEST, "bad_request");
}

#[tokio::test]
async fn adding_a_well_twice_is_409() {
    let app = TestApp::start().await.with_wells(&["W-001"]).await;
    assert_error(&app.post_json("/api/v1/wells", &well_body("W-001")).await, StatusCode::CONFLICT, "duplicate_well");
}

#[tokio::test]
async fn well_definitions_that_do_not_fit_are_422_naming_the_field() {
    let app = TestApp::start().await;
    let mut unknown_field = well_body("W-1");
    unknown_field["colour"] = json!("red");
    let mut unknown_poll_field = well_body("W-2");
    unknown_poll_field["poll"] = json!({"perod": "1s"});
    let mut wrong_type = well_body("W-3");
    wrong_type["port"] = json!("502");
    let mut missing = well_body("W-4");
    missing.as_object_mut().map(|body| body.remove("host"));
    let cases = [(unknown_field, "colour"), (unknown_poll_field, "perod"), (wrong_type, "port"), (missing, "host")];
    for (body, field) in cases {
        let answer = app.post_json("/api/v1/wells", &body).await;
        assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "unprocessable");
        assert!(message(&answer).contains(field), "{field}: {answer:?}");
    }
    assert_eq!(app.get("/api/v1/wells").await.json["count"], 0);
}

#[tokio::test]
async fn a_definition_the_factory_refuses_is_422_naming_the_field() {
    let app = TestApp::start().await;
    let mut unknown_profile = well_body("W-1");
    unknown_profile["profile"] = json!("no-such-profile");
    let mut bad_port = well_body("W-2");
    bad_port["port"] = json!(0);
    for (body, field) in [(unknown_profile, "profile"), (bad_port, "port")] {
        let answer = app.post_json("/api/v1/wells", &body).await;
        assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_definition");
        assert!(message(&answer).contains(field), "{field}: {answer:?}");
    }
    let invalid_id = app.post_json("/api/v1/wells", &well_body("W 1")).await;
    assert_error(&invalid_id, StatusCode::UNPROCESSABLE_ENTITY, "unprocessable");
    assert!(message(&invalid_id).contains("id"), "{invalid_id:?}");
}

#[tokio::test]
async fn bad_well_data_is_422_naming_the_field() {
    let app = TestApp::start().await;
    let mut negative = well_body("W-1");
    negative["well_data"] = json!({"shut_in_head": -1});
    let answer = app.post_json("/api/v1/wells", &negative).await;
    assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_definition");
    assert_eq!(message(&answer), "well W-1: well_data.shut_in_head: must be a positive number, got -1");
    let mut unknown = well_body("W-2");
    unknown["well_data"] = json!({"shut_in_hed": 3000});
    let answer = app.post_json("/api/v1/wells", &unknown).await;
    assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "unprocessable");
    assert!(message(&answer).contains("shut_in_hed"), "{answer:?}");
    assert_eq!(app.get("/api/v1/wells").await.json["count"], 0);
}

#[tokio::test]
async fn bad_thresholds_are_422_naming_the_key() {
    let app = TestApp::start().await;
    let mut negative = well_body("W-1");
    negative["thresholds"] = json!({"cv_ratio": -1});
    let answer = app.post_json("/api/v1/wells", &negative).await;
    assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_definition");
    assert_eq!(message(&answer), "well W-1: thresholds.cv_ratio: must be a positive number, got -1");
    let mut unknown = well_body("W-2");
    unknown["thresholds"] = json!({"cv_rato": 3});
    let answer = app.post_json("/api/v1/wells", &unknown).await;
    assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_definition");
    assert!(message(&answer).starts_with("well W-2: thresholds.cv_rato: unknown field"), "{answer:?}");
    assert_eq!(app.get("/api/v1/wells").await.json["count"], 0);
}

#[tokio::test]
async fn bodies_that_are_not_json_are_400_or_415() {
    let app = TestApp::start().await;
    assert_error(
        &post_raw(&app, Some("application/json"), "{\"id\": ").await,
        StatusCode::BAD_REQUEST,
        "malformed_json",
    );
    assert_error(&post_raw(&app, Some("application/json"), "").await, StatusCode::BAD_REQUEST, "malformed_json");
    let text = post_raw(&app, Some("text/plain"), &well_body("W-1").to_string()).await;
    assert_error(&text, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let none = post_raw(&app, None, &well_body("W-1").to_string()).await;
    assert_error(&none, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let array = post_raw(&app, Some("application/json"), "[1, 2]").await;
    assert_error(&array, StatusCode::UNPROCESSABLE_ENTITY, "unprocessable");
}

#[tokio::test]
async fn an_oversized_body_is_413_whether_or_not_its_length_is_announced() {
    let limits = HttpLimits { body_limit: 256, ..HttpLimits::default() };
    let app = TestApp::with_limits(limits).await;
    let mut big = well_body("W-1");
    big["name"] = json!("n".repeat(1_000));
    let body = big.to_string();
    // No Content-Length: the limit is found while the body is read.
    let unannounced = post_raw(&app, Some("application/json"), &body).await;
    assert_error(&unannounced, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    // Content-Length over the limit: refused before the body is read.
    let mut announced = request(Method::POST, "/api/v1/wells", Body::from(body.clone()));
    announced.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    announced.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    assert_error(&app.send(announced).await, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn a_wrong_method_is_405_and_an_unknown_path_404() {
    let app = TestApp::start().await;
    let wrong = app.delete("/api/v1/fleet").await;
    assert_error(&wrong, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert_eq!(wrong.headers.get(header::ALLOW).map(|a| a.as_bytes()), Some(&b"GET,HEAD"[..]));
    let put = app.send(request(Method::PUT, "/api/v1/wells/W-1", Body::empty())).await;
    assert_error(&put, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    for uri in ["/nothing", "/api/v2/wells", "/api/v1/wells/W-1/nothing", "/health"] {
        assert_error(&app.get(uri).await, StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn telemetry_queries_that_cannot_be_read_are_400_and_limits_out_of_range_422() {
    let app = TestApp::start().await.with_wells(&["W-001"]).await;
    let base = "/api/v1/wells/W-001/telemetry?";
    let cases = [
        ("from=yesterday", StatusCode::BAD_REQUEST, "bad_request", "from"),
        ("to=2026-13-01T00:00:00Z", StatusCode::BAD_REQUEST, "bad_request", "to"),
        ("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", StatusCode::BAD_REQUEST, "bad_request", "before"),
        ("params=frequency,amps", StatusCode::BAD_REQUEST, "unknown_parameter", "amps"),
        ("limit=ten", StatusCode::BAD_REQUEST, "bad_request", "limit"),
        ("limit=10001", StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", "10000"),
        ("limit=0", StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", "limit"),
        ("resolution=5m", StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", "raw, 1m, 1h or auto"),
        ("resolution=1h&from=yesterday", StatusCode::BAD_REQUEST, "bad_request", "from"),
        ("resolution=1m&params=amps", StatusCode::BAD_REQUEST, "unknown_parameter", "amps"),
        ("resolution=1h&params=run_state", StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", "resolution=raw"),
        ("form=2026-01-01T00:00:00Z", StatusCode::BAD_REQUEST, "bad_request", "form"),
        ("limit=1&limit=2", StatusCode::BAD_REQUEST, "bad_request", "limit"),
    ];
    for (query, status, code, named) in cases {
        let answer = app.get(&format!("{base}{query}")).await;
        assert_error(&answer, status, code);
        assert!(message(&answer).contains(named), "{query}: {answer:?}");
    }
}

#[tokio::test]
async fn roll_up_ranges_with_more_buckets_than_an_answer_holds_are_422_saying_what_to_ask() {
    let app = TestApp::start().await.with_wells(&["W-001"]).await;
    let week = "/api/v1/wells/W-001/telemetry?from=2026-01-01T00:00:00Z&to=2026-01-08T00:00:00Z";
    let minutes = app.get(&format!("{week}&resolution=1m")).await;
    assert_error(&minutes, StatusCode::UNPROCESSABLE_ENTITY, "unprocessable");
    for named in ["10080 buckets", "10000", "resolution=1h", "shorter range"] {
        assert!(message(&minutes).contains(named), "{named}: {minutes:?}");
    }
    assert_eq!(app.get(&format!("{week}&resolution=1h")).await.status, StatusCode::OK);
    let years = "/api/v1/wells/W-001/telemetry?from=2025-01-01T00:00:00Z&to=2026-06-01T00:00:00Z&resolution=auto";
    let hours = app.get(years).await;
    assert_error(&hours, StatusCode::UNPROCESSABLE_ENTITY, "unprocessable");
    assert!(message(&hours).contains("buckets of 1h") && message(&hours).contains("shorter range"), "{hours:?}");
    let raw = app.get(&years.replace("resolution=auto", "resolution=raw")).await;
    assert_eq!((raw.status, &raw.json["truncated"]), (StatusCode::OK, &json!(false)), "raw is bounded by its limit");
}

#[tokio::test]
async fn history_ranges_that_cannot_be_read_are_400_naming_the_parameter() {
    let app = TestApp::start().await.with_wells(&["W-001"]).await;
    for base in ["/api/v1/wells/W-001/diagnostics?", "/api/v1/audit?"] {
        let cases = [
            ("from=yesterday", StatusCode::BAD_REQUEST, "bad_request", "from"),
            ("to=2026-01-01", StatusCode::BAD_REQUEST, "bad_request", "to"),
            ("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", StatusCode::BAD_REQUEST, "bad_request", "before"),
            ("limit=0", StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", "limit"),
            ("params=frequency", StatusCode::BAD_REQUEST, "bad_request", "params"),
        ];
        for (query, status, code, named) in cases {
            let answer = app.get(&format!("{base}{query}")).await;
            assert_error(&answer, status, code);
            assert!(message(&answer).contains(named), "{base}{query}: {answer:?}");
        }
    }
}

#[tokio::test]
async fn audit_filters_that_are_empty_or_too_long_are_422_naming_the_parameter() {
    let app = TestApp::start().await;
    let long = "x".repeat(257);
    for key in ["actor", "action", "target", "result"] {
        for value in ["", long.as_str()] {
            let answer = app.get(&format!("/api/v1/audit?{key}={value}")).await;
            assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "unprocessable");
            assert!(message(&answer).starts_with(&format!("{key}: ")), "{key}={value}: {answer:?}");
        }
        let longest = app.get(&format!("/api/v1/audit?{key}={}", "x".repeat(256))).await;
        assert_eq!(longest.status, StatusCode::OK, "{key}: {longest:?}");
    }
    let misspelt = app.get("/api/v1/audit?actors=alice").await;
    assert_error(&misspelt, StatusCode::BAD_REQUEST, "bad_request");
    assert!(message(&misspelt).contains("actors"), "{misspelt:?}");
}

#[tokio::test]
async fn unknown_list_filters_are_400_naming_the_valid_values() {
    let app = TestApp::start().await;
    let answer = app.get("/api/v1/wells?connection=sleepy").await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    assert!(message(&answer).contains("online"), "{answer:?}");
    assert_error(&app.get("/api/v1/wells?conection=online").await, StatusCode::BAD_REQUEST, "bad_request");
}

#[tokio::test]
async fn a_well_that_cannot_be_saved_is_not_left_running() {
    let app = TestApp::start().await;
    app.store.writes_fail.store(true, Ordering::SeqCst);
    assert_error(
        &app.post_json("/api/v1/wells", &well_body("W-100")).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    );
    assert_eq!(app.get("/api/v1/wells/W-100").await.status, StatusCode::NOT_FOUND);
    app.store.writes_fail.store(false, Ordering::SeqCst);
    assert_eq!(app.post_json("/api/v1/wells", &well_body("W-100")).await.status, StatusCode::CREATED);
    app.store.writes_fail.store(true, Ordering::SeqCst);
    assert_error(&app.delete("/api/v1/wells/W-100").await, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert_eq!(app.get("/api/v1/wells/W-100").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_request_that_outlives_the_timeout_is_503_json() {
    let limits = HttpLimits { request_timeout: Duration::from_millis(100), ..HttpLimits::default() };
    let app = TestApp::with_limits(limits).await.with_wells(&["W-001"]).await;
    app.store.reads_hang.store(true, Ordering::SeqCst);
    assert_error(&app.get("/api/v1/wells/W-001/telemetry").await, StatusCode::SERVICE_UNAVAILABLE, "timeout");
}

#[tokio::test]
async fn a_supervisor_that_is_gone_is_503_not_500() {
    let app = TestApp::start().await.with_wells(&["W-001"]).await;
    let _ = app.state.supervisor.stop_and_wait(None, Some(Duration::from_secs(1))).await;
    let restart = app.send(request(Method::POST, "/api/v1/wells/W-001/restart", Body::empty())).await;
    assert_error(&restart, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert_error(
        &app.post_json("/api/v1/wells", &well_body("W-2")).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    );
    let fleet: Value = app.get("/api/v1/fleet").await.json;
    assert_eq!((&fleet["wells"], &fleet["supervisor"]["available"]), (&json!(1), &json!(false)));
}
