//! The simulator as a Modbus TCP device: plausible values through the pollers' own decoder,
//! framing (partial, pipelined, malformed) and exception replies, over real loopback sockets.

#[path = "support/sim_support.rs"]
mod support;

use tokio::net::TcpStream;
use wellvisor::sim::Scenario;
use wellvisor_actors::device::FunctionCode;
use wellvisor_actors::domain::{Parameter, RunState, TripCode};

use support::*;

fn unbalance_percent(values: [f64; 3]) -> f64 {
    let mean = values.iter().sum::<f64>() / 3.0;
    100.0 * values.iter().map(|v| (v - mean).abs()).fold(0.0, f64::max) / mean
}

#[tokio::test]
async fn healthy_wells_decode_to_plausible_values() {
    let sim = start_wells(3, Scenario::empty()).await;
    for number in 1..=3 {
        let mut context = client(&sim, number).await;
        let sample = poll(&mut context).await.expect("a healthy well answers every block");
        let value = |p: Parameter| sample.values.get(p).unwrap_or(f64::NAN);
        assert_eq!(sample.run_state, Some(RunState::Running));
        assert_eq!(sample.trip_code, Some(TripCode::None));
        assert!((50.0..=60.1).contains(&value(Parameter::Frequency)), "{sample:?}");
        let currents = [Parameter::CurrentA, Parameter::CurrentB, Parameter::CurrentC].map(value);
        assert!(currents.iter().all(|i| (15.0..=90.0).contains(i)), "{currents:?}");
        assert!(unbalance_percent(currents) < 3.0, "{currents:?}");
        let voltages = [Parameter::VoltageAb, Parameter::VoltageBc, Parameter::VoltageCa].map(value);
        assert!(unbalance_percent(voltages) < 1.0, "{voltages:?}");
        assert!((800.0..=2510.0).contains(&value(Parameter::IntakePressure)));
        assert!(value(Parameter::DischargePressure) > value(Parameter::IntakePressure));
        assert!(value(Parameter::MotorTemperature) > value(Parameter::IntakeTemperature) + 10.0);
        assert!((0.78..=0.92).contains(&value(Parameter::PowerFactor)));
        assert!((1000.0..=5200.0).contains(&value(Parameter::FlowRate)));
        let starts = value(Parameter::StartsCount);
        assert!((5.0..=200.0).contains(&starts), "starts_count {starts} must survive its cdab word order");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn partial_frames_are_reassembled() {
    let sim = start_wells(1, Scenario::empty()).await;
    let (addr, unit) = endpoint(&sim, 1);
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    for byte in raw_request(0x0102, unit, 4, 0, 3) {
        send(&mut stream, &[byte]).await;
    }
    let reply = read_frame(&mut stream).await.expect("a reply");
    assert_eq!(&reply[..9], [0x01, 0x02, 0, 0, 0, 9, unit, 4, 6], "header, function, byte count");
    sim.shutdown().await;
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order() {
    let sim = start_wells(1, Scenario::empty()).await;
    let (addr, unit) = endpoint(&sim, 1);
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut burst = Vec::new();
    for transaction in 1..=5u16 {
        burst.extend(raw_request(transaction, unit, 3, 0, transaction));
    }
    send(&mut stream, &burst).await;
    for transaction in 1..=5u16 {
        let reply = read_frame(&mut stream).await.expect("a reply per request");
        assert_eq!(u16::from_be_bytes([reply[0], reply[1]]), transaction);
        assert_eq!(usize::from(reply[8]), 2 * usize::from(transaction), "byte count");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_malformed_header_closes_the_connection() {
    let sim = start_wells(1, Scenario::empty()).await;
    let (addr, unit) = endpoint(&sim, 1);
    let bad_headers: [&[u8]; 3] = [
        &[0, 1, 0, 7, 0, 6, 1, 3, 0, 0, 0, 1], // protocol id 7
        &[0, 1, 0, 0, 0, 0],                   // length 0
        &[0, 1, 0, 0, 1, 0],                   // length 256
    ];
    for bad in bad_headers {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        send(&mut stream, bad).await;
        assert!(peer_closed(&mut stream).await, "{bad:?} should close the connection");
    }
    // The listener is unaffected.
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    send(&mut stream, &raw_request(9, unit, 3, 0, 1)).await;
    assert!(read_frame(&mut stream).await.is_some());
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_requests_get_the_right_exception_codes() {
    let sim = start_wells(1, Scenario::empty()).await;
    let (addr, unit) = endpoint(&sim, 1);
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let cases: [(Vec<u8>, u8, u8); 7] = [
        (raw_request(1, unit, 6, 0, 1), 0x86, 0x01), // write single register: unsupported
        (raw_request(2, unit, 1, 0, 1), 0x81, 0x01), // read coils: unsupported
        (raw_request(3, unit, 3, 11, 1), 0x83, 0x02), // past the holding span
        (raw_request(4, unit, 4, 14, 2), 0x84, 0x02), // runs past the input span
        (raw_request(5, unit, 3, 0, 0), 0x83, 0x03), // count 0
        (raw_request(6, unit, 4, 0, 126), 0x84, 0x03), // count 126
        (vec![0, 7, 0, 0, 0, 4, unit, 3, 0, 0], 0x83, 0x03), // truncated read PDU
    ];
    for (request, function, code) in cases {
        send(&mut stream, &request).await;
        let reply = read_frame(&mut stream).await.expect("an exception reply");
        assert_eq!((reply[7], reply[8]), (function, code), "request {request:?}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_direct_well_answers_its_unit_id_and_the_tcp_wildcards_only() {
    let sim = start_wells(1, Scenario::empty()).await;
    let (addr, unit) = endpoint(&sim, 1);
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    for (wildcard_or_own, answered) in [(unit, true), (0, true), (255, true), (unit + 1, false)] {
        send(&mut stream, &raw_request(1, wildcard_or_own, 3, 0, 1)).await;
        let reply = read_frame(&mut stream).await.expect("a reply");
        if answered {
            assert_eq!(reply[7], 3, "unit {wildcard_or_own} is answered");
        } else {
            assert_eq!((reply[7], reply[8]), (0x83, 0x0B), "unit {wildcard_or_own} is not this device");
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn reads_through_tokio_modbus_match_raw_register_layout() {
    let sim = start_wells(1, Scenario::empty()).await;
    let mut context = client(&sim, 1).await;
    let Outcome::Words(status) = read(&mut context, FunctionCode::Input, 11, 2).await else {
        panic!("the status words read");
    };
    assert_eq!(status, [3, 0], "running is device code 3, no trip is 0");
    sim.shutdown().await;
}
