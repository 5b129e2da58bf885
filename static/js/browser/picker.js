// "Move to…" and "Copy to…": a tree of the project's linked buckets and
// prefixes, read one level at a time from the storage API, in which the
// keyboard moves (arrows, Home/End; Enter chooses) as in any tree view.

import { $all, el, fb, listing, plural } from "./dom.js";
import { readJson } from "./http.js";
import { closeDialog, showDialog } from "./dialogs.js";
import { startJob } from "./jobs.js";
import { rules } from "./rules.js";

const MAX_PAGES = 10; // of 1000 folders each, per level

function getJson(url) {
  return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(readJson);
}

function api(name) { const root = fb(); return (root && root.getAttribute(name)) || ""; }

async function folders(bucket, prefix) {
  const found = [];
  let token = "";
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ bucket, prefix, page_size: "1000" });
    if (token) query.set("page_token", token);
    const body = await getJson(api("data-objects-api") + "?" + query);
    found.push(...(body.folders || []));
    token = body.next_page_token;
    if (!token) break;
  }
  return found;
}

// Opens the dialog; `kind` is "move" or "copy", `sources` full names.
export async function chooseDestination(kind, sources) {
  const view = listing();
  if (!view || !sources.length) return;
  const bucket = view.getAttribute("data-bucket"), here = view.getAttribute("data-prefix") || "";
  const verb = kind === "move" ? "Move" : "Copy";
  const what = sources.length === 1 ? sources[0].slice(here.length) || sources[0] : plural(sources.length, "item");
  const tree = el("ul", { className: "fb-tree", role: "tree", "aria-label": "Folders", "aria-describedby": "fb-picker-where" });
  const where = el("p", { className: "fb-picker-where", id: "fb-picker-where", "aria-live": "polite" });
  const replace = el("input", { type: "checkbox", id: "fb-picker-replace" });
  const problem = el("p", { className: "field-error", role: "alert" });
  const go = el("button", { type: "button", className: "button", text: verb + " here", disabled: "" });
  const cancel = el("button", { type: "button", className: "button secondary", text: "Cancel" });
  cancel.addEventListener("click", closeDialog);
  const nodes = new Map(); // treeitem -> {bucket, prefix, label}
  let chosen = null;

  function blocked(node) {
    // A folder cannot go into itself or below itself; nothing moves to where it is.
    return node.bucket === bucket && (sources.some((s) => s.endsWith("/") && node.prefix.startsWith(s)) ||
      (kind === "move" && sources.every((s) => s.replace(/[^/]+\/?$/, "") === node.prefix)));
  }

  function choose(li, focus) {
    $all("[role=treeitem]", tree).forEach((other) => { other.tabIndex = -1; other.setAttribute("aria-selected", "false"); });
    li.tabIndex = 0;
    li.setAttribute("aria-selected", "true");
    if (focus) { li.focus(); li.scrollIntoView({ block: "nearest" }); }
    chosen = nodes.get(li);
    const no = blocked(chosen);
    const path = rules().scheme + "://" + chosen.bucket + "/" + chosen.prefix;
    where.textContent = no ? "Pick another folder: " + path + " is where the items are, or inside them."
      : verb + " into " + path;
    if (no) go.setAttribute("disabled", ""); else go.removeAttribute("disabled");
    problem.textContent = "";
  }

  function visible() { return $all("[role=treeitem]", tree).filter((li) => li.offsetParent !== null); }

  async function expand(li, open) {
    const node = nodes.get(li);
    if (!li.hasAttribute("aria-expanded")) return;
    li.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open || node.loaded) return;
    node.loaded = true;
    const group = el("ul", { role: "group" });
    li.appendChild(group);
    li.setAttribute("aria-busy", "true");
    try {
      const found = await folders(node.bucket, node.prefix);
      found.forEach((f) => group.appendChild(item(node.bucket, f.prefix, f.name, node.level + 1)));
      if (!found.length) li.removeAttribute("aria-expanded");
    } catch (error) {
      node.loaded = false;
      group.remove();
      problem.textContent = "Cannot list " + node.label + ": " + error.message;
    }
    li.removeAttribute("aria-busy");
  }

  function item(b, prefix, label, level) {
    const li = el("li", { role: "treeitem", "aria-expanded": "false", "aria-selected": "false", "aria-level": String(level), tabindex: "-1" }, [
      el("span", { className: "fb-tree-row" }, [
        el("span", { className: "fb-tree-twisty", "aria-hidden": "true" }),
        el("span", { className: "fb-tree-label", text: label }),
      ]),
    ]);
    nodes.set(li, { bucket: b, prefix, label, level, loaded: false });
    if (blocked(nodes.get(li))) li.setAttribute("aria-disabled", "true");
    return li;
  }

  async function submit() {
    if (!chosen || blocked(chosen)) return;
    go.setAttribute("disabled", "");
    problem.textContent = "";
    try {
      await startJob({ kind, bucket, sources, destination: { bucket: chosen.bucket, prefix: chosen.prefix },
                       on_conflict: replace.checked ? "overwrite" : "skip" });
      closeDialog();
    } catch (error) {
      problem.textContent = error.message;
      go.removeAttribute("disabled");
    }
  }
  go.addEventListener("click", submit);

  tree.addEventListener("click", (event) => {
    const li = event.target.closest("[role=treeitem]");
    if (!li) return;
    event.stopPropagation();
    choose(li, true);
    if (event.target.closest(".fb-tree-twisty") || event.detail === 2) expand(li, li.getAttribute("aria-expanded") !== "true");
  });
  tree.addEventListener("keydown", (event) => {
    const li = event.target.closest("[role=treeitem]");
    if (!li) return;
    const list = visible(), i = list.indexOf(li);
    const open = li.getAttribute("aria-expanded");
    let next = null;
    if (event.key === "ArrowDown") next = list[i + 1];
    else if (event.key === "ArrowUp") next = list[i - 1];
    else if (event.key === "Home") next = list[0];
    else if (event.key === "End") next = list[list.length - 1];
    else if (event.key === "ArrowRight") {
      if (open === "false") expand(li, true);
      else if (open === "true") next = li.querySelector("[role=treeitem]");
    } else if (event.key === "ArrowLeft") {
      if (open === "true") expand(li, false);
      else next = li.parentElement.closest("[role=treeitem]");
    } else if (event.key === "Enter") submit();
    else if (event.key === " ") expand(li, open !== "true");
    else return;
    event.preventDefault();
    if (next) choose(next, true);
  });

  showDialog(el("div", { className: "fb-dialog-inner fb-picker" }, [
    el("h2", { id: "fb-dialog-title", text: verb + " " + what + " to…" }),
    tree, where,
    el("label", { className: "fb-picker-replace", for: "fb-picker-replace" }, [replace,
      el("span", { text: " Replace files that already exist there (otherwise they are skipped)" })]),
    problem,
    el("div", { className: "fb-dialog-actions" }, [cancel, go]),
  ]));

  // The linked buckets and prefixes, then the way down to the folder shown.
  let start = null;
  try {
    const page = await getJson(api("data-connections-api") + "?page_size=200");
    (page.results || []).forEach((c) => {
      const li = item(c.bucket_name, c.prefix, c.bucket_name + (c.prefix ? "/" + c.prefix.replace(/\/$/, "") : ""), 1);
      tree.appendChild(li);
      if (c.bucket_name === bucket && here.startsWith(c.prefix) && (!start || c.prefix.length > nodes.get(start).prefix.length)) start = li;
    });
  } catch (error) {
    problem.textContent = "Cannot list the linked buckets: " + error.message;
    return;
  }
  let at = start;
  while (at) {
    await expand(at, true);
    const deeper = $all(":scope > ul > [role=treeitem]", at).find((li) => here.startsWith(nodes.get(li).prefix));
    if (!deeper) break;
    at = deeper;
  }
  const first = at || tree.querySelector("[role=treeitem]");
  if (first && document.getElementById("fb-dialog").open) choose(first, true);
}
