// Small behaviours shared by every page. No inline handlers: the page's
// Content-Security-Policy allows only scripts served from here.
(function () {
  "use strict";

  // Buttons and forms marked data-confirm ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.body && document.body.addEventListener("htmx:confirm", function (event) {
    var message = event.detail.elt.getAttribute("data-confirm");
    if (!message || event.detail.elt.tagName === "FORM") return;
    event.preventDefault();
    if (window.confirm(message)) event.detail.issueRequest(true);
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
