// Kraftsamla's own small enhancements; every page works without them.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to the error summary so screen-reader and keyboard users hear it first.
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    // Filter selects submit their form when changed, if the person prefers that
    // (the Filter button stays for everyone else).
    document.querySelectorAll("form.filter-form select").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form && select.form.dataset.autosubmit === "true") { select.form.submit(); }
      });
    });
  });
})();
