//! The dashboard for the people at the console: every page operable from the keyboard (Tab to
//! the controls, arrows through the rows, Enter to act, Escape out of a dialog), text contrast of
//! at least 4.5:1, and a layout that fits 1366×768 without scrolling sideways.

use serde_json::json;
use wellvisor::sim::CommsFault;

use crate::checks::{self, Probe};
use crate::rig::{Rig, OPERATOR, WAIT};
use crate::webdriver::{keys, Browser};
use crate::{ALARM_ROW, READY_LIST, SHOWN_ROW};

/// The rows of the well list, top to bottom on screen, by well id.
const ROWS_ON_SCREEN: &str = r#"
return [...document.querySelectorAll("[data-testid=well-row]:not([hidden])")]
  .map((row) => [row.getBoundingClientRect().top, row.dataset.wellId])
  .sort((a, b) => a[0] - b[0])
  .map(([, id]) => id);
"#;
const FOCUSED_ROW: &str =
    "const row = document.activeElement?.closest('[data-testid=well-row]:not([hidden])'); return row ? row.dataset.wellId : null;";

async fn focused_row(browser: &Browser) -> Option<String> {
    browser.execute(FOCUSED_ROW, Vec::new()).await.as_str().map(str::to_owned)
}

async fn dialog_is_open(browser: &Browser, testid: &str) -> bool {
    let script = "return !!document.querySelector(`[data-testid=${arguments[0]}]`)?.open;";
    browser.execute(script, vec![json!(testid)]).await == json!(true)
}

/// Enter on the focused control opens the dialog, with the focus inside it (on `first` when
/// given: a dialog with fields starts at its first); Escape closes it.
async fn dialog_opens_with_focus_inside_and_escape_closes_it(browser: &Browser, testid: &str, first: Option<&str>) {
    browser.press(&[keys::ENTER]).await;
    let open = "return !!document.querySelector(`[data-testid=${arguments[0]}]`)?.open;";
    browser.wait_until(&format!("{testid} open"), open, vec![json!(testid)], WAIT).await;
    let inside = "return !!document.querySelector(`[data-testid=${arguments[0]}]`)?.contains(document.activeElement);";
    let focus = checks::focused(browser).await;
    assert_eq!(browser.execute(inside, vec![json!(testid)]).await, json!(true), "focus is on {focus}");
    if let Some(first) = first {
        let on_first =
            browser.execute("return document.activeElement.matches(arguments[0]);", vec![json!(first)]).await;
        assert_eq!(on_first, json!(true), "{testid} opens with the focus on {focus}, not {first}");
    }
    browser.screenshot(&format!("{testid}-open")).await;
    browser.press(&[keys::ESCAPE]).await;
    let closed = "return !document.querySelector(`[data-testid=${arguments[0]}]`)?.open;";
    browser.wait_until(&format!("{testid} closed by Escape"), closed, vec![json!(testid)], WAIT).await;
    assert!(!dialog_is_open(browser, testid).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keyboard_reaches_and_operates_every_page() {
    let rig = Rig::start("keyboard").await;
    let browser = &rig.browser;
    rig.fault("W-002", CommsFault::Silent);
    rig.login(OPERATOR).await;
    browser.wait_for(READY_LIST, WAIT).await;

    checks::tab_until(browser, "the well filter", "return e.matches('[data-testid=well-filter]');", 20).await;
    assert!(checks::focus_is_visible(browser).await, "the filter shows no focus ring");
    checks::tab_until(browser, "a well row", "return !!e.closest('[data-testid=well-row]:not([hidden])');", 30).await;
    assert!(checks::focus_is_visible(browser).await, "the row shows no focus ring");
    browser.screenshot("row-focused").await;
    let order: Vec<String> = serde_json::from_value(browser.execute(ROWS_ON_SCREEN, Vec::new()).await).unwrap();
    let first = focused_row(browser).await.unwrap();
    let at = order.iter().position(|id| *id == first).unwrap();
    browser.press(&[keys::ARROW_DOWN]).await;
    assert_eq!(focused_row(browser).await.as_ref(), order.get(at + 1), "ArrowDown from {first} in {order:?}");
    browser.press(&[keys::ARROW_UP]).await;
    assert_eq!(focused_row(browser).await, Some(first.clone()), "ArrowUp goes back");
    browser.press(&[keys::ENTER]).await;
    let opened =
        "return location.hash === `#/wells/${arguments[0]}` && !!document.querySelector('[data-testid=well-title]');";
    browser.wait_until(&format!("{first}'s page opened by Enter"), opened, vec![json!(first)], WAIT).await;
    browser.screenshot("well-opened-by-enter").await;

    checks::tab_until(browser, "the restart button", "return e.matches('[data-testid=restart]');", 60).await;
    dialog_opens_with_focus_inside_and_escape_closes_it(browser, "restart-dialog", None).await;
    assert_eq!(rig.api(&format!("/api/v1/wells/{first}")).await["supervision"], "running");

    rig.open("#/alarms").await;
    browser.wait_for_attribute(ALARM_ROW, "data-state", "unacknowledged", WAIT).await;
    let ack = "return e.matches('[data-testid=ack]') && !!e.closest('[data-alarm-id=\"W-002:comms_loss\"]');";
    checks::tab_until(browser, "W-002's ack button", ack, 60).await;
    assert!(checks::focus_is_visible(browser).await, "the ack button shows no focus ring");
    browser.screenshot("ack-focused").await;
    browser.press(&[keys::ENTER]).await;
    browser.wait_for_attribute(ALARM_ROW, "data-state", "acknowledged", WAIT).await;

    let shelve = "return e.matches('[data-testid=shelve]') && !!e.closest('[data-alarm-id=\"W-002:comms_loss\"]');";
    checks::tab_until(browser, "W-002's shelve button", shelve, 60).await;
    dialog_opens_with_focus_inside_and_escape_closes_it(browser, "shelve-dialog", Some("#shelve-reason")).await;
    let alarm = rig.api("/api/v1/alarms/W-002:comms_loss").await;
    assert_eq!(alarm["state"], "acknowledged", "Escape shelved nothing: {alarm}");
    rig.shutdown().await;
}

/// Pills for every priority and for a failed well, placed next to the real ones, so their
/// colours are measured even when the fleet shows none of them.
fn pill_probes(parent: &'static str) -> Vec<Probe> {
    [("pill priority-high", "1 high"), ("pill priority-medium", "1 medium"), ("pill priority-low", "1 low")]
        .into_iter()
        .chain([("pill state-fault", "failed")])
        .map(|(class, text)| Probe { parent, class, text })
        .collect()
}

async fn assert_contrast(browser: &Browser, page: &str, scopes: &[&str], probes: &[Probe]) {
    let measured = checks::contrast(browser, scopes, probes).await;
    assert!(measured.checked >= 10, "{page}: only {} text elements measured", measured.checked);
    assert!(measured.failures.is_empty(), "{page}: text below 4.5:1:\n  {}", measured.failures.join("\n  "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_contrast_is_at_least_4_5_to_1() {
    let rig = Rig::start("contrast").await;
    let browser = &rig.browser;
    // Abnormal marks to measure: W-002 silent (a medium alarm, values stale), W-003 failed (high).
    rig.fault("W-002", CommsFault::Silent);
    rig.fail_well("W-003").await;
    rig.login(OPERATOR).await;
    let alarmed_row = format!(r#"{SHOWN_ROW}[data-well-id="W-002"][data-priority=medium]"#);
    browser.wait_for(&alarmed_row, WAIT).await;
    browser.wait_for(&format!(r#"{SHOWN_ROW}[data-well-id="W-003"][data-supervision=failed]"#), WAIT).await;
    let mut probes = pill_probes("[data-testid=alarm-banner]");
    probes.extend(pill_probes("[data-testid=well-row]:not([hidden]) > *"));
    let scopes = ["header.bar", "[data-testid=fleet-counts]", SHOWN_ROW, ".pill", "button", "input", "select"];
    assert_contrast(browser, "overview", &scopes, &probes).await;
    browser.screenshot("overview").await;

    rig.open("#/alarms").await;
    browser.wait_for(ALARM_ROW, WAIT).await;
    let mut probes = pill_probes("[data-testid=alarm-banner]");
    probes.extend(pill_probes("[data-testid=alarm-row] > *"));
    let scopes = ["header.bar", "[data-testid=alarm-row]", "[data-testid=alarm-kpis]", ".pill", "button"];
    assert_contrast(browser, "alarms", &scopes, &probes).await;
    browser.screenshot("alarms").await;

    for well in ["W-002", "W-003"] {
        rig.open(&format!("#/wells/{well}")).await;
        browser.wait_for("[data-testid=values] [data-param=current_a]", WAIT).await;
        let scopes = ["header.bar", "[data-testid=values]", "[data-testid=supervision-state]", ".pill", "button"];
        assert_contrast(browser, well, &scopes, &pill_probes("[data-testid=well-title]")).await;
        browser.screenshot(well).await;
    }
    rig.shutdown().await;
}

async fn assert_fits(browser: &Browser, page: &str, controls: &[&str]) {
    let (viewport, problems) = checks::layout(browser, controls).await;
    assert!(viewport.0 >= 1340 && viewport.0 <= 1366, "{page}: the viewport is {viewport:?}");
    assert!(problems.is_empty(), "{page} at 1366×768:\n  {}", problems.join("\n  "));
    browser.screenshot(page).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_1366_by_768() {
    let rig = Rig::start("layout-1366x768").await;
    let browser = &rig.browser;
    assert_eq!(browser.window_size().await, (1366, 768));
    rig.fault("W-002", CommsFault::Silent);
    rig.login(OPERATOR).await;
    browser.wait_for(READY_LIST, WAIT).await;
    let header = ["header.bar nav", "[data-testid=alarm-banner]", "[data-testid=current-user]", "[data-testid=logout]"];
    let overview = ["[data-testid=fleet-counts]", "[data-testid=well-filter]", "[data-testid=well-list]", SHOWN_ROW];
    assert_fits(browser, "overview", &[&header[..], &overview[..]].concat()).await;

    rig.open("#/alarms").await;
    browser.wait_for(ALARM_ROW, WAIT).await;
    let alarms = ["[data-testid=alarm-kpis]", "[data-testid=alarm-row]", "[data-testid=alarm-row] [data-testid=ack]"];
    assert_fits(browser, "alarms", &[&header[..], &alarms[..]].concat()).await;

    rig.open("#/wells/W-001").await;
    browser.wait_for("[data-testid=chart-amps] canvas", WAIT).await;
    let well = [
        "[data-testid=well-title]",
        "[data-testid=supervision-state]",
        "[data-testid=restart]",
        "[data-testid=values]",
        "[data-testid=range]",
        "[data-testid=chart-amps]",
        "[data-testid=chart-intake_pressure]",
        "[data-testid=chart-motor_temperature]",
        "[data-testid=chart-frequency]",
        "[data-testid=chart-vibration]",
    ];
    assert_fits(browser, "well", &[&header[..], &well[..]].concat()).await;
    // Every page loaded and ran with nothing refused (CSP), missing or thrown.
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "the browser's console: {errors:?}");
    rig.shutdown().await;
}
