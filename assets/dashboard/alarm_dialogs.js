// The alarm panel's dialogs: shelving asks for a reason and a duration, reset and out of service
// ask for a reason. Each opens modal with focus on its first field, Escape cancels, and focus
// returns to the button that opened it. A blank reason is refused before it reaches the server.

import { fill, h } from "./dom.js";
import { describe } from "./alarm_model.js";

const SHELF_TIMES = [
  ["30m", "30 min"], ["1h", "1 h"], ["2h", "2 h"], ["4h", "4 h"], ["8h", "8 h"], ["24h", "24 h"],
  ["", "until it clears"],
];
const DEFAULT_SHELF = "8h";
const REASON_NOTES = {
  reset: "Resets the latched alarm and acknowledges it; its condition must be clear.",
  "out-of-service": "The condition is still recorded but not annunciated until the alarm returns to service.",
};

/** The shelve dialog (reason and duration) and the reason dialog (reset, out of service). */
export class ActionDialogs {
  constructor() {
    this.shelfReason = reasonInput("shelve-reason");
    this.shelfTime = h("select", { id: "shelve-duration" },
      SHELF_TIMES.map(([value, label]) => h("option", { value }, label)));
    this.shelfTitle = h("h2", { id: "shelve-title" });
    this.shelf = dialog("shelve", this.shelfTitle,
      h("label", { for: "shelve-reason" }, "Reason (required)"), this.shelfReason,
      h("label", { for: "shelve-duration" }, "Shelve for"), this.shelfTime);
    this.reasonText = reasonInput("action-reason");
    this.reasonTitle = h("h2", { id: "reason-title" });
    this.reasonNote = h("p", { class: "notice" });
    this.reason = dialog("reason", this.reasonTitle, this.reasonNote,
      h("label", { for: "action-reason" }, "Reason (required)"), this.reasonText);
    this.elements = [this.shelf, this.reason];
  }

  /** The action's request body, `undefined` when it needs none, or `null` when cancelled. */
  async ask(action, record, opener) {
    if (action.ask === "shelf") return this.askShelf(record, opener);
    if (action.ask !== "reason") return undefined;
    fill(this.reasonTitle, `${action.verb} ${describe(record)}`);
    fill(this.reasonNote, REASON_NOTES[action.kind] ?? "");
    fill(this.reason.querySelector("[data-testid=reason-confirm]"), action.verb);
    this.reasonText.value = "";
    const confirmed = await open(this.reason, this.reasonText, opener);
    return confirmed ? { reason: this.reasonText.value.trim() } : null;
  }

  async askShelf(record, opener) {
    fill(this.shelfTitle, `Shelve ${describe(record)}`);
    this.shelfReason.value = "";
    this.shelfTime.value = DEFAULT_SHELF;
    const confirmed = await open(this.shelf, this.shelfReason, opener);
    return confirmed ? { reason: this.shelfReason.value.trim(), duration: this.shelfTime.value || null } : null;
  }
}

/** A mandatory reason: blank or only spaces is refused before it reaches the server. */
function reasonInput(id) {
  return h("input", {
    id, required: true, pattern: ".*\\S.*", title: "A reason is required", autocomplete: "off", maxlength: "500",
  });
}

function dialog(name, title, ...fields) {
  return h("dialog", { "data-testid": `${name}-dialog`, "aria-labelledby": title.id, class: "alarm-dialog" },
    h("form", { method: "dialog" }, title, fields,
      h("div", { class: "actions" },
        h("button", { type: "button", class: "quiet", onclick: (e) => e.target.closest("dialog").close() }, "Cancel"),
        h("button", { type: "submit", class: "primary", value: "confirm", "data-testid": `${name}-confirm` },
          name === "shelve" ? "Shelve" : "Confirm"))));
}

/** Shows a modal dialog; resolves whether it was confirmed, with focus back on its opener. */
function open(element, first, opener) {
  element.returnValue = "";
  element.showModal();
  first.focus();
  return new Promise((resolve) => {
    element.addEventListener("close", () => {
      if (opener.isConnected) opener.focus();
      resolve(element.returnValue === "confirm");
    }, { once: true });
  });
}
