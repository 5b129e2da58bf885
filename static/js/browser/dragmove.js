// Dragging rows of the listing onto a folder row or a breadcrumb moves them
// there (holding Alt/Option copies), as a storage job. These drags carry a
// type of their own, so they never reach the upload drop zone (dropzone.js),
// which only takes the operating system's files.

import { $all, canWrite, el, fb, listing, plural, selected } from "./dom.js";
import { ask } from "./dialogs.js";
import { startJob } from "./jobs.js";

const TYPE = "application/x-omx-items";
let dragged = null; // { bucket, names } while a drag from this page is under way
let hint = null;

function isOurs(event) {
  const types = event.dataTransfer && event.dataTransfer.types;
  return !!dragged && !!types && Array.prototype.indexOf.call(types, TYPE) >= 0;
}

function crumbPrefix(link) {
  const prefix = new URL(link.href, window.location.href).searchParams.get("prefix");
  return prefix !== null ? prefix : (listing() && listing().getAttribute("data-root")) || "";
}

function dropTarget(event) {
  if (!(event.target instanceof Element)) return null;
  const row = event.target.closest("#fb-rows .fb-item[data-kind=folder]");
  if (row) return { node: row, prefix: row.getAttribute("data-name"), label: row.getAttribute("data-label") + "/" };
  const crumb = event.target.closest("#fb-listing .fb-crumbs a");
  if (crumb) return { node: crumb, prefix: crumbPrefix(crumb), label: crumb.textContent.trim() };
  return null;
}

function refused(target) {
  // Not into itself (or below itself), and not where it already is.
  return dragged.names.some((n) => target.prefix.startsWith(n) && n.endsWith("/")) ||
    dragged.names.every((n) => n.replace(/[^/]+\/?$/, "") === target.prefix);
}

function clearTargets() {
  $all(".is-drop-target").forEach((node) => node.classList.remove("is-drop-target"));
}

function showHint(event, text) {
  if (!hint) hint = el("div", { className: "fb-drag-hint", "aria-hidden": "true" });
  if (!hint.isConnected) document.body.appendChild(hint);
  hint.textContent = text;
  hint.style.left = event.clientX + 16 + "px";
  hint.style.top = event.clientY + 18 + "px";
  hint.hidden = !text;
}

function endDrag() {
  dragged = null;
  clearTargets();
  if (hint) hint.hidden = true;
}

function onDragStart(event) {
  const item = event.target instanceof Element && event.target.closest("#fb-rows .fb-item");
  if (!item || !fb() || !canWrite() || item.classList.contains("is-renaming") || !listing()) return;
  // The selection goes if the row is part of it; otherwise just this row.
  const rows = selected().includes(item) ? selected() : [item];
  dragged = { bucket: listing().getAttribute("data-bucket"), names: rows.map((r) => r.getAttribute("data-name")) };
  event.dataTransfer.setData(TYPE, JSON.stringify(dragged.names));
  event.dataTransfer.effectAllowed = "copyMove";
  const ghost = el("div", { className: "fb-drag-ghost", text: rows.length === 1 ? rows[0].getAttribute("data-label") : plural(rows.length, "item") });
  document.body.appendChild(ghost);
  event.dataTransfer.setDragImage(ghost, -8, -8);
  setTimeout(() => ghost.remove(), 0);
}

function onDragOver(event) {
  if (!isOurs(event)) return;
  clearTargets();
  const target = dropTarget(event);
  if (!target || refused(target)) {
    event.dataTransfer.dropEffect = "none";
    showHint(event, "");
    return;
  }
  event.preventDefault();
  event.stopPropagation();
  const copy = event.altKey;
  event.dataTransfer.dropEffect = copy ? "copy" : "move";
  target.node.classList.add("is-drop-target");
  const what = dragged.names.length === 1 ? "1 item" : plural(dragged.names.length, "item");
  showHint(event, (copy ? "Copy " : "Move ") + what + " to " + target.label + (copy ? "" : " · hold Alt to copy"));
}

async function onDrop(event) {
  if (!isOurs(event)) return;
  event.preventDefault();
  event.stopPropagation(); // not an upload
  const target = dropTarget(event);
  const moving = dragged;
  const copy = event.altKey || event.dataTransfer.dropEffect === "copy";
  const no = !target || refused(target);
  endDrag();
  if (no) return;
  try {
    await startJob({ kind: copy ? "copy" : "move", bucket: moving.bucket, sources: moving.names,
                     destination: { prefix: target.prefix } });
  } catch (error) {
    ask({ title: (copy ? "Nothing was copied" : "Nothing was moved"), text: error.message,
          choices: [{ value: "ok", label: "OK", focus: true }] });
  }
}

// Capturing on window: these handlers see the drag before the upload drop
// zone's (on document) and keep it from them.
window.addEventListener("dragstart", onDragStart);
window.addEventListener("dragover", onDragOver, true);
window.addEventListener("drop", onDrop, true);
window.addEventListener("dragend", endDrag);
