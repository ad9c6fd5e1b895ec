//! The dashboard as the server sees it: the page and its files served without credentials,
//! under the security policy, revalidated by `ETag`; a well's audit trail for the detail page;
//! and the alarm summary and key values the overview's rows show.

#[path = "support/http_harness.rs"]
mod harness;

use axum::body::{to_bytes, Body, Bytes};
use axum::http::{header, HeaderMap, Method, StatusCode};
use chrono::Utc;
use harness::auth::token_for;
use harness::{error_code, request, well_id, well_source, Answer, TestApp};
use serde_json::{json, Value};
use tower::ServiceExt;
use wellvisor::auth::Role;
use wellvisor_actors::diagnostics::{AlarmConfig, Priority};
use wellvisor_actors::domain::{Parameter, Sample, SupervisionState};

/// An answer read whole, whatever its body, sent with `headers` and no credentials.
async fn fetch(app: &TestApp, uri: &str, headers: &[(header::HeaderName, &str)]) -> (StatusCode, HeaderMap, Bytes) {
    let mut request = request(Method::GET, uri, Body::empty());
    for (name, value) in headers {
        request.headers_mut().insert(name, value.parse().expect("a header value"));
    }
    let response = app.router.clone().oneshot(request).await.unwrap_or_else(|never| match never {});
    let (parts, body) = response.into_parts();
    (parts.status, parts.headers, to_bytes(body, 4 * 1024 * 1024).await.expect("a body"))
}

fn header_of(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
}

/// `GET {uri}` with a token of `role`.
async fn get_as(app: &TestApp, role: Role, uri: &str) -> Answer {
    let mut request = request(Method::GET, uri, Body::empty());
    let bearer = format!("Bearer {}", token_for(role));
    request.headers_mut().insert(header::AUTHORIZATION, bearer.parse().expect("a header value"));
    app.send(request).await
}

/// `POST {uri}` with a token of `role`.
async fn post_as(app: &TestApp, role: Role, uri: &str) -> Answer {
    let mut request = request(Method::POST, uri, Body::empty());
    let bearer = format!("Bearer {}", token_for(role));
    request.headers_mut().insert(header::AUTHORIZATION, bearer.parse().expect("a header value"));
    app.send(request).await
}

#[tokio::test]
async fn the_page_is_served_without_credentials_under_the_security_policy() {
    let app = TestApp::start().await;
    let (status, headers, body) = fetch(&app, "/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_of(&headers, header::CONTENT_TYPE), "text/html; charset=utf-8");
    let policy = header_of(&headers, header::CONTENT_SECURITY_POLICY);
    assert!(policy.starts_with("default-src 'self'") && policy.contains("frame-ancestors 'none'"), "{policy}");
    let page = String::from_utf8(body.to_vec()).unwrap();
    assert!(page.contains("src=\"/ui/app.js\"") && page.contains("href=\"/ui/favicon.svg\""), "{page}");
    let (status, _, same) = fetch(&app, "/ui/index.html", &[]).await;
    assert_eq!((status, same), (StatusCode::OK, body), "the page is also a file of /ui/");
}

#[tokio::test]
async fn modules_styles_and_the_chart_library_are_served_with_their_types() {
    let app = TestApp::start().await;
    for (file, kind, holds) in [
        ("app.js", "text/javascript; charset=utf-8", "import"),
        ("uPlot.esm.js", "text/javascript; charset=utf-8", "export { uPlot as default }"),
        ("uPlot.min.css", "text/css; charset=utf-8", ".uplot"),
        ("app.css", "text/css; charset=utf-8", "--panel"),
        ("favicon.svg", "image/svg+xml", "<svg"),
        ("uPlot.LICENSE", "text/plain; charset=utf-8", "MIT"),
    ] {
        let (status, headers, body) = fetch(&app, &format!("/ui/{file}"), &[]).await;
        assert_eq!((status, header_of(&headers, header::CONTENT_TYPE)), (StatusCode::OK, kind), "{file}");
        assert!(String::from_utf8_lossy(&body).contains(holds), "{file} does not hold {holds:?}");
        assert_eq!(header_of(&headers, header::CACHE_CONTROL), "no-cache", "{file}");
        assert!(header_of(&headers, header::ETAG).starts_with('"'), "{file}: {headers:?}");
    }
}

#[tokio::test]
async fn a_browser_holding_the_current_etag_gets_304_without_a_body() {
    let app = TestApp::start().await;
    for uri in ["/", "/ui/app.js", "/ui/uPlot.esm.js"] {
        let (_, first, _) = fetch(&app, uri, &[]).await;
        let etag = header_of(&first, header::ETAG).to_owned();
        let (status, headers, body) = fetch(&app, uri, &[(header::IF_NONE_MATCH, &etag)]).await;
        assert_eq!((status, body.len()), (StatusCode::NOT_MODIFIED, 0), "{uri}");
        assert_eq!(header_of(&headers, header::ETAG), etag, "{uri}");
        let (status, _, body) = fetch(&app, uri, &[(header::IF_NONE_MATCH, "\"an older build\"")]).await;
        assert!(status == StatusCode::OK && !body.is_empty(), "{uri}: a changed file is sent again");
    }
    let (_, app_js, _) = fetch(&app, "/ui/app.js", &[]).await;
    let (_, api_js, _) = fetch(&app, "/ui/api.js", &[]).await;
    assert_ne!(header_of(&app_js, header::ETAG), header_of(&api_js, header::ETAG));
}

#[tokio::test]
async fn unknown_files_are_the_json_404_and_undecodable_names_a_400() {
    let app = TestApp::start().await;
    for uri in ["/ui/nothing.js", "/ui/..%2FCargo.toml", "/ui/VERSION", "/ui/uPlot.js.map"] {
        let answer = app.send_as_is(request(Method::GET, uri, Body::empty())).await;
        assert_eq!((answer.status, error_code(&answer).as_str()), (StatusCode::NOT_FOUND, "not_found"), "{uri}");
    }
    let answer = app.send_as_is(request(Method::GET, "/ui/%FF", Body::empty())).await;
    assert_eq!((answer.status, error_code(&answer).as_str()), (StatusCode::BAD_REQUEST, "bad_request"));
    // Paths no route matches are guarded like the API, so they ask for credentials first.
    let outside = app.send_as_is(request(Method::GET, "/favicon.ico", Body::empty())).await;
    assert_eq!(outside.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&app.get("/ui/").await), "not_found");
}

/// Wells W-001 and W-002, each restarted after a failure and with an acknowledged alarm, all by
/// the operator; W-001's restart refused to a viewer first.
async fn operated_fleet() -> TestApp {
    let app = TestApp::start().await.with_wells(&["W-001", "W-002"]).await;
    for id in ["W-001", "W-002"] {
        app.state.fleet.update(&well_id(id), |well| well.supervision = SupervisionState::Failed);
    }
    let refused = post_as(&app, Role::Viewer, "/api/v1/wells/W-001/restart").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    for id in ["W-001", "W-002"] {
        let restarted = post_as(&app, Role::Operator, &format!("/api/v1/wells/{id}/restart")).await;
        assert_eq!(restarted.status, StatusCode::ACCEPTED, "{id}: {restarted:?}");
        let alarm = app.condition(&well_source(id), "supervision_failed", AlarmConfig::new(Priority::High), true);
        let acked = post_as(&app, Role::Operator, &format!("/api/v1/alarms/{alarm}/ack")).await;
        assert_eq!(acked.status, StatusCode::OK, "{alarm}: {acked:?}");
    }
    app.flush().await;
    app
}

fn trail(answer: &Answer) -> Vec<(String, String, String)> {
    let text = |entry: &Value, key: &str| entry[key].as_str().unwrap_or_default().to_owned();
    let entries = answer.json["entries"].as_array().cloned().unwrap_or_default();
    entries.iter().map(|e| (text(e, "action"), text(e, "target"), text(e, "actor"))).collect()
}

#[tokio::test]
async fn a_viewer_reads_what_was_done_to_one_well_and_its_alarms_newest_first() {
    let app = operated_fleet().await;
    let answer = get_as(&app, Role::Viewer, "/api/v1/wells/W-001/audit").await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    let expected = [
        ("ack", "W-001:supervision_failed", "operator"),
        ("restart", "W-001", "operator"),
        ("restart", "W-001", "viewer"),
    ];
    let expected: Vec<_> =
        expected.iter().map(|(a, t, w)| ((*a).to_owned(), (*t).to_owned(), (*w).to_owned())).collect();
    assert_eq!(trail(&answer), expected, "nothing of W-002: {answer:?}");
    assert_eq!(
        (&answer.json["well_id"], &answer.json["count"], &answer.json["truncated"]),
        (&json!("W-001"), &json!(3), &json!(false))
    );
    let entry = &answer.json["entries"][1];
    assert_eq!(
        (&entry["result"], &entry["role"], &entry["before"]),
        (&json!("ok"), &json!("operator"), &json!("failed"))
    );
    assert_eq!(answer.json["entries"][2]["result"], "403 forbidden", "refusals are part of the trail");
    let latest = get_as(&app, Role::Viewer, "/api/v1/wells/W-002/audit?limit=1").await;
    assert_eq!((&latest.json["count"], &latest.json["truncated"]), (&json!(1), &json!(true)), "{latest:?}");
    assert_eq!(trail(&latest)[0].1, "W-002:supervision_failed");
}

#[tokio::test]
async fn a_well_trail_refuses_unknown_wells_bad_limits_and_anonymous_callers() {
    let app = TestApp::start().await.with_idle_wells(&["W-001"]);
    let unknown = get_as(&app, Role::Viewer, "/api/v1/wells/W-404/audit").await;
    assert_eq!((unknown.status, error_code(&unknown).as_str()), (StatusCode::NOT_FOUND, "unknown_well"));
    for (query, status, code) in [
        ("limit=0", StatusCode::UNPROCESSABLE_ENTITY, "unprocessable"),
        ("limit=1001", StatusCode::UNPROCESSABLE_ENTITY, "unprocessable"),
        ("limit=ten", StatusCode::BAD_REQUEST, "bad_request"),
        ("from=2026-01-01T00:00:00Z", StatusCode::BAD_REQUEST, "bad_request"),
    ] {
        let answer = get_as(&app, Role::Viewer, &format!("/api/v1/wells/W-001/audit?{query}")).await;
        assert_eq!((answer.status, error_code(&answer).as_str()), (status, code), "{query}");
    }
    let most = get_as(&app, Role::Viewer, "/api/v1/wells/W-001/audit?limit=1000").await;
    assert_eq!((most.status, &most.json["count"]), (StatusCode::OK, &json!(0)));
    let anonymous = app.send_as_is(request(Method::GET, "/api/v1/wells/W-001/audit", Body::empty())).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

/// The alarm summary and key values of `id`'s row in the list, and of its detail.
async fn summary(app: &TestApp, id: &str) -> (Value, Value, Value, Value) {
    let list = app.get("/api/v1/wells").await;
    let rows = list.json["wells"].as_array().cloned().unwrap_or_default();
    let row = rows.into_iter().find(|row| row["id"] == id).unwrap_or_else(|| panic!("no {id} in {list:?}"));
    let detail = app.get(&format!("/api/v1/wells/{id}")).await.json;
    for key in ["highest_priority", "unacknowledged", "active_alarms", "key_values"] {
        assert_eq!(row[key], detail[key], "the detail agrees with the row on {key}");
    }
    (
        row["highest_priority"].clone(),
        row["unacknowledged"].clone(),
        row["active_alarms"].clone(),
        row["key_values"].clone(),
    )
}

#[tokio::test]
async fn the_overview_row_follows_alarms_raised_acknowledged_and_cleared() {
    let app = TestApp::start().await.with_idle_wells(&["W-001", "W-002"]);
    assert_eq!(summary(&app, "W-001").await, (json!(null), json!(0), json!(0), json!({})));
    let low = app.condition(&well_source("W-001"), "test_low", AlarmConfig::new(Priority::Low), true);
    let high = app.condition(&well_source("W-001"), "test_high", AlarmConfig::new(Priority::High), true);
    assert_eq!(summary(&app, "W-001").await, (json!("high"), json!(2), json!(2), json!({})));
    assert_eq!(app.post(&format!("/api/v1/alarms/{high}/ack")).await.status, StatusCode::OK);
    assert_eq!(summary(&app, "W-001").await.0, json!("high"), "an acknowledged alarm is still annunciated");
    assert_eq!(summary(&app, "W-001").await.1, json!(1));
    app.condition(&well_source("W-001"), "test_high", AlarmConfig::new(Priority::High), false);
    app.condition(&well_source("W-001"), "test_low", AlarmConfig::new(Priority::Low), false);
    let cleared = app.get(&format!("/api/v1/alarms/{low}")).await;
    assert_eq!(cleared.json["state"], "rtn_unacknowledged", "{cleared:?}");
    assert_eq!(
        summary(&app, "W-001").await,
        (json!("low"), json!(1), json!(1), json!({})),
        "returned, not yet acknowledged"
    );
    assert_eq!(summary(&app, "W-002").await, (json!(null), json!(0), json!(0), json!({})), "other wells stay quiet");
}

#[tokio::test]
async fn the_overview_row_shows_key_values_read_good_or_stale() {
    let app = TestApp::start().await.with_idle_wells(&["W-001"]);
    let mut sample = Sample::new(well_id("W-001"), Utc::now());
    for (parameter, value) in [
        (Parameter::Frequency, 55.5),
        (Parameter::CurrentA, 31.2),
        (Parameter::IntakePressure, 1250.0),
        (Parameter::VibrationX, 0.3),
    ] {
        sample.values.set(parameter, value);
    }
    app.state.fleet.update(&well_id("W-001"), |well| well.record_sample(sample));
    let read = json!({"frequency": 55.5, "current_a": 31.2, "intake_pressure": 1250.0});
    assert_eq!(summary(&app, "W-001").await.3, read, "only the key parameters");
    app.state.fleet.update(&well_id("W-001"), |well| well.latest.mark_stale());
    let detail = app.get("/api/v1/wells/W-001").await;
    assert_eq!(detail.json["values"]["frequency"]["quality"], "stale");
    assert_eq!(summary(&app, "W-001").await.3, read, "a stale reading is still shown");
}
