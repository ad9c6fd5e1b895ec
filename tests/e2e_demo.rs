//! The demo, end to end through the real binary: within 10 s of start the API lists 24 wells,
//! healthy ones online with fresh values, faulted ones in the matching connection state, silent
//! ones as comms_loss alarms; a SIGTERM stops it cleanly.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{eventually, free_ports, get, ChildProcess, Scratch};

/// The demo scenario's comms faults and the state each must show.
const FAULTED: [(&str, &str); 4] =
    [("W-005", "offline"), ("W-011", "degraded"), ("W-017", "offline"), ("W-023", "offline")];

fn demo_config(scratch: &Scratch, http_port: u16, base_port: u16) -> std::path::PathBuf {
    let shipped = include_str!("../config/default.toml");
    let text = shipped
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{http_port}"))
        .replace("sqlite://data/wellvisor.db", "sqlite://{db}")
        .replace("base_port = 15020", &format!("base_port = {base_port}"))
        .replace("first_port = 15020", &format!("first_port = {base_port}"))
        .replace("first_port = 15032", &format!("first_port = {}", base_port + 12))
        .replace("control_bind = \"127.0.0.1:15019\"", &format!("control_bind = \"127.0.0.1:{}\"", http_port + 1));
    scratch.config(&text)
}

fn expected_state(id: &str) -> &'static str {
    FAULTED.iter().find(|(faulted, _)| *faulted == id).map_or("online", |(_, state)| state)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_lists_24_wells_in_the_right_states_within_10_seconds() {
    let scratch = Scratch::new();
    let http_port = free_ports(2);
    let base_port = free_ports(24);
    let config = demo_config(&scratch, http_port, base_port);
    let config = config.to_str().expect("utf-8 path");
    let child = ChildProcess::spawn(&["run", "--config", config]);
    let addr = ([127, 0, 0, 1], http_port).into();

    let wells = eventually(Duration::from_secs(10), "24 wells in their expected states", async || {
        let (status, body) = get(addr, "/api/v1/wells").await;
        let wells = body["wells"].as_array().filter(|_| status == 200)?.clone();
        let settled = wells.len() == 24
            && wells.iter().all(|w| w["connection"].as_str() == Some(expected_state(w["id"].as_str().unwrap_or(""))));
        settled.then_some(wells)
    })
    .await;

    for well in wells.iter().filter(|w| expected_state(w["id"].as_str().unwrap_or("")) == "online") {
        assert!(well["last_sample_at"].is_string(), "{well}");
        assert_eq!(well["supervision"], "running");
    }
    let (status, detail) = get(addr, "/api/v1/wells/W-001").await;
    assert_eq!(status, 200);
    assert_fresh_plausible_values(&detail);
    assert_eq!(detail["well_data"]["feeder_id"], "F-NORTH", "{detail}");
    let (status, offline) = get(addr, "/api/v1/wells/W-005").await;
    assert_eq!(status, 200);
    assert!(offline["counters"]["timeouts"].as_u64().unwrap_or(0) >= 1, "{offline}");

    // Every silent well is one comms_loss alarm, waiting for an operator; the degraded one is not.
    let alarms = eventually(Duration::from_secs(10), "comms_loss alarms of the silent wells", async || {
        let (status, body) = get(addr, "/api/v1/alarms?state=unacknowledged").await;
        let ids: Vec<String> = body["alarms"]
            .as_array()
            .filter(|_| status == 200)?
            .iter()
            .filter_map(|a| a["id"].as_str().map(str::to_owned))
            .collect();
        (ids.len() >= 3).then_some(ids)
    })
    .await;
    for id in ["W-005:comms_loss", "W-017:comms_loss", "W-023:comms_loss"] {
        assert!(alarms.iter().any(|a| a == id), "{id} missing from {alarms:?}");
    }
    assert!(!alarms.iter().any(|a| a.starts_with("W-011:")), "{alarms:?}");

    let exit = child.terminate();
    assert!(exit.success(), "SIGTERM must stop the service cleanly: {exit}");
}

fn assert_fresh_plausible_values(detail: &Value) {
    let values = &detail["values"];
    for name in ["current_a", "frequency", "intake_pressure", "motor_temperature"] {
        assert_eq!(values[name]["quality"], "good", "{name} in {detail}");
    }
    let frequency = values["frequency"]["value"].as_f64().unwrap_or(0.0);
    assert!((30.0..=70.0).contains(&frequency), "frequency {frequency}");
    assert_eq!(values["frequency"]["unit"], "Hz");
}
