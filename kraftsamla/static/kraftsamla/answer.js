// Save each answer as soon as it is chosen, so nothing is lost if the browser closes.
// Without JavaScript the page's Save buttons do the same.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.answer-form[data-autosave-url]");
    if (!form || !window.fetch) { return; }
    var url = form.dataset.autosaveUrl;
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    function save(fieldset) {
      var id = fieldset.dataset.statement;
      var checked = fieldset.querySelector("input[type=radio]:checked");
      var status = fieldset.querySelector(".save-status");
      if (!checked) { return; }
      var body = new FormData();
      body.append("statement", id);
      body.append("score", checked.value);
      body.append("evidence", fieldset.querySelector("textarea").value);
      fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": token }, credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
        .then(function (res) {
          status.textContent = res.ok ? res.data.message : res.data.error;
          status.classList.toggle("errorlist", !res.ok);
        })
        .catch(function () { status.textContent = ""; });
    }
    form.querySelectorAll("fieldset.statement").forEach(function (fieldset) {
      fieldset.querySelectorAll("input[type=radio]").forEach(function (radio) {
        radio.addEventListener("change", function () { save(fieldset); });
      });
      fieldset.querySelector("textarea").addEventListener("change", function () { save(fieldset); });
    });
  });
})();
