// RevGen admin: progressive enhancement only. Every page works without this file; with it,
// destructive forms ask first, forms cannot be sent twice, times read in your own zone, and
// RevGen.send() makes same-origin calls carrying this session's CSRF token.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : null;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.dataset.sent === "yes") {
      event.preventDefault();  // a second click while the first is on its way
      return;
    }
    form.dataset.sent = "yes";
    form.setAttribute("aria-busy", "true");
  });

  function localTimes() {
    document.querySelectorAll("time[datetime]").forEach(function (node) {
      var when = new Date(node.getAttribute("datetime"));
      if (!isNaN(when.getTime())) {
        node.textContent = when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
      }
    });
  }

  window.RevGen = {
    send: function (method, url, body) {
      var headers = { "Accept": "application/json" };
      var token = csrfToken();
      if (token) headers["X-CSRF-Token"] = token;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      return fetch(url, { method: method, headers: headers, credentials: "same-origin",
                          body: body === undefined ? undefined : JSON.stringify(body) });
    }
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", localTimes);
  } else {
    localTimes();
  }
})();
