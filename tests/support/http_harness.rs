//! The harness the HTTP tests share (`#[path]`-included by each `tests/http_*.rs`): a real
//! supervision tree (fleet, recorder, supervisor) over an in-memory store and a device
//! connector that always refuses, so no socket is ever opened, and the router driven with
//! `oneshot`. Each test file uses part of it, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use ractor::{Actor, ActorRef};
use serde_json::Value;
use tower::ServiceExt;
use wellvisor::config::WellFactory;
use wellvisor::http::{router, AppState, Health, HttpLimits};
use wellvisor_actors::clock::SystemClock;
use wellvisor_actors::device::link::BoxFuture;
use wellvisor_actors::device::{Connector, DeviceError, Endpoint, Link, Profile};
use wellvisor_actors::domain::{Sample, WellId};
use wellvisor_actors::fleet::{FleetActor, FleetArgs, FleetView};
use wellvisor_actors::recorder::{recorder_queue, FlushPolicy, RecorderActor, RecorderMsg};
use wellvisor_actors::store::{Store, StoreError, StoredWell, TelemetryQuery};
use wellvisor_actors::supervisor::{RestartPolicy, SupervisorArgs, SupervisorMsg, WellSupervisor};
use wellvisor_actors::well::{PollSettings, WellContext};

const PROFILE: &str = include_str!("../../config/profiles/esp-default.toml");

/// A device that is never there: every connect is refused.
struct RefusingConnector;

impl Connector for RefusingConnector {
    fn connect<'a>(&'a self, _endpoint: &'a Endpoint) -> BoxFuture<'a, Result<Box<dyn Link>, DeviceError>> {
        Box::pin(async { Err(DeviceError::Connect(std::io::ErrorKind::ConnectionRefused.into())) })
    }
}

/// A store in memory, with switches that make it fail or hang.
#[derive(Default)]
pub struct MemoryStore {
    samples: Mutex<Vec<Sample>>,
    wells: Mutex<BTreeMap<WellId, StoredWell>>,
    pub ping_fails: AtomicBool,
    pub writes_fail: AtomicBool,
    pub reads_hang: AtomicBool,
}

impl MemoryStore {
    pub fn insert_samples(&self, samples: impl IntoIterator<Item = Sample>) {
        self.samples.lock().unwrap_or_else(PoisonError::into_inner).extend(samples);
    }

    pub fn saved_well(&self, id: &str) -> Option<StoredWell> {
        let id = WellId::new(id).ok()?;
        self.wells.lock().unwrap_or_else(PoisonError::into_inner).get(&id).cloned()
    }

    fn unavailable_if(&self, switch: &AtomicBool) -> Result<(), StoreError> {
        match switch.load(Ordering::SeqCst) {
            true => Err(StoreError::Unavailable("switched off by the test".into())),
            false => Ok(()),
        }
    }

    fn query(&self, query: &TelemetryQuery) -> Vec<Sample> {
        let samples = self.samples.lock().unwrap_or_else(PoisonError::into_inner);
        let in_range = |s: &&Sample| s.well_id == query.well_id && s.at >= query.from && s.at < query.to;
        let mut found: Vec<Sample> = samples.iter().filter(in_range).cloned().collect();
        found.sort_by_key(|s| s.at);
        found.truncate(query.limit);
        for sample in found.iter_mut().filter(|_| !query.params.is_empty()) {
            let mut kept = wellvisor_actors::domain::Values::default();
            for parameter in &query.params {
                sample.values.get(*parameter).into_iter().for_each(|v| kept.set(*parameter, v));
            }
            sample.values = kept;
        }
        found
    }
}

impl Store for MemoryStore {
    fn write_samples<'a>(&'a self, samples: &'a [Sample]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.unavailable_if(&self.writes_fail)?;
            self.insert_samples(samples.iter().cloned());
            Ok(())
        })
    }

    fn read_telemetry<'a>(&'a self, query: &'a TelemetryQuery) -> BoxFuture<'a, Result<Vec<Sample>, StoreError>> {
        Box::pin(async move {
            if self.reads_hang.load(Ordering::SeqCst) {
                std::future::pending::<()>().await;
            }
            Ok(self.query(query))
        })
    }

    fn count_samples<'a>(&'a self, well_id: Option<&'a WellId>) -> BoxFuture<'a, Result<u64, StoreError>> {
        let samples = self.samples.lock().unwrap_or_else(PoisonError::into_inner);
        let count = samples.iter().filter(|s| well_id.is_none_or(|id| *id == s.well_id)).count() as u64;
        Box::pin(async move { Ok(count) })
    }

    fn save_well<'a>(&'a self, well: &'a StoredWell) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.unavailable_if(&self.writes_fail)?;
            self.wells.lock().unwrap_or_else(PoisonError::into_inner).insert(well.id.clone(), well.clone());
            Ok(())
        })
    }

    fn delete_well<'a>(&'a self, well_id: &'a WellId) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.unavailable_if(&self.writes_fail)?;
            self.wells.lock().unwrap_or_else(PoisonError::into_inner).remove(well_id);
            Ok(())
        })
    }

    fn load_wells(&self) -> BoxFuture<'_, Result<Vec<StoredWell>, StoreError>> {
        let wells = self.wells.lock().unwrap_or_else(PoisonError::into_inner).values().cloned().collect();
        Box::pin(async move { Ok(wells) })
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move { self.unavailable_if(&self.ping_fails) })
    }
}

/// One running service behind its router.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub store: Arc<MemoryStore>,
}

/// An answer, with the body parsed as JSON (`Value::Null` when it is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

impl TestApp {
    /// The tree up and started, the default limits, no wells.
    pub async fn start() -> Self {
        Self::with_limits(HttpLimits::default()).await
    }

    pub async fn with_limits(limits: HttpLimits) -> Self {
        let app = Self::unstarted(limits).await;
        app.state.health.set_tree_up(true);
        app.state.health.mark_startup_complete();
        app
    }

    /// The tree running but every health flag still down, as the app is before it says so.
    pub async fn unstarted(limits: HttpLimits) -> Self {
        let store = Arc::new(MemoryStore::default());
        let state = spawn_tree(store.clone()).await;
        Self { router: router(state.clone(), limits), state, store }
    }

    /// Adds wells through the supervisor, as the app does for the configured fleet.
    pub async fn with_wells(self, ids: &[&str]) -> Self {
        for id in ids {
            let definition = serde_json::from_value(well_body(id)).unwrap_or_else(|e| panic!("{e}"));
            let spec = self.state.wells.build(&definition).unwrap_or_else(|e| panic!("{e}"));
            let added = self.state.supervisor.call(|reply| SupervisorMsg::Add(spec, reply), Some(SECOND)).await;
            assert!(matches!(added, Ok(ractor::rpc::CallResult::Success(Ok(())))), "adding {id}");
        }
        self
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap_or_else(|never| match never {});
        let (parts, body) = response.into_parts();
        let bytes = to_bytes(body, 16 * 1024 * 1024).await.unwrap_or_default();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer { status: parts.status, headers: parts.headers, json }
    }

    pub async fn get(&self, uri: &str) -> Answer {
        self.send(request(Method::GET, uri, Body::empty())).await
    }

    pub async fn delete(&self, uri: &str) -> Answer {
        self.send(request(Method::DELETE, uri, Body::empty())).await
    }

    pub async fn post_json(&self, uri: &str, body: &Value) -> Answer {
        let mut request = request(Method::POST, uri, Body::from(body.to_string()));
        request.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
        self.send(request).await
    }
}

pub const SECOND: Duration = Duration::from_secs(1);

pub fn request(method: Method, uri: &str, body: Body) -> Request<Body> {
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri.parse().unwrap_or_else(|e| panic!("{uri}: {e}"));
    request
}

/// A valid `POST /api/v1/wells` body.
pub fn well_body(id: &str) -> Value {
    serde_json::json!({ "id": id, "name": format!("well {id}"), "profile": "esp-default", "host": "10.0.0.1", "port": 502 })
}

/// Asserts the API's error object and returns its code.
pub fn error_code(answer: &Answer) -> String {
    let error = &answer.json["error"];
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "no error message in {answer:?}");
    let is_json = answer.headers.get(header::CONTENT_TYPE).is_some_and(|t| t == "application/json");
    assert!(is_json, "error without a JSON content type: {answer:?}");
    error["code"].as_str().unwrap_or_else(|| panic!("no error code in {answer:?}")).to_owned()
}

pub fn well_id(id: &str) -> WellId {
    WellId::new(id).unwrap_or_else(|e| panic!("{e}"))
}

async fn spawn_tree(store: Arc<MemoryStore>) -> AppState {
    let fleet = FleetView::new(64);
    let fleet_actor = spawn("fleet", FleetActor, FleetArgs { view: fleet.clone() }).await;
    let policy = FlushPolicy { batch_size: 16, max_age: Duration::from_millis(50), retry_delay: SECOND };
    let (intake, recorder_args) = recorder_queue(store.clone(), 64, policy);
    let recorder: ActorRef<RecorderMsg> = spawn("recorder", RecorderActor, recorder_args).await;
    let context = WellContext {
        connector: Arc::new(RefusingConnector),
        fleet: fleet.clone(),
        fleet_actor: fleet_actor.clone(),
        recorder: intake,
        clock: Arc::new(SystemClock),
    };
    let supervisor_args = SupervisorArgs { context, policy: RestartPolicy::default() };
    let supervisor: ActorRef<SupervisorMsg> = spawn("supervisor", WellSupervisor, supervisor_args).await;
    let profile = Profile::from_toml("esp-default", PROFILE).unwrap_or_else(|e| panic!("{e:?}"));
    let profiles = BTreeMap::from([("esp-default".to_owned(), Arc::new(profile))]);
    let wells = Arc::new(WellFactory::new(profiles, PollSettings::default()));
    let health = Arc::new(Health::new());
    AppState { fleet, fleet_actor, supervisor, recorder, store, wells, health, call_timeout: 2 * SECOND }
}

async fn spawn<A: Actor>(what: &str, actor: A, args: A::Arguments) -> ActorRef<A::Msg> {
    match Actor::spawn(None, actor, args).await {
        Ok((actor, _join)) => actor,
        Err(error) => panic!("spawning the {what}: {error}"),
    }
}
