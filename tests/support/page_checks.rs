//! Checks of a dashboard page as a control-room user meets it: text contrast (WCAG), the layout
//! at the window's size, and where the keyboard focus is while tabbing.

#![allow(dead_code)]

use serde_json::{json, Value};

use crate::webdriver::{keys, Browser};

/// WCAG AA for normal text.
pub const MINIMUM_CONTRAST: f64 = 4.5;

/// A mark the contrast check puts on the page for as long as it measures, for colours the
/// running fleet does not show yet (e.g. a `high` pill when no high alarm is active).
#[derive(Clone, Debug)]
pub struct Probe {
    /// Where it goes: the first element matching this.
    pub parent: &'static str,
    pub class: &'static str,
    pub text: &'static str,
}

/// What the contrast check saw.
#[derive(Clone, Debug)]
pub struct Contrast {
    /// Text elements measured.
    pub checked: u64,
    /// Those below the minimum, each with its colours and ratio.
    pub failures: Vec<String>,
}

/// Measures the contrast of the text of every visible element inside the elements matching
/// `scopes`, the probes included: the text colour against the first opaque background up the
/// tree (translucent layers blended on the way), any CSS colour syntax read back through a canvas.
const CONTRAST: &str = r##"
const [scopes, probes, minimum] = arguments;
const pixel = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
function rgba(css) {
  pixel.clearRect(0, 0, 1, 1);
  pixel.fillStyle = "rgba(0, 0, 0, 0)";
  pixel.fillStyle = css;
  pixel.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = pixel.getImageData(0, 0, 1, 1).data;
  return { r, g, b, a: a / 255 };
}
const over = (top, under) => ({
  r: top.r * top.a + under.r * (1 - top.a),
  g: top.g * top.a + under.g * (1 - top.a),
  b: top.b * top.a + under.b * (1 - top.a),
  a: 1,
});
function background(element) {
  const layers = [];
  for (let e = element; e; e = e.parentElement) {
    const layer = rgba(getComputedStyle(e).backgroundColor);
    if (layer.a > 0) layers.push(layer);
    if (layer.a >= 1) break;
  }
  let colour = { r: 255, g: 255, b: 255, a: 1 };
  for (const layer of layers.reverse()) colour = over(layer, colour);
  return colour;
}
const channel = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
function ratio(fg, bg) {
  const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
  return (l1 + 0.05) / (l2 + 0.05);
}
const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
const hasText = (e) => [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim())
  || (e.matches("input, select, textarea") && e.type !== "hidden");
function describe(e) {
  const id = e.dataset.testid ? `[data-testid=${e.dataset.testid}]` : e.id ? `#${e.id}` : "";
  const classes = e.classList.length ? "." + [...e.classList].join(".") : "";
  const text = (e.value || e.textContent || "").trim().slice(0, 40);
  return `${e.tagName.toLowerCase()}${id}${classes} "${text}"`;
}
const placed = probes.flatMap((p) => {
  const parent = document.querySelector(p.parent);
  if (!parent) return [];
  const probe = document.createElement("span");
  probe.className = p.class;
  probe.textContent = p.text;
  parent.append(probe);
  return [probe];
});
const seen = new Set();
let checked = 0;
const failures = [];
for (const scope of scopes) {
  for (const root of document.querySelectorAll(scope)) {
    for (const e of [root, ...root.querySelectorAll("*")]) {
      if (seen.has(e) || !visible(e) || !hasText(e) || e.matches(":disabled")) continue;
      seen.add(e);
      checked++;
      const bg = background(e);
      const fg = over(rgba(getComputedStyle(e).color), bg);
      const r = ratio(fg, bg);
      if (r < minimum) {
        const hex = (c) => "#" + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
        failures.push(`${describe(e)}: ${r.toFixed(2)}:1 (${hex(fg)} on ${hex(bg)})`);
      }
    }
  }
}
placed.forEach((p) => p.remove());
return { checked, failures };
"##;

/// The contrast of the text inside `scopes` (CSS selectors) and of `probes`.
pub async fn contrast(browser: &Browser, scopes: &[&str], probes: &[Probe]) -> Contrast {
    let probes: Vec<Value> =
        probes.iter().map(|p| json!({ "parent": p.parent, "class": p.class, "text": p.text })).collect();
    let measured = browser.execute(CONTRAST, vec![json!(scopes), json!(probes), json!(MINIMUM_CONTRAST)]).await;
    let failures = measured["failures"].as_array().cloned().unwrap_or_default();
    Contrast {
        checked: measured["checked"].as_u64().unwrap_or(0),
        failures: failures.iter().filter_map(|f| f.as_str().map(str::to_owned)).collect(),
    }
}

/// What is wrong with the layout at the window's size: the page scrolling sideways, and each
/// control in `controls` (CSS selectors) missing, not drawn, or reaching past the viewport.
const LAYOUT: &str = r#"
const [controls] = arguments;
const page = document.documentElement;
const width = page.clientWidth;
const problems = [];
if (page.scrollWidth > width) problems.push(`the page scrolls sideways: ${page.scrollWidth}px wide in ${width}px`);
if (document.body.scrollWidth > width) problems.push(`the body is ${document.body.scrollWidth}px wide in ${width}px`);
for (const css of controls) {
  const all = [...document.querySelectorAll(css)];
  if (!all.length) problems.push(`${css}: missing`);
  for (const e of all) {
    const box = e.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) problems.push(`${css}: not drawn`);
    else if (box.left < -0.5 || box.right > width + 0.5)
      problems.push(`${css}: spans ${Math.round(box.left)}..${Math.round(box.right)}px of ${width}px`);
  }
}
return { width, height: page.clientHeight, problems };
"#;

/// The viewport's size and the layout's problems (empty when it fits).
pub async fn layout(browser: &Browser, controls: &[&str]) -> ((u64, u64), Vec<String>) {
    let measured = browser.execute(LAYOUT, vec![json!(controls)]).await;
    let size = (measured["width"].as_u64().unwrap_or(0), measured["height"].as_u64().unwrap_or(0));
    let problems = measured["problems"].as_array().cloned().unwrap_or_default();
    (size, problems.iter().filter_map(|p| p.as_str().map(str::to_owned)).collect())
}

/// The focused element in words, e.g. `button[data-testid=ack] in W-002:comms_loss`.
const FOCUSED: &str = r#"
const e = document.activeElement;
if (!e || e === document.body) return "body";
const id = e.dataset.testid ? `[data-testid=${e.dataset.testid}]` : e.id ? `#${e.id}` : "";
const row = e.closest("[data-well-id], [data-alarm-id]");
const where = row ? ` in ${row.dataset.wellId || row.dataset.alarmId}` : "";
return `${e.tagName.toLowerCase()}${id}${where}`;
"#;

pub async fn focused(browser: &Browser) -> String {
    browser.execute(FOCUSED, Vec::new()).await.as_str().unwrap_or("").to_owned()
}

/// Presses Tab until `reached` (a function body on `e`, the focused element, returning a
/// boolean) holds, at most `most` times. Fails listing the elements the focus went through.
pub async fn tab_until(browser: &Browser, what: &str, reached: &str, most: u32) {
    let check = format!("const e = document.activeElement; return !!e && ((e) => {{ {reached} }})(e);");
    let mut path = Vec::new();
    for _ in 0..most {
        browser.press(&[keys::TAB]).await;
        if browser.execute(&check, Vec::new()).await == json!(true) {
            return;
        }
        path.push(focused(browser).await);
    }
    browser.fail(&format!("Tab did not reach {what} in {most} presses; the focus went {}", path.join(" → "))).await;
}

/// Whether the focused element shows a focus indicator (an outline or a box shadow).
pub async fn focus_is_visible(browser: &Browser) -> bool {
    let script = "const s = getComputedStyle(document.activeElement); \
                  return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';";
    browser.execute(script, Vec::new()).await == json!(true)
}
