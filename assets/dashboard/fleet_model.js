// The fleet as the overview knows it, with no DOM: one plain record per well (read from the list,
// kept live from the event stream), each well's alarm bookkeeping, the worst-first ranking, the
// filters and the sort orders. Everything here is a plain function or the `Fleet` store, exported
// so a test in the browser can import this module and call it directly.

// The alarm states the operator's list shows, exactly as the server counts them (`annunciated`
// in `src/http/views.rs`): a core state that is not `normal`, with no overlay hiding it.
export const ANNUNCIATED = new Set(["unacknowledged", "acknowledged", "rtn_unacknowledged", "latched"]);
export const UNACKNOWLEDGED = new Set(["unacknowledged", "rtn_unacknowledged"]);
/** The `status` event kinds that change a well's row (others, like `added`, change the list). */
export const STATUS_FIELDS = new Set(["connection", "supervision", "run_state"]);

/** Sort directions, as `aria-sort` spells them. */
export const UP = "ascending";
export const DOWN = "descending";

/**
 * Worst first: 0 is the most urgent. Failed supervision, then high alarms, offline, medium
 * alarms, a tripped or locked-out drive, degraded comms, low alarms, a well restarting or stopped
 * by an operator, one still connecting, then the normal ones.
 */
export function severity(well) {
  if (well.supervision === "failed") return 0;
  if (well.high > 0) return 1;
  if (well.connection === "offline") return 2;
  if (well.medium > 0) return 3;
  if (well.run_state === "tripped" || well.run_state === "locked_out") return 4;
  if (well.connection === "degraded") return 5;
  if (well.low > 0) return 6;
  if (well.supervision === "restarting" || well.supervision === "stopped") return 7;
  if (well.connection === "connecting") return 8;
  return 9;
}

/** Whether the well's values are no longer being read: shown greyed as stale. */
export function isStale(well) {
  return well.connection === "offline" || well.supervision === "failed" || well.supervision === "stopped";
}

/** A key that sorts names naturally (`W-2` before `W-10`) with a plain, fast string comparison. */
export function naturalKey(text) {
  return text.toLowerCase().replace(/\d+/g, (digits) => digits.padStart(16, "0"));
}

function byKey(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Filters and orders.

/** The alarm filter's choices, each a test of a well's alarm counts. */
export const ALARM_FILTERS = {
  with: (well) => well.alarms > 0,
  high: (well) => well.high > 0,
  medium: (well) => well.medium > 0,
  low: (well) => well.low > 0,
  unacknowledged: (well) => well.unacked > 0,
};

/** Whether a well passes the filters (`text` lower case; an empty filter passes every well). */
export function matches(well, filters) {
  if (filters.connection && well.connection !== filters.connection) return false;
  if (filters.supervision && well.supervision !== filters.supervision) return false;
  if (filters.run_state && (well.run_state ?? "unknown") !== filters.run_state) return false;
  if (filters.alarms && !ALARM_FILTERS[filters.alarms](well)) return false;
  return !filters.text || well.search.includes(filters.text);
}

/** The comparator for an order: a column (its `key`) and direction, or worst first; ties by id. */
export function comparator(sort) {
  if (!sort) return (a, b) => a.severity - b.severity || a.idRank - b.idRank;
  const { key } = sort.column;
  const sign = sort.direction === UP ? 1 : -1;
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === y) return a.idRank - b.idRank;
    if (x === null) return 1;
    if (y === null) return -1;
    return (x < y ? -1 : 1) * sign;
  };
}

/** The order after a header click: its first direction, then the other, then worst first (null). */
export function nextSort(current, column) {
  if (column && current?.column !== column) return { column, direction: column.first };
  if (column && current.direction === column.first) return { column, direction: column.first === UP ? DOWN : UP };
  return null;
}

// ---------------------------------------------------------------------------------------------
// Alarm bookkeeping.

const NO_POINTS = [];

/** A well's annunciated alarms among its points: how many, how many unacknowledged, by priority. */
export function countAlarms(points) {
  let alarms = 0, unacked = 0, high = 0, medium = 0, low = 0;
  for (const point of points ?? NO_POINTS) {
    if (!ANNUNCIATED.has(point.state)) continue;
    alarms += 1;
    if (UNACKNOWLEDGED.has(point.state)) unacked += 1;
    if (point.priority === "high") high += 1;
    else if (point.priority === "medium") medium += 1;
    else low += 1;
  }
  const priority = high ? "high" : medium ? "medium" : low ? "low" : null;
  return { alarms, unacked, high, medium, low, priority };
}

// ---------------------------------------------------------------------------------------------
// The wells: one plain object each, the same shape for all so the engine keeps them compact.

export function newWell(id) {
  return {
    id, name: id, search: id.toLowerCase(), idKey: naturalKey(id), nameKey: null, seen: 0,
    connection: "connecting", supervision: "running", run_state: null,
    sampleAt: null, readAt: 0, frequency: null, current: null, spread: null, intake: null, motor: null,
    alarms: 0, unacked: 0, high: 0, medium: 0, low: 0, priority: null,
    severity: 9, stale: false, idRank: 0, nameRank: 0, position: -1, version: 0,
  };
}

function finite(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

const NO_VALUES = {};

/** Copies a list row into the well; answers whether its name changed (the name order must). */
export function readRow(well, row) {
  const name = row.name || row.id;
  const renamed = well.name !== name;
  if (renamed) {
    well.name = name;
    well.nameKey = null;
    well.search = `${row.id}\n${name}`.toLowerCase();
  }
  well.connection = row.connection;
  well.supervision = row.supervision;
  well.run_state = row.run_state ?? null;
  well.sampleAt = row.last_sample_at ? Date.parse(row.last_sample_at) : null;
  const values = row.key_values ?? NO_VALUES;
  well.frequency = finite(values.frequency);
  well.intake = finite(values.intake_pressure);
  well.motor = finite(values.motor_temperature);
  readCurrent(well, finite(values.current_a), finite(values.current_b), finite(values.current_c));
  return renamed;
}

/** The phases' mean, and the largest phase's deviation from it in % (the NEMA unbalance). */
function readCurrent(well, a, b, c) {
  let sum = 0, count = 0;
  for (const phase of [a, b, c]) {
    if (phase === null) continue;
    sum += phase;
    count += 1;
  }
  well.current = count ? sum / count : null;
  const mean = well.current;
  well.spread = count === 3 && mean > 0
    ? (100 * Math.max(Math.abs(a - mean), Math.abs(b - mean), Math.abs(c - mean))) / mean
    : null;
}

/** After any change to a well: its place in the worst-first order, and a new version to draw. */
function touch(well) {
  well.severity = severity(well);
  well.stale = isStale(well);
  well.version += 1;
}

/** Every well, and every well's alarm points that are not `normal`. */
export class Fleet {
  constructor() {
    /** Well id → well. */
    this.wells = new Map();
    /** Well id → (alarm id → { state, priority }), for points that are not `normal`. */
    this.alarms = new Map();
    this.reads = 0;
    this.namesRanked = false;
  }

  /** Takes in `GET /api/v1/wells`; answers whether wells came or went (the list must change). */
  mergeWells(rows, readAt = Date.now()) {
    const read = (this.reads += 1);
    let changed = false;
    for (const row of rows) {
      let well = this.wells.get(row.id);
      if (!well) {
        well = newWell(row.id);
        this.wells.set(row.id, well);
        changed = true;
      }
      well.seen = read;
      well.readAt = readAt;
      if (readRow(well, row)) changed = true;
      this.summarise(well);
    }
    for (const well of this.wells.values()) {
      if (well.seen === read) continue;
      this.wells.delete(well.id);
      this.alarms.delete(well.id);
      changed = true;
    }
    if (changed) this.rankIds();
    return changed;
  }

  /** Ids in natural order (`W-2` before `W-10`), once per change of the fleet. */
  rankIds() {
    const wells = [...this.wells.values()].sort((a, b) => byKey(a.idKey, b.idKey));
    for (let rank = 0; rank < wells.length; rank += 1) wells[rank].idRank = rank;
    this.namesRanked = false;
  }

  /** Names in natural order, computed only when someone sorts by name. */
  rankNames() {
    if (this.namesRanked) return;
    const wells = [...this.wells.values()];
    for (const well of wells) well.nameKey ??= naturalKey(well.name);
    wells.sort((a, b) => byKey(a.nameKey, b.nameKey) || a.idRank - b.idRank);
    for (let rank = 0; rank < wells.length; rank += 1) wells[rank].nameRank = rank;
    this.namesRanked = true;
  }

  /** The wells that pass `filters`, in the `sort` order (worst first when null). */
  list(filters, sort) {
    const list = [];
    for (const well of this.wells.values()) if (matches(well, filters)) list.push(well);
    if (sort?.column.name === "name") this.rankNames();
    return list.sort(comparator(sort));
  }

  /** Takes in `GET /api/v1/alarms` (every point that is not `normal`). */
  replaceAlarms(records) {
    this.alarms = new Map();
    for (const record of records) {
      if (record.source?.kind === "well") this.setAlarm(record.source.id, record.id, record.state, record.priority);
    }
    for (const well of this.wells.values()) this.summarise(well);
  }

  /** An `alarm` event; answers the well it changed, if the page shows it. */
  applyAlarm(event) {
    if (event.source?.kind !== "well") return null;
    const id = event.source.id;
    this.setAlarm(id, event.alarm_id, event.to, event.priority);
    const well = this.wells.get(id);
    if (well) this.summarise(well);
    return well ?? null;
  }

  /** A `status` event about connection, supervision or run state; answers the well it changed. */
  applyStatus(event) {
    const well = this.wells.get(event.well_id);
    if (!well || !STATUS_FIELDS.has(event.kind)) return null;
    well[event.kind] = event.to ?? null;
    touch(well);
    return well;
  }

  setAlarm(wellId, alarmId, state, priority) {
    let points = this.alarms.get(wellId);
    if (state === "normal") {
      points?.delete(alarmId);
      return;
    }
    if (!points) this.alarms.set(wellId, (points = new Map()));
    points.set(alarmId, { state, priority });
  }

  /** Copies the well's alarm counts into it. */
  summarise(well) {
    Object.assign(well, countAlarms(this.alarms.get(well.id)?.values()));
    touch(well);
  }
}
