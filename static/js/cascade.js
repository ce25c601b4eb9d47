// Cascade editor: show the weight inputs only for "By weights" and the chosen kind of split.
(function () {
  "use strict";

  function checked(form, name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  function update(form) {
    var to = checked(form, "to");
    var byWeights = checked(form, "strategy") === "weights";
    form.querySelectorAll("[data-weights-for]").forEach(function (group) {
      group.hidden = !(byWeights && group.dataset.weightsFor === to);
    });
  }

  function init() {
    document.querySelectorAll("form[data-cascade-form]").forEach(function (form) {
      update(form);
      form.addEventListener("change", function () { update(form); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
