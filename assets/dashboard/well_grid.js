// The overview's virtual grid of wells: a sticky header row of sort buttons, then a body as tall
// as every row would be, in which a fixed pool of row elements (`well_grid_row.js`) is placed
// over the rows in view. Row `i` always lives in pool slot `i % pool size`, so scrolling only
// rebinds the rows that come into view. One row at a time is in the tab order (a roving cursor):
// arrows, Page Up/Down, Home and End move it, Enter opens its well. The grid also notes when the
// operator last scrolled, pointed or keyed in it, so the page re-sorts only while they are not.

import { h } from "./dom.js";
import { COLUMNS } from "./well_grid_columns.js";
import { ROW_HEIGHT, Row, rowOf } from "./well_grid_row.js";

/** Rows kept in the DOM above and below the visible ones, so a flick shows no blank rows. */
const OVERSCAN = 6;

export class Grid {
  constructor({ open, sortBy }) {
    this.open = open;
    this.list = [];
    this.pool = [];
    this.cursor = null;
    this.frame = 0;
    this.tick = 0;
    this.activityAt = 0;
    this.headHeight = ROW_HEIGHT;
    this.paintFrame = () => this.paint();
    this.headers = COLUMNS.map((column) => h("div", { role: "columnheader", class: `cell ${column.numeric ? "number" : "text"}` },
      h("button", { type: "button", "data-testid": `sort-${column.name}`, onclick: () => sortBy(column) },
        column.label, column.unit ? h("span", { class: "unit" }, ` ${column.unit}`) : null)));
    this.head = h("div", { role: "rowgroup", class: "grid-head" },
      h("div", { role: "row", class: "grid-row", "aria-rowindex": "1" }, this.headers));
    this.body = h("div", { role: "rowgroup", class: "grid-body" });
    this.el = h("div", {
      role: "grid", class: "well-grid", "data-testid": "well-list", "aria-label": "Wells", tabindex: "-1",
      "aria-colcount": String(COLUMNS.length), "aria-rowcount": "1", "data-total": "0",
    }, this.head, this.body);
    this.el.style.setProperty("--row-height", `${ROW_HEIGHT}px`);
    this.setSort(null);
    this.listen();
  }

  listen() {
    const busy = () => (this.activityAt = performance.now());
    this.el.addEventListener("scroll", () => {
      busy();
      this.paintSoon();
    }, { passive: true });
    this.el.addEventListener("wheel", busy, { passive: true });
    this.el.addEventListener("pointermove", busy, { passive: true });
    this.el.addEventListener("keydown", (event) => {
      busy();
      this.onKey(event);
    });
    this.body.addEventListener("click", (event) => {
      const row = rowOf(event.target.closest?.(".well-row"));
      if (row?.well) this.open(row.well);
    });
    this.body.addEventListener("focusin", (event) => {
      const row = rowOf(event.target);
      if (row?.well) this.cursor = row.well;
    });
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(this.el);
  }

  stop() {
    cancelAnimationFrame(this.frame);
    this.resizer.disconnect();
  }

  /** Sizes the pool to the rows that fit, plus the overscan. */
  resize() {
    this.headHeight = this.head.offsetHeight || ROW_HEIGHT;
    const needed = Math.max(this.pageRows(), 10) + 1 + 2 * OVERSCAN;
    while (this.pool.length < needed) {
      const row = new Row();
      this.pool.push(row);
      this.body.append(row.el);
    }
    while (this.pool.length > needed) this.retire(this.pool.pop(), { remove: true });
    this.paint();
  }

  /** Takes a row out of view; the focus it had goes to the grid, not to the page's body. */
  retire(row, { remove = false } = {}) {
    const focused = row.el === document.activeElement;
    if (remove) row.el.remove();
    else row.clear();
    if (focused) this.el.focus({ preventScroll: true });
  }

  pageRows() {
    return Math.ceil(Math.max(0, this.el.clientHeight - this.headHeight) / ROW_HEIGHT);
  }

  /** Shows a new list (filtered, sorted); a focused row in view keeps its place on screen. */
  setList(list, { toTop = false } = {}) {
    const anchor = toTop ? null : this.anchor();
    for (const well of this.list) well.position = -1;
    for (let i = 0; i < list.length; i += 1) list[i].position = i;
    this.list = list;
    this.body.style.height = `${list.length * ROW_HEIGHT}px`;
    this.el.setAttribute("aria-rowcount", String(list.length + 1));
    this.el.dataset.total = String(list.length);
    if (toTop) this.el.scrollTop = 0;
    else if (anchor !== null && this.cursor?.position >= 0) this.el.scrollTop = this.cursor.position * ROW_HEIGHT - anchor;
    this.paint();
  }

  /** Where the operator is: the well they are on, where it sits in view, and whether it has focus. */
  place() {
    const position = this.cursor?.position ?? -1;
    return {
      cursorId: position >= 0 ? this.cursor.id : null,
      offset: position * ROW_HEIGHT - this.el.scrollTop,
      scrollTop: this.el.scrollTop,
      focused: Boolean(rowOf(document.activeElement)),
    };
  }

  /** Goes back to a place (after the list was read again): the same well at the same height. */
  restore(place, well) {
    if (well && well.position >= 0) {
      this.cursor = well;
      this.el.scrollTop = well.position * ROW_HEIGHT - place.offset;
    } else {
      this.el.scrollTop = place.scrollTop;
    }
    this.paint();
    if (place.focused) this.rowFor(this.cursor)?.el.focus({ preventScroll: true });
  }

  /** The pool row showing `well`, if it is in view. */
  rowFor(well) {
    const position = well?.position ?? -1;
    const row = position >= 0 ? this.pool[position % this.pool.length] : null;
    return row?.well === well ? row : null;
  }

  /** Where the focused row sits in the viewport, when a keyboard user is on one in view. */
  anchor() {
    const row = rowOf(document.activeElement);
    const position = this.cursor?.position ?? -1;
    if (!row || position < 0) return null;
    const offset = position * ROW_HEIGHT - this.el.scrollTop;
    return offset >= 0 && offset < this.el.clientHeight - this.headHeight ? offset : null;
  }

  setSort(sort) {
    COLUMNS.forEach((column, i) => {
      this.headers[i].setAttribute("aria-sort", sort?.column === column ? sort.direction : "none");
    });
  }

  /** Redraws the sample ages in view. */
  ageTick() {
    this.tick += 1;
    this.paintSoon();
  }

  paintSoon() {
    if (!this.frame) this.frame = requestAnimationFrame(this.paintFrame);
  }

  /** Binds the pool to the rows in view; allocates nothing for rows that stay in view. */
  paint() {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    const size = this.pool.length;
    if (size === 0) return;
    const total = this.list.length;
    const first = Math.max(0, Math.min(Math.floor(this.el.scrollTop / ROW_HEIGHT) - OVERSCAN, total - size));
    const end = Math.min(total, first + size);
    const now = Date.now();
    for (let index = first; index < end; index += 1) this.pool[index % size].show(this.list[index], index, this.tick, now);
    for (const row of this.pool) if (!row.el.hidden && (row.index < first || row.index >= end)) this.retire(row);
    this.rove(first, end);
  }

  /** One row is in the tab order: the cursor's when in view, else the first one in view. */
  rove(first, end) {
    const size = this.pool.length;
    const position = this.cursor?.position ?? -1;
    const home = position >= first && position < end ? this.pool[position % size] : null;
    const top = Math.min(end - 1, Math.floor(this.el.scrollTop / ROW_HEIGHT));
    const target = home ?? (top >= first ? this.pool[top % size] : null);
    for (const row of this.pool) row.setTabbable(row === target);
    // A focused row rebound to another well (scrolled away, or re-sorted) hands focus back to
    // the cursor's row, or to the grid, so keys still start from the well the operator was on.
    const focused = rowOf(document.activeElement);
    if (focused && focused.well !== this.cursor) (home?.el ?? this.el).focus({ preventScroll: true });
  }

  onKey(event) {
    if (this.head.contains(event.target) || event.altKey || event.metaKey) return;
    if (event.key === "Enter") {
      if (this.cursor && this.cursor.position >= 0) {
        event.preventDefault();
        this.open(this.cursor);
      }
      return;
    }
    const index = this.keyTarget(event.key);
    if (index === null) return;
    event.preventDefault();
    this.moveTo(index);
  }

  /** The row a navigation key goes to, from the cursor (or the top row in view). */
  keyTarget(key) {
    const last = this.list.length - 1;
    if (last < 0) return null;
    const position = this.cursor?.position ?? -1;
    const here = position >= 0 ? position : Math.min(last, Math.floor(this.el.scrollTop / ROW_HEIGHT));
    const page = Math.max(1, this.pageRows() - 1);
    switch (key) {
      case "ArrowDown": return Math.min(last, here + (position >= 0 ? 1 : 0));
      case "ArrowUp": return Math.max(0, here - (position >= 0 ? 1 : 0));
      case "PageDown": return Math.min(last, here + page);
      case "PageUp": return Math.max(0, here - page);
      case "Home": return 0;
      case "End": return last;
      default: return null;
    }
  }

  moveTo(index) {
    this.cursor = this.list[index];
    this.reveal(index);
    this.paint();
    this.rowFor(this.cursor)?.el.focus({ preventScroll: true });
  }

  /** Scrolls just enough for row `index` to be in full view below the header. */
  reveal(index) {
    const top = index * ROW_HEIGHT;
    const view = this.el.clientHeight - this.headHeight;
    if (top < this.el.scrollTop) this.el.scrollTop = top;
    else if (top + ROW_HEIGHT > this.el.scrollTop + view) this.el.scrollTop = top + ROW_HEIGHT - view;
  }
}
