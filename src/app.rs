//! The running service: builds the supervision tree downstream first (Recorder, Fleet,
//! WellSupervisor, then wells), serves HTTP, and shuts down in reverse so nothing a well
//! reported is lost: stop accepting HTTP, stop wells, flush the recorder, stop the rest.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use anyhow::Context as _;
use chrono::Utc;
use ractor::{call_t, Actor, ActorRef};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{error, info, warn};
use wellvisor_actors::clock::SystemClock;
use wellvisor_actors::device::{Endpoint, ModbusConnector};
use wellvisor_actors::diagnostics::book::AlarmBook;
use wellvisor_actors::diagnostics::Baseline;
use wellvisor_actors::domain::{WellData, WellId};
use wellvisor_actors::fleet::{FleetActor, FleetArgs, FleetMsg, FleetView};
use wellvisor_actors::recorder::{
    recorder_queue_with, FlushPolicy, RecorderActor, RecorderIntake, RecorderMsg, RecorderSnapshot,
    DEFAULT_RECORD_CAPACITY,
};
use wellvisor_actors::store::Store;
use wellvisor_actors::supervisor::{SupervisorArgs, SupervisorMsg, WellSupervisor};
use wellvisor_actors::well::{SavedDiagnostics, WellContext};

use crate::config::{LoadedConfig, SimulatorConfig, WellDefinition, WellFactory};

#[path = "app/memory.rs"]
mod memory;
#[path = "app/open_store.rs"]
mod open_store;
#[path = "app/security.rs"]
mod security;
#[path = "app/serve.rs"]
mod serve;
#[cfg(test)]
#[path = "app/simulated_tests.rs"]
mod simulated_tests;
use crate::http::guard::Security;
use crate::http::{router, split_routers, AppState, Health, HttpLimits};
use crate::sim::{self, SimConfig, SimHandle};

/// Events the fleet's broadcast channel keeps for slow subscribers.
const EVENT_CAPACITY: usize = 4_096;
/// Longest wait for an actor's answer during start-up and shutdown, in milliseconds.
const CALL_MS: u64 = 60_000;
/// How long in-flight HTTP requests get to finish at a graceful stop.
const HTTP_DRAIN: std::time::Duration = std::time::Duration::from_secs(15);

/// A started service. Drop it only through [`RunningApp::shutdown`].
pub struct RunningApp {
    pub http_addr: SocketAddr,
    pub fleet: FleetView,
    pub supervisor: ActorRef<SupervisorMsg>,
    pub recorder: ActorRef<RecorderMsg>,
    pub store: Arc<dyn Store>,
    pub health: Arc<Health>,
    pub simulator: Option<SimHandle>,
    pub alarms: AlarmBook,
    fleet_actor: ActorRef<FleetMsg>,
    records: RecorderIntake,
    /// Baselines saved by the last run, handed to each well's first start.
    saved_baselines: HashMap<WellId, Arc<Baseline>>,
    /// Who may use the API: tests mint tokens with it.
    pub security: Arc<Security>,
    stop_http: watch::Sender<bool>,
    /// The API's server, the ops server when it has its own address, the directory refresh.
    http_tasks: Vec<JoinHandle<()>>,
    /// Archives and prunes expired telemetry until HTTP stops (`archive::task`).
    retention_task: JoinHandle<()>,
    /// The store's roll-ups held in memory, flushed after the recorder's last batch.
    rollups: Arc<dyn crate::store::HeldRollups>,
    /// Join handles of the supervisor, fleet and recorder, in that order.
    actor_tasks: [JoinHandle<()>; 3],
}

/// What a graceful stop did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ShutdownReport {
    /// Samples the final flush wrote.
    pub flushed: u64,
    pub recorder: RecorderSnapshot,
}

/// Starts everything the configuration describes; returns once the initial fleet is spawned.
pub async fn start(loaded: &LoadedConfig) -> anyhow::Result<RunningApp> {
    let config = &loaded.config;
    let historian = open_store::open_store(&config.storage.url).await.context("opening the store")?;
    let security = security::build(loaded, historian.accounts.clone()).await?;
    let store = historian.store.clone();
    let flush = FlushPolicy {
        batch_size: config.storage.batch_size,
        max_age: config.storage.batch_max_age,
        retry_delay: config.storage.retry_delay,
    };
    // Records get their own queue so telemetry pressure cannot starve alarms; its size is not
    // configurable yet.
    let backlog = config.storage.backlog();
    let (intake, recorder_args) =
        recorder_queue_with(store.clone(), config.storage.queue_capacity, DEFAULT_RECORD_CAPACITY, flush, &backlog)
            .with_context(|| format!("opening the recorder's spool in {}", config.storage.spool_dir().display()))?;
    let (recorder, recorder_task) = Actor::spawn(None, RecorderActor, recorder_args).await?;
    let fleet = FleetView::new(EVENT_CAPACITY).with_subscriber_limit(config.http.event_subscribers);
    let alarms = AlarmBook::new(Utc::now());
    let (fleet_actor, fleet_task) = Actor::spawn(
        None,
        FleetActor,
        FleetArgs {
            view: fleet.clone(),
            alarms: alarms.clone(),
            recorder: Some(intake.clone()),
            clock: Arc::new(SystemClock),
        },
    )
    .await?;
    let context = WellContext {
        connector: Arc::new(ModbusConnector::new(config.modbus.connections_per_gateway)),
        fleet: fleet.clone(),
        fleet_actor: fleet_actor.clone(),
        recorder: intake.clone(),
        clock: Arc::new(SystemClock),
        alarms: alarms.clone(),
    };
    let saved_baselines = memory::reload(store.as_ref(), &alarms).await?;
    let records = intake.clone();
    let supervisor_args = SupervisorArgs { context, policy: config.supervision.policy() };
    let (supervisor, supervisor_task) = Actor::spawn(None, WellSupervisor, supervisor_args).await?;
    let health = Arc::new(Health::new());
    health.set_tree_up(true);

    let simulator = start_simulator(loaded).await?;
    let listener = bind(config.http.bind).await?;
    let ops_listener = match config.http.ops_bind {
        Some(address) => Some(bind(address).await?),
        None => None,
    };
    let http_addr = listener.local_addr()?;
    let state = AppState {
        fleet: fleet.clone(),
        fleet_actor: fleet_actor.clone(),
        supervisor: supervisor.clone(),
        recorder: recorder.clone(),
        store: store.clone(),
        wells: Arc::new(loaded.factory.clone()),
        health: health.clone(),
        alarms: alarms.clone(),
        records: intake.clone(),
        security: security.clone(),
        call_timeout: config.supervision.stop_timeout + std::time::Duration::from_secs(5),
    };
    let (stop_http, _) = watch::channel(false);
    let http_tasks = serve_http(loaded, state, listener, ops_listener, &stop_http).await?;
    let rollups = historian.rollups.clone();
    let retention_task = crate::archive::task::start(historian, config.retention.clone(), stop_http.subscribe());
    info!(%http_addr, "HTTP API listening");

    let app = RunningApp {
        http_addr,
        fleet,
        supervisor,
        recorder,
        store,
        health,
        simulator,
        alarms,
        fleet_actor,
        records,
        saved_baselines,
        security,
        stop_http,
        http_tasks,
        retention_task,
        rollups,
        actor_tasks: [supervisor_task, fleet_task, recorder_task],
    };
    app.spawn_wells(loaded).await?;
    app.health.mark_startup_complete();
    Ok(app)
}

async fn start_simulator(loaded: &LoadedConfig) -> anyhow::Result<Option<SimHandle>> {
    let Some(simulator) = &loaded.config.simulator else { return Ok(None) };
    let profile =
        loaded.factory.profile("esp-default").cloned().context("the simulator needs the esp-default profile")?;
    let scenario = match &simulator.scenario {
        Some(path) => sim::Scenario::load(&loaded.resolve(path))?,
        None => sim::Scenario::empty(),
    };
    let well_data = simulated_well_data(&loaded.factory, &loaded.wells, simulator, &profile.well_data);
    let config = SimConfig {
        wells: simulator.wells,
        base_port: simulator.base_port,
        gateway: simulator.gateway,
        bind_ip: [127, 0, 0, 1].into(),
        profile,
        scenario,
        control_bind: simulator.control_bind,
        seed: 1,
        well_data,
    };
    let handle = sim::start(config).await.context("starting the in-process simulator")?;
    info!(wells = simulator.wells, base_port = simulator.base_port, "simulator started");
    Ok(Some(handle))
}

/// The static data of each simulated well, so the simulator models the wells the configuration
/// describes: well `i` takes that of the configured well whose device it is (on loopback, at
/// `base_port + i`, or unit id `i + 1` on `base_port` behind a gateway), resolved as for
/// supervision; the others keep `default`, the simulator profile's.
fn simulated_well_data(
    factory: &WellFactory,
    wells: &[WellDefinition],
    simulator: &SimulatorConfig,
    default: &WellData,
) -> Vec<WellData> {
    let mut data = vec![default.clone(); simulator.wells];
    for definition in wells {
        let Ok(spec) = factory.build(definition) else { continue };
        if let Some(entry) = simulated_index(&spec.endpoint, simulator).and_then(|index| data.get_mut(index)) {
            *entry = (*spec.well_data).clone();
        }
    }
    data
}

/// Which simulated well answers at `endpoint`, if any.
fn simulated_index(endpoint: &Endpoint, simulator: &SimulatorConfig) -> Option<usize> {
    let loopback = endpoint.host.eq_ignore_ascii_case("localhost")
        || endpoint.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return None;
    }
    let index = if simulator.gateway {
        if endpoint.port != simulator.base_port {
            return None;
        }
        usize::from(endpoint.unit_id).checked_sub(1)?
    } else {
        usize::from(endpoint.port).checked_sub(usize::from(simulator.base_port))?
    };
    (index < simulator.wells).then_some(index)
}

async fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address).await.with_context(|| format!("binding the HTTP listener on {address}"))
}

/// Serves the API (and the probes with it, or on their own address), and keeps the directory
/// of users fresh; every task ends when `stop` is sent.
async fn serve_http(
    loaded: &LoadedConfig,
    state: AppState,
    listener: TcpListener,
    ops_listener: Option<TcpListener>,
    stop: &watch::Sender<bool>,
) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let http = &loaded.config.http;
    let limits = HttpLimits::from(http);
    let tls = http.tls.as_ref();
    let directory = state.security.auth.directory.clone();
    let mut tasks = Vec::new();
    match ops_listener {
        Some(ops_listener) => {
            let ops_addr = ops_listener.local_addr()?;
            let (api, ops) = split_routers(state, limits);
            tasks.push(serve::spawn(listener, api, tls, stop.subscribe()).await?);
            tasks.push(serve::spawn(ops_listener, ops, None, stop.subscribe()).await?);
            info!(%ops_addr, "probes and metrics listening on their own address");
        }
        None => tasks.push(serve::spawn(listener, router(state, limits), tls, stop.subscribe()).await?),
    }
    tasks.push(security::spawn_refresh(directory, loaded.config.auth.refresh_interval, stop.subscribe()));
    Ok(tasks)
}

impl RunningApp {
    /// Adds the configured wells, then those added through the API before the last stop.
    async fn spawn_wells(&self, loaded: &LoadedConfig) -> anyhow::Result<()> {
        for definition in &loaded.wells {
            self.add_well(loaded, definition).await?;
        }
        let stored = self.store.load_wells().await.context("loading wells added through the API")?;
        for well in stored {
            if self.fleet.contains(&well.id) {
                warn!(well_id = %well.id, "a well added through the API is now also configured; the configuration wins");
                continue;
            }
            match serde_json::from_str::<WellDefinition>(&well.definition) {
                Ok(definition) => self.add_well(loaded, &definition).await?,
                Err(error) => error!(well_id = %well.id, %error, "stored well definition is unreadable; skipped"),
            }
        }
        info!(wells = self.fleet.len(), "fleet started");
        Ok(())
    }

    async fn add_well(&self, loaded: &LoadedConfig, definition: &WellDefinition) -> anyhow::Result<()> {
        let spec = match loaded.factory.build(definition) {
            Ok(mut spec) => {
                let baseline = self.saved_baselines.get(&definition.id).map(|b| (**b).clone());
                let history = memory::load_history(self.store.as_ref(), &definition.id).await?;
                spec.saved = Some(Arc::new(SavedDiagnostics { baseline, history }));
                spec
            }
            Err(error) => {
                error!(%error, "well skipped");
                return Ok(());
            }
        };
        call_t!(self.supervisor, SupervisorMsg::Add, CALL_MS, spec)?.map_err(anyhow::Error::from)
    }

    /// Resolves when any top-level actor stops on its own: a bug, after which the process
    /// should stop and let its service manager restart it.
    pub async fn failed(&mut self) -> &'static str {
        let [supervisor, fleet, recorder] = &mut self.actor_tasks;
        tokio::select! {
            _ = supervisor => "supervisor",
            _ = fleet => "fleet",
            _ = recorder => "recorder",
        }
    }

    /// The one shutdown path: HTTP, wells, recorder flush, the rest. Each step runs even if an
    /// earlier one failed, so a broken actor cannot keep samples from being flushed.
    pub async fn shutdown(self) -> anyhow::Result<ShutdownReport> {
        self.health.mark_shutting_down();
        let _ = self.stop_http.send(true);
        // A client that stopped reading (a stalled event stream) would hold a graceful stop
        // forever: in-flight requests get HTTP_DRAIN, then the servers are cut.
        for mut task in self.http_tasks {
            if tokio::time::timeout(HTTP_DRAIN, &mut task).await.is_err() {
                warn!("HTTP connections still open after {HTTP_DRAIN:?}; closing them");
                task.abort();
            }
        }
        let _ = self.retention_task.await;
        if let Err(error) = call_t!(self.supervisor, SupervisorMsg::StopAll, CALL_MS) {
            error!(%error, "stopping wells failed");
        }
        memory::save_baselines(&self.fleet, &self.records);
        let flushed = call_t!(self.recorder, RecorderMsg::Flush, CALL_MS).context("flushing the recorder");
        if let Err(error) = self.rollups.flush_rollups().await {
            error!(%error, "flushing roll-ups failed; the next start recounts them");
        }
        let recorder = call_t!(self.recorder, RecorderMsg::Snapshot, CALL_MS).unwrap_or_default();
        self.health.set_tree_up(false);
        self.supervisor.stop(None);
        self.fleet_actor.stop(None);
        self.recorder.stop(None);
        for task in self.actor_tasks {
            if !task.is_finished() {
                let _ = task.await;
            }
        }
        if let Some(simulator) = self.simulator {
            simulator.shutdown().await;
        }
        let flushed = flushed?;
        let spooled = recorder.spooled_samples + recorder.records_spooled;
        info!(flushed, written = recorder.written, dropped = recorder.dropped, spooled, "stopped");
        Ok(ShutdownReport { flushed, recorder })
    }
}

/// Runs until SIGINT/SIGTERM (or a top-level actor dies), then stops gracefully.
pub async fn run(loaded: &LoadedConfig) -> anyhow::Result<()> {
    // A stop signal during start-up (say, while waiting for the database) ends the process
    // cleanly: nothing has been polled yet, so there is nothing to flush.
    let mut app = tokio::select! {
        started = start(loaded) => started?,
        _ = shutdown_signal() => {
            info!("stopped during start-up");
            return Ok(());
        }
    };
    let died = tokio::select! {
        _ = shutdown_signal() => None,
        actor = app.failed() => Some(actor),
    };
    if let Some(actor) = &died {
        error!(actor, "a top-level actor stopped unexpectedly; shutting down");
    }
    let report = app.shutdown().await?;
    if report.recorder.dropped > 0 {
        warn!(dropped = report.recorder.dropped, "samples were dropped on overflow during this run");
    }
    match died {
        Some(actor) => anyhow::bail!("the {actor} actor stopped unexpectedly"),
        None => Ok(()),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => info!("SIGINT received"),
        _ = terminate => info!("SIGTERM received"),
    }
}
