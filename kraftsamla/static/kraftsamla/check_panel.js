// The application's check panel, refreshed while one edits: after a change in a form marked
// data-check-form, the form's values go to the panel's address, which checks them against
// the call's rules without saving and answers with the panel's HTML. Without JavaScript
// the panel shows the saved application and the forms save as usual.
//
// Only the one-line summary goes into the polite status region, so a screen reader hears
// "9 rules passed, 1 failed…" rather than the whole list on every change.
(function () {
  "use strict";
  var WAIT_MS = 400;

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.querySelector("[data-check-url]");
    if (!panel || !window.fetch || !window.FormData) { return; }
    var body = panel.querySelector("[data-check-body]");
    var status = panel.querySelector("[data-check-status]");
    var forms = document.querySelectorAll("form[data-check-form]");
    var timer = null;
    var latest = 0;

    function refresh(form) {
      var asked = ++latest;
      fetch(panel.dataset.checkUrl, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      }).then(function (html) {
        if (asked !== latest) { return; }
        body.innerHTML = html;
        var summary = body.querySelector("[data-check-summary]");
        if (summary && status) { status.textContent = summary.textContent; }
      }).catch(function () { /* the panel keeps what it showed; saving still checks */ });
    }

    Array.prototype.forEach.call(forms, function (form) {
      function later() {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { refresh(form); }, WAIT_MS);
      }
      form.addEventListener("input", later);
      form.addEventListener("change", later);
    });
  });
})();
