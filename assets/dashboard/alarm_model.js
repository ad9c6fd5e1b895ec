// The alarm panel's rules, with no DOM (esp-domain §3): which states are annunciated, the order
// that puts the loudest alarm first, the state groups and filters and their counts, which actions
// a state allows, how an `alarm` event becomes a record, and how a fresh list is merged with the
// changes heard while it was being read. Exported so a test in the browser can call them.

import { words } from "./dom.js";

export const PRIORITIES = ["high", "medium", "low"];
/** What needs an operator first: active unacked, a latch blocking a restart, cleared unacked, acked. */
export const STATE_ORDER = [
  "unacknowledged", "latched", "rtn_unacknowledged", "acknowledged",
  "shelved", "suppressed_by_design", "out_of_service",
];
export const ANNUNCIATED = new Set(STATE_ORDER.slice(0, 4));
export const UNACKED = new Set(["unacknowledged", "rtn_unacknowledged"]);

/** The state filter's choices, each a test of an alarm's state. */
export const GROUPS = {
  all: { label: "All", test: () => true },
  annunciated: { label: "Annunciated", test: (state) => ANNUNCIATED.has(state) },
  shelved: { label: "Shelved", test: (state) => state === "shelved" },
  suppressed: { label: "Suppressed", test: (state) => state === "suppressed_by_design" },
  out_of_service: { label: "Out of service", test: (state) => state === "out_of_service" },
};

/**
 * Operator actions, in the order their buttons stand in a row: the access they need, the states
 * that allow them, and what they ask first (`reason`, `shelf`, or nothing).
 */
export const ACTIONS = [
  { kind: "ack", label: "Ack", verb: "Acknowledge", access: "operate", path: "ack", allowed: (s) => UNACKED.has(s) },
  {
    kind: "reset", label: "Reset", verb: "Reset", access: "operate", path: "reset",
    allowed: (s) => s === "latched", ask: "reason",
  },
  {
    kind: "shelve", label: "Shelve", verb: "Shelve", access: "operate", path: "shelve",
    allowed: (s) => ANNUNCIATED.has(s), ask: "shelf",
  },
  {
    kind: "unshelve", label: "Unshelve", verb: "Unshelve", access: "operate", path: "unshelve",
    allowed: (s) => s === "shelved",
  },
  {
    kind: "out-of-service", label: "Out of service", verb: "Take out of service", access: "engineer",
    path: "out_of_service", allowed: (s) => s !== "out_of_service", ask: "reason",
  },
  {
    kind: "return-to-service", label: "Return to service", verb: "Return to service", access: "engineer",
    path: "return_to_service", allowed: (s) => s === "out_of_service",
  },
];

/** The actions a record's state allows to someone who `may(access)`. */
export function allowedActions(record, may) {
  return ACTIONS.filter((action) => action.allowed(record.state) && may(action.access));
}

const times = new WeakMap();
/** When the record last changed state, in ms; parsed once per record. */
export function stamp(record) {
  if (!times.has(record)) times.set(record, Date.parse(record.updated_at));
  return times.get(record);
}

/** The loudest first: priority, then what needs an operator, then the newest; ties by id. */
export function compareAlarms(a, b) {
  return PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority)
    || STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state)
    || stamp(b) - stamp(a)
    || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** `W-005`, `feeder F-NORTH`, `gateway 10.0.0.5:502`, `system`. */
export function sourceLabel(source) {
  if (source?.kind === "well") return source.id;
  if (source?.kind === "feeder" || source?.kind === "gateway") return `${source.kind} ${source.id}`;
  return "system";
}

/** An alarm id (`{source}:{name}`, the source may hold a colon) in words: `W-005 comms loss`. */
export function describeId(id) {
  const cut = id.lastIndexOf(":");
  const source = id.slice(0, cut);
  const at = source.indexOf("@");
  const label = source === "@system" ? "system" : at > 0 ? `${source.slice(0, at)} ${source.slice(at + 1)}` : source;
  return `${label} ${words(id.slice(cut + 1))}`;
}

/** A record in words: `W-005 comms loss`. */
export function describe(record) {
  return `${sourceLabel(record.source)} ${words(record.name)}`;
}

/** The record an `alarm` event implies; overlay details (shelf, reason, parent) follow on a re-read. */
export function recordFromEvent(event, known) {
  const same = known?.state === event.to;
  return {
    id: event.alarm_id, source: event.source, name: event.name, priority: event.priority, state: event.to,
    message: event.message, updated_at: event.at,
    parent: same ? known.parent : null, memory: same ? known.memory : null,
  };
}

/**
 * The records after a fresh read of the list: the list, except where a change heard during the
 * read (`changes`: alarm id → its time) is newer than what the list says.
 */
export function mergeList(records, list, changes) {
  const fresh = new Map(list.map((record) => [record.id, record]));
  for (const [id, at] of changes) {
    const listed = fresh.get(id);
    if (listed && stamp(listed) > at) continue;
    const local = records.get(id);
    if (local) fresh.set(id, local);
    else fresh.delete(id);
  }
  return fresh;
}

/**
 * The records that pass the filters (`priority`, `source` text, state `group`), loudest first,
 * split into annunciated (`loud`) and hidden (`quiet`); with how many pass the priority and
 * source filters in each state group, for the group menu.
 */
export function partition(records, { priority, source, group }) {
  const text = source.toLowerCase();
  const passes = (r) => (!priority || r.priority === priority)
    && (!text || sourceLabel(r.source).toLowerCase().includes(text));
  const loud = [];
  const quiet = [];
  const counts = Object.fromEntries(Object.keys(GROUPS).map((key) => [key, 0]));
  for (const record of [...records].filter(passes).sort(compareAlarms)) {
    for (const [key, { test }] of Object.entries(GROUPS)) if (test(record.state)) counts[key] += 1;
    if (GROUPS[group].test(record.state)) (ANNUNCIATED.has(record.state) ? loud : quiet).push(record);
  }
  return { loud, quiet, counts };
}
