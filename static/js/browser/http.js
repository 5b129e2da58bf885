// Talking to omX from the page: the CSRF token htmx uses, JSON answers read
// into a value or a readable Error, and the way back after a session ends.

import { fb } from "./dom.js";

export function csrfToken() {
  try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
  catch (e) { return ""; }
}

export function goToLogin() {
  const root = fb();
  const login = (root && root.getAttribute("data-login-url")) || "/accounts/login/";
  window.location.href = login + "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
}

export async function readJson(response) {
  if (response.status === 401) { goToLogin(); throw new Error("Your session has ended."); }
  const text = await response.text();
  let body = null;
  try { body = JSON.parse(text); } catch (e) { /* not JSON */ }
  if (!response.ok || !body) {
    const detail = body && (body.detail || Object.keys(body).map((k) => [].concat(body[k]).join(" ")).join(" "));
    throw new Error(detail || "The server answered " + response.status + ".");
  }
  return body;
}

// A POST to omX with the session and the CSRF token; `body` is FormData or a
// value sent as JSON.
export function post(url, body) {
  const headers = { "Accept": "application/json", "X-CSRFToken": csrfToken() };
  if (!(body instanceof FormData)) { headers["Content-Type"] = "application/json"; body = JSON.stringify(body); }
  return fetch(url, { method: "POST", body, credentials: "same-origin", headers }).then(readJson);
}
