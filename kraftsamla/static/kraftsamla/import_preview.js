// The import preview: show only the fields that matter for what the file holds (indicator
// values or emission figures). The server names them (the form's FIELDS_OF_KIND); without
// JavaScript every field shows and the server ignores the ones that do not apply.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("import-mapping");
    var data = document.getElementById("fields-of-kind");
    if (!form || !data) { return; }
    var fieldsOfKind = JSON.parse(data.textContent);

    function wrapper(name) {
      var input = form.elements.namedItem(name);
      return input && input.closest ? input.closest(".field") : null;
    }

    function update() {
      var chosen = form.querySelector("input[name=kind]:checked");
      Object.keys(fieldsOfKind).forEach(function (kind) {
        fieldsOfKind[kind].forEach(function (name) {
          var box = wrapper(name);
          if (box) { box.hidden = Boolean(chosen) && chosen.value !== kind; }
        });
      });
    }

    form.addEventListener("change", function (event) {
      if (event.target.name === "kind") { update(); }
    });
    update();
  });
})();
