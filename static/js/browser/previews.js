// Table (CSV, TSV) and JSON previews in the details panel. The server says
// which files get one and how much to show (data-* on .fb-structured, from
// storage/presenters.py); the browser reads the head of the object itself,
// with a Range request on the fresh signed URL the panel came with, so no
// object bytes pass through omX. Everything read goes into the page as text
// nodes, never as HTML: a cell may hold anything.

import { el, humanSize, plural } from "./dom.js";

function number(node, name) { return parseInt(node.getAttribute(name), 10) || 0; }

function note(text) { return el("p", { className: "fb-preview-note", text }); }

// The first `maxBytes` of the object. A server that ignores Range sends it
// all: only the head is read, and the rest of the download is cancelled.
async function readHead(url, maxBytes) {
  const response = await fetch(url, {
    headers: { Range: "bytes=0-" + (maxBytes - 1) }, credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer",
  });
  if (response.status === 416) return new Uint8Array(0); // an empty object has no byte 0
  if (!response.ok) throw new Error("storage answered " + response.status + ".");
  const reader = response.body.getReader();
  const chunks = [];
  let total = 0;
  while (total < maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
  }
  reader.cancel().catch(() => { /* finished or aborted: either way nothing more is read */ });
  const bytes = new Uint8Array(Math.min(total, maxBytes));
  let at = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - at);
    bytes.set(part, at);
    at += part.length;
    if (at >= bytes.length) break;
  }
  return bytes;
}

// Records of a CSV (RFC 4180 quoting) or TSV (no quoting) text. When the text
// is only the head of the file, its last record may be cut: it is dropped.
export function parseDelimited(text, kind, complete) {
  const delimiter = kind === "tsv" ? "\t" : ",";
  const quoting = kind !== "tsv";
  const records = [];
  let record = [], field = "", quoted = false, i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      field += ch; i++; continue;
    }
    if (quoting && ch === '"' && field === "") { quoted = true; i++; continue; }
    if (ch === delimiter) { record.push(field); field = ""; i++; continue; }
    if (ch === "\n" || ch === "\r") {
      record.push(field); records.push(record); record = []; field = "";
      i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
      continue;
    }
    field += ch; i++;
  }
  const ended = record.length === 0 && field === "" && !quoted;
  if (!ended && complete) { record.push(field); records.push(record); }
  // The last record read is whole only if the file ended, or a line break followed it.
  return records;
}

function renderTable(box, text, complete, size, received) {
  const kind = box.getAttribute("data-structured");
  const maxRows = number(box, "data-max-rows"), maxColumns = number(box, "data-max-columns");
  const records = parseDelimited(text, kind, complete).filter((r) => !(r.length === 1 && r[0] === ""));
  if (!records.length) return [note(complete ? "This file is empty." : "No whole line in the first " + humanSize(received) + ".")];
  const columns = records.reduce((most, r) => Math.max(most, r.length), 0);
  const shownColumns = Math.min(columns, maxColumns);
  const body = records.slice(1, maxRows + 1);
  const cells = (record, tag) => {
    const row = [];
    for (let c = 0; c < shownColumns; c++) row.push(el(tag, tag === "th" ? { scope: "col", text: record[c] || "" } : { text: record[c] || "" }));
    return el("tr", {}, row);
  };
  const table = el("table", { className: "fb-sheet" }, [
    el("thead", {}, [cells(records[0], "th")]),
    el("tbody", {}, body.map((r) => cells(r, "td"))),
  ]);
  const parts = [el("div", { className: "fb-sheet-box", tabindex: "0", role: "region", "aria-label": box.getAttribute("aria-label") || "Table preview" }, [table])];
  const said = [];
  const more = records.length - 1 > body.length;
  if (!complete || more) said.push("Showing the first " + plural(body.length, "row") + (complete ? " of " + (records.length - 1) : "") + " after the header");
  if (!complete) said.push("read from the first " + humanSize(received) + " of " + humanSize(size));
  if (shownColumns < columns) said.push("the first " + shownColumns + " of " + columns + " columns");
  if (said.length) parts.push(note(said.join(", ") + "."));
  return parts;
}

// Indents JSON text without parsing it, so the head of a long file reads
// as well as a whole one: strings are copied as they are.
export function indentJson(text) {
  let out = "", depth = 0, inString = false, escaped = false;
  const newline = () => "\n" + "  ".repeat(depth);
  for (const ch of text) {
    if (inString) {
      out += ch;
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') { inString = true; out += ch; }
    else if (ch === "{" || ch === "[") { depth++; out += ch + newline(); }
    else if (ch === "}" || ch === "]") { depth = Math.max(0, depth - 1); out += newline() + ch; }
    else if (ch === ",") out += "," + newline();
    else if (ch === ":") out += ": ";
    else if (!/\s/.test(ch)) out += ch;
  }
  return out.replace(/([[{])\n\s*([\]}])/g, "$1$2"); // empty {} and [] stay on one line
}

function renderJson(box, text, complete, size, received) {
  let shown = null;
  const parts = [];
  if (complete) {
    try { shown = JSON.stringify(JSON.parse(text), null, 2); }
    catch (e) { parts.push(note("Not valid JSON: shown as it is.")); shown = text; }
  } else {
    shown = indentJson(text);
  }
  if (!shown) return [note("This file is empty.")];
  parts.unshift(el("pre", { className: "fb-text fb-json", tabindex: "0", "aria-label": box.getAttribute("aria-label") || "JSON preview", text: shown }));
  if (!complete) parts.push(note("Showing the first " + humanSize(received) + " of " + humanSize(size) + "."));
  return parts;
}

async function load(box) {
  box.setAttribute("data-loaded", "");
  const size = number(box, "data-size"), maxBytes = number(box, "data-max-bytes");
  let parts;
  try {
    const bytes = await readHead(box.getAttribute("data-url"), maxBytes);
    const complete = bytes.length >= size;
    // Streaming holds back a character cut at the end instead of showing U+FFFD.
    const text = new TextDecoder("utf-8").decode(bytes, { stream: !complete });
    parts = box.getAttribute("data-structured") === "json"
      ? renderJson(box, text, complete, size, bytes.length)
      : renderTable(box, text, complete, size, bytes.length);
  } catch (error) {
    parts = [note("The preview could not be loaded: " + (error.message || "storage could not be reached") +
                  " (for a GCS bucket, check that its CORS setup allows this origin).")];
  }
  if (!box.isConnected) return; // another file was chosen meanwhile
  box.replaceChildren(...parts);
  box.setAttribute("data-ready", "");
}

export function loadPreviews() {
  document.querySelectorAll(".fb-structured:not([data-loaded])").forEach(load);
}

document.addEventListener("htmx:load", loadPreviews);
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", loadPreviews);
else loadPreviews();
