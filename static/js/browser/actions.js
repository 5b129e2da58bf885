// Writing actions on the selection that run as storage jobs: Rename (F2, an
// inline field in the row), Move to… and Copy to… (a folder picker). Also
// the confirmations of this page that the browser would otherwise ask with
// window.confirm, whose focus starts on the destructive button.

import { $, canWrite, el, fb, items, listing, selected } from "./dom.js";
import { ask } from "./dialogs.js";
import { startJob } from "./jobs.js";
import { chooseDestination } from "./picker.js";
import { cursorItem } from "./selection.js";

function parentOf(name) { return name.replace(/[^/]+\/?$/, ""); }

function updateButtons() {
  const chosen = selected();
  const set = (action, on) => {
    const button = $("#fb-listing [data-action=" + action + "]");
    if (button) button.disabled = !on;
  };
  set("rename", chosen.length === 1);
  set("move-to", chosen.length > 0);
  set("copy-to", chosen.length > 0);
}

// --- Rename in place ------------------------------------------------------------

export function startRename(item) {
  if (!item || !canWrite() || item.classList.contains("is-renaming") || !listing()) return;
  const old = item.getAttribute("data-label");
  const source = item.getAttribute("data-name");
  const folder = item.getAttribute("data-kind") === "folder";
  const input = el("input", { type: "text", className: "fb-rename", "aria-label": "New name for " + old,
                              "aria-describedby": "fb-rename-help", spellcheck: "false", autocomplete: "off" });
  input.value = old;
  const help = el("span", { className: "fb-rename-help", id: "fb-rename-help", role: "alert",
                            text: "Enter renames, Esc cancels" });
  const box = el("span", { className: "fb-rename-box" }, [input, help]);
  const open = $(".fb-open", item);
  open.after(box);
  item.classList.add("is-renaming");
  item.draggable = false;
  let busy = false, done = false;

  function finish(refocus) {
    if (done) return; // removing the field blurs it, which lands here again
    done = true;
    box.remove();
    item.classList.remove("is-renaming");
    item.draggable = canWrite();
    if (refocus && item.isConnected) item.focus({ preventScroll: true });
  }

  async function commit() {
    const name = input.value;
    if (!name || name === old) { finish(true); return; }
    busy = true;
    input.readOnly = true;
    help.textContent = "Renaming…";
    try {
      await startJob({ kind: "move", bucket: listing().getAttribute("data-bucket"), sources: [source],
                       destination: { name: parentOf(source) + name + (folder ? "/" : "") } });
      const label = $(".fb-label, .fb-tile-name", item);
      if (label) label.textContent = name; // until the listing reloads when the job ends
      item.classList.add("is-pending");
      finish(true);
    } catch (error) {
      busy = false;
      input.readOnly = false;
      help.textContent = error.message;
      item.classList.add("has-rename-error");
      input.focus();
    }
  }

  input.addEventListener("keydown", (event) => {
    event.stopPropagation(); // the listing's own keys (arrows, Delete, Backspace) stay out of the field
    if (event.key === "Enter") { event.preventDefault(); if (!busy) commit(); }
    else if (event.key === "Escape") { event.preventDefault(); if (!busy) finish(true); }
  });
  // A click elsewhere cancels: only Enter renames.
  input.addEventListener("blur", () => { if (!busy) finish(false); });
  for (const type of ["click", "dblclick", "mousedown"]) box.addEventListener(type, (event) => event.stopPropagation());
  input.focus();
  // The name without its extension is what one usually changes.
  const dot = folder ? -1 : old.lastIndexOf(".");
  input.setSelectionRange(0, dot > 0 ? dot : old.length);
}

function renameTarget() {
  const chosen = selected();
  if (chosen.length === 1) return chosen[0];
  return chosen.length === 0 ? cursorItem() : null;
}

// --- Wiring ----------------------------------------------------------------------

const HANDLERS = {
  "rename": () => startRename(renameTarget()),
  "move-to": () => chooseDestination("move", selected().map((i) => i.getAttribute("data-name"))),
  "copy-to": () => chooseDestination("copy", selected().map((i) => i.getAttribute("data-name"))),
};

document.addEventListener("click", (event) => {
  const action = event.target instanceof Element && event.target.closest("[data-action]");
  const handler = action && HANDLERS[action.getAttribute("data-action")];
  if (handler && fb() && canWrite()) { event.preventDefault(); handler(); }
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "F2" || !fb() || !canWrite() || document.querySelector("dialog[open]")) return;
  const target = event.target;
  if (target !== document.body && !(target instanceof Element && target.closest("#fb-listing"))) return;
  if (target instanceof Element && target.closest("input:not(.fb-pick), textarea, select")) return;
  const own = target instanceof Element ? target.closest("#fb-rows .fb-item") : null;
  event.preventDefault();
  startRename(own || renameTarget());
});

document.addEventListener("fb:selection", () => refreshActions());

// Unlinking a bucket asks in the page's dialog, where Cancel has the focus
// (window.confirm would put it on OK). Before app.js's own confirm, which
// listens on the document.
window.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains("fb-unlink") || !fb()) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  const answer = await ask({
    title: "Unlink this bucket?",
    text: form.getAttribute("data-confirm"),
    choices: [{ value: "cancel", label: "Cancel", focus: true }, { value: "unlink", label: "Unlink", className: "button danger" }],
  });
  if (answer === "unlink") form.submit();
}, true);

export function refreshActions() {
  items().forEach((item) => { item.draggable = canWrite() && !item.classList.contains("is-renaming"); });
  updateButtons();
}
