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
// Print buttons (the summary page); without JavaScript the browser's print works the same.
document.addEventListener("click", function (event) {
  if (event.target && event.target.matches("[data-print]")) { window.print(); }
});
