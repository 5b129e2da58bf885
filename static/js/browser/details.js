// The details panel beside the listing: one selected item is described by
// the server (metadata and a preview, fetched with htmx); several are summed
// up here; none shows the page's own empty state.

import { canWrite, el, humanSize, plural, selected } from "./dom.js";
import "./previews.js";

let timer = null;

export function emptyDetails() {
  const template = document.getElementById("fb-details-empty");
  const current = document.getElementById("fb-details");
  if (!template || !current) return;
  current.replaceWith(template.content.firstElementChild.cloneNode(true));
}

function multiDetails(chosen) {
  const current = document.getElementById("fb-details");
  if (!current) return;
  const files = chosen.filter((i) => i.getAttribute("data-kind") === "file");
  const folders = chosen.length - files.length;
  const bytes = files.reduce((sum, i) => sum + (parseInt(i.getAttribute("data-size"), 10) || 0), 0);
  const parts = [];
  if (files.length) parts.push(plural(files.length, "file") + ", " + humanSize(bytes));
  if (folders) parts.push(plural(folders, "folder"));
  const children = [
    el("p", {}, [el("strong", { text: chosen.length + " items selected" })]),
    el("p", { className: "muted small", text: parts.join(" · ") }),
  ];
  if (canWrite()) {
    children.push(el("button", { type: "button", className: "button danger small", "data-action": "delete",
                                 text: "Delete " + chosen.length + " items…" }));
  }
  current.replaceWith(el("div", { id: "fb-details", className: "fb-panel fb-details", "data-name": "" },
                         [el("div", { className: "fb-details-empty fb-details-multi" }, children)]));
}

// Debounced: moving through the list with the arrow keys asks the server
// only for the row the cursor rests on.
export function showDetails() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    const chosen = selected();
    const current = document.getElementById("fb-details");
    if (!current) return;
    if (chosen.length === 0) {
      if (current.getAttribute("data-name")) emptyDetails();
    } else if (chosen.length > 1) {
      multiDetails(chosen);
    } else {
      const item = chosen[0];
      if (current.getAttribute("data-name") === item.getAttribute("data-name")) return;
      // A file's details are at its own link; a folder's, or a search result's, at data-details-url.
      const url = item.getAttribute("data-details-url") || item.querySelector(".fb-open").getAttribute("href");
      window.htmx.ajax("GET", url, { target: "#fb-details", swap: "outerHTML" });
    }
  }, 120);
}

// Broken thumbnails (an expired link, not really an image) fall back to the icon.
export function onImageError(event) {
  const img = event.target;
  if (img && img.tagName === "IMG" && img.closest && img.closest(".fb-thumb")) img.closest(".fb-thumb").classList.add("is-broken");
}
