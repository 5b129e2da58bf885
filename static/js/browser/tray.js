// Panels that list work in progress (uploads, storage jobs). They stack in
// one holder outside what htmx swaps: on a wide window at the foot of the
// details column, in its flow (so they never cover the listing or the
// details panel's buttons); on a narrow one pinned to the bottom of the
// window, where the page grows by their height (--fb-trays-h) so its last
// rows can still be scrolled into view. They come back if a history
// restore replaces the page.

import { $, el } from "./dom.js";

const open = new Set();
const WIDE = window.matchMedia("(min-width: 1061px)"); // the page's own breakpoint for one column
let holder = null;
let watcher = null;

function publishHeight() {
  const pinned = holder && holder.parentNode === document.body && holder.childElementCount;
  document.documentElement.style.setProperty("--fb-trays-h", pinned ? holder.offsetHeight + 16 + "px" : "0px");
}

function place() {
  const column = WIDE.matches && document.querySelector(".fb-aside");
  const home = column || document.body;
  if (holder.parentNode !== home) home.appendChild(holder);
  holder.classList.toggle("is-pinned", !column);
  publishHeight();
}

function trays() {
  if (!holder) {
    holder = el("div", { className: "fb-trays" });
    if (window.ResizeObserver) {
      watcher = new ResizeObserver(publishHeight);
      watcher.observe(holder);
    }
    WIDE.addEventListener("change", () => { if (holder.isConnected) place(); });
  }
  if (!holder.isConnected || (WIDE.matches && holder.parentNode === document.body)) place();
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
    publishHeight();
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
    isCollapsed: () => !!node && node.classList.contains("is-collapsed"),
    element: () => node, // null while closed
    isOpen: () => !!node,
    remove,
  };
}

export function reattachTrays() {
  if (holder && open.size && !holder.isConnected) place();
}
