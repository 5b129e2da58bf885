// The Files page (templates/storage/browser.html): wires the modules to the
// page. No inline handlers (the Content-Security-Policy forbids them):
// everything listens on `document`, so it keeps working across htmx swaps
// and history restores.

import { $, $all, fb, items, listing } from "./dom.js";
import { emptyDetails, onImageError } from "./details.js";
import { closeDialog, onDialogClose, openDialog } from "./dialogs.js";
import { listenForDrops } from "./dropzone.js";
import {
  cursorItem, forgetAnchor, onDoubleClick, onItemClick, onKeydown, requestDelete, selectAll, updateSelectionUi,
} from "./selection.js";
import { applySort, isDefaultOrder, sortBy, sortState } from "./sort.js";
import { reattachTrays } from "./tray.js";
import { cancelUpload, startUploads, uploadsRunning } from "./uploads.js";
import "./jobs.js";
import "./actions.js";
import "./dragmove.js";
import "./finder.js";
import "./filetools.js";
import "./share.js";

// --- Errors render in place ---------------------------------------------------
// The browser's fragments carry X-Omx-Fragment: an error status (503 when
// storage is down, 400 for a bad name) still holds the message to show.
function isOurFragment(xhr) { return !!xhr && xhr.status >= 400 && !!xhr.getResponseHeader("X-Omx-Fragment"); }

document.addEventListener("htmx:beforeSwap", (event) => {
  if (isOurFragment(event.detail.xhr)) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
// With DEBUG on, django-htmx's helper shows 4xx answers as a whole error
// page; these are expected messages, so it never gets to see them.
document.addEventListener("htmx:beforeOnLoad", (event) => {
  if (isOurFragment(event.detail.xhr)) event.stopPropagation();
}, true);

// --- Clicks, choices, keys ------------------------------------------------------

const ACTIONS = {
  "upload-files": () => { const input = document.getElementById("fb-upload-files"); if (input) input.click(); },
  "upload-folder": () => { const input = document.getElementById("fb-upload-folder"); if (input) input.click(); },
  "delete": (event) => { event.preventDefault(); requestDelete(); },
  "close-dialog": (event) => { event.preventDefault(); closeDialog(); },
  "cancel-upload": (event, action) => cancelUpload(action.getAttribute("data-job")),
};

document.addEventListener("click", (event) => {
  const target = event.target;
  if (!(target instanceof Element) || !fb()) return;

  const action = target.closest("[data-action]");
  const handler = action && ACTIONS[action.getAttribute("data-action")];
  if (handler) { handler(event, action); return; }

  const chip = target.closest("[data-fill-bucket]");
  if (chip) {
    const field = document.getElementById("fb-link-bucket_name");
    const prefixField = document.getElementById("fb-link-prefix");
    if (field) field.value = chip.getAttribute("data-fill-bucket");
    // A granted prefix is where linking starts: deeper is allowed, so the cursor waits there.
    if (prefixField && chip.hasAttribute("data-fill-prefix")) prefixField.value = chip.getAttribute("data-fill-prefix");
    if (field) (prefixField || field).focus();
    return;
  }

  const sortLink = target.closest("a.fb-sort");
  if (sortLink) { event.preventDefault(); sortBy(sortLink.getAttribute("data-sort")); return; }

  onItemClick(event, target);
});

document.addEventListener("dblclick", onDoubleClick);
document.addEventListener("keydown", onKeydown);

// Opening "New folder" or "Link a bucket" puts the cursor in its first field,
// so a person types the name straight away. (toggle does not bubble: caught
// on its way down.)
document.addEventListener("toggle", (event) => {
  const box = event.target;
  if (box instanceof HTMLDetailsElement && box.open && box.matches("#fb-newfolder, .fb-linker")) {
    const field = box.querySelector("input:not([type=hidden])");
    if (field) field.focus();
  }
}, true);

document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.id === "fb-select-all") {
    selectAll(target.checked);
  } else if (target.id === "fb-upload-files" || target.id === "fb-upload-folder") {
    const entries = Array.from(target.files || []).map((file) => (
      { file, path: (target.id === "fb-upload-folder" && file.webkitRelativePath) || file.name }));
    target.value = "";
    if (entries.length) startUploads(entries, null);
  }
});

// Without JavaScript the filter is a plain GET form; with it, it filters the
// loaded rows as one types (finder.js), so Enter must not reload the page.
document.addEventListener("submit", (event) => {
  if (event.target.classList && event.target.classList.contains("fb-filter")) event.preventDefault();
});

listenForDrops();

// --- After htmx swaps -----------------------------------------------------------

function markActiveConnection() {
  const current = listing(), id = current ? current.getAttribute("data-connection") : "";
  $all(".fb-conn").forEach((li) => {
    const on = !!id && li.getAttribute("data-connection") === id;
    li.classList.toggle("active", on);
    const link = $("a", li);
    if (link) { if (on) link.setAttribute("aria-current", "true"); else link.removeAttribute("aria-current"); }
  });
}

function refresh() {
  if (!fb()) return;
  fb().classList.add("js"); // shows what only works with JavaScript (uploads, select all)
  markActiveConnection();
  const all = items();
  if (all.length && !cursorItem()) all[0].tabIndex = 0;
  updateSelectionUi();
  reattachTrays();
}

document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (!target) return;
  refresh();
  const id = target.id;
  if (id === "fb-listing" || id === "fb-results") {
    forgetAnchor();
    emptyDetails();
    // After opening a folder, the keyboard carries on in the new listing.
    if (id === "fb-listing" && (!document.activeElement || document.activeElement === document.body)) {
      const first = items()[0];
      if (first) { first.tabIndex = 0; first.focus({ preventScroll: true }); }
    }
  }
  if (id === "fb-dialog-body") openDialog();
  if (id === "fb-link") {
    const copy = $("#fb-link [data-copy-from]");
    if (copy) copy.click(); // "Copy link" copies once the link exists
  }
});

document.addEventListener("htmx:afterSettle", (event) => {
  if (!isDefaultOrder(sortState()) && event.detail.target && event.detail.target.id === "fb-more") {
    applySort(); // a new page joined what is loaded
  }
  refresh();
});
document.addEventListener("htmx:historyRestore", refresh);

// After an upload, a new folder or a delete (HX-Trigger from the server, or
// the upload code): list the current folder again, as the address bar says
// (it carries the filter, the view and the order).
document.addEventListener("storage-changed", () => {
  if (!listing()) return;
  window.htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#fb-listing", swap: "outerHTML" });
});

document.addEventListener("error", onImageError, true);
document.addEventListener("close", onDialogClose, true);

// Leaving the page mid-upload loses the uploads: ask first.
window.addEventListener("beforeunload", (event) => {
  if (uploadsRunning()) { event.preventDefault(); event.returnValue = ""; }
});

// Module scripts run once the document is parsed, before DOMContentLoaded.
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", refresh);
else refresh();
