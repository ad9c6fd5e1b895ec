// Who is logged in: the token from `POST /api/v1/auth/login`, kept for this browser tab only
// (sessionStorage, so closing the tab logs out), and the role it carries. What a role may do
// mirrors the server's ladder; the server decides in the end, the page only hides what would
// be refused.

const KEY = "wellvisor.session";

/** The access each role's ladder reaches (the server's `Role::may`). */
const LADDER = { viewer: 0, operator: 1, engineer: 2, admin: 3 };
const NEEDS = { read: 0, operate: 1, engineer: 2, admin: 3 };

export class Session {
  constructor() {
    const saved = sessionStorage.getItem(KEY);
    this.state = saved ? JSON.parse(saved) : null;
  }

  get token() {
    return this.state?.token ?? null;
  }

  get user() {
    return this.state?.user ?? null;
  }

  get role() {
    return this.state?.role ?? null;
  }

  /** Whether the session's token has run out (or there is none). */
  expired(now = Date.now()) {
    return !this.state || Date.parse(this.state.expires_at) <= now;
  }

  /** Whether the role may do what asks `access` (`read`, `operate`, `engineer`, `admin`). */
  may(access) {
    if (!this.state) return false;
    if (this.role === "service") return access === "read";
    return (LADDER[this.role] ?? -1) >= (NEEDS[access] ?? Infinity);
  }

  start({ token, user, role, expires_at }) {
    this.state = { token, user, role, expires_at };
    sessionStorage.setItem(KEY, JSON.stringify(this.state));
  }

  end() {
    this.state = null;
    sessionStorage.removeItem(KEY);
  }
}
