// The dashboard's shell: the session, the API client, the live event stream, the header every
// page shares, and the hash router that mounts one page at a time (`#/`, `#/alarms`,
// `#/wells/W-001`, `#/login`). Pages are modules exporting `mount(root, context, params)`, which
// returns the function that unmounts them.

import { Api } from "./api.js";
import { fill, h } from "./dom.js";
import { Live } from "./live.js";
import { Session } from "./session.js";
import * as login from "./login.js";
import * as overview from "./overview.js";
import * as alarms from "./alarms.js";
import * as well from "./well.js";

const session = new Session();
const live = new Live(session);
const api = new Api(session, (reason) => logout(reason));
const view = document.getElementById("view");
const bar = document.querySelector("[data-testid=app-bar]");
let unmount = null;

const ROUTES = [
  { pattern: /^#\/login$/, page: login, nav: null, public: true },
  { pattern: /^#\/alarms$/, page: alarms, nav: "alarms" },
  { pattern: /^#\/wells\/([^/]+)$/, page: well, nav: "overview" },
  { pattern: /^#?\/?$/, page: overview, nav: "overview" },
];

const context = {
  api,
  live,
  session,
  navigate: (hash) => {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  /** Tells the header to read the fleet's alarm counts again (after an action). */
  refreshBanner: () => banner.refresh(),
};

function route() {
  const hash = location.hash || "#/";
  const match = ROUTES.map((r) => ({ r, m: hash.match(r.pattern) })).find(({ m }) => m);
  if (!match) return context.navigate("#/");
  const { r, m } = match;
  if (!r.public && (!session.token || session.expired())) {
    session.end();
    sessionStorage.setItem("wellvisor.after-login", hash);
    return context.navigate("#/login");
  }
  unmount?.();
  unmount = null;
  view.replaceChildren();
  showBar(!r.public, r.nav);
  const params = m.slice(1).map(decodeURIComponent);
  unmount = r.page.mount(view, context, params) ?? null;
  view.focus({ preventScroll: true });
}

function showBar(visible, nav) {
  bar.hidden = !visible;
  if (!visible) {
    live.stop();
    banner.stop();
    return;
  }
  for (const link of bar.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  fill(bar.querySelector("[data-testid=current-user]"), `${session.user} (${session.role})`);
  live.start();
  banner.start();
}

function logout(reason) {
  session.end();
  live.stop();
  if (reason) {
    // The session ran out under the operator's eyes: come back to the same page after login.
    sessionStorage.setItem("wellvisor.logout-reason", reason);
    if (location.hash && location.hash !== "#/login") sessionStorage.setItem("wellvisor.after-login", location.hash);
  }
  context.navigate("#/login");
}

/** The header's alarm summary: annunciated alarms by priority, colour only when there are any. */
const banner = {
  timer: null,
  unsubscribe: null,
  pending: null,
  start() {
    if (this.timer) return;
    this.refresh();
    this.timer = setInterval(() => this.refresh(), 10_000);
    this.unsubscribe = live.subscribe((kind) => {
      if (kind === "alarm" || kind === "resync") this.soon();
    });
  },
  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  },
  soon() {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      this.refresh();
    }, 250);
  },
  async refresh() {
    try {
      const fleet = await api.get("/api/v1/fleet");
      const counts = fleet.active_alarms ?? {};
      const total = (counts.high ?? 0) + (counts.medium ?? 0) + (counts.low ?? 0);
      fill(bar.querySelector("[data-testid=nav-alarm-count]"), total ? String(total) : "");
      const parts = ["high", "medium", "low"]
        .filter((p) => counts[p])
        .map((p) => h("span", { class: `pill priority-${p}`, "data-priority": p }, `${counts[p]} ${p}`));
      fill(bar.querySelector("[data-testid=alarm-banner]"), parts.length ? parts : h("span", { class: "calm" }, "No active alarms"));
    } catch (error) {
      fill(bar.querySelector("[data-testid=alarm-banner]"), h("span", { class: "pill priority-high" }, error.message));
    }
  },
};

live.subscribe((kind, status) => {
  if (kind !== "connection") return;
  const label = { live: "Live", connecting: "Connecting…", reconnecting: "Reconnecting…", stopped: "" }[status] ?? status;
  const element = bar.querySelector("[data-testid=live-status]");
  element.dataset.state = status;
  fill(element, label);
});

bar.querySelector("[data-testid=logout]").addEventListener("click", () => logout());
window.addEventListener("hashchange", route);
route();
