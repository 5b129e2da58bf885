// Selecting rows like a file manager: click, shift-click for a range,
// cmd/ctrl-click to toggle, the checkboxes, and the keyboard (arrows, Enter,
// Backspace, Delete, Space, cmd/ctrl-A, Escape). One row at a time carries
// tabindex=0 (the cursor), so Tab enters the listing where it was left.

import { $, canWrite, fb, isSelected, items, pick, results, selected, setSelected } from "./dom.js";
import { showDetails } from "./details.js";
import { updateStatus } from "./sort.js";

let anchor = null; // where a shift-click range starts

export function forgetAnchor() { anchor = null; }

export function updateSelectionUi() {
  const all = items(), chosen = selected();
  const selectAll = document.getElementById("fb-select-all");
  if (selectAll) {
    selectAll.checked = all.length > 0 && chosen.length === all.length;
    selectAll.indeterminate = chosen.length > 0 && chosen.length < all.length;
  }
  const del = document.getElementById("fb-delete");
  if (del) {
    del.disabled = chosen.length === 0;
    const count = $(".fb-count", del);
    if (count) count.textContent = chosen.length > 1 ? " (" + chosen.length + ")" : "";
  }
  updateStatus();
  document.dispatchEvent(new CustomEvent("fb:selection")); // for the actions that depend on it
}

export function selectionChanged() {
  updateSelectionUi();
  showDetails();
  document.dispatchEvent(new CustomEvent("fb:selected")); // a person changed it (not a swap)
}

export function selectAll(on) {
  items().forEach((item) => setSelected(item, on));
  selectionChanged();
}

function setCursor(item, focus) {
  items().forEach((other) => { other.tabIndex = -1; });
  if (!item) return;
  item.tabIndex = 0;
  if (focus) { item.focus({ preventScroll: true }); item.scrollIntoView({ block: "nearest" }); }
}

export function cursorItem() { return items().find((item) => item.tabIndex === 0); }

function selectOnly(item) {
  items().forEach((other) => setSelected(other, other === item));
}

function selectRange(from, to, on) {
  const all = items();
  let a = all.indexOf(from);
  const b = all.indexOf(to);
  if (a < 0) a = b;
  const lo = Math.min(a, b), hi = Math.max(a, b);
  all.forEach((item, i) => {
    if (i >= lo && i <= hi) setSelected(item, on === undefined ? true : on);
    else if (on === undefined) setSelected(item, false);
  });
}

export function openItem(item) {
  if (!item) return;
  // A folder opens; a search result opens its folder with it selected.
  if (item.getAttribute("data-kind") === "folder" || item.hasAttribute("data-result")) {
    const link = $(".fb-open", item);
    if (link) link.click();
    return;
  }
  selectOnly(item);
  anchor = item;
  selectionChanged();
  const details = document.querySelector(".fb-aside");
  if (details && window.matchMedia("(max-width: 900px)").matches) details.scrollIntoView({ behavior: "smooth" });
}

function goUp() {
  const up = document.querySelector("#fb-listing .fb-crumbs a[data-up]");
  if (up) up.click();
}

// The delete form asks the server, which answers with the confirmation dialog.
export function requestDelete() {
  if (!canWrite() || selected().length === 0) return;
  const form = document.getElementById("fb-selection");
  const button = document.getElementById("fb-delete");
  if (form && button) form.requestSubmit(button);
}

// A click somewhere in the rows; true when it was handled here.
export function onItemClick(event, target) {
  const item = target.closest(".fb-item");
  if (!item || !item.closest("#fb-rows")) return false;
  if (target.closest(".fb-col-actions")) return true; // the Download link

  if (target.closest(".fb-pick")) {
    // The checkbox has toggled itself; shift extends from the anchor.
    setSelected(item, pick(item).checked);
    if (event.shiftKey && anchor && anchor !== item) selectRange(anchor, item, pick(item).checked);
    anchor = item;
    setCursor(item);
    selectionChanged();
    return true;
  }
  const open = target.closest(".fb-open");
  const opens = item.getAttribute("data-kind") === "folder" || item.hasAttribute("data-result");
  if (open && opens && !event.shiftKey && !event.metaKey && !event.ctrlKey) {
    return true; // htmx navigates into the folder (a result's: where it is)
  }
  event.preventDefault();
  if (event.shiftKey) {
    selectRange(anchor || item, item);
  } else if (event.metaKey || event.ctrlKey) {
    setSelected(item, !isSelected(item));
    anchor = item;
  } else {
    selectOnly(item);
    anchor = item;
  }
  setCursor(item, true);
  selectionChanged();
  return true;
}

export function onDoubleClick(event) {
  const item = event.target instanceof Element && event.target.closest("#fb-rows .fb-item");
  if (item && !event.target.closest(".fb-pick, .fb-col-actions")) openItem(item);
}

function columns(all) {
  if (!all.length || !results() || results().getAttribute("data-view") !== "grid") return 1;
  const top = all[0].offsetTop;
  let n = 0;
  while (n < all.length && all[n].offsetTop === top) n++;
  return Math.max(1, n);
}

export function onKeydown(event) {
  if (!fb() || event.defaultPrevented || event.altKey) return;
  if (document.querySelector("dialog[open]")) return;
  const target = event.target;
  const isPick = !!(target.classList && target.classList.contains("fb-pick"));
  const inField = target instanceof Element && target.closest("input, textarea, select, [contenteditable=true], summary, button, details form");
  if (inField && !isPick) return;
  // Only from the listing (or nowhere in particular), not from the sidebar or details.
  if (target !== document.body && !(target instanceof Element && target.closest("#fb-listing"))) return;

  const all = items();
  const own = target instanceof Element && target.closest("#fb-rows .fb-item");
  const current = own || cursorItem() || selected()[0];
  const index = current ? all.indexOf(current) : -1;
  const key = event.key;
  let step = 0;
  if (key === "ArrowDown") step = columns(all);
  else if (key === "ArrowUp") step = -columns(all);
  else if (key === "ArrowRight" && columns(all) > 1) step = 1;
  else if (key === "ArrowLeft" && columns(all) > 1) step = -1;

  if (step) {
    if (!all.length) return;
    event.preventDefault();
    const next = all[Math.min(all.length - 1, Math.max(0, index < 0 ? 0 : index + step))];
    if (event.shiftKey) selectRange(anchor || current || next, next);
    else { selectOnly(next); anchor = next; }
    setCursor(next, true);
    selectionChanged();
  } else if (key === "Enter" && !event.metaKey && !event.ctrlKey) {
    if (!current) return;
    event.preventDefault();
    openItem(current);
  } else if (key === "Backspace" && !event.metaKey) {
    event.preventDefault();
    goUp();
  } else if (key === "Delete" || (key === "Backspace" && event.metaKey)) {
    event.preventDefault();
    requestDelete();
  } else if (key === " " && current && !isPick) {
    event.preventDefault();
    setSelected(current, !isSelected(current));
    anchor = current;
    selectionChanged();
  } else if ((key === "a" || key === "A") && (event.metaKey || event.ctrlKey) && all.length) {
    event.preventDefault();
    selectAll(true);
  } else if (key === "Escape" && selected().length) {
    selectAll(false);
  }
}
