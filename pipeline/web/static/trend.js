// newsvault serve: draw the trend chart from the page's JSON block with uPlot
// (static/uPlot.iife.min.js, MIT). Hover shows each series' value in the legend;
// clicking a legend entry hides or shows that series.
(function () {
  "use strict";
  var block = document.getElementById("chart-data");
  var target = document.getElementById("chart");
  if (!block || !target || typeof uPlot === "undefined") { return; }
  var chart = JSON.parse(block.textContent);
  var palette = ["#1f5fbf", "#d9480f", "#2b8a3e", "#862e9c", "#e67700", "#0b7285",
                 "#c2255c", "#5c940d", "#364fc7", "#a61e4d", "#087f5b", "#495057"];
  var unit = chart.unit || "";
  var series = [{ label: chart.by,
                  value: function (u, v, i, idx) { return idx == null ? "" : chart.periods[idx]; } }];
  chart.series.forEach(function (s, i) {
    series.push({ label: s.label, stroke: palette[i % palette.length], width: 2,
                  points: { show: true, size: 6 },
                  value: function (u, v) { return v == null ? "–" : v + unit; } });
  });
  var data = [chart.x].concat(chart.series.map(function (s) { return s.values; }));
  var opts = {
    width: Math.max(480, Math.min(target.clientWidth || 960, 1100)), height: 420,
    series: series,
    // one period alone: a week either side, or uPlot spreads it over years
    scales: { x: chart.x.length === 1
      ? { time: true, range: [chart.x[0] - 7 * 86400, chart.x[0] + 7 * 86400] }
      : { time: true } },
    axes: [{}, { label: chart.measure + (unit ? " (" + unit + ")" : ""), size: 60 }],
    legend: { live: true },
    cursor: { drag: { x: true, y: false } }
  };
  window.newsvaultChart = new uPlot(opts, data, target);
})();
