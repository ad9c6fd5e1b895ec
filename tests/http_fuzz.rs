//! Random requests against the router: whatever the method, path, query, content type or body,
//! the answer is never a 5xx other than 503, and every error is the JSON error object.

#[path = "support/http_harness.rs"]
mod harness;

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use harness::{well_source, Answer, TestApp};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use wellvisor_actors::diagnostics::{AlarmConfig, Priority, Source};

/// The real routes with a known, unknown or random id, and now and then a random path.
fn path() -> impl Strategy<Value = String> {
    let template = prop::sample::select(vec![
        "/health/live",
        "/health/ready",
        "/health/startup",
        "/api/v1/fleet",
        "/api/v1/wells",
        "/api/v1/wells/{id}",
        "/api/v1/wells/{id}/restart",
        "/api/v1/wells/{id}/telemetry",
        "/api/v1/wells/{id}/telemetry",
        "/api/v1/wells/{id}/diagnostics",
        "/api/v1/alarms",
        "/api/v1/alarms/kpis",
        "/api/v1/alarms/{id}",
        "/api/v1/alarms/{id}/ack",
        "/api/v1/alarms/{id}/reset",
        "/api/v1/alarms/{id}/shelve",
        "/api/v1/alarms/{id}/unshelve",
        "/api/v1/alarms/{id}/out_of_service",
        "/api/v1/alarms/{id}/return_to_service",
        "/api/v1/audit",
        "/{id}/{id}",
    ]);
    let id = prop_oneof![
        Just("W-001".to_owned()),
        Just("W-404".to_owned()),
        Just("W-001:supervision_failed".to_owned()),
        Just("feeder@F-1:power_event".to_owned()),
        "[A-Za-z0-9._~%-]{0,70}",
        "%[0-9A-F]{2}[a-z]{0,3}",
    ];
    let query = prop_oneof![
        Just(String::new()),
        Just("?from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z&params=frequency&limit=5".to_owned()),
        "\\?(from|to|params|limit|connection|supervision|state|priority|well|source|include_normal|[a-z]{1,8})=[A-Za-z0-9:%+,._@-]{0,30}",
        "\\?[a-z]{1,8}=[A-Za-z0-9:%+,.-]{0,30}(&[a-z]{1,8}=[A-Za-z0-9:%+,.-]{0,30}){0,3}",
    ];
    (template, id, query).prop_map(|(template, id, query)| format!("{}{query}", template.replace("{id}", &id)))
}

fn method() -> impl Strategy<Value = Method> {
    prop::sample::select(vec![Method::GET, Method::POST, Method::DELETE, Method::PUT, Method::PATCH, Method::HEAD])
}

/// Bodies from nothing through JSON-ish text to arbitrary bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        Just(br#"{"id":"W-9","profile":"esp-default","host":"h","port":502}"#.to_vec()),
        Just(br#"{"reason":"nuisance","duration":"2h"}"#.to_vec()),
        r#"\{"reason":"[a-z ]{0,8}","duration":"-?[0-9]{0,3}(ms|s|m|h|d|)"\}"#.prop_map(String::into_bytes),
        r#"\{("[a-z_]{1,8}":("[A-Za-z0-9 -]{0,12}"|-?[0-9]{1,6}|null|true|\[\]|\{\}),?){0,6}\}"#
            .prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..300),
    ]
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![
        None,
        Some("application/json"),
        Some("text/plain"),
        Some("application/json; charset=utf-8"),
    ])
}

/// An alarm action on a real alarm, an unknown one or a random id.
fn alarm_action() -> impl Strategy<Value = String> {
    let id = prop_oneof![
        Just("W-001:supervision_failed".to_owned()),
        Just("feeder@F-1:power_event".to_owned()),
        "[A-Za-z0-9._~%:@-]{0,40}",
    ];
    let verb = prop::sample::select(vec!["ack", "reset", "shelve", "unshelve", "out_of_service", "return_to_service"]);
    (id, verb).prop_map(|(id, verb)| format!("/api/v1/alarms/{id}/{verb}"))
}

/// Mostly requests a client could mean (reads, well definitions, alarm actions), the rest
/// anything at all.
fn case() -> impl Strategy<Value = (Method, String, Option<&'static str>, Vec<u8>)> {
    prop_oneof![
        3 => path().prop_map(|path| (Method::GET, path, None, Vec::new())),
        3 => (content_type(), body()).prop_map(|(kind, body)| (Method::POST, "/api/v1/wells".to_owned(), kind, body)),
        2 => (alarm_action(), content_type(), body()).prop_map(|(path, kind, body)| (Method::POST, path, kind, body)),
        3 => (method(), path(), content_type(), body()),
    ]
}

fn build(method: Method, path: &str, content_type: Option<&'static str>, body: Vec<u8>) -> Option<Request<Body>> {
    let mut request = Request::new(Body::from(body));
    *request.method_mut() = method;
    *request.uri_mut() = path.parse().ok()?;
    if let Some(content_type) = content_type {
        request.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    Some(request)
}

/// `{"error": {"code": "...", "message": "..."}}`, served as JSON.
fn is_error_object(answer: &Answer) -> bool {
    let error = &answer.json["error"];
    let is_json = answer.headers.get(header::CONTENT_TYPE).is_some_and(|t| t == "application/json");
    is_json && error["code"].as_str().is_some_and(|c| !c.is_empty()) && error["message"].is_string()
}

#[test]
fn no_random_request_gets_a_server_error_other_than_503() {
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let app = runtime.block_on(async { TestApp::start().await.with_wells(&["W-001"]).await });
    let config = AlarmConfig { latching: true, ..AlarmConfig::new(Priority::High) };
    app.condition(&well_source("W-001"), "supervision_failed", config, true);
    app.condition(&Source::Feeder("F-1".into()), "power_event", AlarmConfig::new(Priority::Medium), true);
    let mut runner = TestRunner::new(Config { cases: 512, failure_persistence: None, ..Config::default() });
    let outcome = runner.run(&case(), |(method, path, content_type, body)| {
        let Some(request) = build(method.clone(), &path, content_type, body) else { return Ok(()) };
        let answer = runtime.block_on(app.send(request));
        let context = format!("{method} {path}: {answer:?}");
        let server_error = answer.status.is_server_error() && answer.status != StatusCode::SERVICE_UNAVAILABLE;
        prop_assert!(!server_error, "{}", context);
        if answer.status.is_client_error() || answer.status.is_server_error() {
            if method == Method::HEAD {
                return Ok(()); // a HEAD answer has no body to hold the error object
            }
            prop_assert!(is_error_object(&answer), "{}", context);
        }
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}
