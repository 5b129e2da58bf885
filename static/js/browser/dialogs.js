// The page's one <dialog id="fb-dialog">: the server fills it through htmx
// (the delete confirmation and its result), and page code asks questions in
// it with ask(). Closing it any way (Escape, a Close link) answers "cancel".

import { $, el, items } from "./dom.js";

let pending = null; // resolves the question on screen, if any

function dialog() { return document.getElementById("fb-dialog"); }
function body() { return document.getElementById("fb-dialog-body"); }

export function openDialog() {
  const d = dialog();
  if (d && !d.open) d.showModal();
  const focus = d && $("[autofocus]", d);
  if (focus) focus.focus();
}

export function closeDialog() {
  const d = dialog();
  if (d && d.open) d.close();
}

// Shows `content` (a node built with el(), so names stay text) and opens.
export function showDialog(content) {
  const target = body();
  if (!target) return false;
  target.textContent = "";
  target.appendChild(content);
  openDialog();
  return true;
}

// Asks a question; resolves with the value of the button chosen, or
// "cancel" when the dialog closes otherwise. choices: [{value, label,
// className, focus}], in the order shown.
export function ask({ title, text, names = [], choices }) {
  return new Promise((resolve) => {
    if (!body()) { resolve("cancel"); return; }
    const shown = 50;
    const list = names.length ? el("ul", { className: "fb-names" }, names.slice(0, shown).map(
      (name) => el("li", {}, [el("span", { className: "mono", text: name })]))) : null;
    if (list && names.length > shown) list.appendChild(el("li", { className: "muted", text: "and " + (names.length - shown) + " more" }));
    let focus = null;
    const buttons = choices.map((choice) => {
      const button = el("button", { type: "button", className: choice.className || "button secondary", text: choice.label });
      button.addEventListener("click", () => { pending = null; resolve(choice.value); closeDialog(); });
      if (choice.focus) focus = button;
      return button;
    });
    showDialog(el("div", { className: "fb-dialog-inner" }, [
      el("h2", { id: "fb-dialog-title", text: title }),
      text ? el("p", { text }) : null,
      list,
      el("div", { className: "fb-dialog-actions" }, buttons),
    ]));
    pending = resolve;
    if (focus) focus.focus();
  });
}

export function onDialogClose(event) {
  if (!event.target || event.target.id !== "fb-dialog") return;
  const target = body();
  if (target) target.textContent = "";
  if (pending) { const resolve = pending; pending = null; resolve("cancel"); }
  const cursor = items().find((item) => item.tabIndex === 0);
  if (cursor && cursor.isConnected) cursor.focus({ preventScroll: true });
}
