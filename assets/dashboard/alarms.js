// The alarm panel (`#/alarms`, esp-domain §3): every alarm point that is not normal, the loudest
// first (priority, then what still needs an operator, then the newest), with the actions that both
// the session's role and the alarm's state allow, under the ISA-18.2 rate and flood KPIs.
// Annunciated alarms and the hidden ones (shelved, suppressed, out of service) are listed apart.
// This module wires the page: it keeps the records (from the list, the live `alarm` events and
// each action's answer), the filters, and posts the actions. The parts: `alarm_model.js` (the
// rules; no DOM), `alarm_table.js`, `alarm_kpis.js` and `alarm_dialogs.js`. There is deliberately
// no "ack all": ISA-18.2 wants each alarm read before it is acknowledged.

import { segment } from "./api.js";
import { fill, h } from "./dom.js";
import { ActionDialogs } from "./alarm_dialogs.js";
import { KpiStrip } from "./alarm_kpis.js";
import {
  ACTIONS, ANNUNCIATED, GROUPS, PRIORITIES, allowedActions, describe, mergeList, partition, recordFromEvent, stamp,
} from "./alarm_model.js";
import { AlarmTable } from "./alarm_table.js";

/** How often the ages and the KPIs are redrawn. */
const TICK_MS = 10_000;
/** Bursts of live events redraw the table once, this long after the first. */
const RENDER_DELAY_MS = 50;
/** An alarm hidden live is read again (for its shelf, reason or parent) this long after. */
const DETAIL_DELAY_MS = 2_000;
/** Typing in the source filter re-filters this long after the last key. */
const TYPING_MS = 150;
const FILTER_KEY = "wellvisor.alarm-filters";

export function mount(root, context) {
  const panel = new AlarmPanel(context);
  root.append(panel.element);
  panel.start();
  return () => panel.stop();
}

/** The filters this tab last used, so coming back to the panel keeps them. */
function loadFilters() {
  let saved = {};
  try {
    saved = JSON.parse(sessionStorage.getItem(FILTER_KEY) ?? "{}") ?? {};
  } catch {
    sessionStorage.removeItem(FILTER_KEY);
  }
  const group = GROUPS[saved.group] ? saved.group : "all";
  return { priority: saved.priority ?? "", group, source: saved.source ?? "" };
}

/** A select of `[value, label]` options, `value` chosen. */
function choice(id, options, value) {
  const option = ([key, label]) => h("option", { value: key, selected: key === value }, label);
  return h("select", { id }, options.map(option));
}

class AlarmPanel {
  constructor(context) {
    this.context = context;
    this.records = new Map();
    this.busy = new Set();
    this.changes = null;
    this.timers = [];
    this.filters = loadFilters();
    this.kpis = new KpiStrip(context.api);
    this.dialogs = new ActionDialogs();
    this.table = new AlarmTable({
      canAct: ACTIONS.some((action) => context.session.may(action.access)),
      allowed: (record) => allowedActions(record, (access) => context.session.may(access)),
      act: (action, record, button) => this.act(action, record, button),
    });
    this.error = h("p", { class: "action-error error", role: "alert", "data-testid": "action-error" });
    this.status = h("p", { class: "notice", role: "status" }, "Loading alarms…");
    this.element = h("div", { class: "alarms-page" },
      h("div", { class: "alarms-head" }, h("h1", {}, "Alarms"), this.kpis.element),
      this.filterBar(), this.error, this.status, this.table.element, this.dialogs.elements);
  }

  start() {
    this.load();
    this.kpis.refresh();
    this.timers.push(setInterval(() => this.tick(), TICK_MS));
    this.unsubscribe = this.context.live.subscribe((kind, data) => {
      if (kind === "alarm") this.onAlarm(data);
      if (kind === "resync") {
        this.load();
        this.kpis.refresh();
      }
    });
  }

  stop() {
    this.stopped = true;
    this.timers.forEach(clearInterval);
    [this.renderTimer, this.detailTimer, this.typing].forEach(clearTimeout);
    this.kpis.stop();
    this.unsubscribe?.();
  }

  tick() {
    this.kpis.refresh();
    this.table.tick();
  }

  /** Reads every alarm that is not normal; changes heard meanwhile win over an older answer. */
  async load() {
    if (this.changes) {
      this.loadAgain = true;
      return;
    }
    this.changes = new Map();
    try {
      const answer = await this.context.api.get("/api/v1/alarms");
      if (this.stopped) return;
      this.records = mergeList(this.records, answer.alarms, this.changes);
      this.status.hidden = true;
    } catch (error) {
      fill(this.status, h("span", { class: "error" }, `Alarms could not be read: ${error.message}`));
      this.status.hidden = false;
    } finally {
      this.changes = null;
    }
    this.render();
    if (this.loadAgain) {
      this.loadAgain = false;
      this.load();
    }
  }

  /** Keeps a record unless what we hold is newer; `normal` takes it off the panel. */
  put(record) {
    const known = this.records.get(record.id);
    if (known && stamp(known) > stamp(record)) return;
    this.changes?.set(record.id, stamp(record));
    if (record.state === "normal") this.records.delete(record.id);
    else this.records.set(record.id, record);
  }

  onAlarm(event) {
    this.put(recordFromEvent(event, this.records.get(event.alarm_id)));
    const hidden = !ANNUNCIATED.has(event.to) && event.to !== "normal";
    if (hidden) this.later("detailTimer", DETAIL_DELAY_MS, () => this.load());
    this.later("renderTimer", RENDER_DELAY_MS, () => this.render());
    this.kpis.soon();
  }

  later(slot, delay, run) {
    if (this[slot]) return;
    this[slot] = setTimeout(() => {
      this[slot] = null;
      if (!this.stopped) run();
    }, delay);
  }

  filterBar() {
    const priority = choice("alarm-priority", [["", "All"], ...PRIORITIES.map((p) => [p, p])], this.filters.priority);
    const groups = Object.entries(GROUPS).map(([key, { label }]) => [key, label]);
    this.groupSelect = choice("alarm-group", groups, this.filters.group);
    const source = h("input", {
      id: "alarm-source", type: "search", value: this.filters.source,
      placeholder: "W-005", autocomplete: "off", spellcheck: "false",
    });
    const changed = () => {
      this.filters = { priority: priority.value, group: this.groupSelect.value, source: source.value.trim() };
      sessionStorage.setItem(FILTER_KEY, JSON.stringify(this.filters));
      this.render();
    };
    priority.addEventListener("change", changed);
    this.groupSelect.addEventListener("change", changed);
    source.addEventListener("input", () => {
      clearTimeout(this.typing);
      this.typing = setTimeout(changed, TYPING_MS);
    });
    return h("div", { class: "alarm-filters", role: "search", "aria-label": "Filter alarms" },
      h("label", { for: "alarm-priority" }, "Priority"), priority,
      h("label", { for: "alarm-group" }, "State"), this.groupSelect,
      h("label", { for: "alarm-source" }, "Well or source"), source);
  }

  /** Draws the records as the filters want, with each state group's count in its menu. */
  render() {
    const { loud, quiet, counts } = partition(this.records.values(), this.filters);
    for (const option of this.groupSelect.options) {
      fill(option, `${GROUPS[option.value].label} (${counts[option.value]})`);
    }
    this.table.show(loud, quiet, this.filters.group);
  }

  /** Asks what the action needs, posts it, and shows the answer at once. */
  async act(action, record, opener) {
    if (this.busy.has(record.id)) return;
    const body = await this.dialogs.ask(action, record, opener);
    if (body === null) return;
    this.busy.add(record.id);
    opener.setAttribute("aria-busy", "true");
    fill(this.error);
    try {
      const path = `/api/v1/alarms/${segment(record.id)}/${action.path}`;
      this.put(await this.context.api.post(path, body));
      this.render();
      this.context.refreshBanner();
      this.kpis.soon();
    } catch (error) {
      fill(this.error, `${action.verb} ${describe(record)}: ${error.message}`);
      if (error.status === 404 || error.status === 409) this.load();
    } finally {
      this.busy.delete(record.id);
      opener.removeAttribute("aria-busy");
    }
  }
}
