/* Charts of the KPI dashboard and the reports. Data comes from json_script blocks
 * (#kpi-sparklines, #report-data); without Chart.js the pages still show every figure
 * in their cards and tables, the canvases just stay empty. Numbers and dates are formatted
 * with Goalpost.intlLocale (Gregorian dates, Latin digits, like the pages: see app.js). */
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
  // The value axis stands where a line of the page starts.
  var START = RTL ? "right" : "left";
  var LOCALE = window.Goalpost.intlLocale;
  var DAY = new Intl.DateTimeFormat(LOCALE, { day: "numeric", month: "short", year: "numeric" });
  var MONTH = new Intl.DateTimeFormat(LOCALE, { month: "short", year: "numeric" });
  var NUMBER = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });
  var PERCENT = new Intl.NumberFormat(LOCALE, { style: "percent", maximumFractionDigits: 1 });

  /* "2026-11-30" from the server, read as a calendar day (not UTC midnight). */
  function isoDate(value) {
    var parts = value.split("-").map(Number);
    return new Date(parts[0], parts[1] - 1, parts[2] || 1);
  }
  function percent(value) { return PERCENT.format(value / 100); }

  /* Tooltip line "Series: value" with the value in the page's number format. */
  function tooltipLabel(format) {
    return function (item) {
      var value = format(item.parsed[item.chart.options.indexAxis === "y" ? "x" : "y"]);
      if (!item.dataset.label) return value;
      // Translators: a chart tooltip line, e.g. "Won value: 12,000".
      return interpolate(gettext("%(series)s: %(value)s"), { series: item.dataset.label, value: value }, true);
    };
  }

  function chart(canvas, config) {
    config.options = config.options || {};
    config.options.plugins = config.options.plugins || {};
    config.options.plugins.tooltip = Object.assign(
      { callbacks: { label: tooltipLabel(function (v) { return NUMBER.format(v); }) } },
      config.options.plugins.tooltip);
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false }, config.options);
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
          labels: points.map(function (p) { return DAY.format(isoDate(p[0])); }),
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
        options: { plugins: { legend: { display: false } }, scales: { x: { reverse: RTL }, y: { position: START } } } };
    },
    pipeline: function (d) {
      return { type: "bar",
        data: { labels: d.labels, datasets: [{ label: gettext("Share of open deals"), data: d.share,
          backgroundColor: d.biggest.map(function (b) { return b ? WARNING : SOFT; }),
          borderColor: d.biggest.map(function (b) { return b ? WARNING : PRIMARY; }), borderWidth: 1 }] },
        options: { indexAxis: "y", plugins: { legend: { display: false }, tooltip: { callbacks: { label: tooltipLabel(percent) } } },
          scales: { x: { min: 0, max: 100, reverse: RTL, ticks: { callback: percent } }, y: { position: START } } } };
    },
    support: function (d) {
      return { type: "bar", data: { labels: d.agents, datasets: [{ label: d.label_hours, data: d.avg_hours, backgroundColor: PRIMARY }] },
        options: { plugins: { legend: { display: false } }, scales: { x: { reverse: RTL }, y: { position: START } } } };
    },
    nps: function (d) {
      return { type: "line", data: { labels: d.months.map(function (m) { return MONTH.format(isoDate(m)); }), datasets: [{ label: d.label_nps, data: d.nps, borderColor: SUCCESS, spanGaps: true }] },
        options: { plugins: { legend: { display: false } }, scales: { x: { reverse: RTL }, y: { min: -100, max: 100, position: START } } } };
    },
    forecast: function (d) {
      // The band between the 10th and the 90th percentile fills down to the 10th's line.
      // `order`: a lower one is drawn later, so the lines stay above the band.
      return { type: "line", data: { labels: d.labels, datasets: [
          { label: d.label_actual, data: d.actual, borderColor: SUCCESS, backgroundColor: SUCCESS, spanGaps: true, order: 0 },
          { label: d.label_low, data: d.low, borderColor: SOFT, pointRadius: 0, borderWidth: 1, spanGaps: true, order: 3 },
          { label: d.label_high, data: d.high, borderColor: SOFT, backgroundColor: SOFT, pointRadius: 0, borderWidth: 1, fill: "-1", spanGaps: true, order: 3 },
          { label: d.label_forecast, data: d.forecast, borderColor: PRIMARY, backgroundColor: PRIMARY, spanGaps: true, order: 1 },
          { label: d.label_target, data: d.target, borderColor: WARNING, borderDash: [6, 4], pointRadius: 0, spanGaps: true, order: 2 }] },
        options: { scales: { x: { reverse: RTL }, y: { min: 0, position: START } } } };
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
    window.Chart.defaults.locale = LOCALE;
    // Legends and tooltips read right to left on a Persian page: swatch after the label.
    window.Chart.defaults.plugins.legend.rtl = RTL;
    window.Chart.defaults.plugins.tooltip.rtl = RTL;
    sparklines();
    reports();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
