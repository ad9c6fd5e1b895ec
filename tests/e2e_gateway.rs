//! Wells behind one gateway share its connection: eight unit ids on one host:port open one TCP
//! connection, and a silent unit (the gateway answers 0x0B for it) goes offline while its
//! neighbours stay online.

mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{eventually, Scratch};
use tokio::net::{TcpListener, TcpStream};
use wellvisor::sim::{self, CommsFault, Scenario, SimConfig};
use wellvisor_actors::device::Profile;
use wellvisor_actors::domain::WellId;

const UNITS: usize = 8;

/// A TCP proxy that counts the connections it accepts.
async fn counting_proxy(upstream: SocketAddr) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let addr = listener.local_addr().expect("proxy addr");
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if let Ok(mut server) = TcpStream::connect(upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    (addr, accepted)
}

fn connection(app: &wellvisor::app::RunningApp, id: &str) -> Option<String> {
    app.fleet.read(&WellId::new(id).expect("id"), |w| w.connection.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_behind_one_gateway_share_one_connection_and_fail_alone() {
    let text = include_str!("../config/profiles/esp-default.toml");
    let profile = Arc::new(Profile::from_toml("esp-default", text).expect("profile"));
    let config = SimConfig {
        wells: UNITS,
        base_port: 0,
        gateway: true,
        bind_ip: [127, 0, 0, 1].into(),
        profile,
        scenario: Scenario::empty(),
        control_bind: None,
        seed: 7,
        well_data: Vec::new(),
    };
    let simulator = sim::start(config).await.expect("simulator");
    let (proxy, accepted) = counting_proxy(simulator.endpoints()[0].1).await;

    let scratch = Scratch::new();
    let path = scratch.config(&format!(
        "[http]\nbind = \"127.0.0.1:0\"\n[storage]\nurl = \"sqlite://{{db}}\"\n[polling]\nperiod = \"500ms\"\ntimeout = \"400ms\"\n\
         [[well_group]]\nprefix = \"G-\"\ncount = {UNITS}\nprofile = \"esp-default\"\nfirst_port = {}\ngateway = true\n",
        proxy.port()
    ));
    let loaded = wellvisor::config::load(&path, &support::auth::test_env).expect("config");
    let app = wellvisor::app::start(&loaded).await.expect("start");
    eventually(Duration::from_secs(10), "every unit online", async || {
        let online = app.fleet.summary().connection.get("online").copied().unwrap_or(0);
        (online == UNITS).then_some(())
    })
    .await;
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "all units share one connection");

    simulator.set_fault(&sim::well_id(2), CommsFault::Silent).expect("fault");
    eventually(Duration::from_secs(5), "the silent unit offline", async || {
        (connection(&app, "G-003").as_deref() == Some("offline")).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    for unit in (1..=UNITS).filter(|unit| *unit != 3) {
        assert_eq!(connection(&app, &format!("G-{unit:03}")).as_deref(), Some("online"), "G-{unit:03}");
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "a silent unit does not cost the gateway its connection");

    app.shutdown().await.expect("shutdown");
    simulator.shutdown().await;
}
