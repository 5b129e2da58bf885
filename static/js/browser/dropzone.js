// Files and whole folders dropped on the listing are uploaded to the folder
// shown, or into a folder row they were dropped on.

import { $all, canWrite, fb, listing } from "./dom.js";
import { startUploads } from "./uploads.js";

let depth = 0; // dragenter/dragleave pairs, as they fire for every child

function hasFiles(event) {
  const types = event.dataTransfer && event.dataTransfer.types;
  return !!types && Array.prototype.indexOf.call(types, "Files") >= 0;
}

function dropZone(event) {
  const main = document.getElementById("fb-main");
  return main && event.target instanceof Node && main.contains(event.target) && listing() &&
    listing().getAttribute("data-connection") && canWrite() ? main : null;
}

function folderUnder(event) {
  return event.target.closest ? event.target.closest("#fb-rows .fb-item[data-kind=folder]") : null;
}

function clearTargets() {
  $all(".fb-item.is-drop-target").forEach((item) => item.classList.remove("is-drop-target"));
}

function clearDragState() {
  const main = document.getElementById("fb-main");
  if (main) main.classList.remove("is-dragging");
  clearTargets();
}

function onDragEnter(event) {
  if (!fb() || !hasFiles(event)) return;
  const zone = dropZone(event);
  if (zone) { depth++; zone.classList.add("is-dragging"); }
}

function onDragLeave(event) {
  if (!fb() || !hasFiles(event) || !dropZone(event)) return;
  depth = Math.max(0, depth - 1);
  if (!depth) clearDragState();
}

function onDragOver(event) {
  if (!fb() || !hasFiles(event)) return;
  event.preventDefault(); // never let a dropped file replace the page
  const zone = dropZone(event);
  event.dataTransfer.dropEffect = zone ? "copy" : "none";
  clearTargets();
  const folder = zone && folderUnder(event);
  if (folder) folder.classList.add("is-drop-target");
}

async function onDrop(event) {
  if (!fb() || !event.dataTransfer) return;
  event.preventDefault();
  depth = 0;
  const zone = dropZone(event);
  const folder = zone && folderUnder(event);
  clearDragState();
  if (!zone) return;
  const entries = await collectDropped(event.dataTransfer);
  if (entries.length) startUploads(entries, folder ? folder.getAttribute("data-name") : null);
}

function collectDropped(dataTransfer) {
  const list = dataTransfer.items ? Array.from(dataTransfer.items).filter((i) => i.kind === "file") : [];
  if (!list.length) {
    return Promise.resolve(Array.from(dataTransfer.files || []).map((f) => ({ file: f, path: f.name })));
  }
  // Entries and files must be taken now: the DataTransfer empties after the event.
  const taken = list.map((item) => ({ entry: item.webkitGetAsEntry ? item.webkitGetAsEntry() : null, file: item.getAsFile() }));
  return Promise.all(taken.map((t) => {
    if (t.entry && t.entry.isDirectory) return walk(t.entry, t.entry.name + "/");
    return Promise.resolve(t.file ? [{ file: t.file, path: t.file.name }] : []);
  })).then((lists) => lists.flat());
}

// A dropped folder, read recursively (readEntries answers in batches).
function walk(directory, path) {
  return new Promise((resolve) => {
    const reader = directory.createReader();
    let found = [];
    (function more() {
      reader.readEntries((batch) => {
        if (batch.length) { found = found.concat(batch); more(); return; }
        Promise.all(found.map((entry) => {
          if (entry.isDirectory) return walk(entry, path + entry.name + "/");
          return new Promise((done) => {
            entry.file((file) => done([{ file, path: path + entry.name }]), () => done([]));
          });
        })).then((lists) => resolve(lists.flat()));
      }, () => resolve([]));
    })();
  });
}

export function listenForDrops() {
  document.addEventListener("dragenter", onDragEnter);
  document.addEventListener("dragleave", onDragLeave);
  document.addEventListener("dragover", onDragOver);
  document.addEventListener("drop", onDrop);
}
