// The Shares panel: the project's share links, newest first, a page at a
// time: what each shares, how, its state, its uses and expiry, who made it.
// Members revoke their own active links, admins any, and admins read each
// link's accesses. The links themselves are never here: omX shows a link
// only when it is made (share.js).

import { canWrite, el, fb } from "./dom.js";
import { ask } from "./dialogs.js";
import { csrfToken, goToLogin } from "./http.js";

const STATES = { active: "Active", expired: "Expired", revoked: "Revoked", exhausted: "Used up" };
const PAGE = "?page_size=25";

let panel = null, list = null, status = null, more = null, next = null, opener = null, loading = 0;

export function sharesApi() { const root = fb(); return (root && root.getAttribute("data-shares-api")) || ""; }
function me() { const root = fb(); return root ? root.getAttribute("data-user") : ""; }
function isAdmin() { const root = fb(); return !!root && root.getAttribute("data-is-admin") === "1"; }

// A call to the shares API: {status, body}; a 401 goes to log in.
export async function call(method, url, body) {
  const headers = { "Accept": "application/json", "X-CSRFToken": csrfToken() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, { method, credentials: "same-origin", headers,
                                  body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    return { status: 0, body: { detail: "Cannot reach omX. Check the connection and try again." } };
  }
  if (response.status === 401) { goToLogin(); return { status: 401, body: { detail: "Your session has ended." } }; }
  let parsed = null;
  try { parsed = await response.json(); } catch (e) { /* 204, or not JSON */ }
  if (!response.ok && !(parsed && typeof parsed === "object")) parsed = { detail: "The server answered " + response.status + "." };
  return { status: response.status, body: parsed };
}

// What a refusal says, as one sentence (a detail, or a field map's messages).
export function reason(body) {
  if (!body) return "";
  if (body.detail) return body.detail;
  return Object.keys(body).filter((k) => k !== "code").map((k) => [].concat(body[k]).join(" ")).join(" ");
}

export function when(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "fb-icon");
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS("http://www.w3.org/2000/svg", "use");
  use.setAttribute("href", "#i-" + name);
  svg.appendChild(use);
  return svg;
}

function sharedName(share) { return share.object_name !== null ? share.object_name : share.prefix; }

function mayRevoke(share) {
  return share.state === "active" && canWrite() &&
    (isAdmin() || (!!share.created_by && String(share.created_by.id) === me()));
}

function facts(share) {
  const uses = share.max_uses ? share.use_count + " of " + share.max_uses + " uses"
    : share.use_count + (share.use_count === 1 ? " use" : " uses") + ", no limit";
  const end = share.state === "revoked" && share.revoked_at ? "revoked " + when(share.revoked_at)
    : (share.state === "expired" ? "expired " : "expires ") + when(share.expires_at);
  const by = share.created_by ? share.created_by.full_name || share.created_by.email : "a former member";
  return [uses, end, "made by " + by + ", " + when(share.created_at)];
}

function accesses(share) {
  const box = el("details", { className: "fb-share-accesses" });
  const rows = el("ul", { className: "fb-names" });
  const note = el("p", { className: "help", role: "status" });
  const moreAccesses = el("button", { type: "button", className: "button secondary small", text: "Older accesses", hidden: "" });
  let nextPage = sharesApi() + "/" + share.id + "/accesses" + PAGE;
  async function load() {
    if (!nextPage) return;
    note.textContent = "Loading…";
    moreAccesses.hidden = true;
    const answer = await call("GET", nextPage);
    if (answer.status !== 200) { note.textContent = reason(answer.body); return; }
    nextPage = answer.body.next;
    for (const entry of answer.body.results) {
      rows.appendChild(el("li", {}, [el("span", {
        text: when(entry.at) + " · " + (entry.action === "upload" ? "sent " : "downloaded ") + entry.object_name +
              (entry.client_ip ? " · from " + entry.client_ip : ""),
      })]));
    }
    note.textContent = rows.childElementCount ? "" : "Nobody has used this link yet.";
    moreAccesses.hidden = !nextPage;
  }
  moreAccesses.addEventListener("click", load);
  box.addEventListener("toggle", () => { if (box.open && !rows.childElementCount) load(); }, { once: false });
  box.append(el("summary", { text: "Accesses" }), note, rows, moreAccesses);
  return box;
}

function render(share) {
  const name = sharedName(share);
  const problem = el("p", { className: "field-error", role: "alert" });
  const actions = el("div", { className: "fb-share-actions" });
  if (mayRevoke(share)) {
    const revoke = el("button", { type: "button", className: "button danger small", text: "Revoke",
                                  "aria-label": "Revoke the link to " + name });
    revoke.addEventListener("click", () => revokeShare(share, node, revoke, problem));
    actions.appendChild(revoke);
  }
  if (isAdmin()) actions.appendChild(accesses(share));
  const badges = [
    el("span", { className: "badge fb-share-state state-" + share.state, text: STATES[share.state] || share.state }),
    el("span", { className: "badge", text: share.mode === "upload" ? "Drop folder" : "Download" }),
    share.has_password ? el("span", { className: "badge", text: "Password" }) : null,
  ];
  const node = el("li", { className: "fb-share-item", "data-share-id": share.id, "data-state": share.state }, [
    el("div", { className: "fb-share-top" }, [
      icon(share.object_name !== null ? "file" : "folder"),
      el("span", { className: "mono fb-share-name", title: share.bucket + "/" + name, text: name }),
    ]),
    el("div", { className: "fb-share-badges" }, badges),
    el("p", { className: "fb-share-meta", text: facts(share).join(" · ") }),
    actions.childElementCount ? actions : null,
    problem,
  ]);
  return node;
}

async function revokeShare(share, node, button, problem) {
  const answer = await ask({
    title: "Revoke this link?",
    text: "Whoever has it can no longer use it, from now on. This cannot be undone.",
    names: [share.bucket + "/" + sharedName(share)],
    choices: [{ value: "cancel", label: "Cancel", focus: true },
              { value: "revoke", label: "Revoke link", className: "button danger" }],
  });
  if (answer !== "revoke") { if (button.isConnected) button.focus(); return; }
  problem.textContent = "";
  button.disabled = true;
  const answered = await call("DELETE", sharesApi() + "/" + share.id);
  if (answered.status !== 204) {
    button.disabled = false;
    problem.textContent = "Not revoked: " + reason(answered.body);
    button.focus();
    return;
  }
  const fresh = await call("GET", sharesApi() + "/" + share.id);
  const updated = render(fresh.status === 200 ? fresh.body
    : { ...share, state: "revoked", revoked_at: new Date().toISOString() });
  node.replaceWith(updated);
  status.textContent = "The link to " + sharedName(share) + " is revoked.";
  updated.tabIndex = -1;
  updated.focus();
}

async function load(url, fresh) {
  const ticket = ++loading;
  status.textContent = "Loading…";
  more.hidden = true;
  const answer = await call("GET", url);
  if (ticket !== loading) return; // a newer load took over
  if (answer.status !== 200) { status.textContent = "Cannot list the links: " + reason(answer.body); return; }
  if (fresh) list.textContent = "";
  answer.body.results.forEach((share) => list.appendChild(render(share)));
  next = answer.body.next;
  more.hidden = !next;
  status.textContent = list.childElementCount ? "" : "No share links in this project yet." +
    (canWrite() ? " Select a file or folder and choose Share…" : "");
}

function build() {
  const close = el("button", { type: "button", className: "fb-icon-button", "aria-label": "Close the share links",
                               title: "Close", text: "×" });
  close.addEventListener("click", () => panel.close());
  list = el("ul", { className: "fb-shares-list", "aria-labelledby": "fb-shares-title" });
  status = el("p", { className: "fb-shares-status", role: "status" });
  more = el("button", { type: "button", className: "button secondary small fb-shares-more", text: "Load older links",
                        hidden: "" });
  more.addEventListener("click", () => { if (next) load(next, false); });
  panel = el("dialog", { id: "fb-shares", className: "fb-dialog fb-shares", "aria-labelledby": "fb-shares-title" }, [
    el("div", { className: "fb-shares-head" }, [el("h2", { id: "fb-shares-title", text: "Share links" }), close]),
    el("p", { className: "help fb-shares-intro",
              text: "Links to this project's files and folders for people without an account, newest first. " +
                    "A link is shown only once, when it is made; here you follow and end them." }),
    status, list, more,
  ]);
  panel.addEventListener("close", () => {
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });
  document.body.appendChild(panel);
}

// Opens the panel (from `from`, which gets the focus back) with the first page.
export function openShares(from) {
  if (!sharesApi()) return;
  if (!panel || !panel.isConnected) build();
  opener = from || document.activeElement;
  if (!panel.open) panel.showModal();
  $close().focus();
  load(sharesApi() + PAGE, true);
}

function $close() { return panel.querySelector(".fb-shares-head .fb-icon-button"); }

// After a link is made: the open panel shows it.
export function refreshShares() {
  if (panel && panel.open) load(sharesApi() + PAGE, true);
}
