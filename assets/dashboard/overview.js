// The fleet overview (`#/`): how many wells are in each state, and every well in one grid, worst
// first, that an operator can filter, sort and walk with the keyboard. This module wires the page:
// it reads the fleet, applies live events, remembers where the operator left it, and asks for a
// re-sort. The parts: `fleet_model.js` (the wells, ranking, filters, alarm counts; no DOM),
// `well_grid.js`, `well_grid_row.js` and `well_grid_columns.js` (the virtual grid),
// `reorder_pacing.js` (when rows may change places), `fleet_counts.js` and `fleet_toolbar.js`. It
// must stay fast and calm with ten thousand wells: live events patch rows in place, and the list
// is read again every 15 s for the key values, keeping the scroll position and the focused well.

import { segment } from "./api.js";
import { h } from "./dom.js";
import { Counts } from "./fleet_counts.js";
import { Fleet, nextSort } from "./fleet_model.js";
import { Toolbar } from "./fleet_toolbar.js";
import { ReorderPacing } from "./reorder_pacing.js";
import { Grid } from "./well_grid.js";

/** How often the list is read again for the key values (only while the page is visible). */
const REFRESH_MS = 15_000;
/** How often the sample ages in view are redrawn. */
const AGE_TICK_MS = 5_000;
/** Bursts of live events read the fleet counts once, this long after the first. */
const COUNTS_DEBOUNCE_MS = 1_000;
/** Wells added or removed are read once, this long after the first such event. */
const RELIST_DEBOUNCE_MS = 500;

/**
 * Where the operator left the overview (filters, order, the well they were on), so that opening
 * a well and coming back lands on the same row, not at the top of ten thousand.
 */
let memory = null;

class OverviewPage {
  constructor(context) {
    this.context = context;
    this.fleet = new Fleet();
    this.filters = { text: "", connection: "", supervision: "", run_state: "", alarms: "" };
    this.sort = null;
    this.ready = false;
    this.loading = false;
    this.again = null;
    this.buffer = null;
    this.lastRead = 0;
    this.timers = {};
    this.counts = new Counts((field, state) => this.pick(field, state));
    this.toolbar = new Toolbar(this.filters, () => this.asked());
    this.grid = new Grid({
      open: (well) => context.navigate(`#/wells/${segment(well.id)}`),
      sortBy: (column) => this.sortBy(column),
    });
    this.pacing = new ReorderPacing(this.grid, () => this.reorder());
    this.worst = h("button", { type: "button", class: "quiet", "data-testid": "sort-worst", "aria-pressed": "true", onclick: () => this.sortBy(null) },
      "Worst first");
    this.toolbar.el.append(this.worst);
    this.error = h("p", { class: "error", role: "alert", "data-testid": "overview-error", hidden: true });
    this.el = h("section", { class: "overview", "aria-labelledby": "overview-title" },
      h("h1", { id: "overview-title", class: "visually-hidden" }, "Fleet overview"),
      this.counts.el, this.toolbar.el, this.error, this.grid.el);
    this.onVisible = () => {
      if (document.visibilityState === "visible" && Date.now() - this.lastRead >= REFRESH_MS) this.refresh();
    };
  }

  start() {
    this.recall();
    this.unsubscribe = this.context.live.subscribe((kind, data) => this.onLive(kind, data));
    this.grid.resize();
    this.load({ wells: true, alarms: true });
    this.readCounts();
    this.timers.refresh = setInterval(() => this.refresh(), REFRESH_MS);
    this.timers.age = setInterval(() => this.grid.ageTick(), AGE_TICK_MS);
    document.addEventListener("visibilitychange", this.onVisible);
  }

  stop() {
    memory = {
      user: this.context.session.user, filters: { ...this.filters }, search: this.toolbar.search.value,
      sort: this.sort, place: this.grid.place(),
    };
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.timers.refresh);
    clearInterval(this.timers.age);
    clearTimeout(this.timers.counts);
    clearTimeout(this.timers.relist);
    this.pacing.done();
    this.grid.stop();
    document.removeEventListener("visibilitychange", this.onVisible);
  }

  /** Takes back the filters and order the operator left the page with. */
  recall() {
    if (memory?.user !== this.context.session.user) memory = null;
    if (!memory) return;
    Object.assign(this.filters, memory.filters);
    this.toolbar.search.value = memory.search;
    this.toolbar.sync();
    this.counts.press(this.filters);
    this.setSort(memory.sort);
  }

  /** The periodic read of the list and counts, skipped while nobody can see the page. */
  refresh() {
    if (document.visibilityState !== "visible") return;
    this.load({ wells: true, alarms: false });
    this.readCounts();
  }

  onLive(kind, data) {
    if (kind === "resync") {
      this.load({ wells: true, alarms: true });
      this.countsSoon();
      return;
    }
    if (kind !== "status" && kind !== "alarm") return;
    // Applied now, and again over the read in flight, which may predate it.
    this.buffer?.push([kind, data]);
    this.apply(kind, data);
    this.countsSoon();
  }

  /** One event; wells added or removed are read again (once, when replaying is not enough). */
  apply(kind, data, { replay = false } = {}) {
    if (kind === "status" && (data.kind === "added" || data.kind === "removed")) {
      if (!replay) this.relistSoon();
      return;
    }
    const well = kind === "alarm" ? this.fleet.applyAlarm(data) : this.fleet.applyStatus(data);
    if (!well) return;
    if (well.position >= 0) this.grid.paintSoon();
    this.pacing.soon();
  }

  /** Reads the wells and/or alarms; events that arrive meanwhile are applied again over them. */
  async load(parts) {
    if (this.loading) {
      this.again = { wells: parts.wells || this.again?.wells, alarms: parts.alarms || this.again?.alarms };
      return;
    }
    this.loading = true;
    this.buffer = [];
    const [wells, alarms] = await Promise.all([
      parts.wells ? this.read("/api/v1/wells") : null,
      parts.alarms ? this.read("/api/v1/alarms") : null,
    ]);
    const buffered = this.buffer;
    this.buffer = null;
    this.loading = false;
    if (this.stopped) return;
    this.take(wells, alarms, buffered);
    if (this.again) {
      const next = this.again;
      this.again = null;
      this.load(next);
    }
  }

  take(wells, alarms, buffered) {
    if (alarms) this.fleet.replaceAlarms(alarms.alarms ?? []);
    let changed = false;
    if (wells) {
      changed = this.fleet.mergeWells(wells.wells ?? []);
      this.lastRead = Date.now();
      this.showError(null);
    }
    for (const [kind, data] of buffered) this.apply(kind, data, { replay: true });
    if (!wells && !alarms) return;
    if (changed || !this.ready) this.reorder();
    else {
      this.grid.paintSoon();
      this.pacing.soon();
    }
  }

  async read(path) {
    try {
      return await this.context.api.get(path);
    } catch (error) {
      if (!this.stopped) this.showError(error);
      return null;
    }
  }

  showError(error) {
    this.error.hidden = !error;
    this.error.textContent = error ? error.message : "";
  }

  async readCounts() {
    const fleet = await this.read("/api/v1/fleet");
    if (fleet && !this.stopped) this.counts.show(fleet);
  }

  countsSoon() {
    if (this.timers.counts) return;
    this.timers.counts = setTimeout(() => {
      this.timers.counts = 0;
      this.readCounts();
    }, COUNTS_DEBOUNCE_MS);
  }

  relistSoon() {
    clearTimeout(this.timers.relist);
    this.timers.relist = setTimeout(() => this.load({ wells: true, alarms: false }), RELIST_DEBOUNCE_MS);
  }

  /** Filters and sorts every well into the grid. */
  reorder({ toTop = false } = {}) {
    this.pacing.done();
    const list = this.fleet.list(this.filters, this.sort);
    this.grid.setList(list, { toTop });
    this.toolbar.showCount(list.length, this.fleet.wells.size);
    if (this.ready || this.lastRead === 0) return;
    this.ready = true;
    if (memory) this.grid.restore(memory.place, this.fleet.wells.get(memory.place.cursorId));
    this.grid.el.dataset.ready = "true";
    performance.mark("overview-rendered");
  }

  /** A filter or sort the operator chose: applied at once, from the top of the list. */
  asked() {
    if (this.stopped) return;
    this.counts.press(this.filters);
    this.toolbar.sync();
    if (this.lastRead) this.reorder({ toTop: true });
  }

  /** A count was clicked: filter by its state, or drop that filter when it is already on. */
  pick(field, state) {
    if (field === null) {
      Object.assign(this.filters, { connection: "", supervision: "", run_state: "", alarms: "" });
    } else {
      this.filters[field] = this.filters[field] === state ? "" : state;
    }
    this.asked();
  }

  /** A header was clicked: its first direction, then the other, then worst first again. */
  sortBy(column) {
    this.setSort(nextSort(this.sort, column));
    this.asked();
  }

  setSort(sort) {
    this.sort = sort;
    this.grid.setSort(sort);
    this.worst.setAttribute("aria-pressed", String(sort === null));
  }
}

export function mount(root, context) {
  const page = new OverviewPage(context);
  root.append(page.el);
  page.start();
  return () => page.stop();
}
