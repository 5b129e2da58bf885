// Panels pinned to the bottom corner that list work in progress (uploads,
// storage jobs). They stack in one holder on <body>, outside what htmx
// swaps, and come back if a history restore replaces the page. The holder's
// height is published as --fb-trays-h, so the page can keep its own
// controls clear of it.

import { $, el } from "./dom.js";

const open = new Set();
let holder = null;
let watcher = null;

function trays() {
  if (!holder) {
    holder = el("div", { className: "fb-trays" });
    if (window.ResizeObserver) {
      watcher = new ResizeObserver(() => {
        const height = holder.childElementCount ? holder.offsetHeight : 0;
        document.documentElement.style.setProperty("--fb-trays-h", height ? height + 16 + "px" : "0px");
      });
      watcher.observe(holder);
    }
  }
  if (!holder.isConnected) document.body.appendChild(holder);
  return holder;
}

// `id` names the panel and its parts (#id-title, #id-list, #id-summary);
// onClose decides whether the close button may close it (return false to stay).
// A collapsible panel can fold down to its title and summary line.
export function createTray({ id, label, title, closeLabel, onClose, collapsible }) {
  let node = null, toggle = null;

  function setCollapsed(on) {
    ensure().classList.toggle("is-collapsed", on);
    if (toggle) {
      toggle.setAttribute("aria-expanded", on ? "false" : "true");
      toggle.setAttribute("aria-label", (on ? "Expand " : "Collapse ") + label.toLowerCase());
      toggle.title = on ? "Show details" : "Fold to a summary";
    }
  }

  function ensure() {
    if (node) {
      if (!node.isConnected) trays().appendChild(node);
      return node;
    }
    const close = el("button", { type: "button", className: "fb-icon-button", "aria-label": closeLabel, title: "Close", text: "×" });
    close.addEventListener("click", () => { if (!onClose || onClose() !== false) remove(); });
    if (collapsible) {
      toggle = el("button", { type: "button", className: "fb-icon-button fb-tray-toggle", "aria-controls": id + "-list" });
      toggle.addEventListener("click", () => setCollapsed(!node.classList.contains("is-collapsed")));
    }
    node = el("section", { className: "fb-tray", id, "aria-label": label }, [
      el("header", { className: "fb-tray-head" }, [
        el("h2", { className: "fb-tray-title", id: id + "-title", text: title }),
        el("span", { className: "fb-tray-buttons" }, [toggle, close]),
      ]),
      el("ul", { className: "fb-tray-list", id: id + "-list" }),
      el("p", { className: "fb-tray-summary", id: id + "-summary", role: "status", "aria-live": "polite" }),
    ]);
    trays().appendChild(node);
    open.add(node);
    if (toggle) setCollapsed(false);
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
    collapse: (on) => setCollapsed(on),
    isOpen: () => !!node,
    remove,
  };
}

export function reattachTrays() {
  if (holder && open.size && !holder.isConnected) document.body.appendChild(holder);
}
