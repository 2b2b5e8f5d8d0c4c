// Save each answer once the choice settles, so nothing is lost if the browser closes.
// Without JavaScript the page's Save buttons do the same.
//
// The last choice always wins: every save carries a sequence number that grows with each
// choice (a millisecond timestamp, so a reloaded page continues above the last one). The
// server keeps the newest number per answer and refuses older ones, and the page shows only
// the reply to its latest save of a statement, which says what is actually stored.
(function () {
  "use strict";
  var SETTLE_MS = 300;
  var lastSequence = 0;

  function nextSequence() {
    lastSequence = Math.max(Date.now(), lastSequence + 1);
    return lastSequence;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.answer-form[data-autosave-url]");
    if (!form || !window.fetch) { return; }
    var url = form.dataset.autosaveUrl;
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var pending = [];

    function showStatus(fieldset, text, failed) {
      var status = fieldset.querySelector(".save-status");
      status.textContent = text;
      status.classList.toggle("errorlist", failed);
      fieldset.classList.toggle("save-failed", failed);
    }

    function showStored(fieldset, stored) {
      if (!stored.applied) {
        // A newer answer was stored (e.g. from another window): show that one.
        var radio = fieldset.querySelector("input[type=radio][value='" + stored.score + "']");
        if (radio) { radio.checked = true; }
      }
      showStatus(fieldset, stored.message, false);
    }

    function send(fieldset, state) {
      var checked = fieldset.querySelector("input[type=radio]:checked");
      if (!checked) { return; }
      var sequence = nextSequence();
      state.latest = sequence;
      var body = new FormData();
      body.append("statement", fieldset.dataset.statement);
      body.append("score", checked.value);
      body.append("evidence", fieldset.querySelector("textarea").value);
      body.append("sequence", String(sequence));
      fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": token }, credentials: "same-origin" })
        .then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        })
        .then(function (result) {
          if (state.latest !== sequence) { return; }  // a later choice is on its way
          if (result.ok) {
            showStored(fieldset, result.data);
          } else {
            showStatus(fieldset, result.data.error || form.dataset.failedText, true);
          }
        })
        .catch(function () {
          if (state.latest === sequence) { showStatus(fieldset, form.dataset.failedText, true); }
        });
    }

    function schedule(fieldset, state) {
      window.clearTimeout(state.timer);
      showStatus(fieldset, form.dataset.savingText, false);
      state.timer = window.setTimeout(function () { send(fieldset, state); }, SETTLE_MS);
    }

    form.querySelectorAll("fieldset.statement").forEach(function (fieldset) {
      var state = { latest: 0, timer: null };
      pending.push(state);
      fieldset.querySelectorAll("input[type=radio]").forEach(function (radio) {
        radio.addEventListener("change", function () { schedule(fieldset, state); });
      });
      fieldset.querySelector("textarea").addEventListener("change", function () { schedule(fieldset, state); });
    });
    // The Save buttons send every answer of the page: the waiting saves are not needed.
    form.addEventListener("submit", function () {
      pending.forEach(function (state) { window.clearTimeout(state.timer); });
    });
  });
})();
