// Goal detail: the weekly actual-vs-target chart (data from the "weekly-series" json_script).
(function () {
  "use strict";

  function draw() {
    var canvas = document.getElementById("weekly-chart");
    var source = document.getElementById("weekly-series");
    if (!canvas || !source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var styles = getComputedStyle(document.documentElement);
    var primary = styles.getPropertyValue("--bs-primary").trim() || "#0d6efd";
    var secondary = styles.getPropertyValue("--bs-secondary").trim() || "#6c757d";
    var locale = document.documentElement.lang || undefined;
    var labels = data.labels.map(function (iso) {
      var parts = iso.split("-");
      var day = new Date(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2]));
      return day.toLocaleDateString(locale, { month: "short", day: "numeric" });
    });
    new window.Chart(canvas, {
      data: {
        labels: labels,
        datasets: [
          {
            type: "bar",
            label: data.actualLabel,
            data: data.actual,
            backgroundColor: primary,
            order: 2
          },
          {
            type: "line",
            label: data.targetLabel,
            data: data.target,
            borderColor: secondary,
            backgroundColor: secondary,
            borderDash: [6, 4],
            pointRadius: 0,
            borderWidth: 2,
            order: 1
          }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: 1.8,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
