// The fleet's live events (`GET /api/v1/events`, server-sent events) for every page at once.
// Read with `fetch` rather than `EventSource`, because only `fetch` can send the bearer token.
// When the stream ends (a restart of the service, a network blip, or the server dropping a
// client that fell behind) it reconnects with backoff and jitter and tells its listeners to
// `resync`: events in the gap are gone, so pages read the current state again.

const BACKOFF_FIRST_MS = 500;
const BACKOFF_CAP_MS = 15_000;

export class Live {
  constructor(session) {
    this.session = session;
    this.listeners = new Set();
    this.status = "connecting";
    this.controller = null;
    this.lastSeq = 0;
  }

  /**
   * Calls `listener(kind, data, seq)` for each event, `listener("resync")` after a reconnect and
   * `listener("connection", status)` when the stream's status changes. Returns the unsubscriber.
   */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start() {
    if (this.controller) return;
    this.controller = new AbortController();
    this.run(this.controller.signal);
  }

  stop() {
    this.controller?.abort();
    this.controller = null;
    this.setStatus("stopped");
  }

  emit(kind, data, seq) {
    for (const listener of [...this.listeners]) {
      try {
        listener(kind, data, seq);
      } catch (error) {
        console.error("live listener failed", error);
      }
    }
  }

  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.emit("connection", status);
  }

  async run(signal) {
    let failures = 0;
    let connectedBefore = false;
    while (!signal.aborted && this.session.token) {
      try {
        const response = await fetch("/api/v1/events", {
          headers: { Accept: "text/event-stream", Authorization: `Bearer ${this.session.token}` },
          signal,
        });
        if (!response.ok || !response.body) throw new Error(`events answered ${response.status}`);
        this.setStatus("live");
        if (connectedBefore) this.emit("resync");
        connectedBefore = true;
        failures = 0;
        await this.read(response.body, signal);
      } catch (error) {
        if (signal.aborted) return;
        console.warn("live events interrupted", error.message);
      }
      if (signal.aborted) return;
      this.setStatus("reconnecting");
      failures += 1;
      const cap = Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** Math.min(failures, 10));
      await sleep(cap / 2 + Math.random() * (cap / 2), signal);
    }
  }

  /** Parses the SSE stream: blank-line separated blocks of `event:`, `id:` and `data:` lines. */
  async read(body, signal) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        this.dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  dispatch(block) {
    let kind = "message";
    let seq = null;
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") kind = value;
      else if (field === "id") seq = Number(value);
      else if (field === "data") data.push(value);
    }
    if (data.length === 0) return;
    if (seq !== null) this.lastSeq = seq;
    let parsed;
    try {
      parsed = JSON.parse(data.join("\n"));
    } catch {
      parsed = data.join("\n");
    }
    this.emit(kind, parsed, seq);
  }
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
