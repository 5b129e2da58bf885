// Small DOM helpers and the page's landmarks, shared by every module of the
// Files page. Nothing here listens to events or keeps state.

export function $(selector, root) { return (root || document).querySelector(selector); }
export function $all(selector, root) { return Array.from((root || document).querySelectorAll(selector)); }

export function fb() { return document.getElementById("fb"); }
export function listing() { return document.getElementById("fb-listing"); }
export function results() { return document.getElementById("fb-results"); }
// Every loaded row, and the rows the quick filter leaves visible: the ones
// the keyboard, the selection and the status line deal with.
export function allItems() { const rows = document.getElementById("fb-rows"); return rows ? $all(".fb-item", rows) : []; }
export function items() { return allItems().filter((item) => !item.hidden); }
// A row's checkbox: only for those who can act on a selection (not viewers).
export function pick(item) { return $(".fb-pick", item); }
// The row's class is the selection; a checkbox, when there is one, follows it.
export function isSelected(item) { return item.classList.contains("is-selected"); }
export function setSelected(item, on) {
  item.classList.toggle("is-selected", on);
  const box = pick(item);
  if (box) box.checked = on;
}
export function selected() { return items().filter(isSelected); }
export function canWrite() { const root = fb(); return !!root && root.getAttribute("data-can-write") === "1"; }
export function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

// Builds an element; "text" becomes textContent, never HTML (names are user data).
export function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children || []) if (child) node.appendChild(child);
  return node;
}

export function humanSize(bytes) {
  if (bytes < 1024) return bytes + " bytes";
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes, i = -1;
  do { value /= 1024; i++; } while (value >= 1024 && i < units.length - 1);
  return value.toFixed(1) + " " + units[i];
}
