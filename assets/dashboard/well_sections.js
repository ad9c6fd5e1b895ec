// How the well detail page draws what a well is now: the header's states, the latest values by
// group with their quality, the device counters and the diagnoses that hold with their evidence
// and advice; and the small builders every part of the page shares (sections, facts, state
// marks, table heads). Each function fills the element it is given from one answer of the API.

import { ago, clock, fill, h, quantity, words } from "./dom.js";

/** Canonical parameters (esp-domain §1), grouped as the control room reads them, with labels. */
const GROUPS = [
  { title: "Motor", params: ["current_a", "current_b", "current_c", "voltage_ab", "voltage_bc", "voltage_ca", "frequency", "power", "power_factor"] },
  { title: "Downhole", params: ["intake_pressure", "discharge_pressure", "intake_temperature", "motor_temperature", "vibration_x", "vibration_y", "leakage_current"] },
  { title: "Surface", params: ["tubing_pressure", "casing_pressure", "flow_rate", "drive_temperature", "starts_count"] },
];
const LABELS = {
  current_a: "Current A", current_b: "Current B", current_c: "Current C",
  voltage_ab: "Voltage A–B", voltage_bc: "Voltage B–C", voltage_ca: "Voltage C–A",
  frequency: "Frequency", power: "Power", power_factor: "Power factor",
  intake_pressure: "Intake pressure", discharge_pressure: "Discharge pressure",
  intake_temperature: "Intake temperature", motor_temperature: "Motor temperature",
  vibration_x: "Vibration X", vibration_y: "Vibration Y", leakage_current: "Leakage current",
  tubing_pressure: "Tubing pressure", casing_pressure: "Casing pressure", flow_rate: "Flow rate",
  drive_temperature: "Drive temperature", starts_count: "Starts count",
};
const CANONICAL_UNITS = {
  current_a: "A", current_b: "A", current_c: "A", voltage_ab: "V", voltage_bc: "V", voltage_ca: "V",
  frequency: "Hz", power: "kW", power_factor: "", intake_pressure: "psi", discharge_pressure: "psi",
  intake_temperature: "°C", motor_temperature: "°C", vibration_x: "g", vibration_y: "g",
  leakage_current: "mA", tubing_pressure: "psi", casing_pressure: "psi", flow_rate: "bbl/d",
  drive_temperature: "°C", starts_count: "",
};
/** Units of the signals diagnoses cite that are not canonical parameters. */
const EVIDENCE_UNITS = {
  current: "A", current_max: "A", vibration: "g", submergence: "psi", delta_p: "psi", motor_rise: "°C",
  leakage_current_hour_low: "mA", seconds_since_step: "s",
};
const COUNTERS = [
  ["polls_ok", "Polls ok"], ["polls_failed", "Polls failed"], ["late_polls", "Late polls"],
  ["timeouts", "Timeouts"], ["exceptions", "Modbus exceptions"], ["transport_errors", "Transport errors"],
  ["decode_errors", "Decode errors"], ["connect_failures", "Connect failures"], ["reconnects", "Reconnects"],
  ["samples_reported", "Samples reported"], ["samples_dropped", "Samples dropped"],
];
/** States that need an operator: shown in colour, always with their word. */
const ABNORMAL = new Set(["offline", "failed", "tripped", "locked_out"]);

// ---- shared builders ------------------------------------------------------------------------

/** A panel of the page with its heading, labelled for assistive technology. */
export function section(key, title, ...children) {
  const id = `well-${key}-heading`;
  return h("section", { class: `panel well-${key}`, "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

export function fact(term, ...value) {
  return h("div", { class: "fact" }, h("dt", {}, term), h("dd", {}, ...value));
}

/** A state word, coloured only when it needs an operator. */
export function mark(state, testid, text = state) {
  const abnormal = ABNORMAL.has(state);
  return h("span", { class: abnormal ? "pill state-fault" : "pill state-normal", "data-testid": testid, "data-state": state, "data-abnormal": abnormal ? "true" : "false" }, text);
}

export function head(...titles) {
  return h("thead", {}, h("tr", {}, titles.map((title) => h("th", { scope: "col" }, title))));
}

export function notice(text) {
  return h("p", { class: "notice" }, text);
}

/** `before → after` in words; empty when neither is known. */
export function change(before, after) {
  if (!before && !after) return "";
  return `${words(before ?? "—")} → ${words(after ?? "—")}`;
}

// ---- header, values, counters -----------------------------------------------------------------

export function showFacts(panel, detail) {
  fill(
    panel,
    fact("Connection", mark(detail.connection, "connection-state")),
    fact("Supervision", mark(detail.supervision, "supervision-state")),
    fact("Run state", mark(detail.run_state ?? "unknown", "run-state", words(detail.run_state ?? "unknown"))),
    fact("Trip code", words(detail.trip_code ?? "none")),
    fact("Restarts", String(detail.restarts ?? 0)),
    fact("Last sample", detail.last_sample_at ? h("span", { title: clock(detail.last_sample_at) }, `${ago(detail.last_sample_at)} ago`) : "none yet"),
    fact("Active alarms", String(detail.active_alarms ?? 0)),
    fact("Profile", detail.profile ?? "—"),
    fact("Endpoint", detail.endpoint ?? "—"),
  );
}

/** The values panel: one table per group, a row per parameter, empty until the first read. */
export function valueTables() {
  return h("div", { "data-testid": "values", class: "values-groups" }, GROUPS.map((group) => {
    const rows = group.params.map((name) =>
      h("tr", { "data-param": name },
        h("th", { scope: "row" }, LABELS[name] ?? words(name)),
        h("td", { class: "number value" }, "—"),
        h("td", { class: "quality" }, "")));
    return h("div", { class: "value-group" }, h("h3", {}, group.title), h("table", { class: "values-table" }, h("tbody", {}, rows)));
  }));
}

export function showValues(tables, readAt, detail) {
  const values = detail.values ?? {};
  for (const row of tables.querySelectorAll("tr[data-param]")) {
    const reading = values[row.dataset.param];
    const [valueCell, qualityCell] = row.querySelectorAll("td");
    const quality = reading ? reading.quality : "none";
    row.dataset.quality = quality;
    row.className = quality === "good" ? "" : `quality-${quality}`;
    fill(valueCell, reading ? quantity(reading.value, reading.unit === "count" ? "" : reading.unit) : "—");
    fill(qualityCell, { good: "", stale: "stale", bad: "bad", none: "not read" }[quality] ?? words(quality));
  }
  fill(readAt, detail.values_at ? `Read at ${clock(detail.values_at)} (${ago(detail.values_at)} ago).` : "No values read yet.");
}

export function showCounters(panel, detail) {
  const counters = detail.counters ?? {};
  const rows = COUNTERS.map(([key, label]) =>
    h("tr", { "data-counter": key }, h("th", { scope: "row" }, label), h("td", { class: "number" }, (counters[key] ?? 0).toLocaleString("en-US"))));
  const last = detail.last_error;
  fill(
    panel,
    h("table", { class: "counters-table" }, h("tbody", {}, rows)),
    h("h3", {}, "Last error"),
    last ? h("p", { class: "last-error" }, h("span", { class: "when" }, `${clock(last.at)} (${ago(last.at)} ago): `), last.message) : notice("None recorded."),
  );
}

// ---- diagnoses that hold now --------------------------------------------------------------------

export function showDiagnoses(panel, current) {
  if (current.length === 0) return fill(panel, notice("No diagnosis holds now."));
  fill(panel, h("ul", { class: "diagnosis-list" }, current.map((d) =>
    h("li", { class: "diagnosis", "data-kind": d.kind, "data-priority": d.priority },
      h("p", { class: "diagnosis-line" },
        h("span", { class: `pill priority-${d.priority}` }, d.priority),
        h("strong", {}, ` ${words(d.kind)} `),
        h("span", { class: "notice" }, `confidence ${Math.round((d.confidence ?? 0) * 100)} % · since ${clock(d.at)}`),
        d.blocks_auto_restart ? h("span", { class: "blocks" }, " · blocks auto-restart") : null,
        d.parent ? h("span", { class: "notice" }, ` · explained by ${d.parent}`) : null),
      h("ul", { class: "evidence", "aria-label": "Evidence" }, (d.evidence ?? []).map((e) => h("li", {}, evidence(e)))),
      h("p", { class: "advice" }, h("strong", {}, "Advice: "), d.advice || "—")))));
}

/** One evidence value: `Intake pressure 1,234 psi (limit 1,500 psi, baseline 2,000 psi, over 10 min)`. */
function evidence(e) {
  const unit = unitOf(e.signal);
  const details = [
    e.limit !== undefined && e.limit !== null ? `limit ${quantity(e.limit, unit)}` : null,
    e.baseline !== undefined && e.baseline !== null ? `baseline ${quantity(e.baseline, unit)}` : null,
    e.window_secs ? `over ${windowWords(e.window_secs)}` : null,
  ].filter(Boolean);
  const name = LABELS[e.signal] ?? words(e.signal.replace(/_pct$/, ""));
  return `${name}: ${quantity(e.value, unit)}${details.length ? ` (${details.join(", ")})` : ""}`;
}

function unitOf(signal) {
  if (signal.endsWith("_pct")) return "%";
  return EVIDENCE_UNITS[signal] ?? CANONICAL_UNITS[signal] ?? "";
}

function windowWords(seconds) {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}
