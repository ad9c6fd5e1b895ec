//! Supervision through the real service: a panicking well is restarted, five panics in the
//! window leave it `failed` with no further restarts, and `POST /api/v1/wells/{id}/restart`
//! brings it back to `running`. Also: unknown wells are 404 over real HTTP.

mod support;

use std::time::Duration;

use ractor::call_t;
use support::{eventually, free_ports, get, http, Scratch};
use wellvisor::app::RunningApp;
use wellvisor_actors::domain::WellId;
use wellvisor_actors::supervisor::SupervisorMsg;

async fn start_app(scratch: &Scratch) -> RunningApp {
    let base_port = free_ports(3);
    let path = scratch.config(&format!(
        "[http]\nbind = \"127.0.0.1:0\"\n[storage]\nurl = \"sqlite://{{db}}\"\n[polling]\nperiod = \"200ms\"\ntimeout = \"150ms\"\n\
         [supervision]\nbackoff_initial = \"50ms\"\nbackoff_cap = \"200ms\"\n\
         [simulator]\nwells = 3\nbase_port = {base_port}\n\
         [[well_group]]\nprefix = \"W-\"\ncount = 3\nprofile = \"esp-default\"\nfirst_port = {base_port}\n"
    ));
    let loaded = wellvisor::config::load(&path, &support::auth::test_env).expect("config");
    wellvisor::app::start(&loaded).await.expect("start")
}

fn supervision(app: &RunningApp, id: &str) -> Option<(String, u32)> {
    app.fleet.read(&WellId::new(id).expect("id"), |w| (w.supervision.to_string(), w.restarts))
}

async fn panic_well(app: &RunningApp, id: &str) {
    let sent = call_t!(app.supervisor, SupervisorMsg::Panic, 1_000, WellId::new(id).expect("id"));
    assert!(matches!(sent, Ok(Ok(()))), "{sent:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_restart_then_fail_then_an_operator_restart_recovers() {
    let scratch = Scratch::new();
    let app = start_app(&scratch).await;
    let addr = app.http_addr;

    for restarts in 1..=4u32 {
        panic_well(&app, "W-002").await;
        eventually(Duration::from_secs(5), "restarted", async || {
            (supervision(&app, "W-002") == Some(("running".into(), restarts))).then_some(())
        })
        .await;
    }
    panic_well(&app, "W-002").await;
    eventually(Duration::from_secs(5), "failed", async || {
        (supervision(&app, "W-002").map(|s| s.0).as_deref() == Some("failed")).then_some(())
    })
    .await;
    let (_, detail) = get(addr, "/api/v1/wells/W-002").await;
    assert_eq!(detail["supervision"], "failed");
    let polls = detail["counters"]["polls_ok"].as_u64().unwrap_or(0);

    // No more restarts follow: the well stays failed and is not polled.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, detail) = get(addr, "/api/v1/wells/W-002").await;
    assert_eq!((detail["supervision"].as_str(), detail["restarts"].as_u64()), (Some("failed"), Some(4)));
    assert_eq!(detail["counters"]["polls_ok"].as_u64(), Some(polls));

    let (status, body) = http(addr, "POST", "/api/v1/wells/W-002/restart", None).await.expect("restart");
    assert!(status == 200 || status == 202, "{status} {body}");
    eventually(Duration::from_secs(5), "running and polling", async || {
        let (_, detail) = get(addr, "/api/v1/wells/W-002").await;
        let polling = detail["counters"]["polls_ok"].as_u64().unwrap_or(0) > polls;
        (detail["supervision"] == "running" && polling).then_some(())
    })
    .await;
    app.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_wells_are_404_with_a_json_error() {
    let scratch = Scratch::new();
    let app = start_app(&scratch).await;
    for (method, path) in [
        ("GET", "/api/v1/wells/W-999"),
        ("DELETE", "/api/v1/wells/W-999"),
        ("POST", "/api/v1/wells/W-999/restart"),
        ("GET", "/api/v1/wells/W-999/telemetry"),
    ] {
        let (status, body) = http(app.http_addr, method, path, None).await.expect("request");
        assert_eq!(status, 404, "{method} {path}: {body}");
        assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string(), "{body}");
    }
    app.shutdown().await.expect("shutdown");
}
