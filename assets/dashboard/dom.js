// Small helpers to build and format the page without a framework: elements from a tag, attributes
// and children; numbers, times and durations the way the control room reads them.

/** An element: `h("button", { class: "x", onclick: f, "data-testid": "ack" }, "Ack")`. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      element.className = value;
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A value with its unit, to a sensible precision; an em dash when there is none. */
export function quantity(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  const magnitude = Math.abs(value);
  const digits = magnitude >= 1000 ? 0 : magnitude >= 100 ? 1 : magnitude >= 1 ? 2 : 3;
  const text = value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit && unit !== "-" && unit !== "enum" ? `${text} ${unit}` : text;
}

/** An RFC 3339 time as local `HH:MM:SS`, with the date when it is not today. */
export function clock(iso) {
  if (!iso) return "—";
  const at = new Date(iso);
  const time = at.toLocaleTimeString("en-GB", { hour12: false });
  return at.toDateString() === new Date().toDateString() ? time : `${at.toISOString().slice(0, 10)} ${time}`;
}

/** How long ago, as `12 s`, `4 min`, `3 h`, `2 d`. */
export function ago(iso, now = Date.now()) {
  if (!iso) return "—";
  return span((now - Date.parse(iso)) / 1000);
}

/** A duration in seconds as `12 s`, `4 min`, `3 h`, `2 d`. */
export function span(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/** A snake_case wire name as words: `rtn_unacknowledged` → `rtn unacknowledged`. */
export function words(name) {
  return name ? String(name).replaceAll("_", " ") : "—";
}
