// Finding things on the Files page: the search box (this folder and
// everything below it, answered by the server a page at a time into the same
// list), the quick filter of the rows already loaded, and the address bar
// and title that follow both and the selected file.

import { $, allItems, fb, items, results, selected, setSelected } from "./dom.js";
import { showDetails } from "./details.js";
import { cursorItem, updateSelectionUi } from "./selection.js";
import { updateStatus } from "./sort.js";

const DELAY = 300; // ms of quiet typing before the search is sent
let timer = null;

function searchBox() { return document.getElementById("fb-search"); }
function filterBox() { return document.getElementById("fb-q"); }

// The address of what is shown, changed: page tokens and the selected file
// belong to the old answer, never to the new one.
function addressWith(changes) {
  const url = new URL(window.location.href);
  for (const [key, value] of Object.entries(changes)) {
    if (value) url.searchParams.set(key, value); else url.searchParams.delete(key);
  }
  url.searchParams.delete("page_token");
  return url;
}

// --- Search ---------------------------------------------------------------------

// The server answers with the results (or, for "", the folder again) and
// says whether that is a new step in the history or the same one refined.
export function runSearch(text) {
  clearTimeout(timer);
  const box = results(), input = searchBox();
  if (!box || !window.htmx) return;
  if ((box.getAttribute("data-search") || "") === text) return;
  const url = addressWith({ search: text, object: "" });
  window.htmx.ajax("GET", url.pathname + url.search, { source: input || box, target: "#fb-results", swap: "outerHTML" });
}

export function leaveSearch() {
  const input = searchBox();
  if (input) input.value = "";
  runSearch("");
}

// The Stop button sits outside the rows: the sentinel it stops is replaced
// by every page that comes in, too fast to be clicked. Stopping marks the
// results, so a page already on its way cannot start the next one.
function stopSearch() {
  const box = results();
  if (!box) return;
  box.setAttribute("data-stopped", "");
  const more = document.getElementById("fb-more");
  if (more) window.htmx.trigger(more, "htmx:abort");
  holdSentinel();
  const further = $("#fb-more .fb-search-stopped a");
  if (further) further.focus();
}

// The sentinel, without its own request: only "Search further" goes on.
function holdSentinel() {
  const box = results(), more = document.getElementById("fb-more");
  if (box && box.hasAttribute("data-stopped") && more && more.classList.contains("fb-searching")
      && !more.classList.contains("is-stopped")) {
    const stopped = more.cloneNode(true);
    stopped.removeAttribute("hx-get");
    stopped.removeAttribute("hx-trigger");
    stopped.classList.remove("htmx-request");
    stopped.classList.add("is-stopped");
    more.replaceWith(stopped);
    window.htmx.process(stopped);
  }
  updateStatus();
  showStop();
}

document.addEventListener("htmx:beforeRequest", (event) => {
  const box = results();
  if (event.detail.elt && event.detail.elt.id === "fb-more" && box && box.hasAttribute("data-stopped")) {
    event.preventDefault();
    holdSentinel();
  }
});

document.addEventListener("input", (event) => {
  if (event.target === searchBox()) {
    clearTimeout(timer);
    const text = event.target.value.trim();
    timer = setTimeout(() => runSearch(text), text ? DELAY : 0);
  } else if (event.target === filterBox()) {
    applyFilter(true);
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !fb()) return;
  if (form.classList.contains("fb-search")) {
    event.preventDefault();
    runSearch(searchBox().value.trim());
  }
});

document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (target && target.closest("[data-action=stop-search]")) { event.preventDefault(); stopSearch(); }
  if (target && target.closest(".fb-search-stopped a") && results()) results().removeAttribute("data-stopped");
});

document.addEventListener("keydown", (event) => {
  if (!fb() || event.defaultPrevented || document.querySelector("dialog[open]")) return;
  const target = event.target;
  if (target === searchBox() || target === filterBox()) {
    if (event.key === "Escape" && target.value) {
      event.preventDefault();
      target.value = "";
      if (target === searchBox()) runSearch(""); else applyFilter(true);
    } else if (event.key === "ArrowDown" && items().length) {
      event.preventDefault(); // from the box into what it found
      const first = cursorItem() || items()[0];
      first.tabIndex = 0;
      first.focus();
    }
    return;
  }
  const inField = target instanceof Element && target.closest("input, textarea, select, [contenteditable=true]");
  if (inField) return;
  if (event.key === "/" && searchBox()) {
    event.preventDefault();
    searchBox().focus();
    searchBox().select();
  } else if (event.key === "Escape" && !selected().length && results() && results().getAttribute("data-search")) {
    // Esc first clears the selection (selection.js), then leaves the search.
    leaveSearch();
    const input = searchBox();
    if (input) input.focus();
  }
});

// --- The quick filter -------------------------------------------------------------

// Contains, ignoring case, over the names of the rows loaded: the same rule
// the server applies to a page it renders with ?q= (a GET without script).
export function applyFilter(typed) {
  const input = filterBox(), box = results();
  if (!input || !box) return;
  const text = input.value;
  const needle = text.toLowerCase();
  allItems().forEach((item) => {
    const hide = !!needle && !(item.getAttribute("data-label") || "").toLowerCase().includes(needle);
    item.hidden = hide;
    if (hide) setSelected(item, false);
  });
  box.setAttribute("data-q", text);
  const none = document.getElementById("fb-nomatch");
  if (none) {
    none.hidden = !needle || !allItems().length || items().length > 0;
    const shown = $(".fb-nomatch-q", none);
    if (shown) shown.textContent = text;
  }
  if (typed) {
    // A reload (or a link sent to someone) filters the same way.
    const url = addressWith({ q: text });
    history.replaceState(history.state, "", url.pathname + url.search);
  }
  updateSelectionUi();
}

// --- The address bar, the title and the selection ---------------------------------

// One file selected: its name is in the address (replaced, not pushed), so
// a reload or a shared link selects it again.
document.addEventListener("fb:selected", () => {
  const chosen = selected();
  const name = chosen.length === 1 ? chosen[0].getAttribute("data-name") : "";
  const box = results();
  if (box) box.setAttribute("data-object", name);
  const url = new URL(window.location.href);
  if ((url.searchParams.get("object") || "") === name) return;
  if (name) url.searchParams.set("object", name); else url.searchParams.delete("object");
  history.replaceState(history.state, "", url.pathname + url.search);
});

// The listing is read again after an upload, a new folder or a delete (main.js
// listens too, after this): the details empty then, so the selection goes.
document.addEventListener("storage-changed", () => {
  const url = new URL(window.location.href);
  if (!url.searchParams.has("object")) return;
  url.searchParams.delete("object");
  history.replaceState(history.state, "", url.pathname + url.search);
});

// The server marked the row named by ?object= as selected: it also gets the
// keyboard's cursor and the focus, and the details panel follows.
function restoreSelection() {
  const box = results();
  if (!box || box.hasAttribute("data-restored")) return;
  box.setAttribute("data-restored", "");
  const name = box.getAttribute("data-object");
  const row = name && allItems().find((item) => item.getAttribute("data-name") === name);
  if (!row || row.hidden) return;
  allItems().forEach((item) => { item.tabIndex = item === row ? 0 : -1; });
  setSelected(row, true);
  row.focus({ preventScroll: true });
  row.scrollIntoView({ block: "nearest" });
  updateSelectionUi();
  showDetails();
}

function showStop() {
  const stop = document.getElementById("fb-stop-search"), more = document.getElementById("fb-more");
  if (!stop) return;
  const going = !!more && more.classList.contains("fb-searching") && !more.classList.contains("is-stopped");
  if (!going && stop === document.activeElement) searchBox().focus();
  stop.hidden = !going;
}

function settle() {
  if (!fb()) return;
  holdSentinel();
  const input = filterBox();
  if (input && input.value) applyFilter(false); // rows that came in later
  restoreSelection();
}

document.addEventListener("htmx:afterSettle", settle);
document.addEventListener("htmx:historyRestore", settle);
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", settle);
else settle();
