// Location on activity forms (my day, edit). The browser is asked for the position only
// when the person taps "Add my location": no prompt on page load (consent first).
(function () {
  "use strict";

  function byId(id) {
    return id ? document.getElementById(id) : null;
  }

  function setStatus(button, text) {
    var status = byId(button.dataset.status);
    if (status) {
      status.textContent = text;
    }
  }

  function clearButtonFor(button) {
    var wrapper = button.closest("[data-location]");
    return wrapper ? wrapper.querySelector("[data-clear-location]") : null;
  }

  function locate(button) {
    var lat = byId(button.dataset.lat);
    var lon = byId(button.dataset.lon);
    if (!lat || !lon) {
      return;
    }
    if (!("geolocation" in navigator)) {
      setStatus(button, button.dataset.msgUnsupported);
      return;
    }
    button.disabled = true;
    setStatus(button, button.dataset.msgAsking);
    navigator.geolocation.getCurrentPosition(
      function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lon.value = position.coords.longitude.toFixed(6);
        button.disabled = false;
        setStatus(button, button.dataset.msgAdded + ": " + lat.value + ", " + lon.value);
        var clear = clearButtonFor(button);
        if (clear) {
          clear.classList.remove("d-none");
        }
      },
      function () {
        button.disabled = false;
        setStatus(button, button.dataset.msgFailed);
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  function clearLocation(button) {
    var lat = byId(button.dataset.lat);
    var lon = byId(button.dataset.lon);
    if (lat) { lat.value = ""; }
    if (lon) { lon.value = ""; }
    setStatus(button, button.dataset.msgNone);
    button.classList.add("d-none");
  }

  // Delegated, so forms swapped in by htmx work without re-binding.
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) {
      return;
    }
    var locateButton = target.closest("[data-geolocate]");
    if (locateButton) {
      event.preventDefault();
      locate(locateButton);
      return;
    }
    var clearButton = target.closest("[data-clear-location]");
    if (clearButton) {
      event.preventDefault();
      clearLocation(clearButton);
    }
  });

  window.salesmgmtClearLocation = function (root) {
    root.querySelectorAll("[data-clear-location]").forEach(clearLocation);
  };
})();
