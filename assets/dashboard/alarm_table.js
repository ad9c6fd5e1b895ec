// The alarm panel's two tables (annunciated, and hidden: shelved, suppressed, out of service) and
// their rows with the action buttons. Rows are kept per alarm and moved, never rebuilt, when the
// order changes, so a focused row or button keeps its focus while the list moves around it; when
// what had focus goes away, focus falls to its row, then to a section heading.

import { segment } from "./api.js";
import { ago, clock, fill, h, words } from "./dom.js";
import { UNACKED, describe, describeId, sourceLabel } from "./alarm_model.js";

/** Rows drawn per section; a flood beyond this is narrowed with the filters, not scrolled. */
const MAX_ROWS = 500;
const STATE_LABELS = {
  unacknowledged: "unacknowledged",
  acknowledged: "acknowledged",
  rtn_unacknowledged: "cleared, unacknowledged",
  latched: "latched, reset needed",
  shelved: "shelved",
  suppressed_by_design: "suppressed by design",
  out_of_service: "out of service",
};

/**
 * Both sections. `actions` says what a row may offer: `canAct` (an Actions column at all),
 * `allowed(record)` (the actions for it) and `act(action, record, button)`.
 */
export class AlarmTable {
  constructor(actions) {
    this.actions = actions;
    this.rows = new Map();
    const columns = ["Priority", "State", "Source", "Alarm", "Message", "Since"];
    if (actions.canAct) columns.push("Actions");
    this.loud = new AlarmSection("annunciated", "Annunciated alarms", columns, "No annunciated alarms.");
    this.quiet = new AlarmSection("hidden", "Shelved, suppressed and out of service", columns, "None hidden.");
    this.element = h("div", { class: "alarm-list", "data-testid": "alarm-list" }, this.loud.element, this.quiet.element);
  }

  /** Shows the annunciated and hidden records (sorted) as the state `group` filter wants. */
  show(loud, quiet, group) {
    const focus = this.focusMemory();
    const shown = new Set();
    this.loud.element.hidden = group !== "all" && group !== "annunciated";
    this.quiet.element.hidden = group === "annunciated";
    this.loud.show(this.rowsFor(loud, shown), loud.length);
    this.quiet.show(this.rowsFor(quiet, shown), quiet.length);
    for (const id of this.rows.keys()) if (!shown.has(id)) this.rows.delete(id);
    Object.assign(this.element.dataset, { ready: "true", count: String(loud.length + quiet.length) });
    this.restoreFocus(focus);
  }

  /** Redraws how long ago each alarm changed. */
  tick() {
    for (const row of this.rows.values()) row.tick();
  }

  rowsFor(records, shown) {
    return records.slice(0, MAX_ROWS).map((record) => {
      shown.add(record.id);
      let row = this.rows.get(record.id);
      if (row) row.update(record);
      else this.rows.set(record.id, (row = new AlarmRow(record, this.actions)));
      return row;
    });
  }

  focusMemory() {
    const active = document.activeElement;
    if (!active || !this.element.contains(active)) return null;
    return { active, id: active.closest("tr[data-alarm-id]")?.dataset.alarmId };
  }

  /** Focus stays where it was; if its button went, on its row; if the row went, on a heading. */
  restoreFocus(memory) {
    if (!memory) return;
    const visible = (element) => element?.isConnected && element.checkVisibility?.() !== false;
    const row = this.rows.get(memory.id)?.element;
    const target = [memory.active, row, this.loud.heading, this.quiet.heading].find(visible);
    if (target && document.activeElement !== target) target.focus({ preventScroll: true });
  }
}

/** One table of alarms (annunciated, or hidden) whose rows are moved, never rebuilt, to sort. */
class AlarmSection {
  constructor(key, title, columns, emptyText) {
    const id = `alarms-${key}-title`;
    this.count = h("span", { class: "section-count" });
    this.heading = h("h2", { id, tabindex: "-1" }, title, " ", this.count);
    this.body = h("tbody");
    this.table = h("table", { class: "alarm-table", "aria-labelledby": id, "data-section": key },
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: `col-${c.toLowerCase()}` }, c)))),
      this.body);
    this.empty = h("p", { class: "notice empty" }, emptyText);
    this.more = h("p", { class: "notice" });
    this.element = h("section", { class: `alarm-section section-${key}`, "aria-labelledby": id },
      this.heading, this.table, this.empty, this.more);
  }

  show(rows, total) {
    fill(this.count, `(${total})`);
    let cursor = this.body.firstChild;
    for (const { element } of rows) {
      if (element === cursor) cursor = cursor.nextSibling;
      else this.body.insertBefore(element, cursor);
    }
    while (cursor) {
      const next = cursor.nextSibling;
      cursor.remove();
      cursor = next;
    }
    this.table.hidden = rows.length === 0;
    this.empty.hidden = rows.length > 0;
    this.more.hidden = total <= rows.length;
    fill(this.more, `Showing the first ${rows.length} of ${total}; narrow the list with the filters.`);
  }
}

/** One alarm's row; its cells follow the record, its buttons are kept while they still apply. */
class AlarmRow {
  constructor(record, actions) {
    this.actions = actions;
    this.buttons = new Map();
    const cell = (name) => h("td", { class: `col-${name}` });
    this.cells = {
      priority: cell("priority"), state: cell("state"), source: cell("source"), name: cell("alarm"),
      message: cell("message"), since: cell("since"), actions: actions.canAct ? cell("actions") : null,
    };
    this.element = h("tr", { "data-testid": "alarm-row", tabindex: "-1" }, Object.values(this.cells));
    this.update(record);
  }

  update(record) {
    if (record === this.record) return;
    const before = this.record;
    this.record = record;
    Object.assign(this.element.dataset, { alarmId: record.id, state: record.state, priority: record.priority });
    if (before?.priority !== record.priority) {
      fill(this.cells.priority, h("span", { class: `pill priority-${record.priority}` }, record.priority));
    }
    if (!before) {
      fill(this.cells.source, sourceCell(record.source));
      fill(this.cells.name, words(record.name));
    }
    fill(this.cells.state, stateCell(record));
    fill(this.cells.message, record.message);
    this.element.classList.toggle("unacked-row", UNACKED.has(record.state));
    this.tick();
    if (this.cells.actions) this.syncActions();
  }

  tick() {
    const at = this.record.updated_at;
    fill(this.cells.since, h("time", { datetime: at }, clock(at)), " ", h("span", { class: "age" }, ago(at)));
  }

  /** Removes the buttons that no longer apply and adds the new ones in their place. */
  syncActions() {
    const wanted = this.actions.allowed(this.record);
    for (const [kind, button] of this.buttons) {
      if (wanted.some((action) => action.kind === kind)) continue;
      button.remove();
      this.buttons.delete(kind);
    }
    let previous = null;
    for (const action of wanted) {
      let button = this.buttons.get(action.kind);
      if (!button) {
        button = h("button", { type: "button", "data-testid": action.kind }, action.label);
        button.addEventListener("click", () => this.actions.act(action, this.record, button));
        this.buttons.set(action.kind, button);
        this.cells.actions.insertBefore(button, previous ? previous.nextSibling : this.cells.actions.firstChild);
      }
      button.setAttribute("aria-label", `${action.verb} ${describe(this.record)}`);
      previous = button;
    }
  }
}

function sourceCell(source) {
  if (source?.kind === "well") return h("a", { href: `#/wells/${segment(source.id)}` }, source.id);
  return h("span", { class: "source-other" }, sourceLabel(source));
}

function stateCell(record) {
  const emphasis = UNACKED.has(record.state) ? " unacked" : record.state === "latched" ? " latched" : "";
  const label = h("span", { class: `alarm-state${emphasis}` },
    STATE_LABELS[record.state] ?? words(record.state));
  const detail = stateDetail(record);
  return detail ? [label, h("span", { class: "state-detail" }, detail)] : label;
}

/** Why a hidden alarm is hidden, and for how long, when the record says so. */
function stateDetail({ state, memory, parent }) {
  const shelf = memory?.shelf;
  if (state === "shelved" && shelf) return `until ${shelf.until ? clock(shelf.until) : "it clears"}: ${shelf.reason}`;
  if (state === "out_of_service" && memory?.out_of_service) return memory.out_of_service;
  if (state === "suppressed_by_design" && parent) return `by ${describeId(parent)}`;
  return null;
}
