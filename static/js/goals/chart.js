// Goal page chart: KPI snapshots against the target, the expected path and the projection.
// Data comes from the page (json_script "goal-chart-data"); dates are plotted on a linear
// axis of milliseconds so no date adapter is needed, and labelled in the page's language
// with Goalpost.intlLocale (Gregorian dates, Latin digits: see app.js).
(function () {
  "use strict";

  // Values in the KPI's unit, in the page's language: "$68,798", "1.5%", "53.5 days".
  // Percent KPIs are percent numbers (1.5 means 1.5 %), hence the "percent" unit style
  // and not Intl's "percent" style, which would multiply by 100.
  function valueFormat(locale, unit, currency) {
    var options = { maximumFractionDigits: 2 };
    if (unit === "money" && currency) options = { style: "currency", currency: currency, maximumFractionDigits: 2 };
    else if (unit === "percent") options = { style: "unit", unit: "percent", maximumFractionDigits: 1 };
    else if (unit === "days") options = { style: "unit", unit: "day", unitDisplay: "long", maximumFractionDigits: 1 };
    else if (unit === "hours") options = { style: "unit", unit: "hour", unitDisplay: "short", maximumFractionDigits: 1 };
    try {
      return new Intl.NumberFormat(locale, options);
    } catch (error) {  // an unknown currency code: the plain number
      return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    }
  }

  function draw() {
    var canvas = document.getElementById("goal-chart");
    var source = document.getElementById("goal-chart-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var locale = window.Goalpost.intlLocale;
    window.Chart.defaults.locale = locale;
    // Legend and tooltip read right to left on a Persian page: swatch after the label.
    window.Chart.defaults.plugins.legend.rtl = document.documentElement.dir === "rtl";
    window.Chart.defaults.plugins.tooltip.rtl = document.documentElement.dir === "rtl";
    var dayFormat = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "2-digit" });
    var numberFormat = valueFormat(locale, data.unit, data.currency);
    var asPoints = function (points) {
      return points.map(function (p) { return { x: Date.parse(p.x + "T00:00:00"), y: p.y }; });
    };
    var css = getComputedStyle(document.documentElement);
    var color = function (name, fallback) { return css.getPropertyValue(name).trim() || fallback; };

    canvas.chart = new window.Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          {
            label: data.labels.snapshots,
            data: asPoints(data.snapshots),
            borderColor: color("--c-primary", "#3a43c9"),
            backgroundColor: color("--c-primary", "#3a43c9"),
            pointRadius: data.snapshots.length > 60 ? 0 : 2,
            borderWidth: 2,
          },
          {
            label: data.labels.target,
            data: asPoints(data.target),
            borderColor: color("--c-success", "#1c7b45"),
            borderDash: [2, 4],
            pointRadius: 0,
            borderWidth: 2,
          },
          {
            label: data.labels.expected,
            data: asPoints(data.expected),
            borderColor: color("--c-muted", "#555d70"),
            borderDash: [8, 4],
            pointRadius: 0,
            borderWidth: 1.5,
          },
          {
            label: data.labels.projection,
            data: asPoints(data.projection),
            borderColor: color("--c-warning", "#8a5300"),
            borderDash: [4, 4],
            pointRadius: 3,
            borderWidth: 1.5,
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        parsing: false,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: {
            type: "linear",
            min: Date.parse(data.start + "T00:00:00") - 86400000 * 3,
            max: Date.parse(data.deadline + "T00:00:00") + 86400000 * 3,
            reverse: document.documentElement.dir === "rtl",
            ticks: { callback: function (value) { return dayFormat.format(new Date(value)); }, maxTicksLimit: 8 },
          },
          // Time runs the way the page reads, so the values stand at its start.
          y: { position: document.documentElement.dir === "rtl" ? "right" : "left",
               ticks: { callback: function (value) { return numberFormat.format(value); } } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? dayFormat.format(new Date(items[0].parsed.x)) : ""; },
              label: function (item) {
                // Translators: a chart tooltip line, e.g. "Target: 12,000".
                return interpolate(gettext("%(series)s: %(value)s"),
                  { series: item.dataset.label, value: numberFormat.format(item.parsed.y) }, true);
              },
            },
          },
        },
      },
    });
    canvas.dataset.rendered = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
