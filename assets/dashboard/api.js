// Calls to the wellvisor API with the session's token. Every failure becomes an `ApiError`
// carrying the server's code and message (`{"error": {"code", "message"}}`), so pages can show
// what went wrong in the server's own words. A 401 means the session is over: the app is told
// once and goes back to the login page.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class Api {
  /** `onUnauthenticated` is called when the server refuses the token. */
  constructor(session, onUnauthenticated) {
    this.session = session;
    this.onUnauthenticated = onUnauthenticated;
  }

  get(path) {
    return this.request("GET", path);
  }

  post(path, body) {
    return this.request("POST", path, body);
  }

  async request(method, path, body) {
    const headers = { Accept: "application/json" };
    if (this.session.token) headers.Authorization = `Bearer ${this.session.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      throw new ApiError(0, "unreachable", `wellvisor cannot be reached (${error.message})`);
    }
    const payload = await response.json().catch(() => null);
    if (response.ok) return payload;
    const code = payload?.error?.code ?? "http_" + response.status;
    const message = payload?.error?.message ?? `${method} ${path} answered ${response.status}`;
    if (response.status === 401 && this.session.token) this.onUnauthenticated(message);
    throw new ApiError(response.status, code, message);
  }

  /** `POST /api/v1/auth/login`; the session starts with what it answers. */
  async login(username, password) {
    const answer = await this.request("POST", "/api/v1/auth/login", { username, password });
    this.session.start(answer);
    return answer;
  }
}

/** A path segment for an id (`W-001:comms_loss`). */
export function segment(id) {
  return encodeURIComponent(id);
}
