// How the well detail page draws what happened to a well, as the historian keeps it: the
// diagnoses raised and cleared, the well's alarm points, the alarm journal (every transition of
// the well's alarms, automatic or by an operator) and the audit trail of what operators did.
// A journal entry made by an operator is completed from the audit trail with the role and the
// reason given. Each function fills the element it is given from one answer of the API.

import { ago, clock, fill, h, words } from "./dom.js";
import { change, head, notice } from "./well_sections.js";

const DIAGNOSIS_ROWS = 20;
/** Alarm states still shown to the operator: their priority is drawn in its colour. */
const ANNUNCIATED = new Set(["unacknowledged", "acknowledged", "rtn_unacknowledged", "latched"]);
/** An operator's journal entry and its audit entry are stamped by the same request. */
const SAME_ACTION_MS = 1_000;

/** Diagnoses raised and cleared, newest first; `entries` as the API serves them, oldest first. */
export function showDiagnosisHistory(panel, entries, truncated) {
  const latest = [...entries].reverse().slice(0, DIAGNOSIS_ROWS);
  if (latest.length === 0) return fill(panel, notice("No diagnosis raised or cleared in the last 24 h."));
  const rows = latest.map((d) =>
    h("tr", { "data-kind": d.kind },
      h("td", { title: d.at }, clock(d.at)),
      h("td", {}, words(d.kind)),
      h("td", {}, d.event),
      h("td", {}, d.priority),
      h("td", { class: "number" }, `${Math.round((d.confidence ?? 0) * 100)} %`)));
  fill(panel,
    h("table", { class: "history-table" }, head("When", "Diagnosis", "Event", "Priority", "Confidence"), h("tbody", {}, rows)),
    truncated ? notice("More entries lie in the last 24 h than one answer holds; the oldest are shown.") : null);
}

export function showAlarmPoints(panel, alarms) {
  if (alarms.length === 0) return fill(panel, notice("This well has no alarm points yet."));
  const rows = alarms.map((alarm) => {
    const loud = ANNUNCIATED.has(alarm.state);
    return h("tr", { "data-alarm-id": alarm.id, "data-state": alarm.state, "data-priority": alarm.priority },
      h("td", {}, words(alarm.name)),
      h("td", {}, h("span", { class: loud ? `pill priority-${alarm.priority}` : "pill state-normal" }, alarm.priority)),
      h("td", { class: alarm.state === "unacknowledged" ? "unacked-state" : "" }, words(alarm.state)),
      h("td", { title: alarm.updated_at }, `${clock(alarm.updated_at)} (${ago(alarm.updated_at)} ago)`),
      h("td", { class: "number" }, String(alarm.memory?.activations ?? 0)),
      h("td", { class: "message" }, alarm.message ?? ""));
  });
  fill(panel, h("table", { class: "alarm-points-table" },
    head("Alarm", "Priority", "State", "Since", "Activations", "Message"), h("tbody", {}, rows)));
}

/**
 * The alarm journal, newest first: `journal` is the answer of `/wells/{id}/alarm-journal`,
 * `audit` the well's audit entries, which name the operator's role and reason.
 */
export function showJournal(panel, wellId, journal, audit) {
  const entries = journal.entries ?? [];
  if (entries.length === 0) return fill(panel, notice("No alarm transitions in the last 24 h."));
  const rows = entries.map((entry) => journalRow(entry, wellId, entry.actor ? auditOf(entry, audit) : null));
  fill(panel,
    h("table", { class: "journal-table" }, head("When", "Alarm", "Change", "Cause", "By"), h("tbody", {}, rows)),
    journal.truncated ? notice(`The latest ${entries.length} transitions of the last 24 h are shown.`) : null);
}

function journalRow(entry, wellId, action) {
  const prefix = `${wellId}:`;
  const alarm = entry.alarm_id.startsWith(prefix) ? entry.alarm_id.slice(prefix.length) : entry.alarm_id;
  const cause = [words(entry.cause), action?.reason ? `“${action.reason}”` : ""].filter(Boolean).join(" · ");
  const by = !entry.actor ? "automatic" : action?.role ? `${entry.actor} (${action.role})` : entry.actor;
  return h("tr", { "data-testid": "journal-row", "data-alarm-id": entry.alarm_id, "data-cause": entry.cause },
    h("td", { title: entry.at }, clock(entry.at)),
    h("td", {}, words(alarm)),
    h("td", {}, change(entry.from, entry.to)),
    h("td", {}, cause),
    h("td", { class: entry.actor ? "" : "notice" }, by));
}

/** The audit entry of an operator's transition: the same alarm and actor, at the same time. */
function auditOf(entry, audit) {
  const at = Date.parse(entry.at);
  return audit.find((a) => a.target === entry.alarm_id && a.actor === entry.actor && a.result === "ok"
    && Math.abs(Date.parse(a.at) - at) < SAME_ACTION_MS);
}

/** What operators did to the well and its alarms, newest first, refusals included. */
export function showAudit(panel, wellId, entries) {
  if (entries.length === 0) return fill(panel, notice("No operator actions recorded for this well."));
  const rows = entries.map((entry) => {
    const refused = entry.result && entry.result !== "ok";
    const on = entry.target && entry.target !== wellId ? ` ${entry.target.replace(`${wellId}:`, "")}` : "";
    const details = [change(entry.before, entry.after), entry.reason ? `“${entry.reason}”` : ""].filter(Boolean);
    return h("tr", { "data-testid": "audit-row", "data-action": entry.action, "data-result": entry.result ?? "" },
      h("td", { title: entry.at }, clock(entry.at)),
      h("td", {}, entry.role ? `${entry.actor} (${entry.role})` : entry.actor),
      h("td", {}, h("span", { class: "action" }, `${words(entry.action)}${on}`), details.length ? h("span", { class: "details" }, details.join(" · ")) : null),
      h("td", { class: refused ? "error" : "" }, entry.result ?? ""));
  });
  fill(panel, h("table", { class: "audit-table" }, head("When", "Who", "Action", "Result"), h("tbody", {}, rows)));
}
