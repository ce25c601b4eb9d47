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

  // A table too wide for the screen scrolls sideways inside its .table-responsive box:
  // keyboard users must be able to reach it (focus it, then scroll with the arrow keys).
  function focusableScrollers(root) {
    (root || document).querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrollFocus = "";
      } else if (!scrolls && box.dataset.scrollFocus !== undefined) {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollFocus;
      }
    });
  }

  // Every Chart.js chart gets its numbers as a table for screen readers (visually hidden,
  // right after the canvas): a chart is never the only way to read the data.
  function chartValue(value) {
    if (value !== null && typeof value === "object") {
      value = value.y;
    }
    if (value === null || value === undefined || Number.isNaN(value)) {
      return "—";
    }
    return typeof value === "number" ? value.toLocaleString(document.documentElement.lang || undefined) : String(value);
  }

  function cell(tag, text, scope) {
    var element = document.createElement(tag);
    element.textContent = text;
    if (scope) {
      element.setAttribute("scope", scope);
    }
    return element;
  }

  function chartTable(chart) {
    var canvas = chart.canvas;
    if (!canvas || !canvas.isConnected) {
      return;
    }
    var data = chart.data || {};
    var datasets = data.datasets || [];
    var labels = data.labels || [];
    // In a visually hidden box (a table grows to its content, whatever width it is given).
    var box = canvas.nextElementSibling;
    if (!box || !box.classList.contains("chart-table")) {
      box = document.createElement("div");
      box.className = "chart-table visually-hidden";
      canvas.insertAdjacentElement("afterend", box);
    }
    box.replaceChildren();
    var table = box.appendChild(document.createElement("table"));
    var caption = canvas.getAttribute("aria-label");
    if (caption) {
      table.appendChild(cell("caption", caption));
    }
    var head = document.createElement("tr");
    head.appendChild(cell("td", ""));
    datasets.forEach(function (dataset) {
      head.appendChild(cell("th", dataset.label || "", "col"));
    });
    table.appendChild(document.createElement("thead")).appendChild(head);
    var body = table.appendChild(document.createElement("tbody"));
    labels.forEach(function (label, index) {
      var row = body.appendChild(document.createElement("tr"));
      row.appendChild(cell("th", Array.isArray(label) ? label.join(" ") : String(label), "row"));
      datasets.forEach(function (dataset) {
        row.appendChild(cell("td", chartValue((dataset.data || [])[index])));
      });
    });
  }

  var chartTablePlugin = {
    id: "chartTable",
    afterUpdate: chartTable,
    afterDestroy: function (chart) {
      var table = chart.canvas && chart.canvas.nextElementSibling;
      if (table && table.classList.contains("chart-table")) {
        table.remove();
      }
    }
  };

  function registerChartTables() {
    if (typeof window.Chart === "undefined" || window.Chart.registry.plugins.get("chartTable")) {
      return;
    }
    window.Chart.register(chartTablePlugin);
    Object.values(window.Chart.instances || {}).forEach(chartTable);  // drawn already
  }

  var resizeTimer = null;
  document.addEventListener("DOMContentLoaded", function () {
    registerChartTables();
    focusableScrollers();
  });
  document.addEventListener("htmx:afterSettle", function () {
    focusableScrollers();
  });
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(focusableScrollers, 150);
  });
})();
