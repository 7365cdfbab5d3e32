// RevGen admin: progressive enhancement only. Every page works without this file; with it,
// destructive forms ask first, forms cannot be sent twice, times read in your own zone,
// RevGen.send() makes same-origin calls carrying this session's CSRF token, and pages with a
// live stream ([data-live]) refresh their live regions when the server says something changed.
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

  // The stream only says "look again": the page asks for itself (authorized as any request)
  // and swaps in its [data-live-region] parts, so what shows is what this person may see.
  function follow(marker) {
    if (!window.EventSource) return;
    var lead = marker.getAttribute("data-live-lead");
    // the page itself, even when it was drawn as the answer to a form (a refused claim)
    var self = marker.getAttribute("data-live-page") || window.location.href;
    var busy = false, again = false;
    function refresh() {
      if (busy) { again = true; return; }
      busy = true;
      fetch(self, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (!response.ok) {
            marker.setAttribute("data-live-state", "refused");
            marker.textContent = "You can no longer see this page (" + response.status + "). Reload to find out why.";
            return null;
          }
          return response.text();
        })
        .then(function (html) {
          if (!html) return;
          var fresh = new DOMParser().parseFromString(html, "text/html");
          document.querySelectorAll("[data-live-region]").forEach(function (region) {
            var replacement = fresh.getElementById(region.id);
            if (!replacement) return;
            // leads ticked for follow-ups stay ticked when the list is drawn again
            var ticked = Array.prototype.map.call(region.querySelectorAll("input[type=checkbox]:checked"),
                                                  function (box) { return box.id; });
            region.innerHTML = replacement.innerHTML;
            ticked.forEach(function (id) {
              var box = document.getElementById(id);
              if (box) box.checked = true;
            });
          });
          localTimes();
          marker.setAttribute("data-refreshed", String(Number(marker.getAttribute("data-refreshed") || 0) + 1));
        })
        .finally(function () {
          busy = false;
          if (again) { again = false; refresh(); }
        });
    }
    var source = new EventSource(marker.getAttribute("data-live"));
    source.addEventListener("ready", function () { marker.setAttribute("data-live-state", "open"); });
    source.addEventListener("change", function (event) {
      var change = JSON.parse(event.data);
      if (lead && change.lead_phone && change.lead_phone !== lead) return;  // another lead's conversation
      refresh();
    });
    source.addEventListener("refused", function () { source.close(); refresh(); });
    source.onerror = function () { marker.setAttribute("data-live-state", "reconnecting"); };
  }

  function start() {
    localTimes();
    document.querySelectorAll("[data-live]").forEach(follow);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
