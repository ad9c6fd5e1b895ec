//! Starting a simulated fleet and controlling it: [`start`] binds every listener before it
//! returns, [`SimHandle`] changes faults, trips wells and shuts everything down.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tracing::warn;
use wellvisor_actors::domain::TripCode;

use super::condition::ProcessCondition;
use super::control;
use super::fault::CommsFault;
pub use super::fleet::WellStatus;
use super::fleet::{Fleet, Placement};
use super::physics::ProcessEvent;
use super::registers::RegisterMap;
use super::server::{serve_listener, Route};
use super::well_ref::well_id;
use super::{SimConfig, SimError};

/// Unit ids a gateway can give its wells: 1–247.
const MAX_GATEWAY_UNITS: usize = 247;
/// How long shutdown waits for open control-interface requests.
const CONTROL_SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running simulator. Dropping it also stops everything, abruptly; [`SimHandle::shutdown`]
/// stops it in order and returns once every socket is closed.
pub struct SimHandle {
    fleet: Arc<Fleet>,
    stop: watch::Sender<bool>,
    listeners: JoinSet<()>,
    control: Option<(SocketAddr, JoinHandle<()>)>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("wells", &self.fleet.len())
            .field("control_addr", &self.control_addr())
            .finish_non_exhaustive()
    }
}

/// Starts the simulator: binds every well's listener (and the control interface) before
/// returning, so a caller can connect at once. A failed bind names the address.
pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
    validate(&config)?;
    let timeline = config.scenario.timeline(config.wells, &config.well_data)?;
    let listeners = bind_listeners(&config).await?;
    let placements = placements(&config, &listeners);
    let map = RegisterMap::new(&config.profile);
    let restart_delay = config.scenario.restart_delay;
    let fleet = Arc::new(Fleet::new(map, config.seed, restart_delay, &config.well_data, placements, timeline));
    let (stop, shutdown) = watch::channel(false);
    let control = match config.control_bind {
        Some(addr) => Some(control::serve(addr, Arc::clone(&fleet), shutdown.clone()).await?),
        None => None,
    };
    let mut tasks = JoinSet::new();
    for (index, (listener, _)) in listeners.into_iter().enumerate() {
        let route = if config.gateway { Route::Gateway } else { Route::Well(index) };
        tasks.spawn(serve_listener(listener, route, Arc::clone(&fleet), shutdown.clone()));
    }
    Ok(SimHandle { fleet, stop, listeners: tasks, control })
}

impl SimHandle {
    /// Every well as `(id, address, unit id)`, in well order.
    pub fn endpoints(&self) -> Vec<(String, SocketAddr, u8)> {
        (0..self.fleet.len())
            .filter_map(|index| self.fleet.well(index).map(|well| (well_id(index), well.address, well.unit_id)))
            .collect()
    }

    /// Where the control interface listens, if it was asked for.
    pub fn control_addr(&self) -> Option<SocketAddr> {
        self.control.as_ref().map(|(addr, _)| *addr)
    }

    /// The control interface's routes, to mount elsewhere or to test without a socket.
    pub fn control_router(&self) -> axum::Router {
        control::router(Arc::clone(&self.fleet))
    }

    /// Sets a well's communication fault; the next request sees it.
    pub fn set_fault(&self, well: &str, fault: CommsFault) -> Result<(), SimError> {
        self.fleet.set_fault(self.fleet.find(well)?, fault)
    }

    /// Trips a well now; its drive restarts it after the scenario's restart delay.
    pub fn trip(&self, well: &str, code: TripCode) -> Result<(), SimError> {
        self.apply(well, ProcessEvent::Trip { code, restart_after: None })
    }

    /// Puts a well in a process condition now (`ProcessCondition::Normal` ends it); it stays
    /// until something later changes it.
    pub fn set_condition(&self, well: &str, condition: ProcessCondition) -> Result<(), SimError> {
        self.apply(well, ProcessEvent::Condition(condition))
    }

    /// Applies any process event to a well now.
    pub fn apply(&self, well: &str, event: ProcessEvent) -> Result<(), SimError> {
        self.fleet.apply(self.fleet.find(well)?, event)
    }

    /// One well's status now.
    pub fn status(&self, well: &str) -> Result<WellStatus, SimError> {
        let index = self.fleet.find(well)?;
        self.fleet.status(index).ok_or_else(|| SimError::UnknownWell(well.to_owned()))
    }

    /// Stops accepting, closes every open connection (clients see the device vanish) and stops
    /// the control interface; returns when all of it is done.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        while self.listeners.join_next().await.is_some() {}
        if let Some((addr, mut task)) = self.control.take() {
            if tokio::time::timeout(CONTROL_SHUTDOWN_GRACE, &mut task).await.is_err() {
                warn!(%addr, "simulator control interface did not stop in time; aborting it");
                task.abort();
            }
        }
    }
}

fn validate(config: &SimConfig) -> Result<(), SimError> {
    let fail = |problem: String| Err(SimError::Config(problem));
    if config.wells == 0 {
        return fail("wells must be at least 1".into());
    }
    for (index, data) in config.well_data.iter().enumerate() {
        data.validate()
            .map_err(|error| SimError::Config(format!("well_data[{index}] ({}): {error}", well_id(index))))?;
    }
    if config.gateway {
        if config.wells > MAX_GATEWAY_UNITS {
            return fail(format!("a gateway serves at most {MAX_GATEWAY_UNITS} unit ids, not {}", config.wells));
        }
        return Ok(());
    }
    if config.wells > 1 && config.base_port == 0 {
        return fail("base port 0 cannot number several wells' ports: pick a base port (see free_port_range)".into());
    }
    let last = u32::from(config.base_port) + config.wells as u32 - 1;
    if config.wells > 65_535 || last > 65_535 {
        return fail(format!("{} wells from port {} run past port 65535", config.wells, config.base_port));
    }
    Ok(())
}

/// One listener per well, or a single one for a gateway.
async fn bind_listeners(config: &SimConfig) -> Result<Vec<(TcpListener, SocketAddr)>, SimError> {
    let count = if config.gateway { 1 } else { config.wells };
    let mut listeners = Vec::with_capacity(count);
    for offset in 0..count {
        let addr = SocketAddr::new(config.bind_ip, config.base_port + offset as u16);
        let listener = TcpListener::bind(addr).await.map_err(|e| SimError::bind(addr, e))?;
        let local = listener.local_addr().map_err(|e| SimError::bind(addr, e))?;
        listeners.push((listener, local));
    }
    Ok(listeners)
}

fn placements(config: &SimConfig, listeners: &[(TcpListener, SocketAddr)]) -> Vec<Placement> {
    (0..config.wells)
        .map(|index| {
            if config.gateway {
                (listeners[0].1, (index + 1) as u8)
            } else {
                (listeners[index].1, config.profile.unit_id)
            }
        })
        .collect()
}

/// The lowest of `count` consecutive loopback ports that were free a moment ago.
///
/// Candidates are drawn at random below the usual ephemeral range (32768+), where outgoing
/// connections do not take ports. **Racy by nature**: another process, or another test, can
/// take a port between this check and [`start`]; callers that must not fail retry `start` with
/// a fresh range when it reports [`SimError::Bind`].
pub fn free_port_range(count: usize) -> Result<u16, SimError> {
    const LOW: usize = 10_000;
    const HIGH: usize = 32_768;
    if count == 0 || count > HIGH - LOW {
        return Err(SimError::NoFreePorts { count });
    }
    let mut rng = SmallRng::from_os_rng();
    for _ in 0..64 {
        let base = rng.random_range(LOW..=HIGH - count) as u16;
        if (0..count).all(|offset| port_is_free(base + offset as u16)) {
            return Ok(base);
        }
    }
    Err(SimError::NoFreePorts { count })
}

fn port_is_free(port: u16) -> bool {
    std::net::TcpListener::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)).is_ok()
}

#[cfg(test)]
mod tests {
    use wellvisor_actors::device::Profile;
    use wellvisor_actors::domain::WellData;

    use super::*;

    #[test]
    fn invalid_well_data_is_refused_by_well() {
        let text = include_str!("../../config/profiles/esp-default.toml");
        let profile = Arc::new(Profile::from_toml("esp-default", text).expect("the default profile is valid"));
        let bad = WellData { design_frequency: 0.0, ..WellData::default() };
        let config = SimConfig {
            wells: 2,
            base_port: 0,
            gateway: true,
            bind_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            profile,
            scenario: crate::sim::Scenario::empty(),
            control_bind: None,
            seed: 1,
            well_data: vec![WellData::default(), bad],
        };
        let error = validate(&config).expect_err("a zero design frequency").to_string();
        assert_eq!(
            error,
            "simulator configuration: well_data[1] (W-002): design_frequency: must be a positive number, got 0"
        );
    }

    #[test]
    fn free_port_range_finds_bindable_ports() {
        let base = free_port_range(3).expect("three free ports");
        assert!((10_000..32_766).contains(&base));
        assert!(free_port_range(0).is_err());
        assert!(free_port_range(60_000).is_err());
    }
}
