// The login page: user name and password to `POST /api/v1/auth/login`, then on to the page
// that asked for a login (or the fleet overview). The server's answer is shown as it is: a bad
// password, a disabled account and too many attempts each say so.

import { fill, h } from "./dom.js";

export function mount(root, { api, navigate }) {
  const error = h("p", { class: "error", role: "alert", "data-testid": "login-error" });
  const reason = sessionStorage.getItem("wellvisor.logout-reason");
  sessionStorage.removeItem("wellvisor.logout-reason");
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
  const password = h("input", {
    id: "password", name: "password", type: "password", autocomplete: "current-password", required: true,
  });
  const submit = h("button", { type: "submit", class: "primary", "data-testid": "login-submit" }, "Log in");
  const form = h("form", { class: "panel login", "data-testid": "login-form", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, "wellvisor"),
    h("p", { class: "notice" }, reason ? "Your session ended. Please log in again." : "Log in to the control room."),
    h("label", { for: "username" }, "User name"), username,
    h("label", { for: "password" }, "Password"), password,
    error,
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    fill(error);
    try {
      await api.login(username.value, password.value);
      const next = sessionStorage.getItem("wellvisor.after-login") || "#/";
      sessionStorage.removeItem("wellvisor.after-login");
      navigate(next === "#/login" ? "#/" : next);
    } catch (failure) {
      fill(error, failure.message);
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  root.append(form);
  username.focus();
  return () => {};
}
