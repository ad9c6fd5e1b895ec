//! Test doubles shared by this crate's tests and the service's: a scriptable in-process
//! device behind the `Connector` seam, and an in-memory `Store`. Built only for tests and
//! with the `test-hooks` feature.

mod memory_store;
mod records;
mod rollups;

use std::future::pending;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::device::codec::encode;
use crate::device::link::BoxFuture;
use crate::device::{Connector, DeviceError, Endpoint, Field, FunctionCode, Link, Profile};
use crate::domain::{Parameter, Values};

pub use memory_store::MemoryStore;
pub use rollups::rollups_of;

/// What the fake device does, switchable while wells poll it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FakeBehaviour {
    /// Answers every read from its register image.
    Healthy,
    /// Refuses connections.
    Refuse,
    /// Accepts connections, never answers a read.
    Silent,
    /// Answers every read with this exception code.
    Exception(u8),
    /// Answers with a frame that does not parse.
    Garbage,
}

struct FakeInner {
    behaviour: FakeBehaviour,
    holding: Vec<u16>,
    input: Vec<u16>,
    profile: Profile,
    /// The engineering values last set, which wobbling channels vary around.
    values: Values,
    /// Channels that vary on every read: the field and the amplitude.
    wobble: Vec<(Field, f64)>,
    /// Reads answered so far, the wobble's phase.
    wobble_reads: u64,
}

/// The wobble's steps, in amplitudes: a fixed cycle, so runs repeat exactly. Its length is odd,
/// so a channel read every other read (one block of two per poll) still takes every step.
const WOBBLE: [f64; 7] = [0.0, 1.0, -1.0, 0.5, -0.5, 0.25, -0.25];

impl FakeInner {
    /// Encodes `value` into the register image per the profile; parameters it lacks are ignored.
    fn write(&mut self, parameter: Parameter, value: f64) {
        let Some(field) = self.profile.field(parameter).cloned() else { return };
        self.encode(&field, value);
    }

    fn encode(&mut self, field: &Field, value: f64) {
        let image = match field.function {
            FunctionCode::Holding => &mut self.holding,
            FunctionCode::Input => &mut self.input,
        };
        let raw = if field.parameter.is_code() { value } else { field.unscaled(value) };
        encode(field.kind, field.word_order, field.bits, raw, &mut image[usize::from(field.address)..]);
    }

    /// Moves every wobbling channel to its next step around its set value.
    fn step_wobble(&mut self) {
        let step = WOBBLE[(self.wobble_reads % WOBBLE.len() as u64) as usize];
        self.wobble_reads += 1;
        let wobble = std::mem::take(&mut self.wobble);
        for (field, amplitude) in &wobble {
            if let Some(base) = self.values.get(field.parameter) {
                self.encode(field, base + step * amplitude);
            }
        }
        self.wobble = wobble;
    }
}

/// A device for every endpoint, sharing one behaviour and one register image.
#[derive(Clone)]
pub struct FakeDevice {
    inner: Arc<Mutex<FakeInner>>,
    connects: Arc<AtomicU64>,
    reads: Arc<AtomicU64>,
}

impl FakeDevice {
    /// A healthy device whose registers hold `values` encoded per `profile`.
    pub fn new(profile: &Profile, values: &[(Parameter, f64)]) -> Self {
        let inner = FakeInner {
            behaviour: FakeBehaviour::Healthy,
            holding: vec![0u16; 65_536],
            input: vec![0u16; 65_536],
            profile: profile.clone(),
            values: Values::default(),
            wobble: Vec::new(),
            wobble_reads: 0,
        };
        let device = Self { inner: Arc::new(Mutex::new(inner)), connects: Arc::default(), reads: Arc::default() };
        device.set_values(values);
        device
    }

    pub fn set(&self, behaviour: FakeBehaviour) {
        self.lock().behaviour = behaviour;
    }

    /// Changes register values while wells poll; the others keep theirs.
    pub fn set_values(&self, values: &[(Parameter, f64)]) {
        let mut inner = self.lock();
        for (parameter, value) in values {
            inner.values.set(*parameter, *value);
            inner.write(*parameter, *value);
        }
    }

    /// Makes these channels vary around their set values on every read, by up to the given
    /// amplitude in a fixed cycle: a live gauge for hours-long runs, which a bit-identical
    /// channel is not (it reads as a frozen `sensor_fault` after 30 min of running).
    pub fn set_wobble(&self, wobble: &[(Parameter, f64)]) {
        let mut inner = self.lock();
        let fields = wobble.iter().filter_map(|(parameter, amplitude)| {
            inner.profile.field(*parameter).map(|field| (field.clone(), *amplitude))
        });
        inner.wobble = fields.collect();
    }

    /// Connections accepted so far.
    pub fn connects(&self) -> u64 {
        self.connects.load(Ordering::SeqCst)
    }

    /// Reads received so far.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::SeqCst)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Connector for FakeDevice {
    fn connect<'a>(&'a self, _endpoint: &'a Endpoint) -> BoxFuture<'a, Result<Box<dyn Link>, DeviceError>> {
        let refused = self.lock().behaviour == FakeBehaviour::Refuse;
        Box::pin(async move {
            if refused {
                return Err(DeviceError::Connect(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)));
            }
            self.connects.fetch_add(1, Ordering::SeqCst);
            Ok(Box::new(FakeLink { device: self.clone() }) as Box<dyn Link>)
        })
    }
}

struct FakeLink {
    device: FakeDevice,
}

impl Link for FakeLink {
    fn read(
        &mut self,
        function: FunctionCode,
        address: u16,
        count: u16,
    ) -> BoxFuture<'_, Result<Vec<u16>, DeviceError>> {
        self.device.reads.fetch_add(1, Ordering::SeqCst);
        let reply = {
            let mut inner = self.device.lock();
            inner.step_wobble();
            let image = match function {
                FunctionCode::Holding => &inner.holding,
                FunctionCode::Input => &inner.input,
            };
            let words = image[usize::from(address)..usize::from(address) + usize::from(count)].to_vec();
            match inner.behaviour {
                FakeBehaviour::Healthy => Some(Ok(words)),
                FakeBehaviour::Refuse => Some(Err(DeviceError::Transport(std::io::ErrorKind::ConnectionReset.into()))),
                FakeBehaviour::Silent => None,
                FakeBehaviour::Exception(code) => Some(Err(DeviceError::Exception(code))),
                FakeBehaviour::Garbage => Some(Err(DeviceError::Protocol("invalid frame".into()))),
            }
        };
        Box::pin(async move {
            match reply {
                Some(reply) => reply,
                None => pending().await,
            }
        })
    }
}

/// A whole supervision tree over a [`FakeDevice`] and a [`MemoryStore`], for actor tests.
pub mod tree {
    use std::sync::Arc;
    use std::time::Duration;

    use ractor::{Actor, ActorRef};

    use super::{FakeDevice, MemoryStore};
    use crate::clock::TokioClock;
    use crate::device::{Endpoint, Profile};
    use crate::diagnostics::book::AlarmBook;
    use crate::domain::{Parameter, WellId};
    use crate::fleet::{FleetActor, FleetArgs, FleetMsg, FleetView, WellSnapshot};
    use crate::recorder::{
        recorder_queue, FlushPolicy, RecorderActor, RecorderIntake, RecorderMsg, DEFAULT_RECORD_CAPACITY,
    };
    use crate::supervisor::{RestartPolicy, SupervisorArgs, SupervisorMsg, WellSupervisor};
    use crate::well::{PollSettings, WellContext, WellSpec};

    /// The profile the fake device and test wells use.
    pub fn profile() -> Arc<Profile> {
        let text = include_str!("../../config/profiles/esp-default.toml");
        Arc::new(Profile::from_toml("esp-default", text).unwrap_or_else(|e| panic!("{e}")))
    }

    /// Plausible running values.
    pub fn running_values() -> Vec<(Parameter, f64)> {
        vec![
            (Parameter::CurrentA, 41.5),
            (Parameter::CurrentB, 41.0),
            (Parameter::CurrentC, 41.9),
            (Parameter::Frequency, 58.5),
            (Parameter::IntakePressure, 1_450.0),
            (Parameter::MotorTemperature, 104.5),
            (Parameter::RunState, 3.0),
            (Parameter::TripCode, 0.0),
        ]
    }

    pub fn spec(id: &str, poll: PollSettings) -> WellSpec {
        let endpoint = Endpoint { host: "fake".into(), port: 502, unit_id: 1 };
        let id = WellId::new(id).unwrap_or_else(|e| panic!("{e}"));
        WellSpec::new(id.clone(), id.to_string(), profile(), endpoint, poll)
    }

    pub struct TestTree {
        pub device: FakeDevice,
        pub store: MemoryStore,
        pub fleet: FleetView,
        pub fleet_actor: ActorRef<FleetMsg>,
        pub recorder: ActorRef<RecorderMsg>,
        pub intake: RecorderIntake,
        pub supervisor: ActorRef<SupervisorMsg>,
        pub alarms: AlarmBook,
    }

    impl TestTree {
        /// Starts Recorder, Fleet and WellSupervisor (downstream first) over a healthy device.
        pub async fn start(policy: RestartPolicy) -> TestTree {
            Self::start_with_queue(policy, 10_000).await
        }

        pub async fn start_with_queue(policy: RestartPolicy, capacity: usize) -> TestTree {
            let device = FakeDevice::new(&profile(), &running_values());
            let store = MemoryStore::default();
            let flush = FlushPolicy {
                batch_size: 100,
                max_age: Duration::from_millis(500),
                retry_delay: Duration::from_millis(200),
            };
            let (intake, args) = recorder_queue(Arc::new(store.clone()), capacity, DEFAULT_RECORD_CAPACITY, flush);
            let (recorder, _) = Actor::spawn(None, RecorderActor, args).await.unwrap_or_else(|e| panic!("{e}"));
            let fleet = FleetView::new(1024);
            let alarms = AlarmBook::new(chrono::Utc::now());
            let (fleet_actor, _) = Actor::spawn(
                None,
                FleetActor,
                FleetArgs {
                    view: fleet.clone(),
                    alarms: alarms.clone(),
                    recorder: Some(intake.clone()),
                    clock: Arc::new(TokioClock::new()),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
            let context = WellContext {
                connector: Arc::new(device.clone()),
                fleet: fleet.clone(),
                fleet_actor: fleet_actor.clone(),
                recorder: intake.clone(),
                clock: Arc::new(TokioClock::new()),
                alarms: alarms.clone(),
            };
            let (supervisor, _) = Actor::spawn(None, WellSupervisor, SupervisorArgs { context, policy })
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            TestTree { device, store, fleet, fleet_actor, recorder, intake, supervisor, alarms }
        }

        /// The context a well spawned outside supervision needs.
        pub fn context(&self) -> WellContext {
            WellContext {
                connector: Arc::new(self.device.clone()),
                fleet: self.fleet.clone(),
                fleet_actor: self.fleet_actor.clone(),
                recorder: self.intake.clone(),
                clock: Arc::new(TokioClock::new()),
                alarms: self.alarms.clone(),
            }
        }

        pub async fn add(&self, spec: WellSpec) {
            let added = ractor::call_t!(self.supervisor, SupervisorMsg::Add, 5_000, spec);
            assert!(matches!(added, Ok(Ok(()))), "add failed: {added:?}");
        }

        /// Reads one well's snapshot.
        pub fn well<R>(&self, id: &str, read: impl FnOnce(&WellSnapshot) -> R) -> Option<R> {
            self.fleet.read(&WellId::new(id).unwrap_or_else(|e| panic!("{e}")), read)
        }

        /// Waits (in tokio time) until `condition` holds, failing after `within`.
        pub async fn until(&self, within: Duration, what: &str, mut condition: impl FnMut(&TestTree) -> bool) {
            let deadline = tokio::time::Instant::now() + within;
            while !condition(self) {
                assert!(tokio::time::Instant::now() < deadline, "timed out after {within:?} waiting for {what}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }

        /// Stops everything in reverse spawn order, flushing the recorder.
        pub async fn shutdown(self) -> u64 {
            let _ = ractor::call_t!(self.supervisor, SupervisorMsg::StopAll, 30_000);
            let flushed = ractor::call_t!(self.recorder, RecorderMsg::Flush, 30_000).unwrap_or(0);
            self.supervisor.stop(None);
            self.fleet_actor.stop(None);
            self.recorder.stop(None);
            flushed
        }
    }
}
