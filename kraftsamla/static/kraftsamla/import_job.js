// The progress of a long import: asks the server every two seconds and updates the bar,
// and opens the result when the import is done. Without JavaScript the page has a link
// that shows the progress again. Only the stage goes into the status region (read out
// when it changes), not every percent.
(function () {
  "use strict";
  var EVERY_MS = 2000;

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector(".import-job[data-job-url]");
    if (!box || !window.fetch || box.hasAttribute("data-finished")) { return; }
    var bar = box.querySelector("progress");
    var percent = box.querySelector("[data-job-percent]");
    var stage = box.querySelector("[data-job-stage]");
    var message = box.querySelector("[data-job-message]");

    function show(job) {
      bar.value = job.progress;
      percent.textContent = job.progress + "\u00a0%";
      if (stage.textContent !== job.stage) { stage.textContent = job.stage; }
      if (job.message) {
        var list = document.createElement("ul");
        list.className = "errorlist";
        job.message.split("\n").forEach(function (line) {
          var item = document.createElement("li");
          item.textContent = line;
          list.appendChild(item);
        });
        message.replaceChildren(list);
      }
    }

    function ask() {
      fetch(box.dataset.jobUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) { return; }
          show(job);
          if (job.url) { window.location.assign(job.url); return; }
          if (!job.finished) { window.setTimeout(ask, EVERY_MS); }
        })
        .catch(function () { window.setTimeout(ask, EVERY_MS * 2); });
    }

    window.setTimeout(ask, EVERY_MS);
  });
})();
