// The overview's filter bar: a text box (well id or name) and a menu per state, which write into
// the page's filters object and call back; the counts strip sets the same filters. It also says
// how many wells the list shows of how many there are.

import { h, words } from "./dom.js";

/** Typing in the filter re-filters this long after the last key. */
const TYPING_MS = 150;

const FILTER_MENUS = [
  { field: "connection", label: "Connection", options: [["", "any"], ...["online", "degraded", "offline", "connecting"].map((s) => [s, s])] },
  { field: "supervision", label: "Supervision", options: [["", "any"], ...["running", "restarting", "failed", "stopped"].map((s) => [s, s])] },
  {
    field: "run_state", label: "Run state",
    options: [["", "any"], ...["running", "starting", "stopped", "tripped", "locked_out", "unknown"].map((s) => [s, words(s)])],
  },
  {
    field: "alarms", label: "Alarms",
    options: [["", "any"], ["with", "with alarms"], ["high", "high"], ["medium", "medium"], ["low", "low"], ["unacknowledged", "unacknowledged"]],
  },
];

export class Toolbar {
  constructor(filters, onChange) {
    this.filters = filters;
    this.search = h("input", {
      type: "search", id: "well-filter", "data-testid": "well-filter", placeholder: "Well id or name",
      autocomplete: "off", spellcheck: "false",
    });
    let typing = 0;
    this.search.addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(() => {
        filters.text = this.search.value.trim().toLowerCase();
        onChange();
      }, TYPING_MS);
    });
    this.menus = FILTER_MENUS.map((menu) => this.menu(menu, onChange));
    this.shown = h("span", { class: "shown", role: "status", "data-testid": "well-count" });
    this.el = h("div", { class: "toolbar", role: "search", "aria-label": "Filter wells" },
      h("label", { for: "well-filter" }, "Filter"), this.search,
      this.menus.map(({ label, select }) => [label, select]), this.shown);
  }

  menu({ field, label, options }, onChange) {
    const id = `well-filter-${field}`;
    const select = h("select", { id, "data-testid": `filter-${field}` },
      options.map(([value, text]) => h("option", { value }, text)));
    select.addEventListener("change", () => {
      this.filters[field] = select.value;
      onChange();
    });
    return { field, label: h("label", { for: id }, label), select };
  }

  /** Shows the filters as they are now (after a count was clicked). */
  sync() {
    for (const { field, select } of this.menus) select.value = this.filters[field];
  }

  showCount(shown, total) {
    const text = shown === total ? `${total.toLocaleString("en-US")} wells`
      : `${shown.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} wells`;
    if (this.shown.textContent !== text) this.shown.textContent = text;
  }
}
