//! The setting of the dashboard's browser tests: wellvisor running in-process with simulated
//! wells polled fast, a viewer and an operator who can log in, and a headless browser. Tests
//! switch the simulator's faults and fail wells through it, and log in through the login page.

#![allow(dead_code)]

use std::time::Duration;

use chrono::Utc;
use ractor::call_t;
use serde_json::{json, Value};
use wellvisor::app::RunningApp;
use wellvisor::auth::Role;
use wellvisor::sim::CommsFault;
use wellvisor_actors::domain::WellId;
use wellvisor_actors::supervisor::SupervisorMsg;

use crate::support::{eventually, free_ports, Scratch};
use crate::webdriver::Browser;

/// Every wait in the browser tests ends within this.
pub const WAIT: Duration = Duration::from_secs(20);

/// Someone who logs in to the dashboard.
#[derive(Clone, Copy, Debug)]
pub struct User {
    pub name: &'static str,
    pub role: Role,
    pub password: &'static str,
}

pub const VIEWER: User = User { name: "viewer", role: Role::Viewer, password: "viewer password 6" };
pub const OPERATOR: User = User { name: "operator", role: Role::Operator, password: "operator password 6" };

/// A running wellvisor and a browser pointed at it.
pub struct Rig {
    pub app: RunningApp,
    pub browser: Browser,
    /// `http://127.0.0.1:<port>`, the dashboard's origin.
    pub origin: String,
    _scratch: Scratch,
}

impl Rig {
    /// Six wells polled every 250 ms, the browser's screenshots under `test`.
    pub async fn start(test: &str) -> Rig {
        Rig::start_with(test, 6, "250ms").await
    }

    /// `wells` simulated wells polled every `period`.
    pub async fn start_with(test: &str, wells: u16, period: &str) -> Rig {
        let scratch = Scratch::new();
        let app = start_app(&scratch, wells, period).await;
        for user in [VIEWER, OPERATOR] {
            let directory = &app.security.auth.directory;
            let added = directory.add_user(user.name, user.role, user.password, Utc::now()).await;
            added.unwrap_or_else(|e| panic!("add user {}: {e}", user.name));
        }
        let browser = Browser::start(test).await;
        let origin = format!("http://{}", app.http_addr);
        Rig { app, browser, origin, _scratch: scratch }
    }

    /// Opens the dashboard at `hash` (`#/alarms`), a new page load.
    pub async fn open(&self, hash: &str) {
        self.browser.goto(&format!("{}/{hash}", self.origin)).await;
    }

    /// Logs in through the login page and waits for the header to name the user.
    pub async fn login(&self, user: User) {
        self.open("#/login").await;
        self.browser.wait_for("[data-testid=login-form] #username", WAIT).await.send_keys(user.name).await;
        self.browser.find("#password").await.send_keys(user.password).await;
        self.browser.find("[data-testid=login-submit]").await.click().await;
        self.wait_for_user(user).await;
    }

    /// Waits until the header shows `user` as logged in ("name (role)").
    pub async fn wait_for_user(&self, user: User) {
        let shown = format!("{} ({})", user.name, user.role.as_str());
        let script = "const e = document.querySelector('[data-testid=current-user]'); \
                      return !!e && e.getClientRects().length > 0 && e.textContent.trim() === arguments[0];";
        self.browser.wait_until(&format!("the header to show {shown}"), script, vec![json!(shown)], WAIT).await;
    }

    /// Switches a comms fault on or off in the simulator.
    pub fn fault(&self, well: &str, fault: CommsFault) {
        let simulator = self.app.simulator.as_ref().expect("the rig runs the simulator");
        simulator.set_fault(well, fault).unwrap_or_else(|e| panic!("fault {well}: {e}"));
    }

    /// Makes the well's actor panic five times, so supervision gives up and leaves it `failed`.
    pub async fn fail_well(&self, well: &str) {
        let id = WellId::new(well).expect("a well id");
        for restarts in 1..=5u32 {
            let sent = call_t!(self.app.supervisor, SupervisorMsg::Panic, 1_000, id.clone());
            assert!(matches!(sent, Ok(Ok(()))), "panic {well}: {sent:?}");
            let expected = if restarts < 5 { ("running", restarts) } else { ("failed", 4) };
            eventually(WAIT, &format!("{well} {expected:?}"), async || {
                let now = self.app.fleet.read(&id, |w| (w.supervision.to_string(), w.restarts))?;
                (now.0 == expected.0 && now.1 == expected.1).then_some(())
            })
            .await;
        }
    }

    /// `GET` on the API as admin.
    pub async fn api(&self, path: &str) -> Value {
        let (status, body) = crate::support::get(self.app.http_addr, path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    pub async fn shutdown(self) {
        drop(self.browser);
        self.app.shutdown().await.expect("shutdown");
    }
}

async fn start_app(scratch: &Scratch, wells: u16, period: &str) -> RunningApp {
    let base_port = free_ports(wells);
    let path = scratch.config(&format!(
        "[http]\nbind = \"127.0.0.1:0\"\n[storage]\nurl = \"sqlite://{{db}}\"\nbatch_max_age = \"100ms\"\n\
         [polling]\nperiod = \"{period}\"\ntimeout = \"150ms\"\nbackoff_initial = \"100ms\"\nbackoff_cap = \"500ms\"\n\
         [supervision]\nbackoff_initial = \"50ms\"\nbackoff_cap = \"200ms\"\n\
         [simulator]\nwells = {wells}\nbase_port = {base_port}\n\
         [[well_group]]\nprefix = \"W-\"\ncount = {wells}\nprofile = \"esp-default\"\nfirst_port = {base_port}\n"
    ));
    let loaded = wellvisor::config::load(&path, &crate::support::auth::test_env).expect("config");
    wellvisor::app::start(&loaded).await.expect("start")
}
