// Files appear in the listing as they land: while uploads run, the folder
// shown is listed again at most once a second, and its rows are replaced in
// place, so the selection, the cursor, the details panel and the scroll
// position stay as they were. Where rows cannot be replaced without losing
// something (pages loaded below the first, a search, a rename in progress),
// the last refresh falls back to reloading the listing.

import { $all, listing } from "./dom.js";
import { updateSelectionUi } from "./selection.js";
import { applySort, isDefaultOrder, sortState } from "./sort.js";

const GAP_MS = 1000;

// Every loaded row (the quick filter's hidden ones too), and a row's
// selection: its class, and its checkbox where it has one.
function allItems() { return $all("#fb-rows .fb-item"); }
function isSelected(item) {
  const box = item.querySelector(".fb-pick");
  return item.classList.contains("is-selected") || (!!box && box.checked);
}
function setSelected(item) {
  item.classList.add("is-selected");
  const box = item.querySelector(".fb-pick");
  if (box) box.checked = true;
}
let last = 0, timer = null, running = false, again = false, finalAsked = false;

function here() { return window.location.pathname + window.location.search; }

function blocked() {
  if (new URLSearchParams(window.location.search).get("search")) return true;
  return !!document.querySelector(".fb-item.is-renaming, .fb-main.is-dragging");
}

async function fetchResults() {
  const url = here();
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: { "HX-Request": "true", "HX-Target": "fb-results", "HX-Current-URL": window.location.href },
  });
  if (!response.ok) return null;
  const html = await response.text();
  if (url !== here()) return null; // the person went elsewhere meanwhile
  // Our own template's fragment, the one htmx would swap in.
  return new DOMParser().parseFromString(html, "text/html").getElementById("fb-results");
}

function replaceRows(fresh) {
  const rows = document.getElementById("fb-rows"), freshRows = fresh.querySelector("#fb-rows");
  const box = document.getElementById("fb-results");
  if (!box) return false;
  if (!rows || !freshRows) {
    // From empty to rows (or back): the whole results box, with nothing to keep.
    const node = document.importNode(fresh, true);
    box.replaceWith(node);
    window.htmx.process(node);
    return true;
  }
  const loaded = allItems().length, freshCount = freshRows.querySelectorAll(".fb-item").length;
  if (loaded > freshCount && fresh.querySelector("#fb-more")) return false; // more than a page is loaded
  const chosen = new Set(allItems().filter(isSelected).map((i) => i.getAttribute("data-name")));
  const active = document.activeElement && document.activeElement.closest && document.activeElement.closest(".fb-item");
  const cursor = allItems().find((i) => i.tabIndex === 0);
  const focusName = active ? active.getAttribute("data-name") : null;
  const cursorName = cursor ? cursor.getAttribute("data-name") : null;
  const x = window.scrollX, y = window.scrollY;
  rows.replaceChildren(...Array.from(freshRows.childNodes, (n) => document.importNode(n, true)));
  window.htmx.process(rows);
  const status = document.getElementById("fb-status"), freshStatus = fresh.querySelector("#fb-status");
  if (status && freshStatus) status.textContent = freshStatus.textContent;
  let focusRow = null;
  allItems().forEach((item) => {
    const name = item.getAttribute("data-name");
    if (chosen.has(name)) setSelected(item);
    item.tabIndex = name === cursorName ? 0 : -1;
    if (name === focusName) focusRow = item;
  });
  if (!cursorName && allItems().length) allItems()[0].tabIndex = 0;
  if (!isDefaultOrder(sortState())) applySort();
  updateSelectionUi();
  if (focusRow) focusRow.focus({ preventScroll: true });
  window.scrollTo(x, y);
  return true;
}

async function run() {
  timer = null;
  if (running) { again = true; return; }
  running = true;
  last = Date.now();
  const final = finalAsked;
  finalAsked = false;
  let done = false;
  try {
    if (listing() && !blocked()) {
      const fresh = await fetchResults();
      done = !!fresh && replaceRows(fresh);
    }
  } catch (e) {
    done = false; // the end of the uploads lists the folder again regardless
  } finally {
    running = false;
  }
  if (!done && final) window.htmx.trigger(document.body, "storage-changed", {});
  if (again) { again = false; schedule(); }
}

function schedule() {
  if (timer) return;
  timer = setTimeout(run, Math.max(0, last + GAP_MS - Date.now()));
}

// `final`: nothing more will land; if rows cannot be replaced in place, the
// listing is reloaded instead.
export function refreshListingSoon(final) {
  if (final) finalAsked = true;
  if (running) { again = true; return; }
  schedule();
}
