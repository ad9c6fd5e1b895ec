//! The fleet overview with 10,000 simulated wells in a real headless Chromium: it loads, lists
//! every well, keeps only a screenful of rows in the page, and scrolls. The figures (time to
//! first render, the wells list's size and fetch time, JavaScript heap, frame intervals while
//! scrolling) are printed and saved as `figures.json` with the screenshots under
//! `target/browser-artifacts/overview-10000/`; `docs/PERFORMANCE.md` records them. Assertions
//! are on behaviour only: every well reachable, the list virtualised.
//!
//! The simulated wells run in child processes (as `wellvisor bench fleet` does), because one
//! process may hold about 20,000 descriptors and a well costs the simulator two and the poller
//! one. The test is alone in its binary, so its 10,000 ports never meet another test's.

mod support;

#[path = "support/webdriver.rs"]
mod webdriver;

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{json, Value};
use support::{eventually, free_ports, ChildProcess, Scratch};
use webdriver::Browser;
use wellvisor::app::RunningApp;

const WELLS: u16 = 10_000;
/// Wells per simulator process: two descriptors each, well under a process's limit.
const WELLS_PER_SIMULATOR: u16 = 2_500;
const READY_LIST: &str = "[data-testid=well-list][data-ready=true]";
const SHOWN_ROW: &str = "[data-testid=well-row]:not([hidden])";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_wells_load_list_every_well_and_scroll() {
    wellvisor::cli::raise_open_file_limit(u64::from(WELLS) * 2 + 2_048);
    let base_port = free_ports(WELLS);
    let simulators = spawn_simulators(base_port).await;
    let scratch = Scratch::new();
    let app = start_app(&scratch, base_port).await;
    wait_until_mostly_online(&app).await;

    let browser = Browser::start("overview-10000").await;
    let origin = format!("http://{}", app.http_addr);
    log_in(&browser, &origin).await;

    // A fresh page load of the overview, the way an operator opens it in the morning (the token
    // stays in the tab's session storage). Going by a blank page makes it a real load: a change
    // of the fragment alone would not reload the document.
    browser.execute("window.loggedInPage = true;", Vec::new()).await;
    browser.goto("about:blank").await;
    browser.goto(&format!("{origin}/#/")).await;
    browser.wait_for(READY_LIST, Duration::from_secs(60)).await;
    browser.screenshot("loaded").await;
    let load = browser.execute(LOAD_FIGURES, Vec::new()).await;
    assert_eq!(load["fresh"], true, "the overview was measured on a page load of its own");
    let list = browser.find("[data-testid=well-list]").await;
    assert_eq!(list.attribute("data-total").await.as_deref(), Some("10000"), "the list counts every well");
    let rows_in_page = browser.find_all("[data-testid=well-row]").await.len();
    assert!(rows_in_page < 200, "the list is virtualised: {rows_in_page} row elements for {WELLS} wells");

    let fling = browser.scroll_frames("[data-testid=well-list]", 250, 300).await;
    // Worst-first order follows the wells' states, which change while the list is paged
    // through; in id order every well keeps its place.
    browser.find("[data-testid=sort-id]").await.click().await;
    let first_row =
        "const row = document.querySelector(arguments[0]); return !!row && row.dataset.wellId === 'S-00001';";
    browser.wait_until("the list sorted by id", first_row, vec![json!(SHOWN_ROW)], Duration::from_secs(20)).await;
    let traversal = browser.execute_async(TRAVERSE, vec![json!(SHOWN_ROW)]).await;
    browser.screenshot("scrolled-to-the-end").await;
    let seen: HashSet<&str> = traversal["ids"].as_array().expect("ids").iter().filter_map(Value::as_str).collect();
    assert_eq!(seen.len(), usize::from(WELLS), "scrolling the list shows every well once or more");
    assert!(seen.contains("S-00001") && seen.contains("S-10000"));
    let after = browser.performance_figures().await;

    let figures = json!({
        "wells": WELLS,
        "overview_rendered_ms": load["rendered"],
        "ui_files": load["modules"],
        "ui_files_loaded_ms": load["modules_loaded"],
        "wells_response_end_ms": load["wells_end"],
        "wells_fetch_ms": load["wells_fetch"],
        "wells_bytes": load["wells_bytes"],
        "js_heap_after_load_bytes": load["heap"],
        "js_heap_after_scrolling_bytes": after.used_js_heap_bytes,
        "dom_elements": load["nodes"],
        "row_elements": rows_in_page,
        "fling_250px_frames": fling.intervals_ms.len(),
        "fling_mean_frame_ms": fling.mean_ms(),
        "fling_longest_frame_ms": fling.longest_ms(),
        "fling_share_over_33ms": fling.share_over(33.4),
        "traversal_frames": traversal["intervals"].as_array().map(Vec::len),
        "traversal_mean_frame_ms": mean(&traversal["intervals"]),
        "traversal_longest_frame_ms": longest(&traversal["intervals"]),
    });
    println!("overview with {WELLS} wells: {}", serde_json::to_string_pretty(&figures).expect("json"));
    let saved = browser.artifacts().join("figures.json");
    std::fs::write(&saved, serde_json::to_vec_pretty(&figures).expect("json")).expect("save the figures");

    drop(browser);
    app.shutdown().await.expect("shutdown");
    drop(simulators);
}

/// When the overview drew its first rows, and what the list of wells cost to fetch.
const LOAD_FIGURES: &str = r#"
const rendered = performance.getEntriesByName("overview-rendered")[0];
const navigation = performance.getEntriesByType("navigation")[0];
const resources = performance.getEntriesByType("resource");
const wells = resources.filter((e) => e.name.includes("/api/v1/wells")).pop();
const modules = resources.filter((e) => e.name.includes("/ui/"));
return {
  fresh: window.loggedInPage === undefined && !!navigation && navigation.type === "navigate",
  modules: modules.length,
  modules_loaded: modules.reduce((latest, e) => Math.max(latest, e.responseEnd), 0),
  rendered: rendered ? rendered.startTime : null,
  wells_end: wells ? wells.responseEnd : null,
  wells_fetch: wells ? wells.responseEnd - wells.startTime : null,
  wells_bytes: wells ? wells.decodedBodySize : null,
  heap: performance.memory ? performance.memory.usedJSHeapSize : null,
  nodes: document.getElementsByTagName("*").length,
};
"#;

/// Pages through the whole list a screenful per animation frame, collecting the ids of the rows
/// shown and the frame intervals, and answers when the end is reached.
const TRAVERSE: &str = r#"
const [rowCss, done] = arguments;
const list = document.querySelector("[data-testid=well-list]");
const scroller = [list, ...list.querySelectorAll("*")].find((e) =>
  e.scrollHeight > e.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(e).overflowY));
const ids = new Set();
const intervals = [];
let last = null;
scroller.scrollTop = 0;
function frame(now) {
  if (last !== null) intervals.push(now - last);
  last = now;
  for (const row of list.querySelectorAll(rowCss)) ids.add(row.dataset.wellId);
  const atEnd = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1;
  if (atEnd && intervals.length > 0) return done({ ids: [...ids], intervals });
  scroller.scrollTop += Math.max(1, scroller.clientHeight - 60);
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
"#;

fn mean(intervals: &Value) -> f64 {
    let all: Vec<f64> = intervals.as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default();
    if all.is_empty() {
        return 0.0;
    }
    all.iter().sum::<f64>() / all.len() as f64
}

fn longest(intervals: &Value) -> f64 {
    intervals.as_array().map_or(0.0, |a| a.iter().filter_map(Value::as_f64).fold(0.0, f64::max))
}

async fn spawn_simulators(base_port: u16) -> Vec<ChildProcess> {
    let mut simulators = Vec::new();
    for first in (0..WELLS).step_by(usize::from(WELLS_PER_SIMULATOR)) {
        let port = (base_port + first).to_string();
        let wells = WELLS_PER_SIMULATOR.min(WELLS - first).to_string();
        simulators.push(ChildProcess::spawn(&["simulate", "--wells", &wells, "--base-port", &port]));
    }
    support::wait_for_port(base_port + WELLS - 1, Duration::from_secs(120)).await;
    simulators
}

/// Polled every 30 s: the overview needs live wells with values, not a fast poll, and the test
/// build is unoptimised.
async fn start_app(scratch: &Scratch, base_port: u16) -> RunningApp {
    let path = scratch.config(&format!(
        "[http]\nbind = \"127.0.0.1:0\"\n[storage]\nurl = \"sqlite://{{db}}\"\n[logging]\nlevel = \"warn\"\n\
         [polling]\nperiod = \"30s\"\ntimeout = \"5s\"\njitter = \"10s\"\n\
         [[well_group]]\nprefix = \"S-\"\ncount = {WELLS}\ndigits = 5\nprofile = \"esp-default\"\nfirst_port = {base_port}\n"
    ));
    let loaded = wellvisor::config::load(&path, &support::auth::test_env).expect("config");
    wellvisor::app::start(&loaded).await.expect("start")
}

async fn wait_until_mostly_online(app: &RunningApp) {
    eventually(Duration::from_secs(180), "99 % of the wells online", async || {
        let online = app.fleet.map_all(|w| w.connection.to_string() == "online").iter().filter(|&&o| o).count();
        (online * 100 >= usize::from(WELLS) * 99).then_some(())
    })
    .await;
}

async fn log_in(browser: &Browser, origin: &str) {
    browser.goto(&format!("{origin}/#/login")).await;
    browser.wait_for("[data-testid=login-form] #username", Duration::from_secs(20)).await.send_keys("admin").await;
    browser.find("#password").await.send_keys(support::auth::TEST_ADMIN_PASSWORD).await;
    browser.find("[data-testid=login-submit]").await.click().await;
    browser.wait_for(READY_LIST, Duration::from_secs(60)).await;
}
