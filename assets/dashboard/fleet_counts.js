// The overview's counts by state (`GET /api/v1/fleet`): a button per state, which filters the list
// by that state (and shows itself pressed while that filter is on), plus one for every well that
// drops the state filters. A count is coloured only when it is abnormal and not zero.

import { h, words } from "./dom.js";

const COUNT_GROUPS = [
  { field: "connection", filter: "connection", label: "Connection", states: ["online", "degraded", "offline", "connecting"], loud: { offline: "state-fault" } },
  { field: "supervision", filter: "supervision", label: "Supervision", states: ["running", "restarting", "failed", "stopped"], loud: { failed: "state-fault" } },
  { field: "run_state", filter: "run_state", label: "Run state", states: ["running", "starting", "stopped", "tripped", "locked_out", "unknown"], loud: {} },
  {
    field: "active_alarms", filter: "alarms", label: "Active alarms", states: ["high", "medium", "low"],
    loud: { high: "priority-high", medium: "priority-medium", low: "priority-low" },
  },
];

/** The counts strip; `onPick(filter, state)` on a click, `onPick(null, null)` for every well. */
export class Counts {
  constructor(onPick) {
    this.buttons = [];
    this.wells = document.createTextNode("–");
    const all = h("button", { type: "button", class: "count-button total", "data-testid": "count-wells", onclick: () => onPick(null, null) },
      h("span", { class: "n" }, this.wells), " wells");
    const groups = COUNT_GROUPS.map((group) => h("div", { class: "count-group", role: "group", "aria-labelledby": `counts-${group.filter}` },
      h("span", { class: "count-label", id: `counts-${group.filter}` }, group.label),
      group.states.map((state) => this.button(group, state, onPick))));
    this.el = h("div", { class: "fleet-counts panel", "data-testid": "fleet-counts" }, all, groups);
  }

  button(group, state, onPick) {
    const number = document.createTextNode("–");
    const el = h("button", {
      type: "button", class: "count-button", "aria-pressed": "false", "data-testid": `count-${group.filter}-${state}`,
      onclick: () => onPick(group.filter, state),
    }, h("span", { class: "n" }, number), " ", words(state));
    this.buttons.push({ group, state, el, number });
    return el;
  }

  /** Shows the fleet's counts; abnormal ones get their colour only when they are not zero. */
  show(fleet) {
    this.wells.data = (fleet.wells ?? 0).toLocaleString("en-US");
    for (const { group, state, el, number } of this.buttons) {
      const count = fleet[group.field]?.[state] ?? 0;
      number.data = count.toLocaleString("en-US");
      el.dataset.count = String(count);
      const loud = count > 0 ? group.loud[state] : undefined;
      el.className = loud ? `count-button loud ${loud}` : "count-button";
    }
  }

  /** Shows as pressed the counts whose state filter is on. */
  press(filters) {
    for (const { group, state, el } of this.buttons) {
      el.setAttribute("aria-pressed", String(filters[group.filter] === state));
    }
  }
}
