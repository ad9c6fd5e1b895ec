//! Every communication fault, seen through a real tokio-modbus client as a poller sees it, and
//! switched at run time.

#[path = "support/sim_support.rs"]
mod support;

use std::time::Duration;

use tokio::net::TcpStream;
use wellvisor::sim::{CommsFault, Scenario};
use wellvisor_actors::device::FunctionCode;

use support::*;

const READ: (FunctionCode, u16, u16) = (FunctionCode::Input, 0, 15);

async fn read_all(context: &mut tokio_modbus::client::Context) -> Outcome {
    read(context, READ.0, READ.1, READ.2).await
}

#[tokio::test]
async fn a_silent_well_accepts_and_reads_but_never_answers() {
    let sim = start_wells(1, scenario("[[fault]]\nwell = 1\nkind = \"silent\"\n")).await;
    let mut context = client(&sim, 1).await;
    let outcome = read_within(&mut context, READ.0, READ.1, READ.2, Duration::from_millis(300)).await;
    assert_eq!(outcome, Outcome::TimedOut);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_slow_well_answers_correctly_but_late() {
    let sim = start_wells(1, Scenario::empty()).await;
    sim.set_fault("W-001", CommsFault::Slow { delay: Duration::from_millis(400) }).expect("well exists");
    let mut context = client(&sim, 1).await;
    let impatient = read_within(&mut context, READ.0, READ.1, READ.2, Duration::from_millis(100)).await;
    assert_eq!(impatient, Outcome::TimedOut, "a poller with a short timeout gives up");

    let mut context = client(&sim, 1).await;
    let started = tokio::time::Instant::now();
    let patient = read_all(&mut context).await;
    assert!(matches!(patient, Outcome::Words(ref words) if words.len() == 15), "{patient:?}");
    assert!(started.elapsed() >= Duration::from_millis(400), "the answer waited for the delay");
    sim.shutdown().await;
}

#[tokio::test]
async fn an_exception_well_answers_its_configured_code() {
    let sim = start_wells(
        2,
        scenario("[[fault]]\nwell = 1\nkind = \"exception\"\n[[fault]]\nwell = 2\nkind = \"exception\"\ncode = 6\n"),
    )
    .await;
    assert_eq!(read_all(&mut client(&sim, 1).await).await, Outcome::Exception(0x04));
    assert_eq!(read_all(&mut client(&sim, 2).await).await, Outcome::Exception(0x06));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_dropping_well_closes_new_and_open_connections() {
    let sim = start_wells(1, Scenario::empty()).await;
    let (addr, unit) = endpoint(&sim, 1);
    let mut open = TcpStream::connect(addr).await.expect("connect while healthy");
    send(&mut open, &raw_request(1, unit, 4, 0, 1)).await;
    assert!(read_frame(&mut open).await.is_some(), "healthy before the fault");

    sim.set_fault("W-001", CommsFault::Drop).expect("well exists");
    send(&mut open, &raw_request(2, unit, 4, 0, 1)).await;
    assert!(peer_closed(&mut open).await, "an open connection closes on its next request");

    let mut fresh = TcpStream::connect(addr).await.expect("the listener still accepts");
    assert!(peer_closed(&mut fresh).await, "a new connection is closed at once");
    let mut context = client(&sim, 1).await;
    assert!(matches!(read_all(&mut context).await, Outcome::Broken(_)));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_garbage_well_breaks_the_clients_framing() {
    let sim = start_wells(1, scenario("[[fault]]\nwell = \"W-001\"\nkind = \"garbage\"\n")).await;
    let mut context = client(&sim, 1).await;
    let outcome = read_all(&mut context).await;
    assert!(matches!(outcome, Outcome::Broken(_)), "garbage is a protocol error, got {outcome:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn faults_switch_at_run_time_on_the_next_request() {
    let sim = start_wells(1, Scenario::empty()).await;
    let mut context = client(&sim, 1).await;
    assert!(matches!(read_all(&mut context).await, Outcome::Words(_)));
    sim.set_fault("1", CommsFault::Exception { code: 0x0A }).expect("well exists");
    assert_eq!(read_all(&mut context).await, Outcome::Exception(0x0A));
    sim.set_fault("W-001", CommsFault::None).expect("well exists");
    assert!(matches!(read_all(&mut context).await, Outcome::Words(_)), "healthy again on the same connection");
    assert!(sim.set_fault("W-002", CommsFault::Silent).is_err(), "unknown wells are an error");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_scenario_fault_ends_at_its_until_offset() {
    let sim = start_wells(1, scenario("[[fault]]\nwell = 1\nkind = \"exception\"\nuntil = \"300ms\"\n")).await;
    let mut context = client(&sim, 1).await;
    assert_eq!(read_all(&mut context).await, Outcome::Exception(0x04));
    let sim_ref = &sim;
    wait_until("the scenario fault has ended", move || async move {
        sim_ref.status("W-001").map(|status| status.fault == CommsFault::None).unwrap_or(false)
    })
    .await;
    assert!(matches!(read_all(&mut context).await, Outcome::Words(_)), "healthy on the same connection");
    sim.shutdown().await;
}
