//! `GET /metrics` through the real router: the scrape parses as the Prometheus text format, it
//! carries every family the dashboards are built on, and its numbers follow what happened: the
//! fleet's polls and their latencies, active alarms, HTTP requests by route template. Removing a
//! well never makes a counter fall, and an actor that does not answer costs only its families.

#[path = "support/exposition.rs"]
mod exposition;
#[path = "support/http_harness.rs"]
mod harness;

use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::http::{header, Method, StatusCode};
use exposition::Exposition;
use harness::{request, well_id, well_source, TestApp, SECOND};
use tower::ServiceExt;
use wellvisor_actors::diagnostics::{AlarmConfig, Priority};
use wellvisor_actors::domain::ConnectionState::Offline;

const COUNTERS: [&str; 11] = [
    "wellvisor_polls_total",
    "wellvisor_poll_errors_total",
    "wellvisor_late_polls_total",
    "wellvisor_reconnects_total",
    "wellvisor_well_restarts_total",
    "wellvisor_samples_reported_total",
    "wellvisor_samples_dropped_total",
    "wellvisor_spool_dropped_total",
    "wellvisor_http_requests_total",
    "wellvisor_status_events_total",
    "wellvisor_supervisor_failures_total",
];

const GAUGES: [&str; 14] = [
    "wellvisor_wells",
    "wellvisor_wells_by_connection",
    "wellvisor_wells_by_run_state",
    "wellvisor_queue_depth",
    "wellvisor_queue_capacity",
    "wellvisor_store_available",
    "wellvisor_store_lag_seconds",
    "wellvisor_spool_bytes",
    "wellvisor_spooled_samples",
    "wellvisor_memory_buffered",
    "wellvisor_active_alarms",
    "wellvisor_actor_up",
    "wellvisor_actor_reply_seconds",
    "wellvisor_status_event_subscribers",
];

const HISTOGRAMS: [&str; 2] = ["wellvisor_poll_duration_seconds", "wellvisor_http_request_duration_seconds"];

/// Scrapes without credentials, as Prometheus does, and parses strictly.
async fn scrape(app: &TestApp) -> Exposition {
    let response = app.router.clone().oneshot(request(Method::GET, "/metrics", Body::empty())).await;
    let response = response.unwrap_or_else(|never| match never {});
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    assert_eq!(content_type.as_ref().and_then(|t| t.to_str().ok()), Some("text/plain; version=0.0.4; charset=utf-8"));
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap_or_default();
    let text = String::from_utf8(bytes.to_vec()).unwrap_or_else(|e| panic!("not UTF-8: {e}"));
    exposition::parse(&text).unwrap_or_else(|why| panic!("{why}\n{text}"))
}

fn value(metrics: &Exposition, name: &str, labels: &[(&str, &str)]) -> f64 {
    metrics.value(name, labels).unwrap_or_else(|| panic!("{name}{labels:?} missing from {metrics:#?}"))
}

/// Gives an idle well known counters and poll latencies, as its actor would have.
fn polled(app: &TestApp, id: &str, ok: u64, failed: u64, took: Duration) {
    app.state.fleet.update(&well_id(id), |well| {
        well.counters.polls_ok += ok;
        well.counters.polls_failed += failed;
        well.counters.timeouts += failed;
        (0..ok + failed).for_each(|_| well.poll_latency.observe(took));
    });
}

#[tokio::test]
async fn the_scrape_parses_and_carries_every_family_with_every_state() {
    let app = TestApp::start().await.with_wells(&["W-001"]).await;
    let refused =
        || app.state.fleet.read(&well_id("W-001"), |w| w.counters.connect_failures > 0 && w.connection == Offline);
    let deadline = tokio::time::Instant::now() + 5 * SECOND;
    while refused() != Some(true) {
        assert!(tokio::time::Instant::now() < deadline, "the refusing device was never tried");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.get("/api/v1/fleet").await.status, StatusCode::OK);
    let metrics = scrape(&app).await;
    for (names, kind) in [(&COUNTERS[..], "counter"), (&GAUGES[..], "gauge"), (&HISTOGRAMS[..], "histogram")] {
        for name in names {
            let family = metrics.families.get(*name).unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(family.kind, kind, "{name}");
            assert!(!family.help.is_empty(), "{name} has no help");
        }
    }
    let fixed: [(&str, &str, &[&str]); 9] = [
        ("wellvisor_polls_total", "result", &["ok", "failed"]),
        ("wellvisor_poll_errors_total", "kind", &["timeout", "exception", "transport", "decode", "connect"]),
        ("wellvisor_wells", "supervision", &["running", "restarting", "failed", "stopped"]),
        ("wellvisor_wells_by_connection", "connection", &["connecting", "online", "degraded", "offline"]),
        ("wellvisor_wells_by_run_state", "run_state", &["unknown"]),
        ("wellvisor_active_alarms", "priority", &["high", "medium", "low"]),
        ("wellvisor_queue_depth", "queue", &["samples", "records"]),
        ("wellvisor_queue_capacity", "queue", &["samples", "records"]),
        ("wellvisor_actor_up", "actor", &["recorder", "supervisor", "fleet"]),
    ];
    for (name, label, values) in fixed {
        for label_value in values {
            let present = metrics.value(name, &[(label, *label_value)]).is_some();
            assert!(present, "{name}{{{label}={label_value:?}}} missing");
        }
    }
    assert!(value(&metrics, "wellvisor_poll_errors_total", &[("kind", "connect")]) >= 1.0);
    assert_eq!(value(&metrics, "wellvisor_wells_by_connection", &[("connection", "offline")]), 1.0);
    assert_eq!(value(&metrics, "wellvisor_queue_capacity", &[("queue", "samples")]), 64.0);
    assert_eq!(value(&metrics, "wellvisor_store_available", &[]), 1.0);
    assert_eq!(value(&metrics, "wellvisor_actor_up", &[("actor", "recorder")]), 1.0);
}

#[tokio::test]
async fn counters_follow_polls_alarms_and_requests() {
    let app = TestApp::start().await.with_idle_wells(&["W-001", "W-002"]);
    polled(&app, "W-001", 3, 1, Duration::from_millis(4));
    polled(&app, "W-002", 2, 0, Duration::from_millis(40));
    app.condition(&well_source("W-001"), "supervision_failed", AlarmConfig::new(Priority::High), true);
    for uri in ["/api/v1/wells/W-001", "/api/v1/wells/W-002"] {
        assert_eq!(app.get(uri).await.status, StatusCode::OK);
    }
    assert_eq!(app.get("/api/v1/wells/NOPE").await.status, StatusCode::NOT_FOUND);
    // Whatever these answer (404, 405, or a denial once access control sits in front), they
    // count under their route template, or `unmatched`.
    let unrouted = app.get("/no/such/path").await.status;
    let wrong_method = app.delete("/api/v1/fleet").await.status;

    let metrics = scrape(&app).await;
    assert_eq!(value(&metrics, "wellvisor_polls_total", &[("result", "ok")]), 5.0);
    assert_eq!(value(&metrics, "wellvisor_polls_total", &[("result", "failed")]), 1.0);
    assert_eq!(value(&metrics, "wellvisor_poll_errors_total", &[("kind", "timeout")]), 1.0);
    assert_eq!(value(&metrics, "wellvisor_poll_duration_seconds_count", &[]), 6.0);
    assert_eq!(value(&metrics, "wellvisor_poll_duration_seconds_bucket", &[("le", "0.005")]), 4.0);
    assert_eq!(value(&metrics, "wellvisor_poll_duration_seconds_bucket", &[("le", "0.05")]), 6.0);
    assert!((value(&metrics, "wellvisor_poll_duration_seconds_sum", &[]) - 0.096).abs() < 1e-9);
    assert_eq!(value(&metrics, "wellvisor_wells", &[("supervision", "running")]), 2.0);
    assert_eq!(value(&metrics, "wellvisor_wells_by_run_state", &[("run_state", "unknown")]), 2.0);

    assert_eq!(value(&metrics, "wellvisor_active_alarms", &[("priority", "high")]), 1.0);
    assert_eq!(value(&metrics, "wellvisor_active_alarms", &[("priority", "medium")]), 0.0);
    assert_eq!(value(&metrics, "wellvisor_active_alarms", &[("priority", "low")]), 0.0);

    let requests = |method: &str, route: &str, status: &str| {
        metrics.value("wellvisor_http_requests_total", &[("method", method), ("route", route), ("status", status)])
    };
    assert_eq!(requests("GET", "/api/v1/wells/{id}", "200"), Some(2.0));
    assert_eq!(requests("GET", "/api/v1/wells/{id}", "404"), Some(1.0));
    assert_eq!(requests("GET", "unmatched", unrouted.as_str()), Some(1.0));
    assert_eq!(requests("DELETE", "/api/v1/fleet", wrong_method.as_str()), Some(1.0));
    let wells_route = [("route", "/api/v1/wells/{id}")];
    assert_eq!(value(&metrics, "wellvisor_http_request_duration_seconds_count", &wells_route), 3.0);
    let labels = metrics.samples("wellvisor_http_requests_total").iter().flat_map(|s| s.labels.values());
    let raw = labels.filter(|value| value.contains("W-00") || value.contains("NOPE") || value.contains("/no/")).count();
    assert_eq!(raw, 0, "a raw path became a label value");
}

#[tokio::test]
async fn a_scrape_counts_itself_in_the_next_one() {
    let app = TestApp::start().await;
    let first = scrape(&app).await;
    assert!(!first.families.contains_key("wellvisor_http_requests_total"), "nothing was answered before");
    let second = scrape(&app).await;
    let labels = [("method", "GET"), ("route", "/metrics"), ("status", "200")];
    assert_eq!(second.value("wellvisor_http_requests_total", &labels), Some(1.0));
}

#[tokio::test]
async fn removing_a_well_never_makes_a_fleet_counter_fall() {
    let app = TestApp::start().await.with_idle_wells(&["W-001", "W-002"]);
    polled(&app, "W-001", 7, 0, Duration::from_millis(2));
    polled(&app, "W-002", 3, 0, Duration::from_millis(2));
    let ok = |metrics: &Exposition| value(metrics, "wellvisor_polls_total", &[("result", "ok")]);
    let timed = |metrics: &Exposition| value(metrics, "wellvisor_poll_duration_seconds_count", &[]);
    let before = scrape(&app).await;
    assert_eq!((ok(&before), timed(&before)), (10.0, 10.0));

    assert!(app.state.fleet.remove(&well_id("W-001")).is_some());
    let after_removal = scrape(&app).await;
    assert_eq!((ok(&after_removal), timed(&after_removal)), (10.0, 10.0));
    assert_eq!(value(&after_removal, "wellvisor_wells", &[("supervision", "running")]), 1.0);

    polled(&app, "W-002", 2, 0, Duration::from_millis(2));
    let later = scrape(&app).await;
    assert_eq!((ok(&later), timed(&later)), (12.0, 12.0));
}

#[tokio::test]
async fn an_actor_that_does_not_answer_costs_only_its_own_families() {
    let app = TestApp::start().await.with_idle_wells(&["W-001"]);
    app.state.recorder.stop(None);
    let deadline = tokio::time::Instant::now() + 5 * SECOND;
    while app.state.recorder.get_status() != ractor::ActorStatus::Stopped {
        assert!(tokio::time::Instant::now() < deadline, "the recorder did not stop");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let metrics = scrape(&app).await;
    assert_eq!(value(&metrics, "wellvisor_actor_up", &[("actor", "recorder")]), 0.0);
    assert_eq!(value(&metrics, "wellvisor_actor_up", &[("actor", "supervisor")]), 1.0);
    assert!(!metrics.families.contains_key("wellvisor_store_available"), "no recorder, no store figures");
    assert_eq!(value(&metrics, "wellvisor_wells", &[("supervision", "running")]), 1.0);
    assert_eq!(value(&metrics, "wellvisor_active_alarms", &[("priority", "high")]), 0.0);
}
