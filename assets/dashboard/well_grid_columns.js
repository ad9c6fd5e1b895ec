// The overview grid's columns: what each shows of a well, how it sorts, and which way a first
// click sorts it; and what a screen reader says for a whole row. A column draws through its
// cell's `put(lead, leadClass, main, tail, tailClass, stale)` (`well_grid_row.js`), not the DOM.

import { span, words } from "./dom.js";
import { DOWN, UP } from "./fleet_model.js";

/** State words that need an operator's eye, and the mark each gets; every other state is plain. */
const MARKS = {
  connection: { offline: "pill state-fault", degraded: "pill attention", connecting: "pill pending" },
  supervision: { failed: "pill state-fault", restarting: "pill attention", stopped: "pill attention" },
  run_state: { tripped: "pill attention", locked_out: "pill attention" },
};

/** How bad a state is, for sorting a state column worst first. */
const BADNESS = {
  connection: { online: 0, connecting: 1, degraded: 2, offline: 3 },
  supervision: { running: 0, restarting: 1, stopped: 2, failed: 3 },
  run_state: { running: 0, starting: 1, stopped: 2, tripped: 3, locked_out: 4 },
};
const PRIORITY_RANK = { high: 3, medium: 2, low: 1 };

const NUMBER_FORMATS = [0, 1, 2].map(
  (digits) => new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }),
);

/** A value to a fixed number of decimals (0 to 2); an em dash when there is none. */
function decimal(value, digits) {
  return value === null ? "—" : NUMBER_FORMATS[digits].format(value);
}

function stateColumn(field, label) {
  return {
    name: field, label, first: DOWN,
    key: (well) => BADNESS[field][well[field]] ?? -1,
    show(cell, well) {
      const state = well[field];
      const mark = MARKS[field][state];
      if (mark) cell.put(words(state), mark, "", "", "");
      else cell.put("", "", state ? words(state) : "unknown", "", "");
    },
  };
}

function valueColumn(name, label, field, digits, unit, spoken) {
  return {
    name, label, unit, digits, spoken, numeric: true, first: DOWN,
    key: (well) => well[field],
    show: (cell, well) => cell.put("", "", decimal(well[field], digits), "", "", well.stale),
  };
}

export const COLUMNS = [
  { name: "id", label: "Well", first: UP, key: (well) => well.idRank, show: (cell, well) => cell.put("", "", well.id, "", "") },
  { name: "name", label: "Name", first: UP, key: (well) => well.nameRank, show: (cell, well) => cell.put("", "", well.name, "", "") },
  stateColumn("connection", "Connection"),
  stateColumn("supervision", "Supervision"),
  stateColumn("run_state", "Run state"),
  {
    name: "alarms", label: "Alarms", first: DOWN,
    key: (well) => (PRIORITY_RANK[well.priority] ?? 0) * 1_000_000 + well.alarms,
    show(cell, well) {
      if (well.alarms === 0) return cell.put("", "", "—", "", "");
      const pill = `pill priority-${well.priority}${well.unacked > 0 ? " unacked" : ""}`;
      cell.put("", "", String(well.alarms), words(well.priority), pill);
    },
  },
  valueColumn("frequency", "Freq", "frequency", 1, "Hz", "frequency"),
  {
    name: "current", label: "Current", unit: "A", digits: 1, spoken: "motor current", numeric: true, first: DOWN,
    key: (well) => well.current,
    show(cell, well) {
      const spread = well.spread === null ? "" : `±${decimal(well.spread, 1)} %`;
      cell.put("", "", decimal(well.current, 1), spread, "spread", well.stale);
    },
  },
  valueColumn("intake_pressure", "Intake", "intake", 0, "psi", "intake pressure"),
  valueColumn("motor_temperature", "Motor", "motor", 1, "°C", "motor temperature"),
  {
    name: "age", label: "Sample age", numeric: true, first: DOWN,
    // Older first when descending; never sampled sorts last either way, like any missing value.
    key: (well) => (well.sampleAt === null ? null : -well.sampleAt),
    // The page learns of new samples only when it reads the list, so a well still being read
    // shows its age as of that read (steady, not a 15 s saw-tooth); a stale one keeps ageing.
    show(cell, well, now) {
      const until = well.stale ? now : well.readAt;
      const age = well.sampleAt === null ? "—" : span((until - well.sampleAt) / 1000);
      cell.put("", "", age, "", "", well.stale);
    },
  },
];
/** The one column that changes with time alone. */
export const AGE_COLUMN = COLUMNS.length - 1;

/** What a screen reader says for a row, with the units the cells leave to their headers. */
export function describe(well) {
  const parts = [`${well.id}${well.name !== well.id ? ` ${well.name}` : ""}`, words(well.connection),
    `supervision ${words(well.supervision)}`, `run state ${well.run_state ? words(well.run_state) : "unknown"}`];
  if (well.alarms) {
    parts.push(`${well.alarms} alarm${well.alarms > 1 ? "s" : ""}, highest ${well.priority}`);
    if (well.unacked) parts.push(`${well.unacked} unacknowledged`);
  } else {
    parts.push("no alarms");
  }
  for (const column of COLUMNS) {
    if (!column.spoken) continue;
    const value = column.key(well);
    if (value !== null) parts.push(`${column.spoken} ${decimal(value, column.digits)} ${column.unit}`);
  }
  if (well.stale) parts.push("values stale");
  return parts.join(", ");
}
