// Behaviour shared by every page. No inline scripts: the CSP allows only files from 'self'.
(function () {
  "use strict";
  // Forms with data-confirm ask before submitting (deletes, deactivations).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm) {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        event.stopPropagation();
      }
    }
  }, true);
})();
