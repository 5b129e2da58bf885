// Storage jobs (delete, copy, move, rename) run on the server's workers; this
// panel follows them: a bar and counts per job, its errors, a cancel button,
// and a listing that reloads once a job that touched the open folder ends.
// It asks the server what runs when the page loads, so a reload loses nothing.

import { el, fb, listing, plural } from "./dom.js";
import { post, readJson } from "./http.js";
import { createTray } from "./tray.js";

const POLL_MS = 1500;
const RECENT_MS = 10 * 60 * 1000; // my finished jobs still shown after a reload
const FINISHED = ["succeeded", "failed", "cancelled"];
const SEEN_KEY = "omx-jobs-dismissed";

const jobs = new Map(); // id -> { data, node, parts }
let timer = null;
let failures = 0;

const tray = createTray({
  id: "fb-jobs", label: "Background jobs", title: "Jobs", closeLabel: "Close the jobs panel", collapsible: true,
  onClose() {
    // The work goes on without the panel; while it does, the panel folds instead.
    if (running().length) { tray.collapse(true); return false; }
    dismiss([...jobs.keys()]);
    jobs.clear();
    return true;
  },
});

function api() { const root = fb(); return (root && root.getAttribute("data-jobs-api")) || ""; }
function me() { const root = fb(); return root ? root.getAttribute("data-user") : ""; }
function isAdmin() { const root = fb(); return !!root && root.getAttribute("data-is-admin") === "1"; }
function isFinished(job) { return FINISHED.includes(job.state); }
function running() { return [...jobs.values()].filter((j) => !isFinished(j.data)); }

function getJson(url) {
  return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(readJson);
}

function dismissed() {
  try { return JSON.parse(window.sessionStorage.getItem(SEEN_KEY) || "[]"); } catch (e) { return []; }
}
function dismiss(ids) {
  try { window.sessionStorage.setItem(SEEN_KEY, JSON.stringify([...dismissed(), ...ids].slice(-200))); } catch (e) { /* private mode */ }
}

function lastSegment(name) { return name.replace(/\/$/, "").split("/").pop() + (name.endsWith("/") ? "/" : ""); }
function parentOf(name) { return name.replace(/[^/]+\/?$/, ""); }

function what(job) {
  const one = job.sources.length === 1 ? lastSegment(job.sources[0]) : plural(job.sources.length, "item");
  const dest = job.destination || {};
  if (dest.name !== undefined) return "Rename " + one + " to " + lastSegment(dest.name);
  const where = dest.prefix ? lastSegment(dest.prefix) : dest.bucket;
  const other = dest.bucket && dest.bucket !== job.bucket ? " in " + dest.bucket : "";
  if (job.kind === "delete") return "Delete " + one;
  return (job.kind === "copy" ? "Copy " : "Move ") + one + " to " + where + other;
}

const PAST = { delete: "deleted", copy: "copied", move: "moved" };

function describe(job) {
  const p = job.progress, handled = p.done + p.skipped + p.failed;
  const counts = [];
  if (p.skipped) counts.push(p.skipped + " skipped");
  if (p.failed) counts.push(p.failed + " failed");
  const extra = counts.length ? " · " + counts.join(" · ") : "";
  switch (job.state) {
    case "queued": return "Waiting for a worker…";
    case "running": return p.total === null ? "Listing what to do…" : handled + " of " + p.total + extra;
    case "succeeded":
      if (job.destination && job.destination.name !== undefined && !p.done && p.skipped) {
        return "Not renamed: that name is taken";
      }
      return "Done: " + p.done + " " + PAST[job.kind] + extra;
    case "cancelled": return "Cancelled after " + handled + (p.total !== null ? " of " + p.total : "") + extra;
    default: return "Failed after " + handled + (p.total !== null ? " of " + p.total : "") + extra;
  }
}

function mayCancel(job) {
  return !isFinished(job) && (isAdmin() || (job.created_by && String(job.created_by.id) === me()));
}

function render(entry) {
  const job = entry.data;
  if (!entry.node) {
    const cancel = el("button", { type: "button", className: "fb-icon-button", "aria-label": "Cancel: " + what(job), title: "Cancel", text: "×" });
    cancel.addEventListener("click", () => cancelJob(job.id));
    entry.parts = {
      name: el("span", { className: "fb-job-name", title: job.sources.join("\n"), text: what(job) }),
      cancel,
      bar: el("progress", { max: "1", "aria-label": "Progress: " + what(job) }),
      meta: el("span", { className: "fb-job-meta" }),
      problem: el("p", { className: "fb-job-problem", role: "alert" }),
      errors: el("details", { className: "fb-job-errors" }),
    };
    const parts = entry.parts;
    entry.node = el("li", { className: "fb-job fb-sjob", "data-job-id": job.id }, [
      el("div", { className: "fb-job-top" }, [parts.name, parts.cancel]),
      parts.bar, parts.meta, parts.problem, parts.errors,
    ]);
    tray.list().prepend(entry.node);
  }
  const parts = entry.parts, p = job.progress;
  entry.node.setAttribute("data-state", job.state);
  if (p.total === null || job.state === "queued") parts.bar.removeAttribute("value"); // indeterminate
  else { parts.bar.max = Math.max(1, p.total); parts.bar.value = p.done + p.skipped + p.failed; }
  if (job.state === "succeeded" && !p.total) { parts.bar.max = 1; parts.bar.value = 1; }
  parts.meta.textContent = describe(job);
  if (!mayCancel(job)) parts.cancel.remove();
  if (job.errors && job.errors.length) {
    parts.errors.textContent = "";
    parts.errors.appendChild(el("summary", { text: plural(job.errors.length, "error") + (job.errors.length >= 100 ? " (the first 100)" : "") }));
    parts.errors.appendChild(el("ul", {}, job.errors.map((e) => el("li", {}, [
      el("span", { className: "mono", text: e.name }), el("span", { text: ": " + e.detail })]))));
  }
}

function renderSummary() {
  const all = [...jobs.values()].map((e) => e.data);
  if (!all.length) { tray.remove(); return; }
  const active = all.filter((j) => !isFinished(j));
  const failed = all.filter((j) => j.state === "failed").length;
  if (active.length === 1) {
    tray.show("1 job running", what(active[0]) + ": " + describe(active[0]), false);
  } else if (active.length) {
    const total = active.reduce((s, j) => s + (j.progress.total || 0), 0);
    const handled = active.reduce((s, j) => s + j.progress.done + j.progress.skipped + j.progress.failed, 0);
    const waiting = active.every((j) => j.state === "queued");
    tray.show(active.length + " jobs running", total ? handled + " of " + total + " objects handled"
      : waiting ? "Waiting for a worker…" : "Listing what to do…", false);
  } else {
    tray.show("Jobs finished", plural(all.length, "job") + " finished" + (failed ? ", " + failed + " failed" : "") + ".", true);
  }
  if (failures) tray.show(active.length ? "Jobs running" : "Jobs", "Cannot reach omX right now; trying again…", false);
}

// Whether the job wrote where the listing looks: the folder it shows, a
// folder above it, or one inside it.
function touchesOpenFolder(job) {
  const view = listing();
  if (!view) return false;
  const bucket = view.getAttribute("data-bucket"), here = view.getAttribute("data-prefix") || "";
  const places = job.sources.flatMap((s) => (s.endsWith("/") ? [parentOf(s), s] : [parentOf(s)])).map((p) => [job.bucket, p]);
  const dest = job.destination;
  if (dest && dest.name !== undefined) places.push([dest.bucket, parentOf(dest.name)]);
  else if (dest) places.push([dest.bucket, dest.prefix]);
  return places.some(([b, p]) => b === bucket && (here.startsWith(p) || p.startsWith(here)));
}

function update(data) {
  const entry = jobs.get(data.id) || { data };
  const ended = entry.data && !isFinished(entry.data) && isFinished(data);
  entry.data = data;
  jobs.set(data.id, entry);
  render(entry);
  return ended;
}

async function poll() {
  timer = null;
  let reload = false;
  try {
    for (const entry of running()) {
      const data = await getJson(api() + "/" + entry.data.id);
      if (update(data) && touchesOpenFolder(data)) reload = true;
    }
    failures = 0;
  } catch (error) {
    failures++;
  }
  renderSummary();
  if (reload) window.htmx.trigger(document.body, "storage-changed", {});
  schedule();
}

function schedule() {
  if (timer || !running().length) return;
  timer = setTimeout(poll, failures ? Math.min(30000, POLL_MS * 2 ** failures) : POLL_MS);
}

// Adds a job the page knows of (just started here, or found on load).
export function trackJob(data) {
  update(data);
  renderSummary();
  // On a phone the panel starts folded to its summary line, so it hides less of the page.
  if (!isFinished(data)) tray.collapse(window.matchMedia("(max-width: 640px)").matches);
  schedule();
}

// Starts a job (the body as API.md has it); rejects with the server's reason.
export async function startJob(body) {
  const data = await post(api(), body);
  trackJob(data);
  return data;
}

async function cancelJob(id) {
  const entry = jobs.get(id);
  if (!entry) return;
  entry.parts.problem.textContent = "";
  try {
    update(await post(api() + "/" + id + "/cancel", {}));
  } catch (error) {
    entry.parts.problem.textContent = "Not cancelled: " + error.message;
  }
  renderSummary();
}

// On load: the project's unfinished jobs, and my recent finished ones.
async function loadJobs() {
  if (!api()) return;
  let page;
  try { page = await getJson(api() + "?page_size=50"); } catch (e) { return; }
  const hidden = new Set(dismissed()), now = Date.now();
  (page.results || []).reverse().forEach((job) => {
    const mine = job.created_by && String(job.created_by.id) === me();
    const recent = job.finished_at && now - Date.parse(job.finished_at) < RECENT_MS;
    if (!isFinished(job) || (mine && recent && !hidden.has(job.id))) update(job);
  });
  if (jobs.size) { renderSummary(); tray.collapse(window.matchMedia("(max-width: 640px)").matches); schedule(); }
}

// The server started one (the delete of a folder): the panel takes over from the dialog.
document.addEventListener("storage-job", async (event) => {
  const id = event.detail && event.detail.id;
  if (!id) return;
  const dialog = document.getElementById("fb-dialog");
  if (dialog && dialog.open) dialog.close();
  try { trackJob(await getJson(api() + "/" + id)); } catch (e) { /* the reload on the next page load finds it */ }
});

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", loadJobs);
else loadJobs();
