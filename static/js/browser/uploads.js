// Uploads go from the browser straight to storage through signed URLs: the
// server first checks the names (which are refused, which exist and need a
// choice), then signs one URL per file, and the bytes go up a few at a time
// with their progress in a tray. The listing shows files as they land; when
// everything is done the tray folds to one line, and goes by itself after a
// while unless something failed (then it stays, folded, until closed).

import { canWrite, el, fb, humanSize, listing, plural } from "./dom.js";
import { post } from "./http.js";
import { rules } from "./rules.js";
import { ask } from "./dialogs.js";
import { createTray } from "./tray.js";
import { refreshListingSoon } from "./refresh.js";

const CONCURRENCY = 3;
const ACTIVE = ["queued", "signing", "uploading"];
const DISMISS_MS = 8000;
const NARROW = window.matchMedia("(max-width: 640px)");

let jobs = [];
let seq = 0;
let running = 0;
let dismissTimer = null;

const tray = createTray({
  id: "fb-tray", label: "Uploads", title: "Uploads", closeLabel: "Close the upload panel", collapsible: true,
  onClose() {
    clearTimeout(dismissTimer);
    if (running || jobs.some((j) => j.state === "queued")) {
      if (!window.confirm("Uploads are still running. Cancel them and close?")) return false;
      jobs.filter((j) => ACTIVE.includes(j.state)).forEach((j) => cancelUpload(j.id));
    }
    jobs = [];
    return true;
  },
});

export function uploadsRunning() { return running > 0; }

function isActive(job) { return ACTIVE.includes(job.state); }

function describe(job, percent) {
  switch (job.state) {
    case "queued": return "Waiting…";
    case "signing": return "Starting…";
    case "uploading":
      return percent + "% · " + humanSize(job.loaded) + " of " + humanSize(job.total) + (job.speed ? " · " + humanSize(job.speed) + "/s" : "");
    case "done": return "Uploaded · " + humanSize(job.total);
    case "cancelled": return "Cancelled";
    case "skipped": return "Skipped: a file with this name exists";
    default: return (job.state === "refused" ? "Refused: " : "Failed: ") + job.error;
  }
}

function renderJob(job) {
  const list = tray.list();
  if (!job.node) {
    job.progress = el("progress", { max: "100", value: "0", "aria-label": "Upload progress of " + job.label });
    job.meta = el("span", { className: "fb-job-meta" });
    job.cancel = el("button", { type: "button", className: "fb-icon-button", "data-action": "cancel-upload",
                                "data-job": String(job.id), "aria-label": "Cancel the upload of " + job.label,
                                title: "Cancel", text: "×" });
    job.node = el("li", { className: "fb-job", "data-job": String(job.id) }, [
      el("div", { className: "fb-job-top" }, [el("span", { className: "fb-job-name", title: job.name, text: job.label }), job.cancel]),
      job.progress,
      job.meta,
    ]);
    list.appendChild(job.node);
  }
  job.node.setAttribute("data-state", job.state);
  const percent = job.state === "done" ? 100 : job.total ? Math.floor((job.loaded / job.total) * 100) : 0;
  job.progress.value = percent;
  job.meta.textContent = describe(job, percent);
  // Removed rather than hidden: the tray's icon buttons set their own display.
  if (!isActive(job)) job.cancel.remove(); // a finished job has nothing to cancel
}

function renderSummary() {
  const counts = {};
  jobs.forEach((j) => { counts[j.state] = (counts[j.state] || 0) + 1; });
  const active = ACTIVE.reduce((sum, state) => sum + (counts[state] || 0), 0);
  const parts = [];
  if (counts.done) parts.push(counts.done + " uploaded");
  if (counts.failed) parts.push(counts.failed + " failed");
  if (counts.refused) parts.push(counts.refused + " refused");
  if (counts.skipped) parts.push(counts.skipped + " skipped");
  if (counts.cancelled) parts.push(counts.cancelled + " cancelled");
  if (active) tray.show("Uploading " + plural(active, "file"), parts.join(" · "), false);
  // Folded, the title is the one line; the summary stays the status read out.
  else tray.show(parts.join(", ") || "Nothing uploaded", "All done: " + (parts.join(", ") || "nothing to upload") + ".", true);
  return counts;
}

// Folded to its one line; it goes by itself unless something needs reading,
// and not while the pointer or the focus is in it.
function dismissLater(counts) {
  clearTimeout(dismissTimer);
  tray.collapse(true);
  if (counts.failed || counts.refused) return;
  const node = tray.element();
  dismissTimer = setTimeout(function leave() {
    if (jobs.some(isActive) || !tray.isOpen()) return;
    if (!tray.isCollapsed() || (node && (node.matches(":hover") || node.contains(document.activeElement)))) {
      dismissTimer = setTimeout(leave, DISMISS_MS);
      return;
    }
    jobs = [];
    tray.remove();
  }, DISMISS_MS);
}

function finishIfIdle() {
  const counts = renderSummary();
  if (jobs.some(isActive)) return;
  if (jobs.some((j) => j.state === "done" && !j.announced)) {
    jobs.forEach((j) => { if (j.state === "done") j.announced = true; });
    refreshListingSoon(true);
  }
  dismissLater(counts);
}

// A file landed in the folder shown (or below it): list it again, throttled.
function landed(job) {
  const current = listing();
  if (current && current.getAttribute("data-connection") === job.where.connection &&
      job.name.startsWith(current.getAttribute("data-prefix") || "")) refreshListingSoon(false);
}

function setState(jobList, state, error) {
  jobList.forEach((job) => { job.state = state; if (error) job.error = error; renderJob(job); });
}

// entries: [{file, path}] with path relative to the folder shown (or to
// `folderPrefix`, a folder row something was dropped on).
export async function startUploads(entries, folderPrefix) {
  const current = listing(), root = fb();
  if (!current || !root || !canWrite() || !current.getAttribute("data-connection")) return;
  const where = {
    connection: current.getAttribute("data-connection"),
    bucket: current.getAttribute("data-bucket"),
    prefix: folderPrefix || current.getAttribute("data-prefix"),
    api: root.getAttribute("data-upload-api"),
    check: root.getAttribute("data-check-url"),
  };
  const batch = entries.map((entry) => ({
    id: ++seq, file: entry.file, name: where.prefix + entry.path, label: entry.path,
    where, state: "queued", loaded: 0, total: entry.file.size, speed: 0,
    held: true, // until the server has checked names and conflicts
  }));
  clearTimeout(dismissTimer);
  jobs.push(...batch);
  batch.forEach(renderJob);
  tray.collapse(NARROW.matches); // on a phone the one line is enough; it expands on a tap
  renderSummary();
  try {
    // The server's pre-flight is the only judge of names (storage/validation.py):
    // nothing is refused here first, so the two can never disagree.
    const answer = await checkNames(where, batch.map((j) => j.name));
    batch.forEach((job) => { if (job.state === "queued" && answer.refused[job.name]) setState([job], "refused", answer.refused[job.name]); });
    const clashing = batch.filter((j) => j.state === "queued" && answer.existing.includes(j.name));
    if (clashing.length) {
      const choice = await askConflicts(clashing.map((j) => j.name), where);
      if (choice === "skip") setState(clashing, "skipped");
      else if (choice === "cancel") setState(batch.filter((j) => j.state === "queued"), "cancelled");
    }
  } catch (error) {
    setState(batch.filter((j) => j.state === "queued"), "failed", error.message);
  }
  batch.forEach((j) => { j.held = false; });
  pump();
  finishIfIdle();
}

function askConflicts(names, where) {
  const one = names.length === 1;
  const location = rules().scheme + "://" + where.bucket + "/" + where.prefix;
  return ask({
    title: one ? "A file with this name exists" : names.length + " files with these names exist",
    text: "Uploading would replace " + (one ? "it" : "them") + " in " + location + ":",
    names,
    choices: [
      { value: "cancel", label: "Cancel upload", focus: true },
      { value: "skip", label: "Skip these" },
      { value: "replace", label: "Replace", className: "button danger" },
    ],
  });
}

// In batches: the server looks each name up, and takes at most max_names at once.
async function checkNames(where, names) {
  const size = Math.min(200, rules().max_names || 200);
  const answer = { existing: [], refused: {} };
  for (let i = 0; i < names.length; i += size) {
    const form = new FormData();
    form.append("c", where.connection);
    names.slice(i, i + size).forEach((name) => form.append("name", name));
    const body = await post(where.check, form);
    answer.existing.push(...(body.existing || []));
    Object.assign(answer.refused, body.refused || {});
  }
  return answer;
}

function pump() {
  while (running < CONCURRENCY) {
    const next = jobs.find((j) => j.state === "queued" && !j.held);
    if (!next) break;
    run(next);
  }
}

function settle(job, state, error) {
  if (job.state === "done" || job.state === "failed" || job.state === "cancelled") return;
  job.state = state;
  if (error) job.error = error;
  job.xhr = null;
  running--;
  renderJob(job);
  if (state === "done") landed(job);
  pump();
  finishIfIdle();
}

// Signed URLs are asked for one at a time (each is a small, quick request);
// the bytes themselves go up CONCURRENCY at once.
let signing = Promise.resolve();

function sign(job, type) {
  const answer = signing.then(() => {
    if (job.state !== "signing") throw new Error("cancelled");
    return post(job.where.api, { bucket: job.where.bucket, object_name: job.name, content_type: type });
  });
  signing = answer.catch(() => { /* the next job signs regardless */ });
  return answer;
}

function run(job) {
  running++;
  job.state = "signing";
  renderJob(job);
  // A type the server would refuse to sign is sent as plain bytes instead.
  const type = job.file.type && new RegExp(rules().media_type).test(job.file.type) ? job.file.type : "application/octet-stream";
  sign(job, type).then((signed) => {
    if (job.state !== "signing") return; // cancelled meanwhile
    put(job, signed);
  }).catch((error) => {
    if (job.state === "signing") settle(job, "failed", error.message);
  });
}

function put(job, signed) {
  const xhr = new XMLHttpRequest();
  job.xhr = xhr;
  job.state = "uploading";
  job.samples = [[performance.now(), 0]];
  xhr.open(signed.method || "PUT", signed.url);
  for (const [name, value] of Object.entries(signed.headers || {})) xhr.setRequestHeader(name, value);
  xhr.upload.onprogress = (event) => {
    if (!event.lengthComputable) return;
    const now = performance.now();
    job.loaded = event.loaded;
    job.total = event.total;
    job.samples.push([now, event.loaded]);
    // Speed over the last second and a half, so it follows changes.
    while (job.samples.length > 2 && now - job.samples[0][0] > 1500) job.samples.shift();
    const first = job.samples[0], seconds = (now - first[0]) / 1000;
    job.speed = seconds > 0.05 ? (event.loaded - first[1]) / seconds : 0;
    renderJob(job);
  };
  xhr.onload = () => {
    if (xhr.status >= 200 && xhr.status < 300) {
      job.loaded = job.total;
      settle(job, "done");
    } else {
      settle(job, "failed", uploadError(xhr));
    }
  };
  xhr.onerror = () => settle(job, "failed", "Storage could not be reached (network, or the bucket's CORS setup).");
  xhr.onabort = () => settle(job, "cancelled");
  renderJob(job);
  xhr.send(job.file);
}

function uploadError(xhr) {
  const text = xhr.responseText || "";
  try { const body = JSON.parse(text); if (body.detail) return body.detail; } catch (e) { /* XML from GCS */ }
  const match = /<Message>([^<]*)<\/Message>/.exec(text);
  return (match ? match[1] : "Storage answered " + xhr.status) + ".";
}

export function cancelUpload(id) {
  const job = jobs.find((j) => String(j.id) === String(id));
  if (!job) return;
  if (job.state === "uploading" && job.xhr) { job.xhr.abort(); return; }
  if (job.state === "signing") { settle(job, "cancelled"); return; }
  if (job.state === "queued") { job.state = "cancelled"; renderJob(job); finishIfIdle(); }
}
