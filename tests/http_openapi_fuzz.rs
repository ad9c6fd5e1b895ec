//! Requests generated from the service's own OpenAPI document: every documented route, with
//! malformed, oversized and boundary path parameters, query values and bodies, against wells and
//! alarms that exist and ones that do not; with credentials, without and with garbage ones.
//! Whatever is sent, no answer is a 5xx, no handler or actor panics, every error is the JSON
//! error object, every status is one the document lists for the route, and every success
//! fits the schema the document gives for it.

#[path = "support/http_harness.rs"]
mod harness;
#[path = "support/openapi_inputs.rs"]
mod openapi_inputs;
#[path = "support/openapi_walk.rs"]
mod openapi_walk;

use std::collections::BTreeMap;

use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use harness::{well_source, Answer, TestApp};
use openapi_inputs::{bodies, encode, path_values, query_values};
use openapi_walk::{Operation, Spec};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use tower::ServiceExt;
use wellvisor::auth::{Access, Role};
use wellvisor::http::access::ROUTES;
use wellvisor::http::HttpLimits;
use wellvisor_actors::diagnostics::{AlarmConfig, Priority, Source};

/// Wells with a running actor (restart and remove reach the supervisor) and idle ones (only
/// in the fleet view, so their alarms are the test's), and the alarm points the test raises.
const RUNNING: &[&str] = &["W-010", "W-011"];
const IDLE: &[&str] = &["W-001", "W-002"];
const ALARMS: &[&str] = &["W-001:supervision_failed", "feeder@F-1:power_event", "W-002:supervision_failed"];

/// One generated request.
#[derive(Clone, Debug)]
struct Case {
    operation: usize,
    method: Method,
    uri: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

/// What the sweep saw, for the checks that span it.
#[derive(Default)]
struct Tally {
    by_status: BTreeMap<u16, usize>,
    /// Per operation: answers that came from past the middleware (not 401/403/429/413).
    reached: BTreeMap<usize, usize>,
}

async fn start() -> (TestApp, Spec) {
    let app = TestApp::start().await.with_wells(RUNNING).await.with_idle_wells(IDLE);
    let latching = AlarmConfig { latching: true, ..AlarmConfig::new(Priority::High) };
    app.condition(&well_source("W-001"), "supervision_failed", latching.clone(), true);
    app.condition(&well_source("W-002"), "supervision_failed", latching, false);
    app.condition(&Source::Feeder("F-1".into()), "power_event", AlarmConfig::new(Priority::Medium), true);
    let answer = answer_of(&app, request(Method::GET, "/api/v1/openapi.json", None, Vec::new()).expect("uri")).await;
    assert_eq!(answer.status, StatusCode::OK, "the document is public: {answer:?}");
    (app, Spec::new(answer.json))
}

/// Values that name something that exists, for the path parameter of `path`.
fn known_ids(path: &str) -> Vec<&'static str> {
    match path {
        p if p.starts_with("/api/v1/wells/") => [RUNNING, IDLE].concat(),
        // Not `kpis`: that is another route, which answers another schema.
        p if p.starts_with("/api/v1/alarms/") => ALARMS.to_vec(),
        p if p.starts_with("/api/docs/") => vec!["swagger-ui.css", "init.js", "LICENSE", "swagger-ui-bundle.js"],
        p if p.starts_with("/ui/") => vec!["app.js", "index.html", "app.css", "favicon.svg", "uPlot.LICENSE"],
        _ => Vec::new(),
    }
}

fn fill(path: &str, value: &str) -> String {
    let start = path.find('{');
    let end = path.find('}');
    match (start, end) {
        (Some(start), Some(end)) => format!("{}{value}{}", &path[..start], &path[end + 1..]),
        _ => path.to_owned(),
    }
}

/// One operation, and the request a case varies one part of: a known id, and the valid body
/// when it takes one.
struct Target<'a> {
    index: usize,
    operation: &'a Operation,
    method: Method,
    base: String,
    body: Vec<u8>,
    content_type: Option<&'static str>,
}

impl Target<'_> {
    fn case(&self, uri: String, content_type: Option<&'static str>, body: Vec<u8>) -> Case {
        Case { operation: self.index, method: self.method.clone(), uri, content_type, body }
    }

    /// The valid request with another URI.
    fn at(&self, uri: String) -> Case {
        self.case(uri, self.content_type, self.body.clone())
    }
}

/// Every operation's deterministic cases: each path value, then each query value alone, some
/// malformed query strings, and each body (with the right, a wrong and no content type).
fn sweep(spec: &Spec, body_limit: usize) -> Vec<Case> {
    let mut cases = Vec::new();
    for (index, operation) in spec.operations.iter().enumerate() {
        let valid = operation.body.as_ref().map(|schema| bodies(&spec.doc, schema, body_limit)[0].clone());
        let known = known_ids(&operation.path);
        let target = Target {
            index,
            operation,
            method: Method::from_bytes(operation.method.as_bytes()).expect("method"),
            base: fill(&operation.path, &encode(known.first().copied().unwrap_or(""))),
            content_type: valid.as_ref().map(|_| "application/json"),
            // The schema's example id names a well that exists; a new one lets the valid body add it.
            body: valid.map(|body| fresh_id(body, index)).unwrap_or_default(),
        };
        if operation.path.contains('{') {
            cases.extend(path_values(&known).iter().map(|value| target.at(fill(&operation.path, value))));
        }
        cases.extend(query_cases(spec, &target));
        cases.extend(body_cases(spec, &target, body_limit));
    }
    cases
}

fn query_cases(spec: &Spec, target: &Target) -> Vec<Case> {
    let base = &target.base;
    let mut cases = Vec::new();
    for param in target.operation.params.iter().filter(|p| p.location == "query") {
        let values = query_values(&spec.doc, param);
        cases.extend(values.iter().map(|value| target.at(format!("{base}?{}={value}", param.name))));
        cases.push(target.at(format!("{base}?{0}=1&{0}=2", param.name)));
    }
    for query in ["?", "?&&", "?=", "?=1", "?unknown=1", "?limit", "?%", "?a=%zz", "?%FF=1"] {
        cases.push(target.at(format!("{base}{query}")));
    }
    cases.push(target.at(format!("{base}?{}", "a=1&".repeat(2_000))));
    cases
}

fn body_cases(spec: &Spec, target: &Target, body_limit: usize) -> Vec<Case> {
    let (base, json) = (&target.base, Some("application/json"));
    let Some(schema) = &target.operation.body else {
        let unexpected = b"{\"unexpected\": true}".to_vec();
        return vec![
            target.case(base.clone(), json, unexpected),
            target.case(base.clone(), json, vec![b'x'; body_limit + 1]),
        ];
    };
    let mut cases: Vec<Case> =
        bodies(&spec.doc, schema, body_limit).into_iter().map(|body| target.case(base.clone(), json, body)).collect();
    for content_type in [None, Some("text/plain"), Some("application/json; charset=utf-8"), Some("application/xml")] {
        cases.push(target.case(base.clone(), content_type, target.body.clone()));
    }
    cases
}

/// `body` with its `id` field, if any, naming a well that does not exist yet.
fn fresh_id(body: Vec<u8>, index: usize) -> Vec<u8> {
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(mut fields)) if fields.contains_key("id") => {
            fields.insert("id".into(), Value::String(format!("W-1{index:02}")));
            Value::Object(fields).to_string().into_bytes()
        }
        _ => body,
    }
}

fn request(method: Method, uri: &str, content_type: Option<&'static str>, body: Vec<u8>) -> Option<Request<Body>> {
    let mut request = Request::new(Body::from(body));
    *request.method_mut() = method;
    *request.uri_mut() = uri.parse().ok()?;
    if let Some(content_type) = content_type {
        request.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    Some(request)
}

/// A role that may call `operation`: `admin` where it may, else the first that may (the
/// service account, for telemetry pushed by devices).
fn role_for(operation: &Operation) -> Role {
    let route = ROUTES.iter().find(|route| route.method == operation.method && route.path == operation.path);
    let access = route.map_or(Access::Read, |route| route.access);
    match Role::Admin.may(access) {
        true => Role::Admin,
        false => Role::ALL.into_iter().find(|role| role.may(access)).unwrap_or(Role::Admin),
    }
}

/// Sends with a token of `role` (see [`answer_of`]).
async fn send(app: &TestApp, mut request: Request<Body>, role: Role) -> Answer {
    if !request.headers().contains_key(header::AUTHORIZATION) {
        let bearer = format!("Bearer {}", harness::auth::token_for(role));
        request.headers_mut().insert(header::AUTHORIZATION, bearer.parse().expect("header value"));
    }
    answer_of(app, request).await
}

/// Sends straight to the router, with exactly the credentials the request carries. An event
/// stream's body never ends, so only its status and headers are read.
async fn answer_of(app: &TestApp, request: Request<Body>) -> Answer {
    let response = app.router.clone().oneshot(request).await.unwrap_or_else(|never| match never {});
    let (parts, body) = response.into_parts();
    let content_type = parts.headers.get(header::CONTENT_TYPE).map(HeaderValue::as_bytes).unwrap_or_default();
    if content_type.starts_with(b"text/event-stream") {
        return Answer { status: parts.status, headers: parts.headers, json: Value::Null };
    }
    let bytes = to_bytes(body, 16 * 1024 * 1024).await.unwrap_or_default();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer { status: parts.status, headers: parts.headers, json }
}

/// The checks every answer passes; the error says which one failed.
fn judge(spec: &Spec, operation: &Operation, answer: &Answer) -> Result<(), String> {
    let status = answer.status;
    if status.is_server_error() {
        return Err("a server error".into());
    }
    if !operation.statuses.contains(status.as_str()) {
        return Err(format!("status {status} is not documented for {} {}", operation.method, operation.path));
    }
    if status.is_client_error() {
        let is_json = answer.headers.get(header::CONTENT_TYPE).is_some_and(|t| t == "application/json");
        let error = &answer.json["error"];
        let has_code = error["code"].as_str().is_some_and(|code| !code.is_empty());
        if !is_json || !has_code || !error["message"].is_string() {
            return Err("an error that is not the JSON error object".into());
        }
    }
    match spec.answer_schema(operation, status.as_u16()) {
        Some(schema) => spec.check(schema, &answer.json),
        None => Ok(()),
    }
}

fn reached_handler(status: StatusCode) -> bool {
    ![401, 403, 413, 429].contains(&status.as_u16())
}

async fn run(app: &TestApp, spec: &Spec, case: &Case, tally: &mut Tally) -> Result<(), String> {
    let Some(request) = request(case.method.clone(), &case.uri, case.content_type, case.body.clone()) else {
        return Ok(()); // not a URI at all: no client could send it
    };
    let operation = &spec.operations[case.operation];
    let answer = send(app, request, role_for(operation)).await;
    *tally.by_status.entry(answer.status.as_u16()).or_default() += 1;
    if reached_handler(answer.status) {
        *tally.reached.entry(case.operation).or_default() += 1;
    }
    judge(spec, operation, &answer).map_err(|why| {
        let body = String::from_utf8_lossy(&case.body[..case.body.len().min(200)]).into_owned();
        format!(
            "{why}\n  {} {} ({:?}, body {body:?})\n  answer {answer:?}",
            case.method,
            short(&case.uri),
            case.content_type
        )
    })
}

fn short(uri: &str) -> String {
    uri.chars().take(300).collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("runtime")
}

#[test]
fn every_documented_route_survives_generated_requests() {
    let runtime = runtime();
    let (app, spec) = runtime.block_on(start());
    assert!(spec.operations.len() >= 20, "{} operations", spec.operations.len());
    let cases = sweep(&spec, HttpLimits::default().body_limit);
    let mut tally = Tally::default();
    let failures: Vec<String> =
        cases.iter().filter_map(|case| runtime.block_on(run(&app, &spec, case, &mut tally)).err()).collect();
    let first: Vec<&str> = failures.iter().take(10).map(String::as_str).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed, first ones:\n{}",
        failures.len(),
        cases.len(),
        first.join("\n")
    );
    for (index, operation) in spec.operations.iter().enumerate() {
        let reached = tally.reached.get(&index).copied().unwrap_or(0);
        assert!(reached > 0, "no request reached {} {}: {:?}", operation.method, operation.path, tally.by_status);
    }
    runtime.block_on(assert_service_intact(&app));
}

#[test]
fn random_combinations_of_documented_inputs_get_no_server_error() {
    let runtime = runtime();
    let (app, spec) = runtime.block_on(start());
    let cases = sweep(&spec, HttpLimits::default().body_limit);
    let by_operation: Vec<Vec<Case>> =
        (0..spec.operations.len()).map(|i| cases.iter().filter(|c| c.operation == i).cloned().collect()).collect();
    // A random case of a random operation, its query joined with another case's of the same one.
    let strategy = (0..by_operation.len(), any::<prop::sample::Index>(), any::<prop::sample::Index>()).prop_map(
        move |(op, first, second)| {
            let list = &by_operation[op];
            let (first, second) = (&list[first.index(list.len())], &list[second.index(list.len())]);
            let extra = second.uri.split_once('?').map_or("", |(_, query)| query);
            let joiner = if first.uri.contains('?') { "&" } else { "?" };
            Case { uri: format!("{}{joiner}{extra}", first.uri), ..first.clone() }
        },
    );
    let mut runner = TestRunner::new(Config { cases: 300, failure_persistence: None, ..Config::default() });
    let tally = std::cell::RefCell::new(Tally::default());
    let outcome = runner.run(&strategy, |case| {
        let verdict = runtime.block_on(run(&app, &spec, &case, &mut tally.borrow_mut()));
        prop_assert!(verdict.is_ok(), "{}", verdict.err().unwrap_or_default());
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    runtime.block_on(assert_service_intact(&app));
}

/// Credentials that prove nothing, for every route.
const BAD_CREDENTIALS: &[(&str, &str)] = &[
    ("authorization", "Bearer garbage"),
    ("authorization", "Bearer "),
    ("authorization", "Basic YWRtaW46YWRtaW4="),
    ("authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9."),
    ("x-api-key", "wvk_zz_zz"),
    ("authorization", "Bearer wvk_000000000000_secret"),
];

#[test]
fn requests_without_valid_credentials_are_refused_cleanly() {
    let runtime = runtime();
    let (app, spec) = runtime.block_on(start());
    // Whether authentication is switched on: the fleet is never public when it is.
    let probe = request(Method::GET, "/api/v1/fleet", None, Vec::new()).expect("uri");
    let enforced = runtime.block_on(answer_of(&app, probe)).status == StatusCode::UNAUTHORIZED;
    let long_token = format!("Bearer {}", "a".repeat(10 * 1024));
    let mut credentials: Vec<Option<(&str, String)>> = vec![None, Some(("authorization", long_token))];
    credentials.extend(BAD_CREDENTIALS.iter().map(|(name, value)| Some((*name, (*value).to_owned()))));
    for operation in &spec.operations {
        let uri = fill(&operation.path, &encode(known_ids(&operation.path).first().copied().unwrap_or("")));
        let method = Method::from_bytes(operation.method.as_bytes()).expect("method");
        for credential in &credentials {
            let mut request = request(method.clone(), &uri, Some("application/json"), b"{}".to_vec()).expect("uri");
            if let Some((name, value)) = credential {
                request.headers_mut().insert(*name, HeaderValue::from_str(value).expect("header value"));
            }
            let answer = runtime.block_on(answer_of(&app, request));
            let context = format!("{} {uri} with {:?}: {answer:?}", operation.method, credential.as_ref().map(|c| c.0));
            let verdict = judge(&spec, operation, &answer);
            assert!(verdict.is_ok(), "{verdict:?}\n{context}");
            if enforced && !operation.public {
                assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{context}");
            }
            if operation.public {
                assert_ne!(answer.status, StatusCode::UNAUTHORIZED, "{context}");
            }
        }
    }
}

#[test]
fn every_documented_route_is_served() {
    let runtime = runtime();
    let (app, spec) = runtime.block_on(start());
    for operation in &spec.operations {
        let uri = fill(&operation.path, &encode(known_ids(&operation.path).first().copied().unwrap_or("x")));
        let method = Method::from_bytes(operation.method.as_bytes()).expect("method");
        let request = request(method, &uri, Some("application/json"), b"{}".to_vec()).expect("uri");
        let answer = runtime.block_on(send(&app, request, role_for(operation)));
        let unrouted = answer.json["error"]["code"] == "not_found" || answer.status == StatusCode::METHOD_NOT_ALLOWED;
        assert!(!unrouted, "{} {} is documented but not served: {answer:?}", operation.method, operation.path);
    }
}

/// After the barrage: the tree is up, ready, and no actor failed.
async fn assert_service_intact(app: &TestApp) {
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{ready:?}");
    let fleet = app.get("/api/v1/fleet").await;
    assert_eq!(fleet.json["supervisor"]["available"], true, "{fleet:?}");
    assert_eq!(fleet.json["supervisor"]["failures"], 0, "an actor failed: {fleet:?}");
}
