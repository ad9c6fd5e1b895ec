//! A small W3C WebDriver client for the dashboard's browser tests: it starts chromedriver, opens
//! a session in a headless Chromium, drives pages by CSS selector, mouse and keyboard, and saves
//! screenshots as artifacts of the run. Every wait is bounded; one that runs out fails the test
//! with a screenshot, the page's address and text and the browser's console errors.
//!
//! Chromium and chromedriver come from Debian's `chromium` and `chromium-driver` packages, or
//! from `WELLVISOR_CHROMIUM` / `WELLVISOR_CHROMEDRIVER`; screenshots go to
//! `target/browser-artifacts/<test>/` or under `WELLVISOR_BROWSER_ARTIFACTS`. A test binary
//! takes it with `mod support;` and `#[path = "support/webdriver.rs"] mod webdriver;`.

#![allow(dead_code)]

#[path = "webdriver_http.rs"]
mod wire;

#[path = "webdriver_figures.rs"]
pub mod figures;

#[path = "webdriver_element.rs"]
mod element;

use std::fmt;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

use crate::support::free_ports;

pub use element::Element;

/// WebDriver's codes for the special keys the tests press.
pub mod keys {
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const SPACE: &str = "\u{E00D}";
    pub const ARROW_UP: &str = "\u{E013}";
    pub const ARROW_DOWN: &str = "\u{E015}";
    pub const SHIFT: &str = "\u{E008}";
}

/// The key under which WebDriver answers an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How often a wait asks the page again.
const POLL: Duration = Duration::from_millis(100);

/// A refusal from the driver (`status` 0: the driver could not be reached).
#[derive(Clone, Debug)]
pub struct CommandError {
    pub status: u16,
    pub error: String,
    pub message: String,
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.error, self.status, self.message.lines().next().unwrap_or(""))
    }
}

/// chromedriver as a child process in its own process group, killed with its browsers on drop.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session; ended, and its driver stopped, when dropped.
pub struct Browser {
    session: String,
    driver: Driver,
    artifacts: PathBuf,
    steps: AtomicU32,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = wire::exchange_blocking(self.driver.port, "DELETE", &format!("/session/{}", self.session));
    }
}

impl Browser {
    /// Starts chromedriver and a 1366×768 headless Chromium; `test` names the artifacts folder.
    pub async fn start(test: &str) -> Browser {
        let chromium = binary("WELLVISOR_CHROMIUM", "/usr/bin/chromium", "Chromium");
        let chromedriver = binary("WELLVISOR_CHROMEDRIVER", "/usr/bin/chromedriver", "chromedriver");
        let driver = spawn_driver(&chromedriver).await;
        let profile = tempfile::tempdir().expect("a temporary Chromium profile");
        let session = open_session(driver.port, &chromium, profile.path()).await;
        let artifacts = artifacts_root().join(test);
        let _ = std::fs::remove_dir_all(&artifacts);
        std::fs::create_dir_all(&artifacts).unwrap_or_else(|e| panic!("mkdir {}: {e}", artifacts.display()));
        Browser { session, driver, artifacts, steps: AtomicU32::new(0), _profile: profile }
    }

    /// Where this test's screenshots go.
    pub fn artifacts(&self) -> &Path {
        &self.artifacts
    }

    /// One command of this session; `path` follows `/session/{id}`.
    pub async fn command(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, CommandError> {
        let full = format!("/session/{}{path}", self.session);
        let (status, answer) = wire::exchange(self.driver.port, method, &full, body.as_ref())
            .await
            .map_err(|e| CommandError { status: 0, error: "driver unreachable".into(), message: e.to_string() })?;
        let value = answer.get("value").cloned().unwrap_or(Value::Null);
        if status == 200 {
            return Ok(value);
        }
        let text = |key: &str| value[key].as_str().unwrap_or("").to_owned();
        Err(CommandError { status, error: text("error"), message: text("message") })
    }

    /// As [`Browser::command`], failing the test (with the page's state) on a refusal.
    async fn must(&self, what: &str, method: &str, path: &str, body: Option<Value>) -> Value {
        match self.command(method, path, body).await {
            Ok(value) => value,
            Err(error) => self.fail(&format!("{what}: {error}")).await,
        }
    }

    pub async fn goto(&self, url: &str) {
        self.must(&format!("open {url}"), "POST", "/url", Some(json!({ "url": url }))).await;
    }

    pub async fn url(&self) -> String {
        self.must("read the address", "GET", "/url", None).await.as_str().unwrap_or("").to_owned()
    }

    /// The first element matching `css`, if any.
    pub async fn try_find(&self, css: &str) -> Option<Element<'_>> {
        let found = self.command("POST", "/element", Some(by_css(css))).await.ok()?;
        Some(self.element(&found))
    }

    /// The first element matching `css`; fails the test when there is none.
    pub async fn find(&self, css: &str) -> Element<'_> {
        match self.try_find(css).await {
            Some(element) => element,
            None => self.fail(&format!("no element matches {css}")).await,
        }
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        let found = self.must(&format!("find {css}"), "POST", "/elements", Some(by_css(css))).await;
        found.as_array().map(|all| all.iter().map(|e| self.element(e)).collect()).unwrap_or_default()
    }

    /// Waits up to `within` for an element matching `css`.
    pub async fn wait_for(&self, css: &str, within: Duration) -> Element<'_> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(element) = self.try_find(css).await {
                return element;
            }
            if Instant::now() >= deadline {
                self.fail(&format!("no element matched {css} within {within:?}")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits up to `within` until the script `body` (a function body, given `args` as
    /// `arguments`) returns a truthy value, and returns that value. `what` names the condition
    /// in the failure.
    pub async fn wait_until(&self, what: &str, body: &str, args: Vec<Value>, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        let mut last;
        loop {
            match self.command("POST", "/execute/sync", Some(json!({ "script": body, "args": args }))).await {
                Ok(value) if truthy(&value) => return value,
                Ok(value) => last = format!("last result {value}"),
                Err(error) => last = format!("last error {error}"),
            }
            if Instant::now() >= deadline {
                self.fail(&format!("timed out after {within:?} waiting for {what} ({last})")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the first element matching `css` has `attribute` equal to `value`.
    pub async fn wait_for_attribute(&self, css: &str, attribute: &str, value: &str, within: Duration) {
        let what = format!("{css} to have {attribute}={value:?}");
        let script = "const e = document.querySelector(arguments[0]); return !!e && e.getAttribute(arguments[1]) === arguments[2];";
        self.wait_until(&what, script, vec![json!(css), json!(attribute), json!(value)], within).await;
    }

    /// Runs the script `body` (a function body) with `args` and returns what it returns.
    pub async fn execute(&self, body: &str, args: Vec<Value>) -> Value {
        let script = json!({ "script": body, "args": args });
        self.must("run a script", "POST", "/execute/sync", Some(script)).await
    }

    /// Runs the script `body`, which calls its last argument with the result.
    pub async fn execute_async(&self, body: &str, args: Vec<Value>) -> Value {
        let script = json!({ "script": body, "args": args });
        self.must("run an asynchronous script", "POST", "/execute/async", Some(script)).await
    }

    /// The element that has the keyboard focus.
    pub async fn active_element(&self) -> Element<'_> {
        let found = self.must("read the focused element", "GET", "/element/active", None).await;
        self.element(&found)
    }

    /// Presses and releases each key in turn at the focused element ([`keys`] or characters).
    pub async fn press(&self, keys: &[&str]) {
        let strokes: Vec<Value> = keys
            .iter()
            .flat_map(|key| [json!({"type": "keyDown", "value": key}), json!({"type": "keyUp", "value": key})])
            .collect();
        let actions = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": strokes }] });
        self.must("press keys", "POST", "/actions", Some(actions)).await;
    }

    /// The window's outer size in CSS pixels.
    pub async fn window_size(&self) -> (u64, u64) {
        let rect = self.must("read the window size", "GET", "/window/rect", None).await;
        (rect["width"].as_u64().unwrap_or(0), rect["height"].as_u64().unwrap_or(0))
    }

    pub async fn set_window_size(&self, width: u64, height: u64) {
        let rect = json!({ "width": width, "height": height });
        self.must("resize the window", "POST", "/window/rect", Some(rect)).await;
    }

    /// Saves a screenshot as `<NN>-<step>.png` in the test's artifacts folder.
    pub async fn screenshot(&self, step: &str) -> PathBuf {
        match self.try_screenshot(step).await {
            Ok(path) => path,
            Err(error) => panic!("screenshot {step}: {error}"),
        }
    }

    async fn try_screenshot(&self, step: &str) -> Result<PathBuf, String> {
        let encoded = self.command("GET", "/screenshot", None).await.map_err(|e| e.to_string())?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or(""))
            .map_err(|e| format!("the screenshot is not base64: {e}"))?;
        let number = self.steps.fetch_add(1, Ordering::Relaxed) + 1;
        let name: String =
            step.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
        let path = self.artifacts.join(format!("{number:02}-{name}.png"));
        std::fs::write(&path, png).map_err(|e| format!("write {}: {e}", path.display()))?;
        Ok(path)
    }

    /// The browser console's errors since the last call (the driver hands each entry once).
    pub async fn console_errors(&self) -> Vec<String> {
        let Ok(entries) = self.command("POST", "/se/log", Some(json!({ "type": "browser" }))).await else {
            return Vec::new();
        };
        let entries = entries.as_array().cloned().unwrap_or_default();
        let severe = entries.iter().filter(|entry| entry["level"] == "SEVERE");
        severe.filter_map(|entry| entry["message"].as_str().map(str::to_owned)).collect()
    }

    /// Fails the test with `message`, a screenshot and what the page showed and logged.
    pub async fn fail(&self, message: &str) -> ! {
        let shot = match self.try_screenshot("failure").await {
            Ok(path) => path.display().to_string(),
            Err(error) => format!("none ({error})"),
        };
        let url = self.command("GET", "/url", None).await.map(|v| v.to_string()).unwrap_or_default();
        let script =
            json!({ "script": "return document.body ? document.body.innerText.slice(0, 1500) : ''", "args": [] });
        let text = self.command("POST", "/execute/sync", Some(script)).await.unwrap_or_default();
        let errors = self.console_errors().await;
        panic!(
            "{message}\n  page: {url}\n  screenshot: {shot}\n  console errors: {errors:#?}\n  page text: {}",
            text.as_str().unwrap_or("").replace('\n', " | ")
        );
    }

    fn element(&self, reference: &Value) -> Element<'_> {
        let id = reference[ELEMENT_KEY].as_str().unwrap_or_else(|| panic!("not an element reference: {reference}"));
        Element { browser: self, id: id.to_owned() }
    }
}

fn by_css(css: &str) -> Value {
    json!({ "using": "css selector", "value": css })
}

/// JavaScript's truthiness of a script's result.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// The binary named by `env`, else `default`; missing, the test fails saying what to install.
fn binary(env: &str, default: &str, what: &str) -> PathBuf {
    let path = std::env::var_os(env).map_or_else(|| PathBuf::from(default), PathBuf::from);
    assert!(
        path.is_file(),
        "{what} not found at {}: the dashboard's browser tests need Debian's chromium and chromium-driver \
         packages (apt-get install chromium chromium-driver), or {env} set to the binary",
        path.display()
    );
    path
}

fn artifacts_root() -> PathBuf {
    std::env::var_os("WELLVISOR_BROWSER_ARTIFACTS")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts"), PathBuf::from)
}

/// Starts chromedriver on a free port and waits until it says it is ready; a port taken in
/// between makes it exit, and another port is tried.
async fn spawn_driver(chromedriver: &Path) -> Driver {
    for _ in 0..3 {
        let port = free_ports(1);
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", chromedriver.display()));
        let mut driver = Driver { child, port };
        if driver_ready(&mut driver).await {
            return driver;
        }
    }
    panic!("{} did not become ready on three ports", chromedriver.display());
}

async fn driver_ready(driver: &mut Driver) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if !matches!(driver.child.try_wait(), Ok(None)) {
            return false;
        }
        if let Ok((200, status)) = wire::exchange(driver.port, "GET", "/status", None).await {
            if status["value"]["ready"] == true {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

async fn open_session(port: u16, chromium: &Path, profile: &Path) -> String {
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1366,768",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--enable-precise-memory-info",
    ]
    .map(str::to_owned);
    let mut args = args.to_vec();
    args.push(format!("--user-data-dir={}", profile.display()));
    let capabilities = json!({ "capabilities": { "alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium, "args": args },
        "goog:loggingPrefs": { "browser": "ALL" },
        "timeouts": { "implicit": 0, "pageLoad": 30_000, "script": 20_000 },
    }}});
    let answer = wire::exchange(port, "POST", "/session", Some(&capabilities)).await;
    match answer {
        Ok((200, body)) => body["value"]["sessionId"].as_str().expect("a session id").to_owned(),
        Ok((status, body)) => panic!("chromedriver refused a session ({status}): {}", body["value"]["message"]),
        Err(error) => panic!("chromedriver did not open a session: {error}"),
    }
}
