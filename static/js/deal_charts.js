// Forecast page: weekly snapshots (closed, + commit, + best case) against the quota, and the
// weighted amount by expected close month, drawn from the JSON the page embeds (json_script).
(function () {
  "use strict";

  function readJson(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  function flat(value, count) {
    var values = [];
    for (var i = 0; i < count; i += 1) {
      values.push(value);
    }
    return values;
  }

  function aspect() {
    return window.matchMedia("(max-width: 576px)").matches ? 1.2 : 2.4;
  }

  function drawSnapshots() {
    var data = readJson("forecast-data");
    var canvas = document.getElementById("forecast-chart");
    if (!data || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var datasets = [
      { label: data.labelClosed, data: data.closed, borderColor: "#198754", backgroundColor: "#198754" },
      { label: data.labelCommit, data: data.commit, borderColor: "#0d6efd", backgroundColor: "#0d6efd" },
      { label: data.labelBestCase, data: data.bestCase, borderColor: "#6ea8fe", backgroundColor: "#6ea8fe", borderDash: [4, 4] }
    ];
    if (data.quota !== null) {
      datasets.push({
        label: data.labelQuota, data: flat(data.quota, data.labels.length),
        borderColor: "#dc3545", backgroundColor: "#dc3545", pointRadius: 0, borderWidth: 1
      });
    }
    if (data.actual !== null) {
      datasets.push({
        label: data.labelActual, data: flat(data.actual, data.labels.length),
        borderColor: "#212529", backgroundColor: "#212529", pointRadius: 0, borderDash: [2, 2]
      });
    }
    new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        aspectRatio: aspect(),
        animation: false,
        scales: { y: { beginAtZero: true } }
      }
    });
  }

  function drawWeighted() {
    var data = readJson("weighted-data");
    var canvas = document.getElementById("weighted-chart");
    if (!data || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{ label: data.label, data: data.values, backgroundColor: "rgba(13, 110, 253, 0.7)" }]
      },
      options: {
        responsive: true,
        aspectRatio: aspect(),
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawSnapshots();
    drawWeighted();
  });
})();
