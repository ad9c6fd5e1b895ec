//! Starting and stopping: configuration errors, bind errors naming the port, scenario files,
//! and shutdown closing every open connection.

#[path = "support/sim_support.rs"]
mod support;

use std::io::Write;

use tokio::net::TcpStream;
use wellvisor::sim::{start, CommsFault, Scenario, SimError};
use wellvisor_actors::device::FunctionCode;
use wellvisor_actors::domain::{Parameter, RunState, TripCode};

use support::*;

#[tokio::test]
async fn shutdown_closes_open_connections_and_stops_listening() {
    let sim = start_wells(2, scenario("[[fault]]\nwell = 2\nkind = \"silent\"\n")).await;
    let (healthy_addr, unit) = endpoint(&sim, 1);
    let (silent_addr, _) = endpoint(&sim, 2);
    let mut healthy = TcpStream::connect(healthy_addr).await.expect("connect");
    send(&mut healthy, &raw_request(1, unit, 3, 0, 1)).await;
    assert!(read_frame(&mut healthy).await.is_some());
    let mut silent = TcpStream::connect(silent_addr).await.expect("connect");
    send(&mut silent, &raw_request(1, unit, 3, 0, 1)).await;

    sim.shutdown().await;
    assert!(peer_closed(&mut healthy).await, "an idle connection is closed");
    assert!(peer_closed(&mut silent).await, "a connection stalled by a fault is closed");
    assert!(TcpStream::connect(healthy_addr).await.is_err(), "nothing listens any more");
}

#[tokio::test]
async fn a_taken_port_fails_start_and_names_the_port() {
    let blocker = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = blocker.local_addr().expect("addr").port();
    let error = start(config(1, port, false, Scenario::empty())).await.expect_err("the port is taken");
    assert!(matches!(error, SimError::Bind { addr, .. } if addr.port() == port), "{error}");
    assert!(error.to_string().contains(&format!("127.0.0.1:{port}")), "{error}");
}

#[tokio::test]
async fn impossible_fleets_are_rejected_before_binding() {
    let cases = [
        (config(0, 20_000, false, Scenario::empty()), "at least 1"),
        (config(3, 0, false, Scenario::empty()), "base port 0"),
        (config(10, 65_530, false, Scenario::empty()), "past port 65535"),
        (config(248, 0, true, Scenario::empty()), "at most 247"),
    ];
    for (config, want) in cases {
        let error = start(config).await.expect_err("rejected").to_string();
        assert!(error.contains(want), "{error} should mention {want:?}");
    }
}

#[tokio::test]
async fn a_scenario_naming_a_missing_well_fails_start_with_the_entry() {
    let scenario =
        scenario("[[fault]]\nwell = \"W-001\"\nkind = \"drop\"\n[[fault]]\nwell = \"W-009\"\nkind = \"drop\"\n");
    let error = start(config(1, 0, true, scenario)).await.expect_err("W-009 does not exist").to_string();
    assert_eq!(error, "test-scenario.toml: fault[1]: well \"W-009\" does not exist: the simulator runs 1 wells");
}

#[tokio::test]
async fn scenario_files_load_and_errors_name_the_file() {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    writeln!(file, "[[process]]\nwell = 1\nevent = \"trip\"\ncode = \"ground_fault\"\nrestart_after = \"1h\"")
        .expect("write");
    let scenario = Scenario::load(file.path()).expect("valid file");
    let sim = start(config(1, 0, true, scenario)).await.expect("starts");
    let status = sim.status("W-001").expect("well");
    assert_eq!((status.run_state, status.trip_code), (RunState::Tripped, TripCode::GroundFault));
    let sample = poll(&mut client(&sim, 1).await).await.expect("a tripped well still answers");
    assert_eq!(sample.run_state, Some(RunState::Tripped));
    assert_eq!(sample.values.get(Parameter::CurrentA), Some(0.0));
    assert_eq!(sample.values.get(Parameter::Frequency), Some(0.0));
    sim.shutdown().await;

    let mut bad = tempfile::NamedTempFile::new().expect("temp file");
    writeln!(bad, "[[fault]]\nwell = 1\nkind = \"slow\"\ndelay = \"forever\"").expect("write");
    let error = Scenario::load(bad.path()).expect_err("bad delay").to_string();
    let file_name = bad.path().display().to_string();
    assert!(error.starts_with(&format!("{file_name}: line 4 (fault[0]):")), "{error}");
    let missing = Scenario::load(std::path::Path::new("/nonexistent/scenario.toml")).expect_err("missing");
    assert!(missing.to_string().contains("/nonexistent/scenario.toml: file: cannot read"), "{missing}");
}

#[tokio::test]
async fn the_demo_scenario_faults_four_wells_and_leaves_the_rest_healthy() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/scenarios/demo.toml");
    let scenario = Scenario::load(std::path::Path::new(path)).expect("the demo scenario loads");
    let sim = start_wells(24, scenario).await;
    let faulty = [5, 11, 17, 23];
    for number in 1..=24 {
        let status = sim.status(&number.to_string()).expect("well");
        assert_eq!(status.fault == CommsFault::None, !faulty.contains(&number), "W-{number:03}: {status:?}");
    }
    for number in [1, 6, 24] {
        let outcome = read(&mut client(&sim, number).await, FunctionCode::Input, 0, 15).await;
        assert!(matches!(outcome, Outcome::Words(_)), "W-{number:03} is healthy: {outcome:?}");
    }
    assert_eq!(read(&mut client(&sim, 11).await, FunctionCode::Input, 0, 15).await, Outcome::Exception(4));
    sim.shutdown().await;
}
