// The bucket browser (templates/storage/browser.html): selection, keyboard,
// client-side sorting of what is loaded, the details panel, and uploads that
// go from the browser straight to signed URLs. No inline handlers (the page's
// Content-Security-Policy forbids them): everything is delegated from
// `document`, so it keeps working across htmx swaps and history restores.
(function () {
  "use strict";

  var UPLOAD_CONCURRENCY = 3;
  var CHECK_BATCH = 200;
  var DEFAULT_DIR = { name: "asc", size: "desc", modified: "desc" };
  var SORT_LABELS = { name: "name", size: "size", modified: "last modified" };

  // --- Small helpers ---------------------------------------------------------

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function fb() { return document.getElementById("fb"); }
  function listing() { return document.getElementById("fb-listing"); }
  function results() { return document.getElementById("fb-results"); }
  function items() { var rows = document.getElementById("fb-rows"); return rows ? $all(".fb-item", rows) : []; }
  function pick(item) { return $(".fb-pick", item); }
  function selected() { return items().filter(function (item) { return pick(item).checked; }); }
  function canWrite() { var root = fb(); return !!root && root.getAttribute("data-can-write") === "1"; }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "className") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function goToLogin() {
    var root = fb();
    var login = (root && root.getAttribute("data-login-url")) || "/accounts/login/";
    window.location.href = login + "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
  }

  function humanSize(bytes) {
    if (bytes < 1024) return bytes + " bytes";
    var units = ["KB", "MB", "GB", "TB"], value = bytes, i = -1;
    do { value /= 1024; i++; } while (value >= 1024 && i < units.length - 1);
    return value.toFixed(1) + " " + units[i];
  }

  // --- Errors render in place -------------------------------------------------
  // The browser's fragments carry X-Omx-Fragment: an error status (503 when
  // storage is down, 400 for a bad name) still holds the message to show.
  function isOurFragment(xhr) { return !!xhr && xhr.status >= 400 && !!xhr.getResponseHeader("X-Omx-Fragment"); }
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (isOurFragment(event.detail.xhr)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // With DEBUG on, django-htmx's helper shows 4xx answers as a whole error
  // page; these are expected messages, so it never gets to see them.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    if (isOurFragment(event.detail.xhr)) event.stopPropagation();
  }, true);

  // --- Status line, selection state ------------------------------------------

  function sortState() {
    var box = results();
    return box ? { key: box.getAttribute("data-sort") || "name", dir: box.getAttribute("data-dir") || "asc" }
               : { key: "name", dir: "asc" };
  }

  function updateStatus() {
    var status = document.getElementById("fb-status");
    if (!status) return;
    var n = items().length, more = !!document.getElementById("fb-more");
    var box = results(), q = box ? box.getAttribute("data-q") : "";
    var sort = sortState(), count = selected().length;
    var text = plural(n, "item") + " loaded";
    if (q) text += " starting with “" + q + "”";
    text += more ? " · more load as you scroll" : " · that is all";
    if (sort.key !== "name" || sort.dir !== "asc") {
      text += " · sorted by " + SORT_LABELS[sort.key] + " within the " + plural(n, "loaded item");
    }
    if (count) text += " · " + count + " selected";
    status.textContent = text;
  }

  function updateSelectionUi() {
    var all = items(), chosen = selected();
    all.forEach(function (item) {
      var on = pick(item).checked;
      item.classList.toggle("is-selected", on);
    });
    var selectAll = document.getElementById("fb-select-all");
    if (selectAll) {
      selectAll.checked = all.length > 0 && chosen.length === all.length;
      selectAll.indeterminate = chosen.length > 0 && chosen.length < all.length;
    }
    var del = document.getElementById("fb-delete");
    if (del) {
      del.disabled = chosen.length === 0;
      var count = $(".fb-count", del);
      if (count) count.textContent = chosen.length > 1 ? " (" + chosen.length + ")" : "";
    }
    updateStatus();
  }

  // --- Details panel -----------------------------------------------------------

  var detailsTimer = null;

  function emptyDetails() {
    var template = document.getElementById("fb-details-empty");
    var current = document.getElementById("fb-details");
    if (!template || !current) return;
    current.replaceWith(template.content.firstElementChild.cloneNode(true));
  }

  function multiDetails(chosen) {
    var current = document.getElementById("fb-details");
    if (!current) return;
    var files = chosen.filter(function (i) { return i.getAttribute("data-kind") === "file"; });
    var folders = chosen.length - files.length;
    var bytes = files.reduce(function (sum, i) { return sum + (parseInt(i.getAttribute("data-size"), 10) || 0); }, 0);
    var parts = [];
    if (files.length) parts.push(plural(files.length, "file") + ", " + humanSize(bytes));
    if (folders) parts.push(plural(folders, "folder"));
    var children = [
      el("p", {}, [el("strong", { text: chosen.length + " items selected" })]),
      el("p", { className: "muted small", text: parts.join(" · ") }),
    ];
    if (canWrite()) {
      children.push(el("button", { type: "button", className: "button danger small", "data-action": "delete",
                                   text: "Delete " + chosen.length + " items…" }));
    }
    var panel = el("div", { id: "fb-details", className: "fb-panel fb-details", "data-name": "" },
                   [el("div", { className: "fb-details-empty fb-details-multi" }, children)]);
    current.replaceWith(panel);
  }

  function showDetails() {
    clearTimeout(detailsTimer);
    detailsTimer = setTimeout(function () {
      var chosen = selected();
      var current = document.getElementById("fb-details");
      if (!current) return;
      if (chosen.length === 0) {
        if (current.getAttribute("data-name")) emptyDetails();
      } else if (chosen.length > 1) {
        multiDetails(chosen);
      } else {
        var item = chosen[0];
        if (current.getAttribute("data-name") === item.getAttribute("data-name")) return;
        htmx.ajax("GET", item.getAttribute("data-details-url"), { target: "#fb-details", swap: "outerHTML" });
      }
    }, 120);
  }

  function selectionChanged() {
    updateSelectionUi();
    showDetails();
  }

  // --- Selecting ------------------------------------------------------------------

  var anchor = null; // where a shift-click range starts

  function setCursor(item, focus) {
    items().forEach(function (other) { other.tabIndex = -1; });
    if (!item) return;
    item.tabIndex = 0;
    if (focus) { item.focus({ preventScroll: true }); item.scrollIntoView({ block: "nearest" }); }
  }

  function selectOnly(item) {
    items().forEach(function (other) { pick(other).checked = other === item; });
  }

  function selectRange(from, to, on) {
    var all = items(), a = all.indexOf(from), b = all.indexOf(to);
    if (a < 0) a = b;
    var lo = Math.min(a, b), hi = Math.max(a, b);
    all.forEach(function (item, i) {
      if (i >= lo && i <= hi) pick(item).checked = on === undefined ? true : on;
      else if (on === undefined) pick(item).checked = false;
    });
  }

  function openItem(item) {
    if (!item) return;
    if (item.getAttribute("data-kind") === "folder") {
      var link = $(".fb-open", item);
      if (link) link.click();
      return;
    }
    selectOnly(item);
    anchor = item;
    selectionChanged();
    var details = document.querySelector(".fb-aside");
    if (details && window.matchMedia("(max-width: 900px)").matches) details.scrollIntoView({ behavior: "smooth" });
  }

  function goUp() {
    var up = document.querySelector("#fb-listing .fb-crumbs a[data-up]");
    if (up) up.click();
  }

  function requestDelete() {
    if (!canWrite() || selected().length === 0) return;
    var form = document.getElementById("fb-selection");
    var button = document.getElementById("fb-delete");
    if (form && button) form.requestSubmit(button);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element) || !fb()) return;

    var action = target.closest("[data-action]");
    if (action) {
      var name = action.getAttribute("data-action");
      if (name === "upload-files" || name === "upload-folder") {
        var input = document.getElementById(name === "upload-files" ? "fb-upload-files" : "fb-upload-folder");
        if (input) input.click();
        return;
      }
      if (name === "delete") { event.preventDefault(); requestDelete(); return; }
      if (name === "close-dialog") { event.preventDefault(); closeDialog(); return; }
      if (name === "tray-close") { closeTray(); return; }
      if (name === "cancel-upload") { cancelJob(action.getAttribute("data-job")); return; }
    }

    var chip = target.closest("[data-fill-bucket]");
    if (chip) {
      var field = document.getElementById("fb-link-bucket_name");
      if (field) { field.value = chip.getAttribute("data-fill-bucket"); (document.getElementById("fb-link-prefix") || field).focus(); }
      return;
    }

    var sortLink = target.closest("a.fb-sort");
    if (sortLink) { event.preventDefault(); sortBy(sortLink.getAttribute("data-sort")); return; }

    var item = target.closest(".fb-item");
    if (!item || !item.closest("#fb-rows")) return;
    if (target.closest(".fb-col-actions")) return; // the Download link

    if (target.closest(".fb-pick")) {
      // The checkbox has toggled itself; shift extends from the anchor.
      if (event.shiftKey && anchor && anchor !== item) selectRange(anchor, item, pick(item).checked);
      anchor = item;
      setCursor(item);
      selectionChanged();
      return;
    }
    var open = target.closest(".fb-open");
    if (open && item.getAttribute("data-kind") === "folder" && !event.shiftKey && !event.metaKey && !event.ctrlKey) {
      return; // htmx navigates into the folder
    }
    event.preventDefault();
    if (event.shiftKey) {
      selectRange(anchor || item, item);
    } else if (event.metaKey || event.ctrlKey) {
      pick(item).checked = !pick(item).checked;
      anchor = item;
    } else {
      selectOnly(item);
      anchor = item;
    }
    setCursor(item, true);
    selectionChanged();
  });

  document.addEventListener("dblclick", function (event) {
    var item = event.target instanceof Element && event.target.closest("#fb-rows .fb-item");
    if (item && !event.target.closest(".fb-pick, .fb-col-actions")) openItem(item);
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "fb-select-all") {
      items().forEach(function (item) { pick(item).checked = target.checked; });
      selectionChanged();
    } else if (target.id === "fb-upload-files" || target.id === "fb-upload-folder") {
      var files = Array.prototype.slice.call(target.files || []);
      var entries = files.map(function (file) {
        return { file: file, path: (target.id === "fb-upload-folder" && file.webkitRelativePath) || file.name };
      });
      target.value = "";
      if (entries.length) startUploads(entries, null);
    }
  });

  // Without JavaScript the filter is a plain GET form; with it, the search box
  // itself asks (debounced), so Enter must not also reload the page.
  document.addEventListener("submit", function (event) {
    if (event.target.classList && event.target.classList.contains("fb-filter")) event.preventDefault();
  });

  // --- Keyboard ---------------------------------------------------------------------

  function columns(all) {
    if (!all.length || !results() || results().getAttribute("data-view") !== "grid") return 1;
    var top = all[0].offsetTop, n = 0;
    while (n < all.length && all[n].offsetTop === top) n++;
    return Math.max(1, n);
  }

  document.addEventListener("keydown", function (event) {
    if (!fb() || event.defaultPrevented || event.altKey) return;
    if (document.querySelector("dialog[open]")) return;
    var target = event.target;
    var inField = target instanceof Element && target.closest("input, textarea, select, [contenteditable=true], summary, button, details form");
    if (inField && !(target.classList && target.classList.contains("fb-pick"))) return;
    // Only from the listing (or nowhere in particular), not from the sidebar or details.
    if (target !== document.body && !(target instanceof Element && target.closest("#fb-listing"))) return;

    var all = items();
    var own = target instanceof Element && target.closest("#fb-rows .fb-item");
    var current = own || all.filter(function (item) { return item.tabIndex === 0; })[0] || selected()[0];
    var index = current ? all.indexOf(current) : -1;
    var key = event.key, step = 0;
    if (key === "ArrowDown") step = columns(all);
    else if (key === "ArrowUp") step = -columns(all);
    else if (key === "ArrowRight" && columns(all) > 1) step = 1;
    else if (key === "ArrowLeft" && columns(all) > 1) step = -1;

    if (step) {
      if (!all.length) return;
      event.preventDefault();
      var next = all[Math.min(all.length - 1, Math.max(0, index < 0 ? 0 : index + step))];
      if (event.shiftKey) selectRange(anchor || current || next, next);
      else { selectOnly(next); anchor = next; }
      setCursor(next, true);
      selectionChanged();
    } else if (key === "Enter" && !event.metaKey && !event.ctrlKey) {
      if (!current) return;
      event.preventDefault();
      openItem(current);
    } else if (key === "Backspace" && !event.metaKey) {
      event.preventDefault();
      goUp();
    } else if (key === "Delete" || (key === "Backspace" && event.metaKey)) {
      event.preventDefault();
      requestDelete();
    } else if (key === " " && current && !(target.classList && target.classList.contains("fb-pick"))) {
      event.preventDefault();
      pick(current).checked = !pick(current).checked;
      anchor = current;
      selectionChanged();
    } else if ((key === "a" || key === "A") && (event.metaKey || event.ctrlKey) && all.length) {
      event.preventDefault();
      all.forEach(function (item) { pick(item).checked = true; });
      selectionChanged();
    } else if (key === "Escape" && selected().length) {
      all.forEach(function (item) { pick(item).checked = false; });
      selectionChanged();
    }
  });

  // --- Sorting what is loaded ----------------------------------------------------------

  function compare(key) {
    return function (a, b) {
      var fa = a.getAttribute("data-kind") === "folder", fbk = b.getAttribute("data-kind") === "folder";
      if (fa !== fbk) return fa ? -1 : 1;
      var la = a.getAttribute("data-label"), lb = b.getAttribute("data-label");
      var byName = la < lb ? -1 : la > lb ? 1 : 0; // GCS order: code points
      if (key === "size") {
        var d = (parseInt(a.getAttribute("data-size"), 10) || 0) - (parseInt(b.getAttribute("data-size"), 10) || 0);
        return d || byName;
      }
      if (key === "modified") {
        var ta = Date.parse(a.getAttribute("data-modified")) || 0, tb = Date.parse(b.getAttribute("data-modified")) || 0;
        return (ta - tb) || byName;
      }
      return byName;
    };
  }

  function applySort() {
    var container = document.getElementById("fb-rows");
    if (!container) return;
    var sort = sortState();
    var all = items(), cmp = compare(sort.key);
    var folders = all.filter(function (i) { return i.getAttribute("data-kind") === "folder"; });
    var files = all.filter(function (i) { return i.getAttribute("data-kind") !== "folder"; });
    var sign = sort.dir === "desc" ? -1 : 1;
    folders.sort(function (a, b) { return (sort.key === "name" ? sign : 1) * cmp(a, b); });
    files.sort(function (a, b) { return sign * cmp(a, b); });
    var more = document.getElementById("fb-more");
    folders.concat(files).forEach(function (item) { container.appendChild(item); });
    if (more) container.appendChild(more);
  }

  function sortBy(key) {
    var box = results();
    if (!box || !SORT_LABELS[key]) return;
    var sort = sortState();
    var dir = sort.key === key ? (sort.dir === "asc" ? "desc" : "asc") : DEFAULT_DIR[key];
    box.setAttribute("data-sort", key);
    box.setAttribute("data-dir", dir);
    $all(".fb-table th[aria-sort]").forEach(function (th) {
      var link = $("a.fb-sort", th);
      th.setAttribute("aria-sort", link && link.getAttribute("data-sort") === key ? (dir === "asc" ? "ascending" : "descending") : "none");
    });
    applySort();
    // The URL (reload, share) and the listing's own refresh keep this order.
    var url = new URL(window.location.href);
    if (key === "name") url.searchParams.delete("sort"); else url.searchParams.set("sort", key);
    if (dir === "asc") url.searchParams.delete("dir"); else url.searchParams.set("dir", dir);
    history.replaceState(history.state, "", url.pathname + url.search);
    updateStatus();
  }

  // --- After htmx swaps -----------------------------------------------------------------

  function markActiveConnection() {
    var current = listing(), id = current ? current.getAttribute("data-connection") : "";
    $all(".fb-conn").forEach(function (li) {
      var on = !!id && li.getAttribute("data-connection") === id;
      li.classList.toggle("active", on);
      var link = $("a", li);
      if (link) { if (on) link.setAttribute("aria-current", "true"); else link.removeAttribute("aria-current"); }
    });
  }

  function refresh() {
    if (!fb()) return;
    fb().classList.add("js"); // shows what only works with JavaScript (uploads, select all)
    markActiveConnection();
    var all = items();
    if (all.length && !all.some(function (item) { return item.tabIndex === 0; })) all[0].tabIndex = 0;
    updateSelectionUi();
    if (trayNode && !trayNode.isConnected) document.body.appendChild(trayNode);
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target) return;
    refresh();
    var id = target.id;
    if (id === "fb-listing" || id === "fb-results") {
      anchor = null;
      emptyDetails();
      // After opening a folder, the keyboard carries on in the new listing.
      if (id === "fb-listing" && (!document.activeElement || document.activeElement === document.body)) {
        var first = items()[0];
        if (first) { first.tabIndex = 0; first.focus({ preventScroll: true }); }
      }
    }
    if (id === "fb-dialog-body") openDialog();
    if (id === "fb-link") {
      var copy = $("#fb-link [data-copy-from]");
      if (copy) copy.click(); // "Copy link" copies once the link exists
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var sort = sortState();
    if ((sort.key !== "name" || sort.dir !== "asc") && event.detail.target && event.detail.target.id === "fb-more") {
      applySort(); // a new page joined what is loaded
    }
    refresh();
  });
  document.addEventListener("htmx:historyRestore", refresh);

  // After an upload, a new folder or a delete (HX-Trigger from the server, or
  // the upload code): list the current folder again, as the address bar says
  // (it carries the filter, the view and the order).
  document.addEventListener("storage-changed", function () {
    if (!listing()) return;
    htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#fb-listing", swap: "outerHTML" });
  });
  document.addEventListener("DOMContentLoaded", refresh);

  // Broken thumbnails (an expired link, not really an image) fall back to the icon.
  document.addEventListener("error", function (event) {
    var img = event.target;
    if (img && img.tagName === "IMG" && img.closest && img.closest(".fb-thumb")) img.closest(".fb-thumb").classList.add("is-broken");
  }, true);

  // --- The dialog (delete confirmation, upload conflicts) ------------------------------------

  function dialog() { return document.getElementById("fb-dialog"); }

  function openDialog() {
    var d = dialog();
    if (d && !d.open) d.showModal();
    var focus = d && $("[autofocus]", d);
    if (focus) focus.focus();
  }

  function closeDialog() {
    var d = dialog();
    if (d && d.open) d.close();
  }

  document.addEventListener("close", function (event) {
    if (event.target && event.target.id === "fb-dialog") {
      var body = document.getElementById("fb-dialog-body");
      if (body) body.textContent = "";
      if (pendingChoice) { var resolve = pendingChoice; pendingChoice = null; resolve("cancel"); }
      var first = items().filter(function (item) { return item.tabIndex === 0; })[0];
      if (first && first.isConnected) first.focus({ preventScroll: true });
    }
  }, true);

  var pendingChoice = null;

  function askConflicts(names, where) {
    return new Promise(function (resolve) {
      var body = document.getElementById("fb-dialog-body");
      if (!body) { resolve("cancel"); return; }
      var list = el("ul", { className: "fb-names" }, names.slice(0, 50).map(function (name) {
        return el("li", {}, [el("span", { className: "mono", text: name })]);
      }));
      if (names.length > 50) list.appendChild(el("li", { className: "muted", text: "and " + (names.length - 50) + " more" }));
      function choose(choice) {
        return function () { pendingChoice = null; resolve(choice); closeDialog(); };
      }
      var replace = el("button", { type: "button", className: "button danger", text: "Replace" });
      var skip = el("button", { type: "button", className: "button secondary", text: "Skip these" });
      var cancel = el("button", { type: "button", className: "button secondary", text: "Cancel upload" });
      replace.addEventListener("click", choose("replace"));
      skip.addEventListener("click", choose("skip"));
      cancel.addEventListener("click", choose("cancel"));
      body.textContent = "";
      body.appendChild(el("div", { className: "fb-dialog-inner" }, [
        el("h2", { id: "fb-dialog-title", text: names.length === 1 ? "A file with this name exists" : names.length + " files with these names exist" }),
        el("p", { text: "Uploading would replace " + (names.length === 1 ? "it" : "them") + " in " + where + ":" }),
        list,
        el("div", { className: "fb-dialog-actions" }, [cancel, skip, replace]),
      ]));
      pendingChoice = resolve;
      openDialog();
      skip.focus();
    });
  }

  // --- Uploads -------------------------------------------------------------------------------

  var jobs = [];
  var jobSeq = 0;
  var running = 0;
  var trayNode = null;
  var CONTENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
  var CONTROL = /[\u0000-\u001f\u007f]/;

  function nameProblem(name, root) {
    if (name.indexOf(root) !== 0) return "It would land outside the linked folder " + (root || "/") + ".";
    if (CONTROL.test(name)) return "Names cannot contain control characters.";
    if (name.charAt(0) === "/") return "Names cannot start with '/'.";
    if (name.indexOf("\\") >= 0) return "Names cannot contain backslashes.";
    if (name.split("/").some(function (s) { return s === "." || s === ".."; })) return "Names cannot contain '.' or '..' segments.";
    if (/\/$/.test(name) || /\/\//.test(name)) return "Names need a file name after each '/'.";
    if (new TextEncoder().encode(name).length > 1024) return "Names are at most 1024 bytes of UTF-8.";
    return null;
  }

  function tray() {
    if (trayNode) {
      if (!trayNode.isConnected) document.body.appendChild(trayNode);
      return trayNode;
    }
    trayNode = el("section", { className: "fb-tray", id: "fb-tray", "aria-label": "Uploads" }, [
      el("header", { className: "fb-tray-head" }, [
        el("h2", { className: "fb-tray-title", id: "fb-tray-title", text: "Uploads" }),
        el("button", { type: "button", className: "fb-icon-button", "data-action": "tray-close",
                       "aria-label": "Close the upload panel", title: "Close", text: "×" }),
      ]),
      el("ul", { className: "fb-tray-list", id: "fb-tray-list" }),
      el("p", { className: "fb-tray-summary", id: "fb-tray-summary", role: "status", "aria-live": "polite" }),
    ]);
    document.body.appendChild(trayNode);
    return trayNode;
  }

  function closeTray() {
    if (running || jobs.some(function (j) { return j.state === "queued"; })) {
      if (!window.confirm("Uploads are still running. Cancel them and close?")) return;
      jobs.forEach(function (j) { if (j.state === "queued" || j.state === "signing" || j.state === "uploading") cancelJob(j.id); });
    }
    jobs = [];
    if (trayNode) { trayNode.remove(); trayNode = null; }
  }

  function renderJob(job) {
    var list = $("#fb-tray-list", tray());
    if (!job.node) {
      job.progress = el("progress", { max: "100", value: "0", "aria-label": "Upload progress of " + job.label });
      job.meta = el("span", { className: "fb-job-meta" });
      job.cancel = el("button", { type: "button", className: "fb-icon-button", "data-action": "cancel-upload",
                                  "data-job": String(job.id), "aria-label": "Cancel the upload of " + job.label,
                                  title: "Cancel", text: "×" });
      job.node = el("li", { className: "fb-job", "data-job": String(job.id) }, [
        el("div", { className: "fb-job-top" }, [el("span", { className: "fb-job-name", title: job.name, text: job.label }), job.cancel]),
        job.progress,
        job.meta,
      ]);
      list.appendChild(job.node);
    }
    job.node.setAttribute("data-state", job.state);
    var percent = job.state === "done" ? 100 : job.total ? Math.floor((job.loaded / job.total) * 100) : 0;
    job.progress.value = percent;
    var text;
    if (job.state === "queued") text = "Waiting…";
    else if (job.state === "signing") text = "Starting…";
    else if (job.state === "uploading") text = percent + "% · " + humanSize(job.loaded) + " of " + humanSize(job.total) + (job.speed ? " · " + humanSize(job.speed) + "/s" : "");
    else if (job.state === "done") text = "Uploaded · " + humanSize(job.total);
    else if (job.state === "cancelled") text = "Cancelled";
    else if (job.state === "skipped") text = "Skipped: a file with this name exists";
    else text = (job.state === "refused" ? "Refused: " : "Failed: ") + job.error;
    job.meta.textContent = text;
    job.cancel.hidden = !(job.state === "queued" || job.state === "signing" || job.state === "uploading");
  }

  function renderSummary() {
    var counts = {};
    jobs.forEach(function (j) { counts[j.state] = (counts[j.state] || 0) + 1; });
    var active = (counts.queued || 0) + (counts.signing || 0) + (counts.uploading || 0);
    var title = $("#fb-tray-title", tray());
    var summary = $("#fb-tray-summary", tray());
    var parts = [];
    if (counts.done) parts.push(counts.done + " uploaded");
    if (counts.failed) parts.push(counts.failed + " failed");
    if (counts.refused) parts.push(counts.refused + " refused");
    if (counts.skipped) parts.push(counts.skipped + " skipped");
    if (counts.cancelled) parts.push(counts.cancelled + " cancelled");
    if (active) {
      title.textContent = "Uploading " + plural(active, "file");
      summary.textContent = parts.join(" · ");
      tray().classList.remove("is-finished");
    } else {
      title.textContent = "Uploads finished";
      summary.textContent = "All done: " + (parts.join(", ") || "nothing to upload") + ".";
      tray().classList.add("is-finished");
    }
  }

  function finishIfIdle() {
    renderSummary();
    var active = jobs.some(function (j) { return j.state === "queued" || j.state === "signing" || j.state === "uploading"; });
    if (!active && jobs.some(function (j) { return j.state === "done" && !j.announced; })) {
      jobs.forEach(function (j) { if (j.state === "done") j.announced = true; });
      htmx.trigger(document.body, "storage-changed", {});
    }
  }

  function startUploads(entries, folderPrefix) {
    var current = listing();
    var root = fb();
    if (!current || !root || !canWrite() || !current.getAttribute("data-connection")) return;
    var where = {
      connection: current.getAttribute("data-connection"),
      bucket: current.getAttribute("data-bucket"),
      prefix: folderPrefix || current.getAttribute("data-prefix"),
      root: current.getAttribute("data-root"),
      api: root.getAttribute("data-upload-api"),
      check: root.getAttribute("data-check-url"),
    };
    var batch = entries.map(function (entry) {
      var job = { id: ++jobSeq, file: entry.file, name: where.prefix + entry.path, label: entry.path,
                  where: where, state: "queued", loaded: 0, total: entry.file.size, speed: 0 };
      var problem = nameProblem(job.name, where.root);
      if (problem) { job.state = "refused"; job.error = problem; }
      return job;
    });
    batch.forEach(function (job) { jobs.push(job); renderJob(job); });
    renderSummary();
    var candidates = batch.filter(function (j) { return j.state === "queued"; });
    // Hold these back until the server has checked names and conflicts.
    candidates.forEach(function (j) { j.held = true; });
    checkNames(where, candidates.map(function (j) { return j.name; })).then(function (answer) {
      candidates.forEach(function (job) {
        if (answer.refused[job.name]) { job.state = "refused"; job.error = answer.refused[job.name]; renderJob(job); }
      });
      var clashing = candidates.filter(function (j) { return j.state === "queued" && answer.existing.indexOf(j.name) >= 0; });
      if (!clashing.length) return "replace";
      return askConflicts(clashing.map(function (j) { return j.name; }), "gs://" + where.bucket + "/" + where.prefix).then(function (choice) {
        clashing.forEach(function (job) {
          if (choice === "skip") job.state = "skipped";
          else if (choice === "cancel") job.state = "cancelled";
          renderJob(job);
        });
        if (choice === "cancel") {
          candidates.forEach(function (job) { if (job.state === "queued") { job.state = "cancelled"; renderJob(job); } });
        }
      });
    }).catch(function (error) {
      candidates.forEach(function (job) { if (job.state === "queued") { job.state = "failed"; job.error = error.message; renderJob(job); } });
    }).then(function () {
      candidates.forEach(function (j) { j.held = false; });
      pump();
      finishIfIdle();
    });
  }

  function readJson(response) {
    if (response.status === 401) { goToLogin(); throw new Error("Your session has ended."); }
    return response.text().then(function (text) {
      var body = null;
      try { body = JSON.parse(text); } catch (e) { /* not JSON */ }
      if (!response.ok || !body) {
        var detail = body && (body.detail || Object.keys(body).map(function (k) { return [].concat(body[k]).join(" "); }).join(" "));
        throw new Error(detail || "The server answered " + response.status + ".");
      }
      return body;
    });
  }

  function checkNames(where, names) {
    var answer = { existing: [], refused: {} };
    var chain = Promise.resolve();
    for (var i = 0; i < names.length; i += CHECK_BATCH) {
      (function (slice) {
        chain = chain.then(function () {
          var form = new FormData();
          form.append("c", where.connection);
          slice.forEach(function (name) { form.append("name", name); });
          return fetch(where.check, { method: "POST", body: form, credentials: "same-origin",
                                      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" } })
            .then(readJson)
            .then(function (body) {
              answer.existing = answer.existing.concat(body.existing || []);
              Object.assign(answer.refused, body.refused || {});
            });
        });
      })(names.slice(i, i + CHECK_BATCH));
    }
    return chain.then(function () { return answer; });
  }

  function pump() {
    while (running < UPLOAD_CONCURRENCY) {
      var next = jobs.filter(function (j) { return j.state === "queued" && !j.held; })[0];
      if (!next) break;
      run(next);
    }
  }

  function settle(job, state, error) {
    if (job.state === "done" || job.state === "failed" || job.state === "cancelled") return;
    job.state = state;
    if (error) job.error = error;
    job.xhr = null;
    running--;
    renderJob(job);
    pump();
    finishIfIdle();
  }

  // Signed URLs are asked for one at a time (each is a small, quick request);
  // the bytes themselves go up to UPLOAD_CONCURRENCY at once.
  var signing = Promise.resolve();

  function sign(job, type) {
    var answer = signing.then(function () {
      if (job.state !== "signing") throw new Error("cancelled");
      return fetch(job.where.api, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ bucket: job.where.bucket, object_name: job.name, content_type: type }),
      }).then(readJson);
    });
    signing = answer.catch(function () { /* the next job signs regardless */ });
    return answer;
  }

  function run(job) {
    running++;
    job.state = "signing";
    renderJob(job);
    var type = job.file.type && CONTENT_TYPE.test(job.file.type) ? job.file.type : "application/octet-stream";
    sign(job, type).then(function (signed) {
      if (job.state !== "signing") return; // cancelled meanwhile
      put(job, signed);
    }).catch(function (error) {
      if (job.state === "signing") settle(job, "failed", error.message);
    });
  }

  function put(job, signed) {
    var xhr = new XMLHttpRequest();
    job.xhr = xhr;
    job.state = "uploading";
    job.samples = [[performance.now(), 0]];
    xhr.open(signed.method || "PUT", signed.url);
    var headers = signed.headers || {};
    Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
    xhr.upload.onprogress = function (event) {
      if (!event.lengthComputable) return;
      var now = performance.now();
      job.loaded = event.loaded;
      job.total = event.total;
      job.samples.push([now, event.loaded]);
      while (job.samples.length > 2 && now - job.samples[0][0] > 1500) job.samples.shift();
      var first = job.samples[0], seconds = (now - first[0]) / 1000;
      job.speed = seconds > 0.05 ? (event.loaded - first[1]) / seconds : 0;
      renderJob(job);
    };
    xhr.onload = function () {
      if (xhr.status >= 200 && xhr.status < 300) {
        job.loaded = job.total;
        settle(job, "done");
      } else {
        settle(job, "failed", uploadError(xhr));
      }
    };
    xhr.onerror = function () { settle(job, "failed", "Storage could not be reached (network, or the bucket's CORS setup)."); };
    xhr.onabort = function () { settle(job, "cancelled"); };
    renderJob(job);
    xhr.send(job.file);
  }

  function uploadError(xhr) {
    var text = xhr.responseText || "";
    try { var body = JSON.parse(text); if (body.detail) return body.detail; } catch (e) { /* XML from GCS */ }
    var match = /<Message>([^<]*)<\/Message>/.exec(text);
    return (match ? match[1] : "Storage answered " + xhr.status) + ".";
  }

  function cancelJob(id) {
    var job = jobs.filter(function (j) { return String(j.id) === String(id); })[0];
    if (!job) return;
    if (job.state === "uploading" && job.xhr) { job.xhr.abort(); return; }
    if (job.state === "signing") { settle(job, "cancelled"); return; }
    if (job.state === "queued") { job.state = "cancelled"; renderJob(job); finishIfIdle(); }
  }

  // --- Drag and drop ------------------------------------------------------------------------

  function hasFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return !!types && Array.prototype.indexOf.call(types, "Files") >= 0;
  }

  function dropZone(event) {
    var main = document.getElementById("fb-main");
    return main && event.target instanceof Node && main.contains(event.target) && listing() &&
      listing().getAttribute("data-connection") && canWrite() ? main : null;
  }

  function clearDragState() {
    var main = document.getElementById("fb-main");
    if (main) main.classList.remove("is-dragging");
    $all(".fb-item.is-drop-target").forEach(function (item) { item.classList.remove("is-drop-target"); });
  }

  var dragDepth = 0;
  document.addEventListener("dragenter", function (event) {
    if (!fb() || !hasFiles(event)) return;
    var zone = dropZone(event);
    if (zone) { dragDepth++; zone.classList.add("is-dragging"); }
  });
  document.addEventListener("dragleave", function (event) {
    if (!fb() || !hasFiles(event) || !dropZone(event)) return;
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) clearDragState();
  });
  document.addEventListener("dragover", function (event) {
    if (!fb() || !hasFiles(event)) return;
    event.preventDefault(); // never let a dropped file replace the page
    var zone = dropZone(event);
    event.dataTransfer.dropEffect = zone ? "copy" : "none";
    $all(".fb-item.is-drop-target").forEach(function (item) { item.classList.remove("is-drop-target"); });
    var folder = zone && event.target.closest && event.target.closest("#fb-rows .fb-item[data-kind=folder]");
    if (folder) folder.classList.add("is-drop-target");
  });
  document.addEventListener("drop", function (event) {
    if (!fb() || !event.dataTransfer) return;
    event.preventDefault();
    dragDepth = 0;
    var zone = dropZone(event);
    var folder = zone && event.target.closest && event.target.closest("#fb-rows .fb-item[data-kind=folder]");
    clearDragState();
    if (!zone) return;
    collectDropped(event.dataTransfer).then(function (entries) {
      if (entries.length) startUploads(entries, folder ? folder.getAttribute("data-name") : null);
    });
  });

  function collectDropped(dataTransfer) {
    var list = dataTransfer.items ? Array.prototype.slice.call(dataTransfer.items).filter(function (i) { return i.kind === "file"; }) : [];
    if (!list.length) {
      return Promise.resolve(Array.prototype.slice.call(dataTransfer.files || []).map(function (f) { return { file: f, path: f.name }; }));
    }
    // Entries and files must be taken now: the DataTransfer empties after the event.
    var taken = list.map(function (item) {
      return { entry: item.webkitGetAsEntry ? item.webkitGetAsEntry() : null, file: item.getAsFile() };
    });
    return Promise.all(taken.map(function (t) {
      if (t.entry && t.entry.isDirectory) return walk(t.entry, t.entry.name + "/");
      return Promise.resolve(t.file ? [{ file: t.file, path: t.file.name }] : []);
    })).then(function (lists) { return [].concat.apply([], lists); });
  }

  function walk(directory, path) {
    return new Promise(function (resolve) {
      var reader = directory.createReader(), found = [];
      (function more() {
        reader.readEntries(function (batch) {
          if (batch.length) { found = found.concat(batch); more(); return; }
          Promise.all(found.map(function (entry) {
            if (entry.isDirectory) return walk(entry, path + entry.name + "/");
            return new Promise(function (done) {
              entry.file(function (file) { done([{ file: file, path: path + entry.name }]); }, function () { done([]); });
            });
          })).then(function (lists) { resolve([].concat.apply([], lists)); });
        }, function () { resolve([]); });
      })();
    });
  }

  // Leaving the page mid-upload loses the uploads: ask first.
  window.addEventListener("beforeunload", function (event) {
    if (running > 0) { event.preventDefault(); event.returnValue = ""; }
  });
})();
