//! The harness the HTTP tests share (`#[path]`-included by each `tests/http_*.rs`): a real
//! supervision tree (fleet, recorder, supervisor) over an in-memory store and a device
//! connector that always refuses, so no socket is ever opened, and the router driven with
//! `oneshot`. Each test file uses part of it, hence the `dead_code` allowance.
#![allow(dead_code)]

#[path = "auth.rs"]
pub mod auth;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use chrono::Utc;
use ractor::{Actor, ActorRef};
use serde_json::Value;
use tower::ServiceExt;
use wellvisor::config::WellFactory;
use wellvisor::http::{router, AppState, Health, HttpLimits};
use wellvisor_actors::clock::SystemClock;
use wellvisor_actors::device::link::BoxFuture;
use wellvisor_actors::device::{Connector, DeviceError, Endpoint, Link, Profile};
use wellvisor_actors::diagnostics::book::AlarmBook;
use wellvisor_actors::diagnostics::{
    AlarmConfig, AlarmId, AlarmJournalEntry, AlarmRecord, AuditEntry, DiagnosisRecord, Evaluation, Source,
};
use wellvisor_actors::domain::{Sample, WellId};
use wellvisor_actors::fleet::{FleetActor, FleetArgs, FleetView, WellSnapshot};
use wellvisor_actors::recorder::{recorder_queue, FlushPolicy, RecorderActor, RecorderMsg, DEFAULT_RECORD_CAPACITY};
use wellvisor_actors::store::{
    AlarmJournalQuery, AuditQuery, DiagnosisQuery, Record, RollupPoint, RollupQuery, Store, StoreError, StoredBaseline,
    StoredWell, TelemetryQuery,
};
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
    /// Records are kept by the engine's own in-memory store.
    records: wellvisor_actors::testing::MemoryStore,
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

    /// The engine's reference roll-ups, computed from the samples on every read.
    fn read_rollups<'a>(&'a self, query: &'a RollupQuery) -> BoxFuture<'a, Result<Vec<RollupPoint>, StoreError>> {
        Box::pin(async move {
            if self.reads_hang.load(Ordering::SeqCst) {
                std::future::pending::<()>().await;
            }
            let samples = self.samples.lock().unwrap_or_else(PoisonError::into_inner);
            Ok(wellvisor_actors::testing::rollups_of(samples.iter(), query))
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

    fn write_records<'a>(&'a self, records: &'a [Record]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.unavailable_if(&self.writes_fail)?;
            self.records.write_records(records).await
        })
    }

    fn read_diagnoses<'a>(
        &'a self,
        query: &'a DiagnosisQuery,
    ) -> BoxFuture<'a, Result<Vec<DiagnosisRecord>, StoreError>> {
        self.records.read_diagnoses(query)
    }

    fn load_alarms(&self) -> BoxFuture<'_, Result<Vec<AlarmRecord>, StoreError>> {
        self.records.load_alarms()
    }

    fn read_alarm_journal<'a>(
        &'a self,
        query: &'a AlarmJournalQuery,
    ) -> BoxFuture<'a, Result<Vec<AlarmJournalEntry>, StoreError>> {
        self.records.read_alarm_journal(query)
    }

    fn read_audit<'a>(&'a self, query: &'a AuditQuery) -> BoxFuture<'a, Result<Vec<AuditEntry>, StoreError>> {
        self.records.read_audit(query)
    }

    fn load_baselines(&self) -> BoxFuture<'_, Result<Vec<StoredBaseline>, StoreError>> {
        self.records.load_baselines()
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

    /// Wells in the fleet view with no actor behind them, so nothing but the test drives their
    /// alarms (a polling well raises its own, `comms_loss` first, against the refusing device).
    pub fn with_idle_wells(self, ids: &[&str]) -> Self {
        for id in ids {
            let endpoint = "10.0.0.1:502 unit 1".to_owned();
            let well = WellSnapshot::new(well_id(id), format!("well {id}"), "esp-default".into(), endpoint, 8);
            assert!(self.state.fleet.insert(well), "adding {id}");
        }
        self
    }

    /// Feeds one alarm point's condition to the book now, as its owner would; returns its id.
    /// Use names no well rule judges (`supervision_failed`), or feeder sources, so a polling
    /// well never re-evaluates the point behind the test's back.
    pub fn condition(&self, source: &Source, name: &str, config: AlarmConfig, measured: bool) -> AlarmId {
        let message = format!("{name} for the test");
        self.state.alarms.evaluate(source, Evaluation::condition(name, config, measured, &message), Utc::now());
        AlarmId::new(source, name)
    }

    /// Writes everything the recorder holds, so the store shows what handlers submitted.
    pub async fn flush(&self) {
        let flushed = self.state.recorder.call(RecorderMsg::Flush, Some(SECOND)).await;
        assert!(matches!(flushed, Ok(ractor::rpc::CallResult::Success(_))), "flushing the recorder: {flushed:?}");
    }

    /// The audit trail of the last day, flushed first, oldest first.
    pub async fn audit_entries(&self) -> Vec<AuditEntry> {
        self.flush().await;
        let now = Utc::now();
        let query = AuditQuery::between(now - chrono::TimeDelta::days(1), now + chrono::TimeDelta::minutes(1), 1_000);
        self.store.read_audit(&query).await.unwrap_or_else(|e| panic!("reading the audit: {e}"))
    }

    pub async fn post(&self, uri: &str) -> Answer {
        self.send(request(Method::POST, uri, Body::empty())).await
    }

    /// Sends a request as `admin`, unless it carries credentials of its own.
    pub async fn send(&self, mut request: Request<Body>) -> Answer {
        if !request.headers().contains_key(header::AUTHORIZATION) {
            let bearer = format!("Bearer {}", auth::token_for(wellvisor::auth::Role::Admin));
            request.headers_mut().insert(header::AUTHORIZATION, bearer.parse().unwrap_or_else(|e| panic!("{e}")));
        }
        self.send_as_is(request).await
    }

    /// The same app, its router allowing cross-origin calls from `origins`.
    pub fn with_cors(self, origins: &[&str]) -> Self {
        let origins = origins.iter().map(|o| o.parse().unwrap_or_else(|e| panic!("{e}"))).collect();
        self.with_security(Vec::new(), origins)
    }

    /// The same app behind the proxies at `proxies`, as the rate limits see it.
    pub fn behind_proxies(self, proxies: &[&str]) -> Self {
        let proxies = proxies.iter().map(|p| p.parse().unwrap_or_else(|e| panic!("{e}"))).collect();
        self.with_security(proxies, Vec::new())
    }

    fn with_security(mut self, proxies: Vec<std::net::IpAddr>, origins: Vec<header::HeaderValue>) -> Self {
        let config = wellvisor::config::RateLimitConfig::default();
        let limiter = wellvisor::http::rate_limit::RateLimiter::new(config, proxies);
        let mut security = wellvisor::http::guard::Security::new(self.state.security.auth.clone(), limiter);
        if let Some(security) = Arc::get_mut(&mut security) {
            security.cors_origins = origins;
        }
        self.state.security = security;
        self.router = router(self.state.clone(), HttpLimits::default());
        self
    }

    /// The status and headers only, the body left unread: for streams that never end.
    pub async fn head_of(&self, request: Request<Body>) -> (StatusCode, HeaderMap) {
        let response = self.router.clone().oneshot(request).await.unwrap_or_else(|never| match never {});
        (response.status(), response.headers().clone())
    }

    /// Sends a request with exactly the credentials it carries, none included.
    pub async fn send_as_is(&self, request: Request<Body>) -> Answer {
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

pub fn well_source(id: &str) -> Source {
    Source::Well(well_id(id))
}

async fn spawn_tree(store: Arc<MemoryStore>) -> AppState {
    let policy = FlushPolicy { batch_size: 16, max_age: Duration::from_millis(50), retry_delay: SECOND };
    let (intake, recorder_args) = recorder_queue(store.clone(), 64, DEFAULT_RECORD_CAPACITY, policy);
    let recorder: ActorRef<RecorderMsg> = spawn("recorder", RecorderActor, recorder_args).await;
    let fleet = FleetView::new(64);
    let alarms = AlarmBook::new(chrono::Utc::now());
    let fleet_args = FleetArgs {
        view: fleet.clone(),
        alarms: alarms.clone(),
        recorder: Some(intake.clone()),
        clock: Arc::new(SystemClock),
    };
    let fleet_actor = spawn("fleet", FleetActor, fleet_args).await;
    let context = WellContext {
        connector: Arc::new(RefusingConnector),
        fleet: fleet.clone(),
        fleet_actor: fleet_actor.clone(),
        recorder: intake.clone(),
        clock: Arc::new(SystemClock),
        alarms: alarms.clone(),
    };
    let supervisor_args = SupervisorArgs { context, policy: RestartPolicy::default() };
    let supervisor: ActorRef<SupervisorMsg> = spawn("supervisor", WellSupervisor, supervisor_args).await;
    let profile = Profile::from_toml("esp-default", PROFILE).unwrap_or_else(|e| panic!("{e:?}"));
    let profiles = BTreeMap::from([("esp-default".to_owned(), Arc::new(profile))]);
    let wells = Arc::new(WellFactory::new(profiles, PollSettings::default()));
    let health = Arc::new(Health::new());
    AppState {
        fleet,
        fleet_actor,
        supervisor,
        recorder,
        store,
        wells,
        health,
        alarms,
        records: intake,
        security: auth::test_security().await,
        call_timeout: 2 * SECOND,
    }
}

async fn spawn<A: Actor>(what: &str, actor: A, args: A::Arguments) -> ActorRef<A::Msg> {
    match Actor::spawn(None, actor, args).await {
        Ok((actor, _join)) => actor,
        Err(error) => panic!("spawning the {what}: {error}"),
    }
}
