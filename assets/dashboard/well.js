// The well detail page (`#/wells/<id>`): what an operator needs to judge one well and act on
// it. The header says how the well is (connection, supervision, run state, trip); beside it the
// latest values with units, the supervision panel with the restart action and its audit trail,
// and the device counters; on the other side the amp chart and trends, the diagnoses with their
// evidence and advice, and the alarm history (the well's alarm points and their journal). This
// module lays the page out and keeps it current: the detail is read every few seconds while the
// page is visible, the histories less often, and each again soon after the live stream reports
// news of this well. Drawing is done by `well_sections.js`, `well_history.js` and `restart.js`.

import { segment } from "./api.js";
import { fill, h } from "./dom.js";
import { ChartSet, DEFAULT_RANGE, RANGES, describe, readTelemetry } from "./charts.js";
import { RestartPanel } from "./restart.js";
import { section, showCounters, showDiagnoses, showFacts, showValues, valueTables } from "./well_sections.js";
import { showAlarmPoints, showAudit, showDiagnosisHistory, showJournal } from "./well_history.js";

const DETAIL_EVERY_MS = 3_000;
const SHORT_RANGE_SECONDS = 3_600;
const SHORT_RANGE_EVERY_MS = 7_500;
const LONG_RANGE_EVERY_MS = 60_000;
const HISTORY_EVERY_MS = 30_000;
const LIVE_DEBOUNCE_MS = 300;
/** The historian writes records in batches up to a second old: what an event announces is read
 * again this long after, when it has surely been written. */
const HISTORIAN_SETTLE_MS = 2_000;
const STORED = new Set(["audit", "diagnostics", "journal"]);
const HISTORIES = ["alarms", "journal", "audit", "diagnostics"];
const DIAGNOSIS_WINDOW_MS = 24 * 3600 * 1000;
const AUDIT_LIMIT = 50;
const JOURNAL_LIMIT = 40;

export function mount(root, context, params) {
  const page = new WellPage(root, context, params[0]);
  page.start();
  return () => page.stop();
}

class WellPage {
  constructor(root, context, id) {
    this.root = root;
    this.context = context;
    this.api = context.api;
    this.id = id;
    this.path = `/api/v1/wells/${segment(id)}`;
    this.timers = [];
    this.stopped = false;
    this.wanted = new Set();
    this.debounce = null;
    this.settle = null;
    this.range = RANGES.find((range) => range.key === DEFAULT_RANGE);
    this.tickets = {};
    this.history = { audit: [], journal: null };
    this.onVisible = () => !document.hidden && this.refresh(["detail", "charts"]);
  }

  async start() {
    fill(this.root, h("p", { class: "notice" }, `Loading ${this.id}…`));
    let detail = null;
    try {
      detail = await this.api.get(this.path);
    } catch (error) {
      if (this.stopped) return;
      if (error.status === 404) return this.showMissing(error);
      detail = { error };
    }
    if (this.stopped) return;
    this.build();
    this.showDetail(detail);
    this.refresh([...HISTORIES, "charts"]);
    this.every(() => DETAIL_EVERY_MS, () => this.readDetail());
    this.every(() => (this.range.seconds <= SHORT_RANGE_SECONDS ? SHORT_RANGE_EVERY_MS : LONG_RANGE_EVERY_MS), () => this.readCharts());
    this.every(() => HISTORY_EVERY_MS, () => this.refresh(HISTORIES));
    this.unsubscribe = this.context.live.subscribe((kind, data) => this.onLive(kind, data));
    document.addEventListener("visibilitychange", this.onVisible);
  }

  stop() {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer.handle);
    clearTimeout(this.debounce);
    clearTimeout(this.settle);
    this.unsubscribe?.();
    document.removeEventListener("visibilitychange", this.onVisible);
    this.charts?.destroy();
    this.restart?.close();
    document.title = "wellvisor";
  }

  /** Runs `task` again `delay()` after each run ends, skipping runs while the tab is hidden. */
  every(delay, task) {
    const timer = { handle: null };
    const tick = async () => {
      if (this.stopped) return;
      if (!document.hidden) await task();
      if (!this.stopped) timer.handle = setTimeout(tick, delay());
    };
    timer.handle = setTimeout(tick, delay());
    this.timers.push(timer);
  }

  // ---- live events --------------------------------------------------------------------------

  onLive(kind, data) {
    if (kind === "resync") return this.soon(["detail", ...HISTORIES, "charts"]);
    if (!this.isAbout(data)) return;
    if (kind === "status") this.soon(["detail"]);
    if (kind === "restart") this.soon(["detail", "audit"]);
    if (kind === "alarm") this.soon(["detail", ...HISTORIES]);
  }

  isAbout(data) {
    if (!data || typeof data !== "object") return false;
    if (data.well_id === this.id) return true;
    if (data.source?.kind === "well" && data.source.id === this.id) return true;
    return typeof data.alarm_id === "string" && data.alarm_id.startsWith(`${this.id}:`);
  }

  /** Collects what to read again and reads it once the burst of events has passed; what the
   * historian stores is read once more when it has caught up. */
  soon(what) {
    for (const item of what) this.wanted.add(item);
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      const wanted = [...this.wanted];
      this.wanted.clear();
      this.refresh(wanted);
      this.afterHistorian(wanted);
    }, LIVE_DEBOUNCE_MS);
  }

  afterHistorian(what) {
    const stored = what.filter((item) => STORED.has(item));
    if (stored.length === 0) return;
    clearTimeout(this.settle);
    this.settle = setTimeout(() => this.refresh(stored), HISTORIAN_SETTLE_MS);
  }

  refresh(what) {
    if (this.stopped) return;
    const reads = {
      detail: () => this.readDetail(),
      alarms: () => this.readAlarms(),
      journal: () => this.readJournal(),
      audit: () => this.readAudit(),
      diagnostics: () => this.readDiagnoses(),
      charts: () => this.readCharts(),
    };
    for (const item of what) reads[item]?.();
  }

  // ---- reads --------------------------------------------------------------------------------

  readDetail() {
    return this.read("detail", () => this.api.get(this.path), (detail) => this.showDetail(detail), (error) =>
      error.status === 404 ? this.showMissing(error) : this.showDetail({ error }));
  }

  readCharts() {
    return this.read("charts", () => readTelemetry(this.api, this.id, this.range), (result) => {
      this.charts.draw(result);
      fill(this.el.chartCaption, `${this.range.label}: ${describe(result)}`);
    }, (error) => fill(this.el.chartCaption, h("span", { class: "error" }, `Trends could not be read: ${error.message}`)));
  }

  readAlarms() {
    const query = new URLSearchParams({ well: this.id, include_normal: "true" });
    return this.read("alarms", () => this.api.get(`/api/v1/alarms?${query}`), (answer) => showAlarmPoints(this.el.alarmPoints, answer.alarms ?? []), this.failIn(this.el.alarmPoints));
  }

  readJournal() {
    return this.read("journal", () => this.api.get(`${this.path}/alarm-journal?limit=${JOURNAL_LIMIT}`), (answer) => {
      this.history.journal = answer;
      this.showJournal();
    }, this.failIn(this.el.journal));
  }

  readAudit() {
    return this.read("audit", () => this.api.get(`${this.path}/audit?limit=${AUDIT_LIMIT}`), (answer) => {
      this.history.audit = answer.entries ?? [];
      showAudit(this.el.audit, this.id, this.history.audit);
      this.showJournal();
    }, this.failIn(this.el.audit));
  }

  readDiagnoses() {
    const query = new URLSearchParams({ from: new Date(Date.now() - DIAGNOSIS_WINDOW_MS).toISOString() });
    return this.read("diagnostics", () => this.api.get(`${this.path}/diagnostics?${query}`), (answer) =>
      showDiagnosisHistory(this.el.diagnosisHistory, answer.diagnoses ?? [], answer.truncated), this.failIn(this.el.diagnosisHistory));
  }

  /** One read: `show` its answer or `fail` with the error, unless the page is gone or a newer
   * read of the same thing was started meanwhile (answers may arrive out of order). */
  async read(key, get, show, fail) {
    const ticket = (this.tickets[key] = (this.tickets[key] ?? 0) + 1);
    const current = () => !this.stopped && this.tickets[key] === ticket;
    try {
      const answer = await get();
      if (current()) show(answer);
    } catch (error) {
      if (current()) fail(error);
    }
  }

  failIn(panel) {
    return (error) => fill(panel, h("p", { class: "error" }, `Could not be read: ${error.message}`));
  }

  /** The journal once it is read; the audit trail, when it comes, names who acted and why. */
  showJournal() {
    if (this.history.journal) showJournal(this.el.journal, this.id, this.history.journal, this.history.audit);
  }

  // ---- layout -------------------------------------------------------------------------------

  showMissing(error) {
    this.stop();
    fill(
      this.root,
      h("section", { class: "panel well-missing", role: "alert" },
        h("h1", { "data-testid": "well-title" }, `Well ${this.id}`),
        h("p", { class: "error" }, error.message),
        h("p", {}, h("a", { href: "#/" }, "Back to the fleet overview"))),
    );
  }

  build() {
    const el = (this.el = {});
    const loading = () => h("p", { class: "notice" }, "Loading…");
    el.title = h("h1", { id: "well-title", "data-testid": "well-title" }, this.id);
    el.facts = h("dl", { class: "well-facts" });
    el.headError = h("p", { class: "error", role: "alert", hidden: true });
    el.values = valueTables();
    el.valuesAt = h("p", { class: "notice" });
    el.audit = h("div", { "data-testid": "audit-trail" }, loading());
    el.counters = h("div", { "data-testid": "counters" });
    el.chartCaption = h("p", { class: "notice chart-caption", "aria-live": "polite" }, "Loading trends…");
    el.chartGrid = h("div", { class: "chart-grid" });
    el.diagnosesNow = h("div", { class: "diagnoses-now" });
    el.diagnosisHistory = h("div", { class: "diagnoses-history" }, loading());
    el.alarmPoints = h("div", { class: "alarm-points" }, loading());
    el.journal = h("div", { class: "alarm-journal" }, loading());
    this.restart = new RestartPanel(this.context, this.id, this.path, () => {
      this.refresh(["detail", "audit"]);
      this.afterHistorian(["audit"]);
    });
    fill(
      this.root,
      h("div", { class: "well-page" },
        h("section", { class: "panel well-head", "aria-labelledby": "well-title" },
          h("p", { class: "well-back" }, h("a", { href: "#/" }, "← Fleet overview")),
          el.title, el.facts, el.headError),
        h("div", { class: "well-columns" },
          h("div", { class: "well-side" },
            section("values", "Latest values", el.valuesAt, el.values),
            section("supervision", "Supervision", ...this.restart.parts(), h("h3", { id: "audit-heading" }, "Audit trail"), el.audit),
            section("counters", "Device counters", el.counters)),
          h("div", { class: "well-main" },
            section("trends", "Amp chart and trends", this.rangeControl(), el.chartCaption, el.chartGrid),
            section("diagnoses", "Diagnoses",
              h("div", { "data-testid": "diagnoses" }, el.diagnosesNow, h("h3", {}, "Recent history (24 h)"), el.diagnosisHistory)),
            section("alarms", "Alarm history",
              h("div", { "data-testid": "alarm-history" }, el.alarmPoints, h("h3", {}, "Journal (24 h)"), el.journal)))),
        this.restart.dialog),
    );
    this.charts = new ChartSet(el.chartGrid);
  }

  rangeControl() {
    const select = h("select", { id: "well-range", "data-testid": "range" },
      RANGES.map((range) => h("option", { value: range.key, selected: range === this.range }, range.label)));
    select.addEventListener("change", () => {
      this.range = RANGES.find((range) => range.key === select.value) ?? this.range;
      fill(this.el.chartCaption, `Loading ${this.range.label}…`);
      this.readCharts();
    });
    return h("div", { class: "range-control" }, h("label", { for: "well-range" }, "Range"), select);
  }

  showDetail(detail) {
    if (detail.error) {
      this.el.headError.hidden = false;
      fill(this.el.headError, `The well could not be read: ${detail.error.message}`);
      return;
    }
    this.el.headError.hidden = true;
    fill(this.el.title, detail.name && detail.name !== detail.id ? `${detail.id} · ${detail.name}` : detail.id);
    document.title = `${detail.id} · wellvisor`;
    showFacts(this.el.facts, detail);
    showValues(this.el.values, this.el.valuesAt, detail);
    this.restart.show(detail);
    showCounters(this.el.counters, detail);
    showDiagnoses(this.el.diagnosesNow, detail.diagnoses ?? []);
  }
}
