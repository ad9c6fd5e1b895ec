//! Shared helpers for the simulator's integration tests, included by each `sim_*` test with
//! `#[path = "support/sim_support.rs"] mod support;`. Loopback only, real time, no sleeps standing in
//! for conditions: [`wait_until`] polls a condition against a deadline.
#![allow(dead_code)]

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_modbus::client::{Context, Reader};
use tokio_modbus::Slave;
use wellvisor::sim::{free_port_range, start, Scenario, SimConfig, SimError, SimHandle};
use wellvisor_actors::device::{FunctionCode, Profile, ReadPlan};
use wellvisor_actors::domain::{Sample, WellId};

/// A poller-like timeout for one request: comfortably above loopback latency.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a test waits for a condition before failing.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The default profile, as the demo fleet uses it.
pub fn profile() -> Arc<Profile> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/profiles/esp-default.toml");
    let text = std::fs::read_to_string(path).expect("the default profile is readable");
    Arc::new(Profile::from_toml("esp-default", &text).expect("the default profile is valid"))
}

pub fn scenario(text: &str) -> Scenario {
    Scenario::parse("test-scenario.toml", text).expect("test scenario is valid")
}

pub fn config(wells: usize, base_port: u16, gateway: bool, scenario: Scenario) -> SimConfig {
    SimConfig {
        wells,
        base_port,
        gateway,
        bind_ip: Ipv4Addr::LOCALHOST.into(),
        profile: profile(),
        scenario,
        control_bind: None,
        seed: 7,
        well_data: Vec::new(),
    }
}

/// Starts `wells` wells on free consecutive ports, retrying when another test took a port
/// between the probe and the bind (see `free_port_range`).
pub async fn start_wells(wells: usize, scenario: Scenario) -> SimHandle {
    for _ in 0..10 {
        let base = free_port_range(wells).expect("free ports on loopback");
        match start(config(wells, base, false, scenario.clone())).await {
            Ok(handle) => return handle,
            Err(SimError::Bind { .. }) => continue,
            Err(error) => panic!("simulator failed to start: {error}"),
        }
    }
    panic!("no free port range after 10 attempts")
}

/// Starts a gateway on a port the OS picks.
pub async fn start_gateway(wells: usize, scenario: Scenario) -> SimHandle {
    start(config(wells, 0, true, scenario)).await.expect("gateway starts")
}

/// The address and unit id of well `number` (from 1).
pub fn endpoint(handle: &SimHandle, number: usize) -> (SocketAddr, u8) {
    let (_, addr, unit) = handle.endpoints()[number - 1].clone();
    (addr, unit)
}

/// A tokio-modbus client for well `number`, as the pollers make them.
pub async fn client(handle: &SimHandle, number: usize) -> Context {
    let (addr, unit) = endpoint(handle, number);
    let stream = TcpStream::connect(addr).await.expect("the well accepts connections");
    stream.set_nodelay(true).expect("nodelay");
    tokio_modbus::client::tcp::attach_slave(stream, Slave(unit))
}

/// What one read came to, flattened so tests can match on it.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Words(Vec<u16>),
    Exception(u8),
    /// Transport or protocol error: the link is broken.
    Broken(String),
    TimedOut,
}

pub async fn read(context: &mut Context, function: FunctionCode, address: u16, count: u16) -> Outcome {
    read_within(context, function, address, count, REQUEST_TIMEOUT).await
}

pub async fn read_within(
    context: &mut Context,
    function: FunctionCode,
    address: u16,
    count: u16,
    timeout: Duration,
) -> Outcome {
    let request = async {
        match function {
            FunctionCode::Holding => context.read_holding_registers(address, count).await,
            FunctionCode::Input => context.read_input_registers(address, count).await,
        }
    };
    match tokio::time::timeout(timeout, request).await {
        Err(_) => Outcome::TimedOut,
        Ok(Ok(Ok(words))) => Outcome::Words(words),
        Ok(Ok(Err(exception))) => Outcome::Exception(u8::from(exception)),
        Ok(Err(error)) => Outcome::Broken(error.to_string()),
    }
}

/// Polls every block of the default profile and decodes it as the well actors do.
pub async fn poll(context: &mut Context) -> Result<Sample, Outcome> {
    let plan = ReadPlan::new(&profile());
    let mut sample = Sample::new(WellId::new("W-001").expect("valid id"), Utc::now());
    for (index, block) in plan.blocks.iter().enumerate() {
        match read(context, block.function, block.address, block.count).await {
            Outcome::Words(words) => plan.decode_block(index, &words, &mut sample).expect("replies decode"),
            other => return Err(other),
        }
    }
    Ok(sample)
}

/// Waits until `condition` holds, checking every 20 ms, or panics after [`DEADLINE`].
pub async fn wait_until<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + DEADLINE;
    while !condition().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A raw MBAP read request, for tests that go below tokio-modbus.
pub fn raw_request(transaction: u16, unit: u8, function: u8, address: u16, count: u16) -> Vec<u8> {
    let mut frame = transaction.to_be_bytes().to_vec();
    frame.extend_from_slice(&[0, 0, 0, 6, unit, function]);
    frame.extend_from_slice(&address.to_be_bytes());
    frame.extend_from_slice(&count.to_be_bytes());
    frame
}

/// Reads one whole MBAP frame off a raw stream, or `None` if the peer closed first.
pub async fn read_frame(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut header = [0u8; 6];
    tokio::time::timeout(REQUEST_TIMEOUT, stream.read_exact(&mut header)).await.expect("reply in time").ok()?;
    let length = usize::from(u16::from_be_bytes([header[4], header[5]]));
    let mut rest = vec![0u8; length];
    tokio::time::timeout(REQUEST_TIMEOUT, stream.read_exact(&mut rest)).await.expect("reply in time").ok()?;
    let mut frame = header.to_vec();
    frame.extend(rest);
    Some(frame)
}

/// Whether the peer has closed `stream` (EOF or reset), waiting up to the request timeout.
pub async fn peer_closed(stream: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(tokio::time::timeout(REQUEST_TIMEOUT, stream.read(&mut byte)).await, Ok(Ok(0) | Err(_)))
}

pub async fn send(stream: &mut TcpStream, bytes: &[u8]) {
    stream.write_all(bytes).await.expect("write to the simulator");
    stream.flush().await.expect("flush");
}
