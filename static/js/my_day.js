// My day: hide the Undo button a few seconds after a log, and reset the details form
// after each successful log so that the next tap starts from "1, now, no note".
(function () {
  "use strict";

  function armExpiring(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var found = Array.prototype.slice.call(scope.querySelectorAll("[data-expires]"));
    if (scope.matches && scope.matches("[data-expires]")) {
      found.push(scope);
    }
    found.forEach(function (element) {
      if (element.dataset.armed) {
        return;
      }
      element.dataset.armed = "1";
      var seconds = parseInt(element.dataset.expires, 10) || 10;
      window.setTimeout(function () {
        element.classList.add("d-none");
      }, seconds * 1000);
    });
  }

  function resetLogForm(form) {
    form.reset();
    form.querySelectorAll("input[type=hidden][name=latitude], input[type=hidden][name=longitude]")
      .forEach(function (input) { input.value = ""; });
    if (window.salesmgmtClearLocation) {
      window.salesmgmtClearLocation(form);
    }
  }

  document.addEventListener("DOMContentLoaded", function () { armExpiring(document); });
  document.addEventListener("htmx:afterSettle", function () { armExpiring(document); });

  document.addEventListener("htmx:afterRequest", function (event) {
    var source = event.detail && event.detail.elt;
    if (!(source instanceof Element)) {
      return;
    }
    var form = source.closest("#log-form");
    var response = event.detail.xhr;
    if (form && event.detail.successful && response && response.status === 200) {
      resetLogForm(form);
    }
  });
})();
