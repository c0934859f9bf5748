// The statistics page's charts: each draws the table printed under it, from the JSON the
// page carries (#analytics-charts). Chart.js 4 (static/vendor/chart.umd.min.js).
(function () {
  "use strict";
  function start() {
    var source = document.getElementById("analytics-charts");
    if (!source || typeof window.Chart === "undefined") return;
    var css = getComputedStyle(document.documentElement);
    var accent = css.getPropertyValue("--accent").trim() || "#8a1538";
    var ink = css.getPropertyValue("--ink-soft").trim() || "#5a5a66";
    var palette = [accent, "#1d4f91", "#1f6f43", "#8a5a00", "#6b4fa0", "#5a5a66"];
    var lang = document.documentElement.lang || "fr";
    var integer = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
    var decimal = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 2 });
    var euros = new Intl.NumberFormat(lang, { style: "currency", currency: "EUR", maximumFractionDigits: 0 });
    window.Chart.defaults.color = ink;
    window.Chart.defaults.font.family = css.getPropertyValue("--font").trim() || "system-ui";
    var format = {
      y: function (v) { return integer.format(v); },
      m: function (v) { return euros.format(v); },
      p: function (v) { return integer.format(v) + " %"; },
      d: function (v) { return decimal.format(v); },
    };
    JSON.parse(source.textContent).forEach(function (chart) {
      var canvas = document.querySelector('canvas[data-chart="' + chart.key + '"]');
      if (!canvas) return;
      // "stacked": bars of every series piled up (new contacts by source).
      var stacked = chart.type === "stacked";
      var type = chart.type === "hbar" || stacked ? "bar" : chart.type;
      var scales = {};
      var datasets = chart.series.map(function (s, i) {
        var colour = palette[i % palette.length];
        var data = {
          label: s.label,
          data: s.data,
          backgroundColor: chart.type === "doughnut" ? palette : colour,
          borderColor: chart.type === "doughnut" ? "#fff" : colour,
          spanGaps: false,
          // Long curves (J−x) as lines; a few months as points, so a lone month shows.
          pointRadius: chart.type === "line" ? (s.data.length > 40 ? 0 : 3) : undefined,
          borderWidth: chart.type === "line" ? 2 : 1,
        };
        if (chart.type === "doughnut") return data;
        // A reference drawn against a figure (the typical curve): grey and dashed.
        if (chart.type === "line" && i > 0) {
          data.borderColor = ink; data.backgroundColor = ink; data.borderDash = [6, 4];
        }
        var axis = chart.type === "hbar" ? "x" : s.axis;
        data[chart.type === "hbar" ? "xAxisID" : "yAxisID"] = axis;
        // A share drawn over counts: a line on its own axis, on the right.
        if (type === "bar" && i > 0 && !stacked) { data.type = "line"; data.pointRadius = 3; }
        if (scales[axis]) return data; // a second series on the same axis
        if (stacked) scales.x = { stacked: true };
        scales[axis] = {
          stacked: stacked || undefined,
          position: i > 0 && chart.type !== "hbar" ? "right" : undefined,
          beginAtZero: true,
          grid: { drawOnChartArea: i === 0 },
          ticks: { callback: format[s.axis] || format.y, precision: stacked ? 0 : undefined },
        };
        return data;
      });
      new window.Chart(canvas, {
        type: type,
        data: { labels: chart.labels, datasets: datasets },
        options: {
          indexAxis: chart.type === "hbar" ? "y" : "x",
          maintainAspectRatio: false,
          responsive: true,
          animation: false,
          interaction: { mode: "index", intersect: false },
          scales: chart.type === "doughnut" ? {} : scales,
          plugins: {
            legend: { display: datasets.length > 1 || chart.type === "doughnut", position: "bottom" },
            tooltip: {
              callbacks: {
                label: function (ctx) {
                  var s = chart.series[ctx.datasetIndex];
                  var v = ctx.raw;
                  return s.label + " : " + (v === null ? "—" : (format[s.axis] || format.y)(v));
                },
              },
            },
          },
        },
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
