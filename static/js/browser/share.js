// Share… on one file or folder: a dialog that makes a share link (expiry,
// an optional password and use limit; for a folder, download or drop
// folder), then shows the link the one time omX can show it. Members and
// up; the limits come from the rules blob, the API has the last word.

import { $, canWrite, el, fb, listing, selected } from "./dom.js";
import { closeDialog, showDialog } from "./dialogs.js";
import { rules } from "./rules.js";
import { call, openShares, refreshShares, sharesApi, when } from "./shares.js";

function field(id, label, input, help) {
  input.id = id;
  const error = el("p", { className: "field-error", id: id + "-error", role: "alert" });
  const described = [help ? id + "-help" : "", id + "-error"].filter(Boolean).join(" ");
  input.setAttribute("aria-describedby", described);
  return el("div", { className: "field", "data-field": id }, [
    el("label", { for: id, text: label }), input,
    help ? el("p", { className: "help", id: id + "-help", text: help }) : null, error,
  ]);
}

function radio(value, label, hint, checked) {
  const input = el("input", { type: "radio", name: "mode", value, id: "fb-share-mode-" + value });
  input.checked = checked;
  return el("label", { className: "fb-share-choice", for: input.id }, [
    input, el("span", {}, [el("strong", { text: label }), el("span", { className: "help", text: hint })]),
  ]);
}

// Opens the dialog for one item: {bucket, name (a folder's ends with "/"), label}.
export function openShareDialog({ bucket, name, label }) {
  if (!canWrite() || !sharesApi() || !bucket || !name) return;
  const folder = name.endsWith("/");
  const maxDays = rules().share_max_days || 90;
  const days = el("input", { type: "number", min: "1", max: String(maxDays), step: "1", value: String(Math.min(7, maxDays)),
                             inputmode: "numeric", required: "", autofocus: "" });
  const password = el("input", { type: "password", autocomplete: "new-password", maxlength: "128", spellcheck: "false" });
  const uses = el("input", { type: "number", min: "1", max: String(rules().share_max_uses || 100000), step: "1",
                             inputmode: "numeric", placeholder: "No limit" });
  const modes = folder ? el("fieldset", { className: "fb-share-modes", "data-field": "fb-share-mode" }, [
    el("legend", { text: "People with the link can" }),
    radio("download", "Download", "See the folder's files and download them.", true),
    radio("upload", "Only upload (drop folder)", "Send files into it; they see nothing inside.", false),
    el("p", { className: "field-error", id: "fb-share-mode-error", role: "alert" }),
  ]) : null;
  const problem = el("p", { className: "field-error fb-share-problem", role: "alert" });
  const submit = el("button", { type: "submit", className: "button", text: "Create link" });
  const cancel = el("button", { type: "button", className: "button secondary", text: "Cancel" });
  cancel.addEventListener("click", closeDialog);
  const form = el("form", { className: "fb-share-form", novalidate: "" }, [
    field("fb-share-days", "Link works for (days)", days, "1 to " + maxDays + " days."),
    field("fb-share-password", "Password (optional)", password, "Send it separately from the link."),
    field("fb-share-uses", "Use limit (optional)", uses,
          folder ? "Each download or file sent is one use." : "Each download is one use."),
    modes, problem,
    el("div", { className: "fb-dialog-actions" }, [cancel, submit]),
  ]);
  const what = el("p", { className: "fb-share-what" }, [
    el("span", { text: folder ? "Folder " : "File " }), el("span", { className: "mono", text: label }),
    el("span", { className: "muted", text: " · anyone with the link, no account needed" }),
  ]);
  const inner = el("div", { className: "fb-dialog-inner fb-share" }, [
    el("h2", { id: "fb-dialog-title", text: "Share “" + label + "”" }), what, form,
  ]);

  const inputs = { expires_in_days: days, password, max_uses: uses, mode: modes, non_field_errors: null, detail: null };
  function clearErrors() {
    form.querySelectorAll(".field-error").forEach((p) => { p.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((i) => i.removeAttribute("aria-invalid"));
  }
  function showErrors(status, body) {
    let first = null;
    const messages = [];
    for (const [key, value] of Object.entries(body || {})) {
      const text = [].concat(value).join(" ");
      const target = inputs[key];
      if (target) {
        const box = target.tagName === "FIELDSET" ? target : target.closest(".field");
        box.querySelector(".field-error").textContent = text;
        if (target.tagName === "INPUT") { target.setAttribute("aria-invalid", "true"); first = first || target; }
      } else if (key !== "code") {
        messages.push(text);
      }
    }
    if (status === 403 && !messages.length) messages.push("You may not share this.");
    problem.textContent = messages.join(" ");
    if (first) first.focus(); else submit.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    clearErrors();
    const n = Number(days.value);
    if (!Number.isInteger(n) || n < 1 || n > maxDays) {
      showErrors(400, { expires_in_days: ["Between 1 and " + maxDays + " days."] });
      return;
    }
    const body = { bucket, mode: "download", expires_in_days: n };
    body[folder ? "prefix" : "object_name"] = name;
    const chosen = modes && $("input[name=mode]:checked", modes);
    if (chosen) body.mode = chosen.value;
    if (password.value) body.password = password.value;
    if (uses.value !== "") body.max_uses = Number(uses.value);
    submit.disabled = true;
    submit.textContent = "Creating…";
    const answer = await call("POST", sharesApi(), body);
    submit.disabled = false;
    submit.textContent = "Create link";
    if (answer.status === 201) showCreated(inner, answer.body, label);
    else if (answer.status !== 401) showErrors(answer.status, answer.body);
  });

  showDialog(inner);
}

// The link, once: omX keeps only its hash.
function showCreated(inner, share, label) {
  const url = el("input", { type: "text", id: "fb-share-url", readonly: "", spellcheck: "false",
                            "aria-describedby": "fb-share-once" });
  url.value = share.url;
  const copy = el("button", { type: "button", className: "button small", "data-copy-from": "#fb-share-url",
                              "aria-label": "Copy the share link", text: "Copy" });
  const facts = ["Works until " + when(share.expires_at)];
  if (share.has_password) facts.push("password protected");
  if (share.max_uses) facts.push("up to " + share.max_uses + " use" + (share.max_uses === 1 ? "" : "s"));
  const done = el("button", { type: "button", className: "button secondary", text: "Done" });
  done.addEventListener("click", closeDialog);
  const all = el("button", { type: "button", className: "button secondary", text: "See all links" });
  all.addEventListener("click", () => { closeDialog(); openShares(document.querySelector("#fb-listing [data-action=shares]")); });
  inner.textContent = "";
  inner.append(
    el("h2", { id: "fb-dialog-title", text: (share.mode === "upload" ? "Drop folder link to “" : "Link to “") + label + "”" }),
    el("p", { className: "fb-share-once", id: "fb-share-once", role: "status" }, [
      el("strong", { text: "This link is shown only now." }),
      el("span", { text: " omX keeps no copy of it: copy it before you close this." }),
    ]),
    el("label", { for: "fb-share-url", className: "visually-hidden", text: "Share link" }),
    el("div", { className: "copy-row row fb-share-link" }, [url, copy]),
    el("p", { className: "help", text: facts.join(" · ") + "." }),
    el("div", { className: "fb-dialog-actions" }, [all, done]),
  );
  copy.focus();
  url.addEventListener("focus", () => url.select());
  refreshShares();
}

// --- Wiring ------------------------------------------------------------------

function fromSelection() {
  const chosen = selected();
  const view = listing();
  if (chosen.length !== 1 || !view) return null;
  return { bucket: view.getAttribute("data-bucket"), name: chosen[0].getAttribute("data-name"),
           label: chosen[0].getAttribute("data-label") };
}

document.addEventListener("click", (event) => {
  const action = event.target instanceof Element && event.target.closest("[data-action=share], [data-action=shares]");
  if (!action || !fb()) return;
  event.preventDefault();
  if (action.getAttribute("data-action") === "shares") { openShares(action); return; }
  const view = listing();
  const named = action.getAttribute("data-share-name");
  const target = named ? { bucket: view && view.getAttribute("data-bucket"), name: named,
                           label: action.getAttribute("data-share-label") || named } : fromSelection();
  if (target) openShareDialog(target);
});

document.addEventListener("fb:selection", () => {
  const button = $("#fb-listing .fb-toolbar [data-action=share]");
  if (button) button.disabled = selected().length !== 1;
});
