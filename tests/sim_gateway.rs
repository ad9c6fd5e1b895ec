//! Gateway mode: one listener, unit ids 1..=N, and one troubled unit never stalls the others.

#[path = "support/sim_support.rs"]
mod support;

use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_modbus::prelude::SlaveContext;
use tokio_modbus::Slave;
use wellvisor::sim::{CommsFault, Scenario};
use wellvisor_actors::device::FunctionCode;
use wellvisor_actors::domain::RunState;

use support::*;

#[tokio::test]
async fn every_unit_answers_on_the_one_gateway_port() {
    let sim = start_gateway(5, Scenario::empty()).await;
    let endpoints = sim.endpoints();
    assert!(endpoints.iter().all(|(_, addr, _)| *addr == endpoints[0].1), "one shared address");
    let units: Vec<u8> = endpoints.iter().map(|(_, _, unit)| *unit).collect();
    assert_eq!(units, [1, 2, 3, 4, 5]);
    let mut context = client(&sim, 1).await;
    for unit in 1..=5 {
        context.set_slave(Slave(unit));
        let sample = poll(&mut context).await.expect("every unit answers");
        assert_eq!(sample.run_state, Some(RunState::Running), "unit {unit}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unknown_unit_gets_gateway_exception_0x0b() {
    let sim = start_gateway(3, Scenario::empty()).await;
    let mut context = client(&sim, 1).await;
    for unit in [0, 4, 200] {
        context.set_slave(Slave(unit));
        assert_eq!(read(&mut context, FunctionCode::Holding, 0, 1).await, Outcome::Exception(0x0B), "unit {unit}");
    }
    context.set_slave(Slave(3));
    assert!(matches!(read(&mut context, FunctionCode::Holding, 0, 1).await, Outcome::Words(_)));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_silent_unit_gets_0x0b_after_a_delay_and_the_others_keep_answering() {
    let sim = start_gateway(4, scenario("[[fault]]\nwell = 2\nkind = \"silent\"\n")).await;
    let (addr, _) = endpoint(&sim, 1);
    let silent = tokio::spawn(async move {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let mut context = tokio_modbus::client::tcp::attach_slave(stream, Slave(2));
        let outcome = read(&mut context, FunctionCode::Input, 0, 15).await;
        (outcome, Instant::now())
    });

    let mut others = client(&sim, 1).await;
    for round in 0..3 {
        for unit in [1, 3, 4] {
            others.set_slave(Slave(unit));
            let outcome = read(&mut others, FunctionCode::Input, 0, 15).await;
            assert!(matches!(outcome, Outcome::Words(_)), "unit {unit}, round {round}: {outcome:?}");
        }
    }
    let others_done = Instant::now();
    let (outcome, silent_done) = silent.await.expect("the silent request finishes");
    assert_eq!(outcome, Outcome::Exception(0x0B), "the gateway reports the silent unit");
    assert!(others_done < silent_done, "nine reads of other units finished while unit 2 was silent");

    // On the same connection, the next unit answers right after the silent one's 0x0B.
    others.set_slave(Slave(2));
    assert_eq!(read(&mut others, FunctionCode::Input, 0, 1).await, Outcome::Exception(0x0B));
    others.set_slave(Slave(3));
    assert!(matches!(read(&mut others, FunctionCode::Input, 0, 1).await, Outcome::Words(_)));
    sim.shutdown().await;
}

#[tokio::test]
async fn other_faults_stay_with_their_unit() {
    let sim = start_gateway(3, Scenario::empty()).await;
    sim.set_fault("W-001", CommsFault::Exception { code: 0x04 }).expect("well exists");
    sim.set_fault("W-002", CommsFault::Slow { delay: Duration::from_millis(200) }).expect("well exists");
    let mut context = client(&sim, 1).await;
    context.set_slave(Slave(1));
    assert_eq!(read(&mut context, FunctionCode::Holding, 0, 1).await, Outcome::Exception(0x04));
    context.set_slave(Slave(2));
    let started = Instant::now();
    assert!(matches!(read(&mut context, FunctionCode::Holding, 0, 1).await, Outcome::Words(_)));
    assert!(started.elapsed() >= Duration::from_millis(200));
    context.set_slave(Slave(3));
    assert!(matches!(read(&mut context, FunctionCode::Holding, 0, 1).await, Outcome::Words(_)));
    sim.shutdown().await;
}
