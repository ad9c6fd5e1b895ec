//! The HTTP control interface: routes through `oneshot`, plus one request over a real socket.

#[path = "support/sim_support.rs"]
mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::ServiceExt;
use wellvisor::sim::{start, Scenario, SimHandle};
use wellvisor_actors::device::FunctionCode;

use support::*;

async fn call(sim: &SimHandle, method: Method, uri: &str, body: &str) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .expect("valid request");
    let response = sim.control_router().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("a body");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn get_wells_lists_every_well_with_its_state() {
    let sim = start_wells(3, scenario("[[fault]]\nwell = 2\nkind = \"slow\"\ndelay = \"3s\"\n")).await;
    let (status, body) = call(&sim, Method::GET, "/wells", "").await;
    assert_eq!(status, StatusCode::OK);
    let wells = body.as_array().expect("a list");
    assert_eq!(wells.len(), 3);
    let (_, addr, unit) = sim.endpoints()[1].clone();
    assert_eq!(wells[1]["index"], 1);
    assert_eq!(wells[1]["id"], "W-002");
    assert_eq!(wells[1]["port"], addr.port());
    assert_eq!(wells[1]["unit_id"], unit);
    assert_eq!(wells[1]["fault"], json!({"kind": "slow", "delay": "3s"}));
    assert_eq!(wells[1]["run_state"], "running");
    assert_eq!(wells[0]["fault"], json!({"kind": "none"}));
    sim.shutdown().await;
}

#[tokio::test]
async fn put_fault_switches_the_fault_seen_on_the_wire() {
    let sim = start_wells(2, Scenario::empty()).await;
    let mut context = client(&sim, 2).await;
    assert!(matches!(read(&mut context, FunctionCode::Holding, 0, 1).await, Outcome::Words(_)));
    let (status, body) = call(&sim, Method::PUT, "/wells/W-002/fault", r#"{"kind":"exception","code":6}"#).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["fault"], json!({"kind": "exception", "code": 6}));
    assert_eq!(read(&mut context, FunctionCode::Holding, 0, 1).await, Outcome::Exception(6));
    let (status, _) = call(&sim, Method::PUT, "/wells/2/fault", r#"{"kind":"none"}"#).await;
    assert_eq!(status, StatusCode::OK);
    assert!(matches!(read(&mut context, FunctionCode::Holding, 0, 1).await, Outcome::Words(_)));
    sim.shutdown().await;
}

#[tokio::test]
async fn post_trip_trips_the_well_and_counts_the_restart() {
    let sim = start_wells(1, Scenario::empty()).await;
    let starts = sim.status("W-001").expect("well").starts_count;
    let (status, body) =
        call(&sim, Method::POST, "/wells/W-001/trip", r#"{"code":"power_loss","restart_after":"200ms"}"#).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["run_state"], "tripped");
    assert_eq!(body["trip_code"], "power_loss");
    let sim_ref = &sim;
    wait_until("the drive restarts the well", move || async move {
        sim_ref.status("W-001").map(|s| s.starts_count == starts + 1).unwrap_or(false)
    })
    .await;
    let status = sim.status("W-001").expect("well");
    assert_eq!(status.run_state.as_str(), "starting", "the ramp takes 20-60 s");
    assert_eq!(status.trip_code.as_str(), "power_loss", "the last trip code survives the restart");
    sim.shutdown().await;
}

#[tokio::test]
async fn put_condition_sets_and_clears_a_process_condition() {
    let sim = start_wells(2, Scenario::empty()).await;
    let (status, body) = call(&sim, Method::PUT, "/wells/W-002/condition", r#"{"condition":"gas_lock"}"#).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((&body["id"], &body["condition"]), (&json!("W-002"), &json!("gas_lock")));
    let (_, wells) = call(&sim, Method::GET, "/wells", "").await;
    assert_eq!(wells[0]["condition"], "normal", "other wells stay healthy");
    let (status, body) = call(&sim, Method::PUT, "/wells/2/condition", r#"{"condition":"normal"}"#).await;
    assert_eq!((status, &body["condition"]), (StatusCode::OK, &json!("normal")));
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_input_and_unknown_wells_get_json_errors() {
    let sim = start_wells(2, Scenario::empty()).await;
    let cases = [
        (Method::PUT, "/wells/W-009/fault", r#"{"kind":"silent"}"#, StatusCode::NOT_FOUND, "unknown_well"),
        (Method::POST, "/wells/pump/trip", r#"{"code":"overload"}"#, StatusCode::NOT_FOUND, "unknown_well"),
        (Method::PUT, "/wells/W-001/fault", r#"{"kind":"sleepy"}"#, StatusCode::BAD_REQUEST, "invalid_body"),
        (Method::PUT, "/wells/W-001/fault", "not json", StatusCode::BAD_REQUEST, "invalid_body"),
        (Method::PUT, "/wells/W-001/fault", r#"{"kind":"silent","code":4}"#, StatusCode::BAD_REQUEST, "invalid_fault"),
        (Method::POST, "/wells/W-001/trip", r#"{"code":"meltdown"}"#, StatusCode::BAD_REQUEST, "invalid_body"),
        (Method::POST, "/wells/W-001/trip", r#"{"code":"none"}"#, StatusCode::BAD_REQUEST, "invalid_trip"),
        (Method::PUT, "/wells/W-001/condition", r#"{"condition":"gas_leak"}"#, StatusCode::BAD_REQUEST, "invalid_body"),
        (Method::PUT, "/wells/W-009/condition", r#"{"condition":"solids"}"#, StatusCode::NOT_FOUND, "unknown_well"),
        (Method::GET, "/nowhere", "", StatusCode::NOT_FOUND, "not_found"),
    ];
    for (method, uri, body, want_status, want_code) in cases {
        let (status, error) = call(&sim, method.clone(), uri, body).await;
        assert_eq!(status, want_status, "{method} {uri} {body}: {error}");
        assert_eq!(error["error"]["code"], want_code, "{method} {uri} {body}: {error}");
        assert!(error["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn the_control_interface_listens_where_configured() {
    let mut config = config(1, 0, false, Scenario::empty());
    config.control_bind = Some("127.0.0.1:0".parse().expect("address"));
    let sim = start(config).await.expect("starts");
    let addr = sim.control_addr().expect("control interface bound");
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = "GET /wells HTTP/1.1\r\nhost: sim\r\nconnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"id\":\"W-001\""), "{response}");
    sim.shutdown().await;
}
