// Campaign charts (Chart.js, vendored): every <canvas data-chart="{labels, series}"> is drawn;
// the same figures are in the table next to it.
(function () {
  "use strict";
  var colours = ["#6b7280", "#2563eb", "#d97706", "#059669"];
  function draw(canvas) {
    if (!window.Chart) return;
    var spec = JSON.parse(canvas.dataset.chart);
    var bar = canvas.dataset.kind === "bar";
    new window.Chart(canvas, {
      type: bar ? "bar" : "line",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          return { label: s.label, data: s.data, borderColor: colours[i % 4],
                   backgroundColor: colours[i % 4], tension: 0.2, pointRadius: 2 };
        })
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
                 plugins: { legend: { position: "bottom" } } }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
