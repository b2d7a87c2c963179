/* Charts of the KPI dashboard and the reports. Data comes from json_script blocks
 * (#kpi-sparklines, #report-data); without Chart.js the pages still show every figure
 * in their cards and tables, the canvases just stay empty. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  var PRIMARY = cssVar("--c-primary", "#3a43c9");
  var SOFT = cssVar("--c-primary-soft", "#c9cbf3");
  var WARNING = cssVar("--c-warning", "#8a5300");
  var SUCCESS = cssVar("--c-success", "#1c7b45");
  var RTL = document.documentElement.dir === "rtl";
  var LOCALE = document.documentElement.lang || undefined;

  function chart(canvas, config) {
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, locale: LOCALE }, config.options || {});
    canvas.dataset.rendered = "true";
    return new window.Chart(canvas, config);
  }

  function sparklines() {
    var series = readJson("kpi-sparklines");
    if (!series) return;
    document.querySelectorAll("canvas[data-sparkline]").forEach(function (canvas) {
      var points = series[canvas.dataset.sparkline] || [];
      chart(canvas, {
        type: "line",
        data: {
          labels: points.map(function (p) { return p[0]; }),
          datasets: [{ data: points.map(function (p) { return p[1]; }), borderColor: PRIMARY, borderWidth: 1.5, pointRadius: 0, tension: 0.3, spanGaps: true }]
        },
        options: {
          animation: false,
          plugins: { legend: { display: false }, tooltip: { enabled: points.length > 0 } },
          scales: { x: { display: false, reverse: RTL }, y: { display: false } }
        }
      });
    });
  }

  var REPORTS = {
    sales: function (d) {
      return { type: "bar", data: { labels: d.labels, datasets: [{ label: d.label, data: d.won_value, backgroundColor: PRIMARY }] },
        options: { plugins: { legend: { display: false } }, scales: { x: { reverse: RTL } } } };
    },
    pipeline: function (d) {
      return { type: "bar",
        data: { labels: d.labels, datasets: [{ label: "%", data: d.share,
          backgroundColor: d.biggest.map(function (b) { return b ? WARNING : SOFT; }),
          borderColor: d.biggest.map(function (b) { return b ? WARNING : PRIMARY; }), borderWidth: 1 }] },
        options: { indexAxis: "y", plugins: { legend: { display: false } },
          scales: { x: { min: 0, max: 100, reverse: RTL, ticks: { callback: function (v) { return v + " %"; } } } } } };
    },
    support: function (d) {
      return { type: "bar", data: { labels: d.agents, datasets: [{ label: d.label_hours, data: d.avg_hours, backgroundColor: PRIMARY }] },
        options: { plugins: { legend: { display: false } }, scales: { x: { reverse: RTL } } } };
    },
    nps: function (d) {
      return { type: "line", data: { labels: d.months, datasets: [{ label: d.label_nps, data: d.nps, borderColor: SUCCESS, spanGaps: true }] },
        options: { plugins: { legend: { display: false } }, scales: { x: { reverse: RTL }, y: { min: -100, max: 100 } } } };
    },
    marketing: function (d) {
      return { type: "bar", data: { labels: d.labels, datasets: [
          { label: d.label_revenue, data: d.revenue, backgroundColor: PRIMARY, yAxisID: "y" },
          { label: d.label_customers, data: d.new_customers, backgroundColor: SUCCESS, yAxisID: "y1" }] },
        options: { scales: { x: { reverse: RTL }, y: { position: RTL ? "right" : "left" }, y1: { position: RTL ? "left" : "right", grid: { drawOnChartArea: false } } } } };
    }
  };

  function reports() {
    var data = readJson("report-data");
    if (!data) return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var build = REPORTS[canvas.dataset.chart];
      if (build) chart(canvas, build(data));
    });
  }

  function start() {
    if (!window.Chart) return;
    sparklines();
    reports();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
