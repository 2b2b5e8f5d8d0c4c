// Live suggestions on the idea form: similar ideas of other organisations, shown while one
// writes the title, summary and challenge. Without JavaScript the form shows the list for
// what it held when last sent, and the project page shows it after saving.
//
// The server renders the suggestions (projects/_similar_live.html), so they read exactly
// as on the project page. Only the short count goes into the polite status region; the
// list itself is not read out on every change, it is there to move to when one wants.
(function () {
  "use strict";
  var WAIT_MS = 400;   // wait until typing pauses
  var LEAST = 3;       // characters before asking
  var FIELDS = ["title", "summary", "challenge"];

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector(".suggestions[data-similar-url]");
    if (!box || !window.fetch || !window.DOMParser) { return; }
    var form = box.closest("form");
    var status = box.querySelector("[data-similar-status]");
    var list = box.querySelector("[data-similar-list]");
    var hint = box.querySelector("[data-similar-hint]");
    var most = parseInt(box.dataset.similarMax, 10) || 1000;
    var inputs = FIELDS.map(function (name) { return form.elements.namedItem(name); })
      .filter(function (input) { return input; });
    var timer = null;
    var latest = 0;
    var lastText = null;

    hint.textContent = box.dataset.hintText;

    function currentText() {
      var text = inputs.map(function (input) { return input.value.trim(); })
        .filter(function (value) { return value; }).join(". ");
      return text.slice(0, most);
    }

    function show(countText, newList) {
      // Only a changed count is written, so the status region speaks only when news come.
      if (status.textContent !== countText) { status.textContent = countText; }
      list.replaceChildren();
      if (newList) { list.appendChild(newList); }
    }

    function ask() {
      var text = currentText();
      if (text === lastText) { return; }
      lastText = text;
      var sequence = ++latest;
      if (text.length < LEAST) { show("", null); return; }
      var url = new URL(box.dataset.similarUrl, window.location.href);
      url.searchParams.set("text", text);
      fetch(url.toString(), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (!response.ok && response.status !== 400) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (html) {
          if (sequence !== latest) { return; }  // a later text is on its way
          var fragment = new DOMParser().parseFromString(html, "text/html");
          var count = fragment.querySelector("[data-similar-count]");
          var found = fragment.querySelector("ul.similar");
          show(count ? count.textContent.trim() : "", found ? document.importNode(found, true) : null);
        })
        .catch(function () {
          if (sequence === latest) { show(box.dataset.failedText, null); lastText = null; }
        });
    }

    inputs.forEach(function (input) {
      input.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(ask, WAIT_MS);
      });
    });
  });
})();
