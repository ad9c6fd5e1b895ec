//! `GET /api/v1/events` through the real service, its in-process simulator and real TCP: a
//! subscriber sees a well go offline and come back online, with the alarm that follows; restarts
//! say whether the supervisor or an operator made them; a stalled subscriber does not slow the
//! fleet and is dropped and counted; bad filters and one subscriber too many are refused with
//! the API's JSON errors; and shutting down ends open streams instead of waiting on them.

#[path = "support/sse_client.rs"]
mod sse_client;
mod support;

use std::time::{Duration, Instant};

use chrono::Utc;
use ractor::call_t;
use serde_json::Value;
use sse_client::{Opened, SseEvent, SseStream};
use support::{eventually, free_ports, Scratch};
use wellvisor::app::RunningApp;
use wellvisor::sim::CommsFault;
use wellvisor_actors::diagnostics::book::Evaluation;
use wellvisor_actors::diagnostics::{AlarmConfig, Priority, Source};
use wellvisor_actors::domain::WellId;
use wellvisor_actors::supervisor::SupervisorMsg;

/// How long a test waits for an event or a state before failing.
const WITHIN: Duration = Duration::from_secs(10);
const PERIOD: Duration = Duration::from_millis(200);

/// A running service and what every request to it carries.
struct Service {
    app: RunningApp,
    /// `Authorization`: the test admin's token.
    headers: Vec<(&'static str, String)>,
    _scratch: Scratch,
}

impl Service {
    /// `wells` simulated wells polled every [`PERIOD`], `subscribers` allowed on the stream.
    async fn start(wells: u16, subscribers: usize) -> Service {
        let scratch = Scratch::new();
        let base_port = free_ports(wells);
        let path = scratch.config(&format!(
            "[http]\nbind = \"127.0.0.1:0\"\nevent_subscribers = {subscribers}\n\
             [storage]\nurl = \"sqlite://{{db}}\"\n[polling]\nperiod = \"200ms\"\ntimeout = \"150ms\"\n\
             [supervision]\nbackoff_initial = \"50ms\"\nbackoff_cap = \"200ms\"\n\
             [simulator]\nwells = {wells}\nbase_port = {base_port}\n\
             [[well_group]]\nprefix = \"W-\"\ncount = {wells}\nprofile = \"esp-default\"\nfirst_port = {base_port}\n"
        ));
        let loaded = wellvisor::config::load(&path, &support::auth::test_env).expect("config");
        let app = wellvisor::app::start(&loaded).await.expect("start");
        let token = support::auth::token_for(wellvisor::auth::Role::Admin);
        let headers = vec![("authorization", format!("Bearer {token}"))];
        let service = Service { app, headers, _scratch: scratch };
        let online = |app: &RunningApp| app.fleet.summary().connection.get("online").copied().unwrap_or(0);
        let count = usize::from(wells);
        eventually(WITHIN, "every well online", async || (online(&service.app) == count).then_some(())).await;
        service
    }

    fn headers(&self) -> Vec<(&str, &str)> {
        self.headers.iter().map(|(name, value)| (*name, value.as_str())).collect()
    }

    async fn open(&self, path: &str) -> Opened {
        sse_client::open(self.app.http_addr, path, &self.headers()).await
    }

    async fn subscribe(&self, path: &str) -> SseStream {
        self.open(path).await.stream()
    }

    fn set_fault(&self, well: &str, fault: CommsFault) {
        let simulator = self.app.simulator.as_ref().expect("the in-process simulator");
        simulator.set_fault(well, fault).expect("the simulated well exists");
    }

    fn polls(&self, well: &str) -> u64 {
        let id = WellId::new(well).expect("id");
        self.app.fleet.read(&id, |w| w.counters.polls_ok).expect("the well is in the fleet")
    }

    async fn subscribers_become(&self, connected: usize) {
        let stats = self.app.fleet.subscribers();
        eventually(WITHIN, &format!("{connected} subscribers"), async || {
            (stats.connected() == connected).then_some(())
        })
        .await;
    }
}

fn is_connection(event: &SseEvent, well: &str, to: &str) -> bool {
    let data = event.json();
    event.event == "status" && data["well_id"] == well && data["kind"] == "connection" && data["to"] == to
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_sees_a_well_go_offline_and_come_back_online() {
    let service = Service::start(3, 8).await;
    let mut events = service.subscribe("/api/v1/events?well=W-002&kind=status,alarm").await;
    let mut seen = Vec::new();

    service.set_fault("W-002", CommsFault::Silent);
    events.wait_for(WITHIN, "W-002 offline", &mut seen, |e| is_connection(e, "W-002", "offline")).await;
    let alarm = events
        .wait_for(WITHIN, "W-002's comms_loss alarm", &mut seen, |e| {
            e.event == "alarm" && e.json()["name"] == "comms_loss"
        })
        .await
        .json();
    assert_eq!(
        (&alarm["alarm_id"], &alarm["to"], &alarm["cause"]),
        (&"W-002:comms_loss".into(), &"unacknowledged".into(), &"activated".into())
    );
    assert_eq!(alarm["source"], serde_json::json!({ "kind": "well", "id": "W-002" }));

    service.set_fault("W-002", CommsFault::None);
    events.wait_for(WITHIN, "W-002 online again", &mut seen, |e| is_connection(e, "W-002", "online")).await;

    let ids: Vec<u64> = seen.iter().map(|e| e.id.expect("every event has an id")).collect();
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "ids increase: {ids:?}");
    for event in &seen {
        let data = event.json();
        let well = data.get("well_id").or_else(|| data["source"].get("id"));
        assert_eq!(well, Some(&Value::from("W-002")), "only the well asked for: {event:?}");
        assert!(["status", "alarm"].contains(&event.event.as_str()), "only the kinds asked for: {event:?}");
    }
    drop(events);
    service.subscribers_become(0).await;
    service.app.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic_and_operator_restarts_are_told_apart() {
    let service = Service::start(2, 8).await;
    let mut events = service.subscribe("/api/v1/events?kind=restart").await;
    let well = WellId::new("W-001").expect("id");

    let panicked = call_t!(service.app.supervisor, SupervisorMsg::Panic, 1_000, well.clone());
    assert!(matches!(panicked, Ok(Ok(()))), "{panicked:?}");
    let automatic = events.next_event(WITHIN).await.expect("a restart event");
    let data = automatic.json();
    assert_eq!(
        (automatic.event.as_str(), &data["well_id"], &data["cause"]),
        ("restart", &"W-001".into(), &"automatic".into())
    );
    assert!(data["reason"].as_str().is_some_and(|r| r.contains("test panic")), "{data}");

    let restarted = call_t!(service.app.supervisor, SupervisorMsg::Restart, 5_000, well.clone());
    assert!(matches!(restarted, Ok(Ok(()))), "{restarted:?}");
    let operator = events.next_event(WITHIN).await.expect("a restart event").json();
    assert_eq!((&operator["well_id"], &operator["cause"]), (&"W-001".into(), &"operator".into()));
    assert!(operator.get("reason").is_none(), "{operator}");
    service.app.shutdown().await.expect("shutdown");
}

/// Alarm changes the test makes in the book directly: far more events, far faster, than any
/// well produces, so a client that does not read falls behind within a second or two.
fn flood(service: &Service, events: usize, round: &mut u64) {
    let config = AlarmConfig::new(Priority::Low);
    for _ in 0..events {
        *round += 1;
        let measured = *round % 2 == 1;
        let evaluation = Evaluation::condition("event_flood", config.clone(), measured, "the test's flood");
        service.app.alarms.evaluate(&Source::System, evaluation, Utc::now());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_subscriber_does_not_slow_the_fleet_and_is_dropped_and_counted() {
    /// The stall lasts this long; every well should poll `WINDOW / PERIOD` times in it.
    const WINDOW: Duration = Duration::from_secs(4);
    /// Generous: scheduling on a busy two-core machine, and a poll in flight at either end.
    const FLOOR: u64 = 8;
    /// A bound on the flood, far above what fills the stalled client's buffers.
    const MOST_EVENTS: usize = 400_000;
    let wells = ["W-001", "W-002", "W-003"];
    let service = Service::start(3, 8).await;
    let addr = service.app.http_addr;
    let stats = service.app.fleet.subscribers();

    let stalled = sse_client::stalled(addr, "/api/v1/events", &service.headers(), 2_048).await;
    service.subscribers_become(1).await;
    let mut reader = service.subscribe("/api/v1/events?kind=status").await;
    service.subscribers_become(2).await;
    let polls_before: Vec<u64> = wells.iter().map(|w| service.polls(w)).collect();
    let stall_began = Instant::now();

    let (mut round, mut flooded) = (0, 0);
    while stats.dropped_total() == 0 {
        assert!(flooded < MOST_EVENTS, "still not dropped after {flooded} events");
        flood(&service, 500, &mut round);
        flooded += 500;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!("the stalled subscriber was dropped after {flooded} events, {:?}", stall_began.elapsed());
    assert_eq!((stats.dropped_total(), stats.connected()), (1, 1), "only the stalled one was dropped");

    // The reader still follows the fleet while the stalled client holds its connection open.
    service.set_fault("W-003", CommsFault::Silent);
    let mut seen = Vec::new();
    reader.wait_for(WITHIN, "W-003 offline", &mut seen, |e| is_connection(e, "W-003", "offline")).await;
    tokio::time::sleep(WINDOW.saturating_sub(stall_began.elapsed())).await;
    let elapsed = stall_began.elapsed();
    for (well, before) in wells.iter().take(2).zip(&polls_before) {
        let polls = service.polls(well) - before;
        println!(
            "{well}: {polls} polls in {elapsed:?} of stall ({} expected)",
            elapsed.as_millis() / PERIOD.as_millis()
        );
        assert!(polls >= FLOOR, "{well} polled only {polls} times in {elapsed:?}");
    }
    assert_eq!(stats.dropped_total(), 1);
    drop(stalled);
    drop(reader);
    service.subscribers_become(0).await;
    service.app.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_filters_and_one_subscriber_too_many_are_refused_and_shutdown_ends_open_streams() {
    let service = Service::start(1, 2).await;
    let refused = |opened: Opened| match opened {
        Opened::Refused { status, headers, body } => (status, headers, body),
        Opened::Stream(_) => panic!("the subscription was accepted"),
    };
    let (status, _, body) = refused(service.open("/api/v1/events?well=W-001,W-998,W-999").await);
    assert_eq!((status, &body["error"]["code"]), (404, &"unknown_well".into()), "{body}");
    assert_eq!(body["error"]["message"], "unknown wells W-998, W-999");
    let (status, _, body) = refused(service.open("/api/v1/events?well=W%20001").await);
    assert_eq!((status, &body["error"]["code"]), (400, &"bad_request".into()), "{body}");
    let (status, _, body) = refused(service.open("/api/v1/events?kind=status,weather").await);
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("weather")), "{body}");

    let mut first = service.subscribe("/api/v1/events").await;
    let _second = service.subscribe("/api/v1/events?well=W-001").await;
    let (status, headers, body) = refused(service.open("/api/v1/events").await);
    assert_eq!((status, &body["error"]["code"]), (503, &"unavailable".into()), "{body}");
    assert!(headers.iter().any(|(name, value)| name == "retry-after" && value == "5"), "{headers:?}");
    assert_eq!(service.app.fleet.subscribers().refused_total(), 1);

    let stopping = tokio::spawn(service.app.shutdown());
    let deadline = Instant::now() + WITHIN;
    while first.next_event(deadline.saturating_duration_since(Instant::now())).await.is_some() {}
    stopping.await.expect("the shutdown task").expect("shutdown");
}
