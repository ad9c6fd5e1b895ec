// One row of the overview's virtual grid and its cells. A row is a pooled element rebound to
// whichever well scrolls into its slot; it rewrites only what changed since it last drew. A row
// out of use is hidden and carries no identity (no `data-testid`, no well id or states), so a
// recycled row can never be taken for a live one.

import { h } from "./dom.js";
import { AGE_COLUMN, COLUMNS, describe } from "./well_grid_columns.js";

/** Pixel height of every row: the virtual list computes positions from it, the CSS draws it. */
export const ROW_HEIGHT = 32;

/** The attributes that say which well a row shows; a row out of use has none of them. */
const IDENTITY = ["data-testid", "data-well-id", "data-connection", "data-supervision", "data-run-state",
  "data-alarms", "data-priority", "aria-label"];

/** One cell: a leading mark (a state pill), the main text, and a trailing part. */
class Cell {
  constructor(column) {
    this.lead = document.createTextNode("");
    this.main = document.createTextNode("");
    this.tail = document.createTextNode("");
    this.leadMark = h("span", {}, this.lead);
    this.tailMark = h("span", {}, this.tail);
    this.base = `cell ${column.numeric ? "number" : "text"} col-${column.name}`;
    this.el = h("div", { role: "gridcell", class: this.base }, this.leadMark, this.main, this.tailMark);
    this.state = { leadClass: "", tailClass: "", stale: false };
  }

  /** Writes only what differs from what the cell shows. */
  put(lead, leadClass, main, tail, tailClass, stale = false) {
    if (this.lead.data !== lead) this.lead.data = lead;
    if (this.main.data !== main) this.main.data = main;
    if (this.tail.data !== tail) this.tail.data = tail;
    const state = this.state;
    if (state.leadClass !== leadClass) this.leadMark.className = state.leadClass = leadClass;
    if (state.tailClass !== tailClass) this.tailMark.className = state.tailClass = tailClass;
    if (state.stale !== stale) {
      state.stale = stale;
      this.el.className = stale ? `${this.base} stale` : this.base;
    }
  }
}

const rows = new WeakMap();

/** The pool row whose element is `element`, if it is one. */
export function rowOf(element) {
  return rows.get(element);
}

export class Row {
  constructor() {
    this.cells = COLUMNS.map((column) => new Cell(column));
    this.el = h("div", { role: "row", class: "grid-row well-row", tabindex: "-1", hidden: true },
      this.cells.map((cell) => cell.el));
    rows.set(this.el, this);
    this.well = null;
    this.version = -1;
    this.index = -1;
    this.tick = -1;
    this.tabbable = false;
  }

  /** Shows `well` as row `index`; rewrites only what changed since the row last showed it. */
  show(well, index, tick, now) {
    if (this.index !== index) {
      this.index = index;
      this.el.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
      this.el.setAttribute("aria-rowindex", String(index + 2));
    }
    if (this.el.hidden) this.el.hidden = false;
    if (this.well !== well || this.version !== well.version) {
      this.well = well;
      this.version = well.version;
      this.tick = tick;
      this.label(well);
      COLUMNS.forEach((column, i) => column.show(this.cells[i], well, now));
    } else if (this.tick !== tick) {
      this.tick = tick;
      COLUMNS[AGE_COLUMN].show(this.cells[AGE_COLUMN], well, now);
    }
  }

  label(well) {
    const data = this.el.dataset;
    data.testid = "well-row";
    data.wellId = well.id;
    data.connection = well.connection;
    data.supervision = well.supervision;
    data.runState = well.run_state ?? "";
    data.alarms = String(well.alarms);
    data.priority = well.priority ?? "";
    this.el.setAttribute("aria-label", describe(well));
  }

  /** Takes the row out of use: hidden, and no longer saying which well it showed. */
  clear() {
    if (this.el.hidden) return;
    this.el.hidden = true;
    for (const name of IDENTITY) this.el.removeAttribute(name);
    this.well = null;
    this.index = -1;
  }

  setTabbable(tabbable) {
    if (this.tabbable === tabbable) return;
    this.tabbable = tabbable;
    this.el.tabIndex = tabbable ? 0 : -1;
  }
}
