// What one does with files one has found: copy a file's path or a signed
// link to it, and download several at once (each through its own signed
// URL, one after another, in a tray with a cancel).

import { $, el, fb, listing, plural, selected } from "./dom.js";
import { post } from "./http.js";
import { rules } from "./rules.js";
import { createTray } from "./tray.js";

const GAP = 700; // ms between two downloads: browsers drop downloads started together

function files() { return selected().filter((item) => item.getAttribute("data-kind") === "file"); }
function api() { const root = fb(); return root ? root.getAttribute("data-download-api") : ""; }
function bucket() { const box = listing(); return box ? box.getAttribute("data-bucket") : ""; }

function pathOf(name) { return (rules().scheme || "gs") + "://" + bucket() + "/" + name; }

function signedUrl(name, disposition) {
  const body = { bucket: bucket(), object_name: name };
  if (disposition) body.disposition = disposition;
  return post(api(), body).then((answer) => new URL(answer.url, window.location.href).href);
}

// --- "Copied" -------------------------------------------------------------------

let toastTimer = null;

function toast(text, failed) {
  let node = document.getElementById("fb-toast");
  if (!node) {
    node = el("div", { id: "fb-toast", className: "fb-toast", role: "status", "aria-live": "polite" });
    document.body.appendChild(node);
  }
  node.textContent = text;
  node.classList.toggle("is-error", !!failed);
  node.classList.add("is-shown");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => node.classList.remove("is-shown"), 2600);
}

async function writeClipboard(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = el("textarea", { readonly: "", className: "visually-hidden" });
  area.value = text;
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("The browser refused to copy.");
}

async function copyPath(button) {
  const one = files();
  const name = button.getAttribute("data-path") ? null : one.length === 1 ? one[0].getAttribute("data-name") : null;
  const text = button.getAttribute("data-path") || (name && pathOf(name));
  if (!text) return;
  try { await writeClipboard(text); toast("Copied " + text); }
  catch (error) { toast("Could not copy: " + error.message, true); }
}

async function copyLink() {
  const one = files();
  if (one.length !== 1) return;
  const label = one[0].getAttribute("data-label");
  try {
    await writeClipboard(await signedUrl(one[0].getAttribute("data-name")));
    toast("Copied a signed link to " + label + ": anyone with it can download the file for a while.");
  } catch (error) {
    toast("Could not copy a link to " + label + ": " + error.message, true);
  }
}

// --- Several downloads ------------------------------------------------------------

let queue = [];
let running = false;

const tray = createTray({
  id: "fb-downloads", label: "Downloads", title: "Downloads", closeLabel: "Close the download panel",
  onClose() { cancelDownloads(); queue = []; return true; },
});

const WORDS = { waiting: "Waiting…", signing: "Starting…", started: "Handed to the browser",
                cancelled: "Cancelled" };

function render(entry) {
  if (!entry.node) {
    entry.meta = el("span", { className: "fb-job-meta" });
    entry.node = el("li", { className: "fb-job" }, [
      el("div", { className: "fb-job-top" }, [el("span", { className: "fb-job-name", title: entry.name, text: entry.label })]),
      entry.meta,
    ]);
    tray.list().appendChild(entry.node);
  }
  entry.node.setAttribute("data-state", entry.state);
  entry.meta.textContent = WORDS[entry.state] || "Failed: " + entry.error;
}

function summary() {
  const count = (state) => queue.filter((e) => e.state === state).length;
  const done = count("started"), failed = count("failed"), cancelled = count("cancelled");
  const left = count("waiting") + count("signing");
  const parts = [done + " of " + queue.length + " started"];
  if (failed) parts.push(failed + " failed");
  if (cancelled) parts.push(cancelled + " cancelled");
  tray.show(left ? "Downloading " + plural(queue.length, "file") : "Downloads", parts.join(" · ") + (left ? "" : "."), !left);
  const cancel = document.getElementById("fb-downloads-cancel");
  if (cancel) cancel.hidden = !left;
}

function cancelDownloads() {
  queue.filter((e) => e.state === "waiting").forEach((e) => { e.state = "cancelled"; if (e.node) render(e); });
  if (tray.isOpen()) summary();
}

// A hidden frame per file: the signed URL answers with Content-Disposition:
// attachment, so the browser saves it and the page stays where it is.
function hand(url) {
  const frame = el("iframe", { className: "fb-download-frame", hidden: "", title: "Download", src: url });
  document.body.appendChild(frame);
  setTimeout(() => frame.remove(), 60000);
}

async function pump() {
  if (running) return;
  running = true;
  try {
    for (let entry = next(); entry; entry = next()) {
      entry.state = "signing";
      render(entry);
      try {
        hand(await signedUrl(entry.name, "attachment"));
        entry.state = "started";
      } catch (error) {
        entry.state = "failed";
        entry.error = error.message;
      }
      render(entry);
      summary();
      if (next()) await new Promise((resolve) => setTimeout(resolve, GAP));
    }
  } finally {
    running = false;
  }
}

function next() { return queue.find((e) => e.state === "waiting"); }

function downloadSelected() {
  const chosen = files();
  if (!chosen.length) return;
  if (!running) queue = queue.filter((e) => e.state === "waiting"); // a new batch starts a new list
  if (!queue.length && tray.isOpen()) tray.list().textContent = "";
  chosen.forEach((item) => {
    const entry = { name: item.getAttribute("data-name"), label: item.getAttribute("data-label"), state: "waiting" };
    queue.push(entry);
    render(entry);
  });
  if (!document.getElementById("fb-downloads-cancel")) {
    const cancel = el("button", { type: "button", id: "fb-downloads-cancel", className: "button secondary small",
                                  text: "Cancel the rest" });
    cancel.addEventListener("click", cancelDownloads);
    tray.list().after(cancel);
  }
  summary();
  pump();
}

// --- Wiring ------------------------------------------------------------------------

const HANDLERS = { "copy-path": copyPath, "copy-link": copyLink, "download-selected": downloadSelected };

document.addEventListener("click", (event) => {
  const action = event.target instanceof Element && event.target.closest("[data-action]");
  const handler = action && HANDLERS[action.getAttribute("data-action")];
  if (handler && fb()) { event.preventDefault(); handler(action); }
});

// The toolbar's file buttons follow the selection: one file for a path or a
// link, any number of files for a download.
document.addEventListener("fb:selection", () => {
  const count = files().length;
  const set = (action, on) => {
    const button = $("#fb-listing .fb-file-actions [data-action=" + action + "]");
    if (button) button.disabled = !on;
  };
  set("download-selected", count > 0);
  set("copy-path", count === 1);
  set("copy-link", count === 1);
  const badge = $("#fb-listing [data-action=download-selected] .fb-count");
  if (badge) badge.textContent = count > 1 ? String(count) : "";
});
