// Small behaviours shared by every page. No inline handlers: the page's
// Content-Security-Policy allows only scripts served from here.
(function () {
  "use strict";

  // Buttons and forms marked data-confirm ask first, in the app's own
  // dialog: the focus starts on Cancel, so Enter right away cancels.
  // data-confirm-label names the button that goes ahead; data-confirm-danger
  // marks it destructive.
  function ask(source) {
    return new Promise(function (resolve) {
      var dialog = document.createElement("dialog");
      dialog.className = "fb-dialog app-confirm";
      dialog.setAttribute("aria-labelledby", "app-confirm-text");
      var inner = document.createElement("div");
      inner.className = "fb-dialog-inner";
      var text = document.createElement("p");
      text.id = "app-confirm-text";
      text.textContent = source.getAttribute("data-confirm");
      var actions = document.createElement("div");
      actions.className = "fb-dialog-actions";
      var cancel = document.createElement("button");
      cancel.type = "button";
      cancel.className = "button secondary";
      cancel.textContent = "Cancel";
      var go = document.createElement("button");
      go.type = "button";
      go.className = source.hasAttribute("data-confirm-danger") ? "button danger" : "button";
      go.textContent = source.getAttribute("data-confirm-label") || "OK";
      actions.appendChild(cancel);
      actions.appendChild(go);
      inner.appendChild(text);
      inner.appendChild(actions);
      dialog.appendChild(inner);
      document.body.appendChild(dialog);
      var answer = false;
      cancel.addEventListener("click", function () { dialog.close(); });
      go.addEventListener("click", function () { answer = true; dialog.close(); });
      dialog.addEventListener("close", function () { dialog.remove(); resolve(answer); });
      dialog.showModal();
      cancel.focus();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-confirm") || form.__confirmed) { form.__confirmed = false; return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    var submitter = event.submitter;
    ask(form).then(function (yes) {
      if (!yes) return;
      form.__confirmed = true;
      form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    });
  }, true);
  document.body && document.body.addEventListener("htmx:confirm", function (event) {
    var element = event.detail.elt;
    if (!element.hasAttribute("data-confirm") || element.tagName === "FORM") return;
    event.preventDefault();
    ask(element).then(function (yes) { if (yes) event.detail.issueRequest(true); });
  });

  // Copy buttons: data-copy holds the text, or data-copy-from a selector.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy], [data-copy-from]");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    if (text === null) {
      var source = document.querySelector(button.getAttribute("data-copy-from"));
      text = source ? (source.value || source.textContent) : "";
    }
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, done);
    } else {
      var area = document.createElement("textarea");
      area.value = text; document.body.appendChild(area); area.select();
      try { document.execCommand("copy"); } catch (e) { /* ignore */ }
      area.remove(); done();
    }
  });

  // A session that expired during an htmx request: go to log in and come back.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status === 401) {
      window.location.href = "/accounts/login/?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    }
  });
})();
