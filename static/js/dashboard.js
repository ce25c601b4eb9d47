// Dashboard pages: draw every <canvas data-chart="ID"> from the JSON that the page embeds
// with json_script under that ID (inside a <template>, see chartData). The period tabs
// swap the dashboard with htmx, so charts are drawn again after each swap (and after a
// history restore); the charts of swapped-out canvases are destroyed. No inline scripts
// or styles: the CSP allows only files from 'self'.
(function () {
  "use strict";

  var PALETTE = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997", "#0dcaf0", "#6c757d"];
  var charts = [];

  function colour(index, alpha) {
    var hex = PALETTE[index % PALETTE.length];
    if (alpha === undefined) {
      return hex;
    }
    var value = parseInt(hex.slice(1), 16);
    return "rgba(" + (value >> 16) + ", " + ((value >> 8) & 255) + ", " + (value & 255) + ", " + alpha + ")";
  }

  function percentTicks(value) {
    return value + "%";
  }

  function small() {
    return window.matchMedia("(max-width: 576px)").matches;
  }

  function baseOptions() {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: small() ? "bottom" : "top" } }
    };
  }

  function seriesChart(data, type, options) {
    return {
      type: type,
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, index) {
          return {
            label: series.label,
            data: series.data,
            borderColor: colour(index),
            backgroundColor: colour(index, type === "line" ? 1 : 0.75),
            spanGaps: true
          };
        })
      },
      options: options
    };
  }

  var BUILDERS = {
    // Weekly attainment of each team goal: actual over the week's target, in percent.
    trend: function (data) {
      var options = baseOptions();
      options.scales = {
        y: { beginAtZero: true, title: { display: !small(), text: data.axisLabel }, ticks: { callback: percentTicks } }
      };
      return seriesChart(data, "bar", options);
    },
    // Funnel stages: counts as bars, conversion from the stage before as a line.
    funnel: function (data) {
      var options = baseOptions();
      options.scales = {
        y: { beginAtZero: true, position: "left", ticks: { precision: 0 } },
        pct: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, ticks: { callback: percentTicks } }
      };
      return {
        data: {
          labels: data.labels,
          datasets: [
            { type: "bar", label: data.countLabel, data: data.counts, backgroundColor: colour(0, 0.75), yAxisID: "y" },
            {
              type: "line", label: data.conversionLabel, data: data.conversions, borderColor: colour(4),
              backgroundColor: colour(4), spanGaps: true, yAxisID: "pct"
            }
          ]
        },
        options: options
      };
    },
    // Open pipeline: amount per stage as bars, the number of deals as a line.
    pipeline: function (data) {
      var options = baseOptions();
      options.scales = {
        y: { beginAtZero: true, position: "left" },
        n: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, ticks: { precision: 0 } }
      };
      return {
        data: {
          labels: data.labels,
          datasets: [
            { type: "bar", label: data.amountLabel, data: data.amounts, backgroundColor: colour(1, 0.75), yAxisID: "y" },
            {
              type: "line", label: data.countLabel, data: data.counts, borderColor: colour(2),
              backgroundColor: colour(2), yAxisID: "n"
            }
          ]
        },
        options: options
      };
    },
    // A member's activities per week, stacked by type.
    weekly: function (data) {
      var options = baseOptions();
      options.scales = {
        x: { stacked: true },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: !small(), text: data.axisLabel } }
      };
      return seriesChart(data, "bar", options);
    },
    // Teams side by side: attainment of each company goal cascaded to them.
    attainment: function (data) {
      var options = baseOptions();
      options.indexAxis = "y";
      options.scales = {
        x: { beginAtZero: true, ticks: { callback: percentTicks }, title: { display: !small(), text: data.axisLabel } }
      };
      return seriesChart(data, "bar", options);
    }
  };

  function forgetDetached() {
    charts = charts.filter(function (chart) {
      if (chart.canvas && chart.canvas.isConnected) {
        return true;
      }
      chart.destroy();
      return false;
    });
  }

  // The JSON sits in a <template> (htmx removes <script> elements from swapped content, and
  // a template's content is out of its reach), or directly in the page.
  function chartData(id) {
    var source = document.getElementById(id);
    if (!source) {
      var holders = document.querySelectorAll("template.chart-data");
      for (var i = 0; i < holders.length && !source; i += 1) {
        source = holders[i].content.getElementById(id);
      }
    }
    return source ? JSON.parse(source.textContent) : null;
  }

  function drawAll() {
    if (typeof window.Chart === "undefined") {
      return;
    }
    forgetDetached();
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (window.Chart.getChart(canvas)) {
        return;
      }
      var data = chartData(canvas.dataset.chart);
      var build = data && BUILDERS[data.kind];
      if (build) {
        charts.push(new window.Chart(canvas, build(data)));
      }
    });
  }

  // htmx keeps a copy of the page for the back button and restores it as HTML, where the
  // CSP refuses any style attribute. Chart.js sizes canvases through theirs, so the charts
  // are taken down first (they are drawn again on restore); empty style attributes left
  // behind by the browser on other elements go too.
  function releaseAll(event) {
    charts.forEach(function (chart) {
      var canvas = chart.canvas;
      chart.destroy();
      if (canvas) {
        canvas.removeAttribute("style");
        canvas.removeAttribute("width");
        canvas.removeAttribute("height");
      }
    });
    charts = [];
    var root = (event && event.detail && event.detail.historyElt) || document.body;
    root.querySelectorAll("[style='']").forEach(function (element) {
      element.removeAttribute("style");
    });
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSwap", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
  document.addEventListener("htmx:historyRestore", drawAll);
  document.addEventListener("htmx:beforeHistorySave", releaseAll);
})();
