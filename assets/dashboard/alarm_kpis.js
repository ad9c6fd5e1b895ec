// The alarm panel's KPI strip (ISA-18.2, esp-domain §3.2): the alarm rate against the targets,
// whether the panel is in flood, and the stale, chattering and worst ("bad actor") alarms. Calm
// while within target; coloured, and saying so in words, beyond it.

import { fill, h } from "./dom.js";
import { describeId } from "./alarm_model.js";

/** Alarms per 10 minutes for one operator position (ISA-18.2, esp-domain §3.2). */
const RATE_ACCEPTABLE = 1;
const RATE_MANAGEABLE = 2;
const RATE_WORDS = {
  acceptable: `acceptable (target ≤ ${RATE_ACCEPTABLE})`,
  manageable: `at the manageable maximum (${RATE_MANAGEABLE})`,
  over: `over the manageable maximum (${RATE_MANAGEABLE})`,
};
const BAD_ACTORS_SHOWN = 3;
/** Bursts of alarms read the KPIs once, this long after the first. */
const KPI_DELAY_MS = 1_000;

/** The alarm-management KPIs: rate against the ISA-18.2 targets, flood, stale, chattering, bad actors. */
export class KpiStrip {
  constructor(api) {
    this.api = api;
    this.rate = h("div", { class: "kpi", "data-testid": "alarm-rate" });
    this.flood = h("div", { class: "kpi", "data-testid": "flood", "data-flood": "false" });
    this.others = h("div", { class: "kpi kpi-others" });
    this.element = h("section", { class: "alarm-kpis panel", "data-testid": "alarm-kpis", "aria-label": "Alarm KPIs" },
      this.rate, this.flood, this.others);
  }

  /** Reads the KPIs again shortly, once for a burst of changes. */
  soon() {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      this.refresh();
    }, KPI_DELAY_MS);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.pending);
  }

  async refresh() {
    if (this.reading) return;
    this.reading = true;
    try {
      const kpis = await this.api.get("/api/v1/alarms/kpis");
      if (!this.stopped) this.draw(kpis);
    } catch (error) {
      fill(this.others, h("span", { class: "error" }, `KPIs could not be read: ${error.message}`));
    } finally {
      this.reading = false;
    }
  }

  draw(kpis) {
    this.drawRate(kpis);
    this.drawFlood(kpis);
    this.drawOthers(kpis);
  }

  /** Calm while within the ISA-18.2 manageable rate, coloured (and saying so) above it. */
  drawRate({ last_10_min: count, average_per_10_min: average, peak_per_10_min: peak }) {
    const level = count <= RATE_ACCEPTABLE ? "acceptable" : count <= RATE_MANAGEABLE ? "manageable" : "over";
    this.rate.dataset.level = level;
    fill(this.rate, h("span", { class: "kpi-label" }, "Alarm rate"), " ",
      h("strong", { class: `kpi-value rate-${level}` }, `${count} in 10 min`), " ",
      h("span", { class: "kpi-note" }, `${RATE_WORDS[level]}; average ${average.toFixed(1)}, peak ${peak}`));
  }

  /** Loud only while in flood. */
  drawFlood({ in_flood: flooding, flood_share: share }) {
    this.flood.dataset.flood = String(flooding);
    fill(this.flood,
      h("strong", { class: `kpi-value ${flooding ? "flood-on" : "flood-off"}` }, flooding ? "Alarm flood" : "No flood"),
      " ", h("span", { class: "kpi-note" }, `${(share * 100).toFixed(1)} % of the time in flood (target ≤ 1 %)`));
  }

  drawOthers({ stale, stale_count: staleCount, chattering, bad_actors: badActors, overflowed }) {
    const names = (alarms) => alarms.map((alarm) => describeId(alarm.id)).join(", ");
    const actors = badActors.slice(0, BAD_ACTORS_SHOWN).map((actor) => h("span", { class: "bad-actor" },
      `${describeId(actor.id)} ${actor.count}× (${Math.round(actor.share * 100)} %)`));
    fill(this.others,
      h("span", { title: names(stale) }, `Stale > 24 h: ${staleCount}`),
      h("span", { title: names(chattering) }, `Chattering: ${chattering.length}`),
      h("span", { class: "bad-actors" }, "Bad actors: ", actors.length ? actors : "none"),
      overflowed > 0 && h("span", { class: "kpi-note" }, "(undercounted: the history was full)"));
  }
}
