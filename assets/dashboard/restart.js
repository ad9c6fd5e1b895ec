// The well page's supervision panel: the supervision state and restart count, and for those
// who may operate, the restart action behind a confirm dialog that says what a restart does and
// does not do (it restarts supervision; it never commands the drive). The outcome stays on the
// panel; the page is told when it is known, so it can read the well and its audit trail again.

import { clock, fill, h } from "./dom.js";
import { fact, mark } from "./well_sections.js";

export class RestartPanel {
  /** `onDone()` is called after every attempt, carried out or refused. */
  constructor(context, wellId, path, onDone) {
    this.api = context.api;
    this.session = context.session;
    this.wellId = wellId;
    this.path = path;
    this.onDone = onDone;
    this.state = h("dl", { class: "well-facts compact" });
    this.result = h("p", { "data-testid": "restart-result", role: "status", class: "restart-result" });
    this.dialog = this.buildDialog();
  }

  /** The panel's parts in page order; the dialog goes at the end of the page. */
  parts() {
    return [this.state, this.controls(), this.result];
  }

  show(detail) {
    fill(
      this.state,
      fact("State", mark(detail.supervision, "supervision-panel-state")),
      fact("Restarts", String(detail.restarts ?? 0)),
    );
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  controls() {
    if (!this.session.may("operate")) {
      return h("p", { class: "notice" }, "Restarting a well needs the operator role.");
    }
    this.button = h("button", { type: "button", class: "primary", "data-testid": "restart", onclick: () => this.open() }, "Restart…");
    return h("p", { class: "restart-controls" }, this.button);
  }

  buildDialog() {
    const confirm = h("button", { type: "button", class: "primary", "data-testid": "restart-confirm", onclick: () => this.restart() }, "Restart supervision");
    const dialog = h("dialog", { "data-testid": "restart-dialog", "aria-labelledby": "restart-heading" },
      h("h2", { id: "restart-heading" }, `Restart ${this.wellId}?`),
      h("p", {}, "The supervisor stops this well's actor and starts it again: the Modbus link to the device is closed and opened anew, and polling resumes."),
      h("p", {}, "A failed well (too many automatic restarts) is cleared and counted afresh; the restart counter goes up by one."),
      h("p", {}, h("strong", {}, "The drive is not commanded: "), "no start or stop is sent to the pump, and the run state stays what the drive reports. Alarm states and the diagnostic history are kept."),
      h("p", { class: "notice" }, `The restart is recorded in the audit trail as ${this.session.user ?? "you"}.`),
      h("div", { class: "actions" }, h("button", { type: "button", class: "quiet", onclick: () => dialog.close() }, "Cancel"), confirm));
    dialog.addEventListener("close", () => this.button?.focus());
    this.confirm = confirm;
    return dialog;
  }

  open() {
    this.dialog.showModal();
    this.confirm.focus();
  }

  async restart() {
    this.confirm.disabled = true;
    const result = this.result;
    try {
      const summary = await this.api.post(`${this.path}/restart`);
      result.dataset.state = "ok";
      result.className = "restart-result";
      fill(result, `Restarted at ${clock(new Date().toISOString())}: supervision is ${summary.supervision}; the device link reconnects in the background.`);
    } catch (error) {
      result.dataset.state = "error";
      result.className = "restart-result error";
      fill(result, `Restart not done: ${error.message}`);
    } finally {
      this.confirm.disabled = false;
      this.close();
    }
    this.onDone();
  }
}
