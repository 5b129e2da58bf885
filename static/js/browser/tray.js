// A panel pinned to the bottom corner that lists work in progress (uploads
// now; any other long work can open its own). It lives on <body>, outside
// what htmx swaps, and comes back if a history restore replaces the page.

import { $, el } from "./dom.js";

const open = new Set();

// `id` names the panel and its parts (#id-title, #id-list, #id-summary);
// onClose decides whether the close button may close it (return false to stay).
export function createTray({ id, label, title, closeLabel, onClose }) {
  let node = null;

  function ensure() {
    if (node) {
      if (!node.isConnected) document.body.appendChild(node);
      return node;
    }
    const close = el("button", { type: "button", className: "fb-icon-button", "aria-label": closeLabel, title: "Close", text: "×" });
    close.addEventListener("click", () => { if (!onClose || onClose() !== false) remove(); });
    node = el("section", { className: "fb-tray", id, "aria-label": label }, [
      el("header", { className: "fb-tray-head" }, [el("h2", { className: "fb-tray-title", id: id + "-title", text: title }), close]),
      el("ul", { className: "fb-tray-list", id: id + "-list" }),
      el("p", { className: "fb-tray-summary", id: id + "-summary", role: "status", "aria-live": "polite" }),
    ]);
    document.body.appendChild(node);
    open.add(node);
    return node;
  }

  function remove() {
    if (!node) return;
    node.remove();
    open.delete(node);
    node = null;
  }

  return {
    list: () => $("#" + id + "-list", ensure()),
    // Title, summary line, and whether nothing is running any more.
    show(heading, summary, finished) {
      const tray = ensure();
      $("#" + id + "-title", tray).textContent = heading;
      $("#" + id + "-summary", tray).textContent = summary;
      tray.classList.toggle("is-finished", !!finished);
    },
    remove,
  };
}

export function reattachTrays() {
  open.forEach((node) => { if (!node.isConnected) document.body.appendChild(node); });
}
