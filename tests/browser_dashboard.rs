//! The dashboard in a real headless Chromium, against wellvisor running with six simulated
//! wells: login, the overview listing every well, a comms fault raised in the simulator showing
//! up as an alarm without a reload, acknowledging it (and the well's alarm journal saying who
//! did), what a viewer may not do (and the API refusing it anyway), an operator restart of a
//! failed well, the well's amp chart, and the API's Swagger UI page. Keyboard, contrast and layout are in
//! `browser_dashboard/access.rs`. Each test saves screenshots of its steps under
//! `target/browser-artifacts/<test>/`.

mod support;

#[path = "support/webdriver.rs"]
mod webdriver;

#[path = "support/dashboard_rig.rs"]
mod rig;

#[path = "support/page_checks.rs"]
mod checks;

#[path = "browser_dashboard/access.rs"]
mod access;

use serde_json::{json, Value};
use wellvisor::sim::CommsFault;

use rig::{Rig, OPERATOR, VIEWER, WAIT};

/// The alarm the tests raise: W-002 goes silent.
const ALARM: &str = "W-002:comms_loss";
const ALARM_ROW: &str = r#"[data-testid=alarm-row][data-alarm-id="W-002:comms_loss"]"#;
const READY_LIST: &str = "[data-testid=well-list][data-ready=true]";
/// A row the list shows: the virtual list keeps a pool of rows and hides those out of view.
const SHOWN_ROW: &str = "[data-testid=well-row]:not([hidden])";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_shows_the_servers_refusal_then_the_overview_as_the_user() {
    let rig = Rig::start("login").await;
    let browser = &rig.browser;
    rig.open("").await;
    browser.wait_for("[data-testid=login-form] #username", WAIT).await;
    assert!(browser.url().await.ends_with("#/login"), "{}", browser.url().await);
    browser.screenshot("login-form").await;

    let wrong = json!({ "username": OPERATOR.name, "password": "not the password" }).to_string();
    let (status, refusal) =
        support::http(rig.app.http_addr, "POST", "/api/v1/auth/login", Some(&wrong)).await.expect("login");
    assert_eq!(status, 401, "{refusal}");
    browser.find("#username").await.send_keys(OPERATOR.name).await;
    let password = browser.find("#password").await;
    password.send_keys("not the password").await;
    browser.find("[data-testid=login-submit]").await.click().await;
    let error = "const e = document.querySelector('[data-testid=login-error]'); return e && e.textContent.trim();";
    let shown = browser.wait_until("the login error", error, Vec::new(), WAIT).await;
    assert_eq!(shown, refusal["error"]["message"], "the page shows the server's message");
    assert!(browser.url().await.ends_with("#/login"));
    browser.screenshot("wrong-password").await;

    password.clear().await;
    password.send_keys(OPERATOR.password).await;
    browser.find("[data-testid=login-submit]").await.click().await;
    rig.wait_for_user(OPERATOR).await;
    browser.wait_for(READY_LIST, WAIT).await;
    assert!(browser.url().await.ends_with("#/"), "{}", browser.url().await);
    assert_eq!(browser.find("[data-testid=current-user]").await.text().await, "operator (operator)");
    browser.screenshot("overview-after-login").await;
    rig.shutdown().await;
}

/// Every well id the list shows, scrolling it from top to bottom (it may draw only what is in view).
const LISTED_WELLS: &str = r#"
const done = arguments[arguments.length - 1];
const list = document.querySelector("[data-testid=well-list]");
const scrollable = (e) => e.scrollHeight > e.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(e).overflowY);
const target = [list, ...list.querySelectorAll("*")].find(scrollable) || document.scrollingElement;
const ids = new Set();
target.scrollTop = 0;
const step = () => {
  document.querySelectorAll("[data-testid=well-row]:not([hidden])").forEach((row) => ids.add(row.dataset.wellId));
  const before = target.scrollTop;
  target.scrollTop += Math.max(target.clientHeight - 40, 40);
  if (target.scrollTop === before) return done([...ids].sort());
  requestAnimationFrame(() => requestAnimationFrame(step));
};
requestAnimationFrame(step);
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_lists_every_well() {
    let rig = Rig::start("overview-lists-every-well").await;
    let browser = &rig.browser;
    rig.login(VIEWER).await;
    let list = browser.wait_for(READY_LIST, WAIT).await;
    let fleet = rig.api("/api/v1/wells").await;
    let ids: Vec<Value> = fleet["wells"].as_array().expect("wells").iter().map(|w| w["id"].clone()).collect();
    assert_eq!(ids.len(), 6, "{fleet}");
    assert_eq!(list.attribute("data-total").await.as_deref(), Some("6"));
    let listed = browser.execute_async(LISTED_WELLS, Vec::new()).await;
    assert_eq!(listed, json!(["W-001", "W-002", "W-003", "W-004", "W-005", "W-006"]));
    assert_eq!(listed.as_array().map(Vec::len), Some(ids.len()));
    let row = browser.find(&format!(r#"{SHOWN_ROW}[data-well-id="W-001"]"#)).await;
    for attribute in ["data-connection", "data-supervision", "data-alarms", "data-priority"] {
        assert!(row.attribute(attribute).await.is_some(), "W-001's row has no {attribute}");
    }
    assert!(!browser.find("[data-testid=fleet-counts]").await.text().await.trim().is_empty());
    browser.screenshot("every-well").await;
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comms_fault_in_the_simulator_appears_as_an_alarm_without_a_reload() {
    let rig = Rig::start("comms-fault-appears-live").await;
    let browser = &rig.browser;
    rig.login(OPERATOR).await;
    browser.find("[data-nav=alarms]").await.click().await;
    browser.wait_for("[data-testid=alarm-kpis]", WAIT).await;
    browser.execute("window.stillTheSamePage = true;", Vec::new()).await;
    assert!(browser.try_find(ALARM_ROW).await.is_none(), "W-002 is healthy so far");
    browser.screenshot("alarms-before-the-fault").await;

    rig.fault("W-002", CommsFault::Silent);
    let row = browser.wait_for(ALARM_ROW, WAIT).await;
    assert_eq!(row.attribute("data-state").await.as_deref(), Some("unacknowledged"));
    assert_eq!(row.attribute("data-priority").await.as_deref(), Some("medium"));
    let same_page = browser.execute("return window.stillTheSamePage === true;", Vec::new()).await;
    assert_eq!(same_page, json!(true), "the page was reloaded");
    browser.screenshot("alarm-raised").await;
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ack_moves_the_alarm_to_acknowledged() {
    let rig = Rig::start("ack").await;
    let browser = &rig.browser;
    rig.fault("W-002", CommsFault::Silent);
    rig.login(OPERATOR).await;
    rig.open("#/alarms").await;
    browser.wait_for_attribute(ALARM_ROW, "data-state", "unacknowledged", WAIT).await;
    browser.screenshot("unacknowledged").await;

    let row = browser.find(ALARM_ROW).await;
    row.try_find("[data-testid=ack]").await.expect("an ack button for the operator").click().await;
    browser.wait_for_attribute(ALARM_ROW, "data-state", "acknowledged", WAIT).await;
    let alarm = rig.api(&format!("/api/v1/alarms/{ALARM}")).await;
    assert_eq!(alarm["state"], "acknowledged", "{alarm}");
    browser.screenshot("acknowledged").await;

    // The well's alarm history is the stored journal, newest first, naming who acknowledged.
    support::eventually(WAIT, "the acknowledgement in the journal", async || {
        let journal = rig.api("/api/v1/wells/W-002/alarm-journal").await;
        journal["entries"].as_array()?.iter().any(|e| e["cause"] == "acknowledged").then_some(())
    })
    .await;
    rig.open("#/wells/W-002").await;
    let rows =
        browser.wait_until("W-002's journal with who acknowledged", JOURNAL_ROWS, vec![json!(ALARM)], WAIT).await;
    assert_eq!(rows[0], json!(["acknowledged", "operator (operator)"]), "{rows}");
    assert!(rows.as_array().is_some_and(|rows| rows[1..].contains(&json!(["activated", "automatic"]))), "{rows}");
    browser.execute("document.querySelector('[data-testid=alarm-history]').scrollIntoView();", Vec::new()).await;
    browser.screenshot("journal").await;
    rig.shutdown().await;
}

/// The cause and actor of each row of the well page's journal about the alarm `arguments[0]`,
/// once the acknowledgement shows with the operator's role.
const JOURNAL_ROWS: &str = r#"
const rows = [...document.querySelectorAll(`[data-testid=alarm-history] [data-testid=journal-row]`)]
  .filter((row) => row.dataset.alarmId === arguments[0])
  .map((row) => [row.dataset.cause, row.lastElementChild.textContent.trim()]);
return rows.some(([cause, by]) => cause === "acknowledged" && by.endsWith("(operator)")) ? rows : null;
"#;

/// Posts each action with the page's own token and answers the statuses.
const POST_AS_PAGE: &str = r#"
const [actions, done] = arguments;
const token = JSON.parse(sessionStorage.getItem("wellvisor.session")).token;
const post = ([path, body]) => fetch(path, {
  method: "POST",
  headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
  body: body === null ? undefined : JSON.stringify(body),
}).then((response) => response.status);
Promise.all(actions.map(post)).then(done, (error) => done(String(error)));
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_sees_no_actions_and_the_api_refuses_them_anyway() {
    let rig = Rig::start("viewer-may-not-act").await;
    let browser = &rig.browser;
    rig.fault("W-002", CommsFault::Silent);
    rig.login(VIEWER).await;
    rig.open("#/alarms").await;
    browser.wait_for_attribute(ALARM_ROW, "data-state", "unacknowledged", WAIT).await;
    for action in ["ack", "shelve", "unshelve", "reset"] {
        let buttons = browser.find_all(&format!("[data-testid={action}]")).await;
        assert!(buttons.is_empty(), "a viewer sees {} {action} buttons", buttons.len());
    }
    browser.screenshot("alarms-as-viewer").await;

    rig.open("#/wells/W-002").await;
    browser.wait_until("W-002's supervision state", SUPERVISION_RUNNING, Vec::new(), WAIT).await;
    assert!(browser.try_find("[data-testid=restart]").await.is_none(), "a viewer sees a restart button");
    browser.screenshot("well-as-viewer").await;

    let alarm = "/api/v1/alarms/W-002%3Acomms_loss";
    let actions = json!([
        [format!("{alarm}/ack"), null],
        [format!("{alarm}/shelve"), { "reason": "viewer tries", "duration": "1h" }],
        [format!("{alarm}/reset"), null],
        ["/api/v1/wells/W-002/restart", null],
    ]);
    let statuses = browser.execute_async(POST_AS_PAGE, vec![actions]).await;
    assert_eq!(statuses, json!([403, 403, 403, 403]));
    let alarm = rig.api(&format!("/api/v1/alarms/{ALARM}")).await;
    assert_eq!(alarm["state"], "unacknowledged", "{alarm}");
    rig.shutdown().await;
}

const SUPERVISION_RUNNING: &str =
    "const e = document.querySelector('[data-testid=supervision-state]'); return !!e && e.textContent.trim() === 'running';";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_restarts_a_failed_well_behind_a_confirm_step() {
    let rig = Rig::start("restart-failed-well").await;
    let browser = &rig.browser;
    rig.fail_well("W-003").await;
    rig.login(OPERATOR).await;
    rig.open("#/wells/W-003").await;
    let failed = "const e = document.querySelector('[data-testid=supervision-state]'); return !!e && e.textContent.trim() === 'failed';";
    browser.wait_until("W-003 shown failed", failed, Vec::new(), WAIT).await;
    browser.screenshot("failed").await;

    browser.find("[data-testid=restart]").await.click().await;
    let open = "return !!document.querySelector('[data-testid=restart-dialog]')?.open;";
    browser.wait_until("the restart dialog", open, Vec::new(), WAIT).await;
    browser.screenshot("confirm").await;
    assert_eq!(rig.api("/api/v1/wells/W-003").await["supervision"], "failed", "nothing happens before the confirm");

    browser.find("[data-testid=restart-confirm]").await.click().await;
    browser.wait_until("W-003 shown running", SUPERVISION_RUNNING, Vec::new(), WAIT).await;
    let result = browser.wait_for("[data-testid=restart-result]", WAIT).await;
    assert!(!result.text().await.trim().is_empty(), "the restart's result is shown");
    assert_eq!(rig.api("/api/v1/wells/W-003").await["supervision"], "running");
    browser.screenshot("running-again").await;
    rig.shutdown().await;
}

/// The amp chart's canvas: its size and how many of its pixels are drawn on.
const INKED: &str = r#"
const canvas = document.querySelector("[data-testid=chart-amps] canvas");
if (!canvas || !canvas.width || !canvas.height) return null;
const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
let inked = 0;
for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
return inked > 0 ? { inked, width: canvas.width, height: canvas.height } : null;
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_well_detail_chart_renders_data() {
    let rig = Rig::start("well-chart").await;
    let browser = &rig.browser;
    rig.login(OPERATOR).await;
    rig.open("#/wells/W-001").await;
    let points =
        "const c = document.querySelector('[data-testid=chart-amps]'); return c ? Number(c.dataset.points) : 0;";
    let drawn = browser.wait_until("points on the amp chart", points, Vec::new(), WAIT).await;
    assert!(drawn.as_f64().unwrap_or(0.0) > 0.0, "{drawn}");
    let canvas = browser.wait_until("ink on the amp chart's canvas", INKED, Vec::new(), WAIT).await;
    assert!(canvas["inked"].as_u64().unwrap_or(0) > 0, "{canvas}");
    for chart in
        ["chart-amps", "chart-intake_pressure", "chart-motor_temperature", "chart-frequency", "chart-vibration"]
    {
        browser.find(&format!("[data-testid={chart}] canvas")).await;
    }
    browser.screenshot("charts").await;
    rig.shutdown().await;
}

/// The API's own documentation page draws the generated document under the same strict CSP, with
/// nothing refused by the browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_ui_renders_the_api_document() {
    let rig = Rig::start("api-docs").await;
    let browser = &rig.browser;
    browser.goto(&format!("{}/api/docs", rig.origin)).await;
    let title = "const t = document.querySelector('.swagger-ui .info .title'); return t ? t.textContent : null;";
    let shown = browser.wait_until("the document's title", title, Vec::new(), WAIT).await;
    assert!(shown.as_str().is_some_and(|t| t.contains("wellvisor")), "{shown}");
    let operations = "return document.querySelectorAll('.swagger-ui .opblock').length;";
    let count = browser.execute(operations, Vec::new()).await.as_u64().unwrap_or(0);
    assert!(count >= 30, "{count} operations drawn");
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "the browser refused or failed something: {errors:?}");
    browser.screenshot("swagger-ui").await;
    rig.shutdown().await;
}
