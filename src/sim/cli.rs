//! `wellvisor simulate`: runs a simulated fleet in the foreground until Ctrl-C or SIGTERM.
//!
//! The process needs one file descriptor per well listener plus one per open connection:
//! 10,000 wells polled over 10,000 connections need `ulimit -n` above 20,000.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use tracing::info;
use wellvisor_actors::device::Profile;

use super::{start, Scenario, SimConfig, SimHandle};

/// The seed of `wellvisor simulate`: every run shows the same fleet.
pub const DEFAULT_SEED: u64 = 0x5EED_E5B0;
/// Fleets up to this size log every endpoint; larger ones log a summary.
const LOG_EVERY_ENDPOINT_UP_TO: usize = 50;

/// Runs `wells` simulated wells on loopback until Ctrl-C or SIGTERM, logging the endpoints.
pub async fn run_cli(
    wells: usize,
    base_port: u16,
    gateway: bool,
    scenario: Option<PathBuf>,
    control: Option<SocketAddr>,
    profile: Arc<Profile>,
) -> anyhow::Result<()> {
    let scenario = match scenario {
        Some(path) => Scenario::load(&path)?,
        None => Scenario::empty(),
    };
    let config = SimConfig {
        wells,
        base_port,
        gateway,
        bind_ip: Ipv4Addr::LOCALHOST.into(),
        profile,
        scenario,
        control_bind: control,
        seed: DEFAULT_SEED,
        well_data: Vec::new(),
    };
    let handle = start(config).await.context("cannot start the simulator")?;
    log_endpoints(&handle);
    shutdown_signal().await.context("cannot listen for shutdown signals")?;
    info!("simulator shutting down");
    handle.shutdown().await;
    info!("simulator stopped");
    Ok(())
}

fn log_endpoints(handle: &SimHandle) {
    let endpoints = handle.endpoints();
    if endpoints.len() <= LOG_EVERY_ENDPOINT_UP_TO {
        for (id, addr, unit_id) in &endpoints {
            info!(well_id = %id, %addr, unit_id, "simulated well");
        }
    } else if let (Some(first), Some(last)) = (endpoints.first(), endpoints.last()) {
        info!(wells = endpoints.len(), first = %format!("{} {} unit {}", first.0, first.1, first.2),
            last = %format!("{} {} unit {}", last.0, last.1, last.2), "simulated wells");
    }
    match handle.control_addr() {
        Some(addr) => info!(%addr, "simulator control interface: GET /wells, PUT /wells/{{id}}/fault"),
        None => info!("simulator control interface disabled"),
    }
}

/// Resolves on Ctrl-C, or on SIGTERM where there is one.
async fn shutdown_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
