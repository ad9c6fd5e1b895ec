//! Who may call what, through the real router: every route against every role and against no
//! credentials; what each refusal leaves in the audit trail; the tokens and keys that must not
//! work (expired, tampered, wrong algorithm, disabled user, revoked key); and that no secret
//! reaches the audit trail or the log.

#[path = "support/http_harness.rs"]
mod harness;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use base64::Engine as _;
use chrono::{TimeDelta, Utc};
use harness::auth::{token_for, tokens};
use harness::{error_code, request, well_source, Answer, TestApp};
use serde_json::{json, Value};
use wellvisor::auth::{Access, Role};
use wellvisor::http::access::ROUTES;
use wellvisor_actors::diagnostics::{AlarmConfig, AlarmId, AuditEntry, Priority};

/// A concrete path for a route template, naming things that exist where it can.
fn concrete(path: &str, alarm: &AlarmId) -> String {
    let alarm_path = path.replace("{id}", alarm.as_str());
    match path {
        p if p.starts_with("/api/v1/alarms/") => alarm_path,
        p if p.starts_with("/api/v1/api-keys/") => p.replace("{id}", "000000000000"),
        p if p.starts_with("/ui/") => p.replace("{file}", "app.js"),
        p => p.replace("{id}", "W-001").replace("{name}", "nobody").replace("{file}", "swagger-ui.css"),
    }
}

fn with_bearer(method: &str, uri: &str, bearer: Option<&str>) -> Request<Body> {
    let method = Method::from_bytes(method.as_bytes()).expect("a method");
    let body = if method == Method::GET { Body::empty() } else { Body::from("{}") };
    let mut request = request(method, uri, body);
    request.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(bearer) = bearer {
        let value = HeaderValue::from_str(&format!("Bearer {bearer}")).expect("a header value");
        request.headers_mut().insert(header::AUTHORIZATION, value);
    }
    request
}

async fn app() -> (TestApp, AlarmId) {
    let app = TestApp::start().await.with_idle_wells(&["W-001", "W-002"]);
    let alarm = app.condition(&well_source("W-002"), "supervision_failed", AlarmConfig::new(Priority::High), true);
    (app, alarm)
}

fn refusals(entries: &[AuditEntry], prefix: &str) -> Vec<AuditEntry> {
    entries.iter().filter(|e| e.result.as_deref().is_some_and(|r| r.starts_with(prefix))).cloned().collect()
}

#[tokio::test]
async fn every_route_admits_exactly_the_roles_its_access_allows() {
    let (app, alarm) = app().await;
    let mut denied_mutations = (0, 0);
    for route in ROUTES {
        if route.path == "/api/v1/events" {
            check_event_stream(&app).await;
            continue;
        }
        let uri = concrete(route.path, &alarm);
        let anonymous = app.send_as_is(with_bearer(route.method, &uri, None)).await;
        if route.access == Access::Public {
            assert_ne!(anonymous.status, StatusCode::UNAUTHORIZED, "{} {uri} is public: {anonymous:?}", route.method);
        } else {
            assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{} {uri} without credentials", route.method);
            assert_eq!(error_code(&anonymous), "unauthenticated");
            assert_eq!(anonymous.headers.get(header::WWW_AUTHENTICATE).map(|v| v.to_str().unwrap()), Some("Bearer"));
            denied_mutations.0 += usize::from(route.method != "GET");
        }
        for role in Role::ALL {
            let answer = app.send(with_bearer(route.method, &uri, Some(&token_for(role)))).await;
            let allowed = role.may(route.access);
            let what = format!("{role} on {} {uri}: {answer:?}", route.method);
            if allowed {
                assert!(answer.status != StatusCode::UNAUTHORIZED && answer.status != StatusCode::FORBIDDEN, "{what}");
                let code = answer.json["error"]["code"].as_str();
                assert!(code != Some("not_found") && code != Some("method_not_allowed"), "the route exists: {what}");
            } else {
                assert_eq!(answer.status, StatusCode::FORBIDDEN, "{what}");
                assert_eq!(error_code(&answer), "forbidden");
                let message = answer.json["error"]["message"].as_str().unwrap();
                assert!(message.contains(role.as_str()) && message.contains(route.access.as_str()), "{message}");
                denied_mutations.1 += usize::from(route.method != "GET");
            }
        }
    }
    let entries = app.audit_entries().await;
    assert_eq!(refusals(&entries, "401").len(), denied_mutations.0, "one audit entry per 401 on a mutation");
    assert_eq!(refusals(&entries, "403").len(), denied_mutations.1, "one audit entry per 403 on a mutation");
    let forbidden = refusals(&entries, "403");
    assert!(forbidden.iter().all(|e| e.role.is_some() && e.client.is_some() && !e.actor.is_empty()));
    assert!(refusals(&entries, "401").iter().all(|e| e.actor == "anonymous" && e.role.is_none()));
}

/// The event stream never ends, so only its status is read.
async fn check_event_stream(app: &TestApp) {
    let (anonymous, _) = app.head_of(with_bearer("GET", "/api/v1/events", None)).await;
    assert_eq!(anonymous, StatusCode::UNAUTHORIZED);
    for role in Role::ALL {
        let (status, _) = app.head_of(with_bearer("GET", "/api/v1/events", Some(&token_for(role)))).await;
        assert_eq!(status, StatusCode::OK, "{role} follows the event stream");
    }
}

#[tokio::test]
async fn an_operator_restart_is_audited_with_who_role_result_and_client() {
    let (app, _) = app().await;
    let mut restart = with_bearer("POST", "/api/v1/wells/W-001/restart", Some(&token_for(Role::Operator)));
    let peer: std::net::SocketAddr = "10.1.2.3:5555".parse().unwrap();
    restart.extensions_mut().insert(axum::extract::ConnectInfo(peer));
    let answer = app.send(restart).await;
    let entries = app.audit_entries().await;
    let entry = entries.iter().find(|e| e.action == "restart").unwrap_or_else(|| panic!("no restart in {entries:?}"));
    assert_eq!((entry.actor.as_str(), entry.role.as_deref()), ("operator", Some("operator")));
    assert_eq!(entry.target, "W-001");
    assert_eq!(entry.client.as_deref(), Some("10.1.2.3"));
    let expected = if answer.status.is_success() {
        "ok".to_owned()
    } else {
        format!("{} {}", answer.status.as_u16(), error_code(&answer))
    };
    assert_eq!(entry.result.as_deref(), Some(expected.as_str()), "{answer:?}");
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn expired_tampered_foreign_and_unsigned_tokens_are_refused() {
    let (app, _) = app().await;
    let expired = tokens().issue("admin", Role::Admin, Utc::now() - TimeDelta::minutes(31)).0;
    let valid = token_for(Role::Viewer);
    let mut parts: Vec<&str> = valid.split('.').collect();
    let promoted = b64(format!(r#"{{"sub":"viewer","role":"admin","iat":0,"exp":{}}}"#, 4_000_000_000i64).as_bytes());
    parts[1] = &promoted;
    let tampered = parts.join(".");
    let foreign = wellvisor::auth::Tokens::new(&[7u8; 32], std::time::Duration::from_secs(600)).unwrap();
    let foreign = foreign.issue("admin", Role::Admin, Utc::now()).0;
    let claims = b64(format!(r#"{{"sub":"admin","role":"admin","iat":0,"exp":{}}}"#, 4_000_000_000i64).as_bytes());
    let unsigned = format!("{}.{claims}.", b64(br#"{"alg":"none","typ":"JWT"}"#));
    let hs512 = format!("{}.{claims}.c2ln", b64(br#"{"alg":"HS512","typ":"JWT"}"#));
    let nobody = tokens().issue("nobody", Role::Admin, Utc::now()).0;
    for (what, token) in [
        ("expired", expired),
        ("tampered", tampered),
        ("foreign secret", foreign),
        ("alg none", unsigned),
        ("alg HS512", hs512),
        ("unknown user", nobody),
        ("garbage", "not-a-token".to_owned()),
    ] {
        let answer = app.send(with_bearer("GET", "/api/v1/fleet", Some(&token))).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{what}: {answer:?}");
        assert_eq!(error_code(&answer), "unauthenticated", "{what}");
    }
    let answer = app.send(with_bearer("GET", "/api/v1/fleet", Some(&token_for(Role::Viewer)))).await;
    assert_eq!(answer.status, StatusCode::OK, "a valid token still works");
}

#[tokio::test]
async fn a_disabled_user_is_refused_at_once_and_a_demotion_takes_effect_at_once() {
    let (app, _) = app().await;
    let operator = token_for(Role::Operator);
    let demote = app.send(patch("/api/v1/users/operator", &json!({ "role": "viewer" }))).await;
    assert_eq!(demote.status, StatusCode::OK, "{demote:?}");
    let restart = app.send(with_bearer("POST", "/api/v1/wells/W-001/restart", Some(&operator))).await;
    assert_eq!(restart.status, StatusCode::FORBIDDEN, "the token's old role no longer counts: {restart:?}");
    let disable = app.send(patch("/api/v1/users/operator", &json!({ "disabled": true }))).await;
    assert_eq!(disable.status, StatusCode::OK);
    let read = app.send(with_bearer("GET", "/api/v1/fleet", Some(&operator))).await;
    assert_eq!(read.status, StatusCode::UNAUTHORIZED, "{read:?}");
    let last_admin = app.send(patch("/api/v1/users/admin", &json!({ "disabled": true }))).await;
    assert_eq!(last_admin.status, StatusCode::CONFLICT, "the last enabled admin stays: {last_admin:?}");
}

fn patch(uri: &str, body: &Value) -> Request<Body> {
    let mut request = request(Method::PATCH, uri, Body::from(body.to_string()));
    request.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    request
}

#[tokio::test]
async fn an_api_key_works_for_its_role_until_revoked_and_only_its_hash_is_kept() {
    let (app, _) = app().await;
    let made = app.post_json("/api/v1/api-keys", &json!({ "name": "gateway-7 push", "role": "service" })).await;
    assert_eq!(made.status, StatusCode::CREATED, "{made:?}");
    let key = made.json["key"].as_str().unwrap().to_owned();
    let id = made.json["id"].as_str().unwrap().to_owned();
    let read = app.send(with_bearer("GET", "/api/v1/wells", Some(&key))).await;
    assert_eq!(read.status, StatusCode::OK);
    let mut by_header = request(Method::GET, "/api/v1/fleet", Body::empty());
    by_header.headers_mut().insert("x-api-key", HeaderValue::from_str(&key).unwrap());
    by_header.headers_mut().insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer ignored"));
    let push = json!({ "samples": [{ "at": Utc::now(), "values": { "intake_pressure": 1500.0 } }] });
    let mut ingest = with_bearer("POST", "/api/v1/wells/W-001/telemetry", Some(&key));
    *ingest.body_mut() = Body::from(push.to_string());
    let ingested = app.send(ingest).await;
    assert_eq!(ingested.status, StatusCode::ACCEPTED, "{ingested:?}");
    let ack = app.send(with_bearer("POST", "/api/v1/alarms/W-002:supervision_failed/ack", Some(&key))).await;
    assert_eq!(ack.status, StatusCode::FORBIDDEN);
    let listed = app.get("/api/v1/api-keys").await;
    assert!(!listed.json.to_string().contains(&key[20..]), "a listing never shows the secret");
    let revoked = app.delete(&format!("/api/v1/api-keys/{id}")).await;
    assert_eq!(revoked.status, StatusCode::OK, "{revoked:?}");
    let after = app.send(with_bearer("GET", "/api/v1/wells", Some(&key))).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    let forged = format!("{}x", &key[..key.len() - 1]);
    assert_eq!(app.send(with_bearer("GET", "/api/v1/wells", Some(&forged))).await.status, StatusCode::UNAUTHORIZED);
}

/// Everything tracing writes while the guard holds, for the check that no secret is in it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn login_gives_a_working_token_and_no_password_or_token_is_logged_or_audited() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber =
        tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let (app, _) = app().await;
    let password = "night shift secret 42";
    let added =
        app.post_json("/api/v1/users", &json!({ "name": "nina", "role": "operator", "password": password })).await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");
    assert!(!added.json.to_string().contains(password));
    let wrong = login(&app, "nina", "not the password at all").await;
    assert_eq!((wrong.status, error_code(&wrong).as_str()), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    let unknown = login(&app, "nobody", password).await;
    assert_eq!(unknown.json["error"]["message"], wrong.json["error"]["message"], "no hint which part was wrong");
    let ok = login(&app, "nina", password).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    assert_eq!((ok.json["role"].as_str(), ok.json["token_type"].as_str()), (Some("operator"), Some("Bearer")));
    let token = ok.json["token"].as_str().unwrap().to_owned();
    let me = app.send(with_bearer("GET", "/api/v1/auth/me", Some(&token))).await;
    assert_eq!(me.json, json!({ "user": "nina", "role": "operator" }));
    let changed = app.send(patch("/api/v1/users/nina", &json!({ "password": "another night secret" }))).await;
    assert_eq!(changed.status, StatusCode::OK);
    let entries = app.audit_entries().await;
    let logins: Vec<_> = entries.iter().filter(|e| e.action == "login").collect();
    assert_eq!(logins.len(), 3, "{logins:?}");
    assert!(logins.iter().any(|e| e.result.as_deref() == Some("401 wrong password") && e.actor == "nina"));
    let audit_text = serde_json::to_string(&entries).unwrap();
    let log_text = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    for secret in [password, "another night secret", token.as_str(), &token_for(Role::Admin)] {
        assert!(!audit_text.contains(secret), "a secret in the audit trail");
        assert!(!log_text.contains(secret), "a secret in the log");
    }
    assert!(log_text.contains("login failed"), "the log did capture the requests");
    let stored = app.state.security.auth.directory.user("nina").unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$") && !stored.password_hash.contains(password));
}

async fn login(app: &TestApp, username: &str, password: &str) -> Answer {
    let body = json!({ "username": username, "password": password });
    let mut request = request(Method::POST, "/api/v1/auth/login", Body::from(body.to_string()));
    request.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let peer: std::net::SocketAddr = "10.9.9.9:4000".parse().expect("an address");
    request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
    app.send_as_is(request).await
}

#[tokio::test]
async fn failed_logins_and_too_many_requests_get_429_with_retry_after() {
    let (app, _) = app().await;
    for attempt in 0..10 {
        let answer = login(&app, "admin", "wrong password attempt").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let limited = login(&app, "admin", "wrong password attempt").await;
    assert_eq!((limited.status, error_code(&limited).as_str()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    let retry: u64 = limited.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // The general login limit: 60 a minute per client, whatever the outcome.
    let mut statuses = Vec::new();
    for _ in 0..60 {
        statuses.push(login(&app, "nobody", "").await.status);
    }
    assert!(statuses.iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "this client is still over its limit");
    let other = {
        let mut request = request(Method::POST, "/api/v1/auth/login", Body::from(r#"{"username":"x","password":"y"}"#));
        request.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo("10.7.7.7:4000".parse::<std::net::SocketAddr>().unwrap()));
        app.send_as_is(request).await
    };
    assert_eq!(other.status, StatusCode::UNAUTHORIZED, "another client is not limited by this one");
}

#[tokio::test]
async fn the_login_limit_answers_429_once_a_minute_of_requests_is_spent() {
    let (app, _) = app().await;
    let mut first_limited = None;
    for attempt in 0..61 {
        let mut request = request(Method::POST, "/api/v1/auth/login", Body::from("{not json"));
        request.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo("10.5.5.5:1".parse::<std::net::SocketAddr>().unwrap()));
        let answer = app.send_as_is(request).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS && first_limited.is_none() {
            first_limited = Some((attempt, answer.headers.get(header::RETRY_AFTER).cloned()));
        }
    }
    let (attempt, retry_after) = first_limited.expect("the 61st login request is limited");
    assert_eq!(attempt, 60);
    assert_eq!(retry_after, Some(HeaderValue::from_static("1")));
}

#[tokio::test]
async fn cors_admits_the_configured_origins_only() {
    let (app, _) = app().await;
    let app = app.with_cors(&["https://scada.example.com"]);
    let preflight = |origin: &'static str| {
        let mut request = request(Method::OPTIONS, "/api/v1/fleet", Body::empty());
        request.headers_mut().insert(header::ORIGIN, HeaderValue::from_static(origin));
        request.headers_mut().insert(header::ACCESS_CONTROL_REQUEST_METHOD, HeaderValue::from_static("GET"));
        request.headers_mut().insert(header::ACCESS_CONTROL_REQUEST_HEADERS, HeaderValue::from_static("authorization"));
        request
    };
    let allowed = app.send_as_is(preflight("https://scada.example.com")).await;
    assert_eq!(allowed.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://scada.example.com");
    let other = app.send_as_is(preflight("https://evil.example.net")).await;
    assert!(other.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none(), "{other:?}");
}

#[tokio::test]
async fn probes_and_metrics_can_live_on_their_own_router() {
    let (app, _) = app().await;
    let (api, ops) = wellvisor::http::split_routers(app.state.clone(), wellvisor::http::HttpLimits::default());
    let status = |router: axum::Router, uri: &'static str, bearer: Option<String>| async move {
        let answer = tower::ServiceExt::oneshot(router, with_bearer("GET", uri, bearer.as_deref())).await.unwrap();
        answer.status()
    };
    assert_eq!(status(ops.clone(), "/health/live", None).await, StatusCode::OK);
    assert_eq!(status(ops.clone(), "/metrics", None).await, StatusCode::OK);
    let admin = Some(token_for(Role::Admin));
    assert_eq!(status(ops, "/api/v1/fleet", admin.clone()).await, StatusCode::NOT_FOUND, "no API on the ops router");
    assert_eq!(status(api.clone(), "/api/v1/fleet", admin.clone()).await, StatusCode::OK);
    assert_eq!(status(api, "/metrics", admin).await, StatusCode::NOT_FOUND, "no metrics on the API router");
}

#[tokio::test]
async fn answers_carry_the_security_headers() {
    let (app, _) = app().await;
    for uri in ["/api/v1/fleet", "/health/live", "/api/v1/nowhere"] {
        let answer = app.get(uri).await;
        let header = |name: &str| answer.headers.get(name).map(|v| v.to_str().unwrap().to_owned());
        assert!(header("content-security-policy").is_some_and(|csp| csp.contains("default-src 'self'")), "{uri}");
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"), "{uri}");
        assert_eq!(header("x-frame-options").as_deref(), Some("DENY"), "{uri}");
        assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"), "{uri}");
        assert!(header("x-request-id").is_some(), "{uri}");
    }
    assert_eq!(app.get("/api/v1/fleet").await.headers["cache-control"], "no-store");
}

#[tokio::test]
async fn refusals_logins_and_limits_are_counted_in_the_metrics() {
    let (app, _) = app().await;
    app.send_as_is(with_bearer("GET", "/api/v1/fleet", None)).await;
    app.send(with_bearer("POST", "/api/v1/users", Some(&token_for(Role::Viewer)))).await;
    login(&app, "admin", "not the admin password").await;
    let scrape = request(Method::GET, "/metrics", Body::empty());
    let response = tower::ServiceExt::oneshot(app.router.clone(), scrape).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "metrics need no credentials");
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let text = String::from_utf8_lossy(&body);
    let value = |series: &str| -> u64 {
        let line = text.lines().find(|l| l.starts_with(series)).unwrap_or_else(|| panic!("no {series} in\n{text}"));
        line.rsplit(' ').next().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{line}"))
    };
    assert_eq!(value("wellvisor_auth_refused_total{status=\"401\"}"), 1);
    assert_eq!(value("wellvisor_auth_refused_total{status=\"403\"}"), 1);
    assert_eq!(value("wellvisor_logins_total{result=\"failed\"}"), 1);
    assert_eq!(value("wellvisor_rate_limited_total"), 0);
    assert_eq!(value("wellvisor_sse_subscribers"), 0);
}

#[tokio::test]
async fn behind_a_trusted_proxy_clients_are_limited_apart_and_others_cannot_spoof() {
    let (app, _) = app().await;
    let app = app.behind_proxies(&["10.0.0.1"]);
    let attempt = |peer: &'static str, forwarded: &'static str| {
        let mut request = request(Method::POST, "/api/v1/auth/login", Body::from("{not json"));
        request.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        request.headers_mut().insert("x-forwarded-for", HeaderValue::from_static(forwarded));
        let peer: std::net::SocketAddr = peer.parse().expect("an address");
        request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        request
    };
    for _ in 0..60 {
        assert_eq!(app.send_as_is(attempt("10.0.0.1:1", "198.51.100.7")).await.status, StatusCode::BAD_REQUEST);
    }
    let spent = app.send_as_is(attempt("10.0.0.1:1", "198.51.100.7")).await;
    assert_eq!(spent.status, StatusCode::TOO_MANY_REQUESTS, "that client has spent its minute");
    let neighbour = app.send_as_is(attempt("10.0.0.1:1", "198.51.100.8")).await;
    assert_eq!(neighbour.status, StatusCode::BAD_REQUEST, "another client behind the same proxy has not");
    for _ in 0..60 {
        app.send_as_is(attempt("203.0.113.5:1", "192.0.2.1")).await;
    }
    let spoofed = app.send_as_is(attempt("203.0.113.5:1", "192.0.2.99")).await;
    assert_eq!(spoofed.status, StatusCode::TOO_MANY_REQUESTS, "a direct client cannot change its address");
}
