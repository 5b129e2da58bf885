// Sorting what is loaded, in the page (the server sorts each page it sends;
// rows that arrive later join in the right place), and the status line that
// says what is loaded and how it is ordered.

import { $, $all, allItems, items, results, selected } from "./dom.js";
import { rules } from "./rules.js";

export function sortState() {
  const box = results();
  return box ? { key: box.getAttribute("data-sort") || "name", dir: box.getAttribute("data-dir") || "asc" }
             : { key: "name", dir: "asc" };
}

export function isDefaultOrder(sort) { return sort.key === "name" && sort.dir === "asc"; }

// The wording is the server's (rules().status, the same parts the template
// renders with {% status_line %}); this only supplies what the page knows
// now: how many rows are loaded, whether more will come, what is selected.
export function statusLine(facts) {
  return (rules().status || [])
    .filter(([when]) => facts[when])
    .map(([, phrase]) => phrase.replace(/\{(\w+)\}/g, (_, key) => String(facts[key] ?? "")))
    .join("");
}

export function updateStatus() {
  const status = document.getElementById("fb-status");
  if (!status) return;
  const moreRow = document.getElementById("fb-more"), stopped = !!moreRow && moreRow.classList.contains("is-stopped");
  const n = allItems().length, more = !!moreRow && !stopped;
  const box = results(), sort = sortState(), search = box ? box.getAttribute("data-search") || "" : "";
  status.textContent = statusLine({
    listing: !search, found: !!search, search, n, s: n === 1 ? "" : "s",
    page_start: status.hasAttribute("data-page-start"),
    q: box ? box.getAttribute("data-q") : "", matches: items().length,
    more: more && !search, searching: more && !!search, stopped, all: !moreRow,
    sorted: !isDefaultOrder(sort), sort_label: (rules().sorts || {})[sort.key] || sort.key,
    selected: selected().length,
  });
}

function compare(key) {
  return (a, b) => {
    const fa = a.getAttribute("data-kind") === "folder", fbk = b.getAttribute("data-kind") === "folder";
    if (fa !== fbk) return fa ? -1 : 1;
    const la = a.getAttribute("data-label"), lb = b.getAttribute("data-label");
    const byName = la < lb ? -1 : la > lb ? 1 : 0; // GCS order: code points
    if (key === "size") {
      const d = (parseInt(a.getAttribute("data-size"), 10) || 0) - (parseInt(b.getAttribute("data-size"), 10) || 0);
      return d || byName;
    }
    if (key === "modified") {
      const ta = Date.parse(a.getAttribute("data-modified")) || 0, tb = Date.parse(b.getAttribute("data-modified")) || 0;
      return (ta - tb) || byName;
    }
    return byName;
  };
}

export function applySort() {
  const container = document.getElementById("fb-rows");
  if (!container) return;
  const sort = sortState();
  const all = allItems(), cmp = compare(sort.key);
  const folders = all.filter((i) => i.getAttribute("data-kind") === "folder");
  const files = all.filter((i) => i.getAttribute("data-kind") !== "folder");
  const sign = sort.dir === "desc" ? -1 : 1;
  // Folders stay first and only follow the direction when sorting by name
  // (they have no size or date of their own).
  folders.sort((a, b) => (sort.key === "name" ? sign : 1) * cmp(a, b));
  files.sort((a, b) => sign * cmp(a, b));
  const more = document.getElementById("fb-more");
  folders.concat(files).forEach((item) => container.appendChild(item));
  if (more) container.appendChild(more);
}

export function sortBy(key) {
  const box = results();
  const { sorts = {}, first_dir: firstDir = {} } = rules();
  if (!box || !sorts[key]) return;
  const sort = sortState();
  const dir = sort.key === key ? (sort.dir === "asc" ? "desc" : "asc") : firstDir[key];
  box.setAttribute("data-sort", key);
  box.setAttribute("data-dir", dir);
  $all(".fb-table th[aria-sort]").forEach((th) => {
    const link = $("a.fb-sort", th);
    th.setAttribute("aria-sort", link && link.getAttribute("data-sort") === key ? (dir === "asc" ? "ascending" : "descending") : "none");
  });
  applySort();
  // The URL (reload, share) and the listing's own refresh keep this order.
  const url = new URL(window.location.href);
  if (key === "name") url.searchParams.delete("sort"); else url.searchParams.set("sort", key);
  if (dir === "asc") url.searchParams.delete("dir"); else url.searchParams.set("dir", dir);
  history.replaceState(history.state, "", url.pathname + url.search);
  updateStatus();
}
