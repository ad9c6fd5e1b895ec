// The well page's trend charts, drawn with uPlot: the amp chart (three phase currents on one
// chart) and the trends of intake pressure, motor temperature, frequency and vibration. One
// telemetry request feeds them all; the server picks raw samples or a roll-up for the range
// (`resolution=auto`), and roll-ups are drawn as their average with a min–max band where one
// series is shown. Series are told apart by dash pattern and label, never by colour alone.

import uPlot from "./uPlot.esm.js";
import { fill, h } from "./dom.js";
import { segment } from "./api.js";

/** The ranges an operator may pick; `seconds` is how far back from now. */
export const RANGES = [
  { key: "15m", label: "15 min", seconds: 15 * 60 },
  { key: "1h", label: "1 h", seconds: 3600 },
  { key: "6h", label: "6 h", seconds: 6 * 3600 },
  { key: "24h", label: "24 h", seconds: 24 * 3600 },
  { key: "7d", label: "7 d", seconds: 7 * 86400 },
  { key: "30d", label: "30 d", seconds: 30 * 86400 },
];
export const DEFAULT_RANGE = "1h";

/** Points asked for. An hour of 1 s samples fits, so the default range is drawn from raw samples
 * (a well started minutes ago shows its lines, not one roll-up dot); longer ranges get roll-ups
 * of a few hundred to a few thousand points, still cheap for uPlot. */
const POINT_LIMIT = 4000;

/** Each chart: its test id suffix, title, unit, the parameters on it, their legend labels, and
 * the least span of its value axis, so a steady signal's sensor noise is drawn as the flat line
 * it is rather than stretched over the whole chart. */
const CHARTS = [
  { key: "amps", title: "Amp chart", unit: "A", params: ["current_a", "current_b", "current_c"], labels: ["Phase A", "Phase B", "Phase C"], height: 220, span: 10 },
  { key: "intake_pressure", title: "Intake pressure", unit: "psi", params: ["intake_pressure"], labels: ["Intake"], height: 150, span: 100 },
  { key: "motor_temperature", title: "Motor temperature", unit: "°C", params: ["motor_temperature"], labels: ["Motor"], height: 150, span: 10 },
  { key: "frequency", title: "Frequency", unit: "Hz", params: ["frequency"], labels: ["Drive output"], height: 150, span: 5 },
  { key: "vibration", title: "Vibration", unit: "g", params: ["vibration_x", "vibration_y"], labels: ["X axis", "Y axis"], height: 150, span: 0.5 },
];
const PARAMS = CHARTS.flatMap((chart) => chart.params);

/** Line styles by series position: dash pattern first, a dark tone second. */
const STYLES = [
  { dash: [], marker: "solid", stroke: "#1c1c1c" },
  { dash: [10, 5], marker: "dashed", stroke: "#1f4e8c" },
  { dash: [2, 4], marker: "dotted", stroke: "#6b4a1f" },
];
const BAND_FILL = "rgba(60, 60, 60, 0.14)";
const EDGE_STROKE = "#9a9a9a";

const RESOLUTION_WORDS = {
  raw: "raw samples",
  "1m": "1-minute roll-ups",
  "1h": "1-hour roll-ups",
};
const COARSER = { raw: "1m", "1m": "1h" };

/**
 * Reads the range for every charted parameter in one request. A raw answer cut short by the
 * limit (the server's estimate of the poll rate was off) is asked again one resolution coarser,
 * so the newest data is never the part left out.
 */
export async function readTelemetry(api, wellId, range, now = Date.now()) {
  const to = new Date(now);
  const from = new Date(now - range.seconds * 1000);
  let resolution = "auto";
  for (;;) {
    const query = new URLSearchParams({
      from: from.toISOString(),
      to: to.toISOString(),
      params: PARAMS.join(","),
      resolution,
      limit: String(POINT_LIMIT),
    });
    const answer = await api.get(`/api/v1/wells/${segment(wellId)}/telemetry?${query}`);
    const coarser = COARSER[answer.resolution];
    if (answer.truncated && coarser) {
      resolution = coarser;
      continue;
    }
    return { from: from.getTime() / 1000, to: to.getTime() / 1000, resolution: answer.resolution, truncated: answer.truncated, rows: rows(answer) };
  }
}

/** Samples and roll-up points alike as `{ at (seconds), values: { name: { avg, min, max } } }`. */
function rows(answer) {
  if (answer.samples) {
    return answer.samples.map((sample) => ({
      at: Date.parse(sample.at) / 1000,
      values: Object.fromEntries(Object.entries(sample.values ?? {}).map(([name, v]) => [name, { avg: v, min: v, max: v }])),
    }));
  }
  return (answer.points ?? []).map((point) => ({ at: Date.parse(point.at) / 1000, values: point.values ?? {} }));
}

/** What the caption says about an answer. */
export function describe(result) {
  const words = RESOLUTION_WORDS[result.resolution] ?? result.resolution;
  const drawn = result.resolution === "raw" ? "" : ": average line, min–max band on single-series charts";
  const cut = result.truncated ? " (more data than one answer holds: the range is shown in part)" : "";
  return `Server answered ${words}${drawn}${cut}.`;
}

/** The five charts in `container`; `draw` them with a `readTelemetry` result, `destroy` on unmount. */
export class ChartSet {
  constructor(container) {
    this.charts = CHARTS.map((spec) => new Chart(container, spec));
  }

  draw(result) {
    for (const chart of this.charts) chart.draw(result);
  }

  destroy() {
    for (const chart of this.charts) chart.destroy();
  }
}

class Chart {
  constructor(container, spec) {
    this.spec = spec;
    this.plot = null;
    this.banded = null;
    this.range = [0, 1];
    this.area = h("div", { class: "chart-area" });
    this.note = h("p", { class: "notice chart-empty", hidden: true }, "No data in this range.");
    this.figure = h(
      "figure",
      { class: `well-chart chart-${spec.key}`, "data-testid": `chart-${spec.key}`, "data-points": "0" },
      h("figcaption", {}, h("h3", {}, `${spec.title} (${spec.unit})`)),
      this.area,
      this.note,
    );
    container.append(this.figure);
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.area);
  }

  draw(result) {
    const banded = result.resolution !== "raw" && this.spec.params.length === 1;
    const data = this.data(result, banded);
    this.range = [result.from, result.to];
    if (!this.plot || this.banded !== banded) this.create(data, banded);
    else this.plot.setData(data);
    const points = data[0].length;
    this.figure.dataset.points = String(points);
    this.note.hidden = points > 0;
  }

  /** uPlot's columns: times, then per parameter its average (and max, min when banded). */
  data(result, banded) {
    const drawn = result.rows.filter((row) => this.spec.params.some((name) => row.values[name]));
    const column = (name, field) => drawn.map((row) => row.values[name]?.[field] ?? null);
    const columns = [drawn.map((row) => row.at)];
    for (const name of this.spec.params) {
      columns.push(column(name, "avg"));
      if (banded) columns.push(column(name, "max"), column(name, "min"));
    }
    return columns;
  }

  create(data, banded) {
    this.plot?.destroy();
    this.banded = banded;
    this.plot = new uPlot(this.options(banded), data, this.area);
  }

  options(banded) {
    const series = [{ label: "Time", value: (u, v) => (v === null || v === undefined ? "—" : stamp(new Date(v * 1000))) }];
    this.spec.params.forEach((_, i) => {
      const style = STYLES[i % STYLES.length];
      const label = banded ? `${this.spec.labels[i]} avg` : this.spec.labels[i];
      series.push({ label, stroke: style.stroke, dash: style.dash, width: 2, marker: style.marker, value: (u, v) => format(v, this.spec.unit) });
      if (banded) {
        series.push(edge("max", this.spec.unit), edge("min", this.spec.unit));
      }
    });
    return {
      width: this.width(),
      height: this.spec.height,
      series,
      bands: banded ? [{ series: [2, 3], fill: BAND_FILL }] : [],
      scales: { x: { time: true, range: () => [...this.range] }, y: { range: (u, min, max) => atLeast(this.spec.span, min, max) } },
      axes: [{ ...axis(), space: 70, values: timeTicks }, { ...axis(), size: 56 }],
      legend: { markers: { width: 3, dash: (u, i) => u.series[i].marker ?? "solid" } },
      cursor: { drag: { x: false, y: false } },
    };
  }

  width() {
    return Math.max(200, Math.floor(this.area.clientWidth || this.figure.clientWidth || 400));
  }

  resize() {
    if (!this.plot) return;
    const width = this.width();
    if (width !== this.plot.width) this.plot.setSize({ width, height: this.spec.height });
  }

  destroy() {
    this.observer.disconnect();
    this.plot?.destroy();
    this.plot = null;
    fill(this.area);
  }
}

/** Axis lines and labels in the page's greys. */
function axis() {
  return { stroke: "#3a3a3a", grid: { stroke: "#d4d4d4", width: 1 }, ticks: { stroke: "#b4b4b4", width: 1 } };
}

/** A value axis from `min` to `max`, widened about its middle to at least `span`. */
function atLeast(span, min, max) {
  if (min === null || max === null) return [0, span];
  const middle = (min + max) / 2;
  const half = Math.max(span, max - min) / 2;
  const pad = (max - min) * 0.05;
  return [middle - half - pad, middle + half + pad];
}

/** Time tick labels on a 24-hour clock: `14:05`, with the day once the range spans days. */
function timeTicks(u, splits) {
  const days = u.scales.x.max - u.scales.x.min > 36 * 3600;
  return splits.map((at) => {
    const d = new Date(at * 1000);
    const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    if (!days) return time;
    const day = `${d.getDate()} ${d.toLocaleString("en-GB", { month: "short" })}`;
    return d.getHours() === 0 && d.getMinutes() === 0 ? day : `${day} ${time}`;
  });
}

/** A local time in full, for the legend under the cursor: `2026-01-05 14:05:09`. */
function stamp(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function pad(n) {
  return String(n).padStart(2, "0");
}

/** A band edge: a thin grey line, named in the legend. */
function edge(label, unit) {
  return { label, stroke: EDGE_STROKE, width: 1, marker: "solid", value: (u, v) => format(v, unit), points: { show: false } };
}

function format(value, unit) {
  if (value === null || value === undefined) return "—";
  const digits = Math.abs(value) >= 100 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}
