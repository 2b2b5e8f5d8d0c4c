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
// Wide tables: say "scroll sideways" above a table region only while it is too wide to show.
(function () {
  "use strict";
  function markScrollable() {
    document.querySelectorAll(".table-scroll").forEach(function (region) {
      var scrollable = region.scrollWidth > region.clientWidth + 1;
      var hint = region.previousElementSibling;
      region.classList.toggle("is-scrollable", scrollable);
      if (hint && hint.classList.contains("scroll-hint")) { hint.hidden = !scrollable; }
    });
  }
  document.addEventListener("DOMContentLoaded", markScrollable);
  window.addEventListener("resize", markScrollable);
})();
// The map's search: after a search the first municipality found gets the focus on the map
// (it is marked there and listed below, with or without JavaScript).
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var found = document.querySelector("svg.map a.is-match");
  if (found && !document.getElementById("error-summary")) { found.focus(); }
});
