//! What the browser measures about a page, for performance tests: the JavaScript heap, paint
//! and load timings, the DOM's size, and the frame intervals while a list scrolls.

use serde_json::{json, Value};

use super::Browser;

/// The page's figures at one moment; `None` where the browser does not report one.
#[derive(Clone, Debug)]
pub struct PerformanceFigures {
    /// JavaScript heap in use (precise with `--enable-precise-memory-info`).
    pub used_js_heap_bytes: Option<u64>,
    pub total_js_heap_bytes: Option<u64>,
    /// Since navigation start.
    pub first_contentful_paint_ms: Option<f64>,
    pub dom_content_loaded_ms: Option<f64>,
    pub dom_nodes: u64,
}

/// Intervals between animation frames, in milliseconds.
#[derive(Clone, Debug)]
pub struct FrameTimes {
    pub intervals_ms: Vec<f64>,
}

impl FrameTimes {
    pub fn longest_ms(&self) -> f64 {
        self.intervals_ms.iter().copied().fold(0.0, f64::max)
    }

    pub fn mean_ms(&self) -> f64 {
        if self.intervals_ms.is_empty() {
            return 0.0;
        }
        self.intervals_ms.iter().sum::<f64>() / self.intervals_ms.len() as f64
    }

    /// The share of intervals longer than `budget_ms` (a 60 Hz frame is 16.7 ms).
    pub fn share_over(&self, budget_ms: f64) -> f64 {
        if self.intervals_ms.is_empty() {
            return 0.0;
        }
        let over = self.intervals_ms.iter().filter(|&&ms| ms > budget_ms).count();
        over as f64 / self.intervals_ms.len() as f64
    }
}

const FIGURES: &str = r#"
const navigation = performance.getEntriesByType("navigation")[0];
const paint = performance.getEntriesByName("first-contentful-paint")[0];
const memory = performance.memory;
return {
  used: memory ? memory.usedJSHeapSize : null,
  total: memory ? memory.totalJSHeapSize : null,
  paint: paint ? paint.startTime : null,
  loaded: navigation ? navigation.domContentLoadedEventEnd : null,
  nodes: document.getElementsByTagName("*").length,
};
"#;

/// Scrolls the scrollable element at or inside `arguments[0]` (else the document) by
/// `arguments[1]` pixels each frame for `arguments[2]` frames and reports the frame intervals.
const SCROLL: &str = r#"
const [css, step, frames, done] = arguments;
const root = document.querySelector(css);
const scrollable = (e) => {
  const style = getComputedStyle(e);
  return e.scrollHeight > e.clientHeight + 1 && /(auto|scroll)/.test(style.overflowY);
};
const candidates = root ? [root, ...root.querySelectorAll("*")] : [];
const target = candidates.find(scrollable) || document.scrollingElement;
const intervals = [];
let last = null;
let count = 0;
function frame(now) {
  if (last !== null) intervals.push(now - last);
  last = now;
  if (count++ >= frames) return done(intervals);
  target.scrollTop += step;
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
"#;

impl Browser {
    /// The current page's memory, timings and DOM size.
    pub async fn performance_figures(&self) -> PerformanceFigures {
        let figures = self.execute(FIGURES, Vec::new()).await;
        PerformanceFigures {
            used_js_heap_bytes: figures["used"].as_u64(),
            total_js_heap_bytes: figures["total"].as_u64(),
            first_contentful_paint_ms: figures["paint"].as_f64(),
            dom_content_loaded_ms: figures["loaded"].as_f64(),
            dom_nodes: figures["nodes"].as_u64().unwrap_or(0),
        }
    }

    /// Scrolls the list at `css` by `pixels` per animation frame for `frames` frames, measuring
    /// the interval between frames.
    pub async fn scroll_frames(&self, css: &str, pixels: u32, frames: u32) -> FrameTimes {
        let measured = self.execute_async(SCROLL, vec![json!(css), json!(pixels), json!(frames)]).await;
        let intervals = measured.as_array().map(|all| all.iter().filter_map(Value::as_f64).collect());
        FrameTimes { intervals_ms: intervals.unwrap_or_default() }
    }
}
