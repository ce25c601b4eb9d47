// Funnel page: a bar chart of the team's stage counts with the conversion from the stage
// before as a line, drawn from the JSON that the page embeds with json_script.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("funnel-data");
    var canvas = document.getElementById("funnel-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    if (!data) {
      return;
    }
    new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          {
            type: "bar",
            label: data.countLabel,
            data: data.counts,
            backgroundColor: "rgba(13, 110, 253, 0.7)",
            yAxisID: "y"
          },
          {
            type: "line",
            label: data.conversionLabel,
            data: data.conversions,
            borderColor: "rgba(220, 53, 69, 0.9)",
            backgroundColor: "rgba(220, 53, 69, 0.9)",
            spanGaps: true,
            yAxisID: "pct"
          }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: window.matchMedia("(max-width: 576px)").matches ? 1.2 : 2.6,
        animation: false,
        scales: {
          y: { beginAtZero: true, position: "left", ticks: { precision: 0 } },
          pct: {
            beginAtZero: true,
            position: "right",
            grid: { drawOnChartArea: false },
            ticks: { callback: function (value) { return value + "%"; } }
          }
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
