// The dashboard's charts, drawn with the vendored Chart.js from the figures
// the page puts in <script id="dashboard-data" type="application/json">.
// The tables already hold every number: without JavaScript (or if Chart.js
// failed to load) the chart boxes simply stay hidden.
(function () {
  "use strict";

  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var text = data.text;
  var Chart = window.Chart;
  var COLORS = ["#1f5fd1", "#9db8ee", "#1c7a47", "#c4322b", "#9a6300", "#6941c6"];

  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#667085";
  Chart.defaults.plugins.legend.position = "bottom";
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function canvasFor(name) {
    var box = document.querySelector('[data-chart="' + name + '"]');
    if (!box) {
      return null;
    }
    box.hidden = false;
    return box.querySelector("canvas");
  }

  function round1(value) {
    return value === null ? null : Math.round(value * 10) / 10;
  }

  // Lead times: hours, or days once the longest bar passes four days, so
  // the short stages stay readable next to transit and end to end.
  var lead = data.leadTimes;
  var leadCanvas = lead && canvasFor("lead-times");
  if (leadCanvas) {
    var longest = Math.max.apply(
      null,
      lead.median.concat(lead.p90).map(function (v) {
        return v || 0;
      })
    );
    var inDays = longest >= 96;
    var unit = inDays ? text.days : text.hours;
    var scale = function (v) {
      return v === null ? null : round1(inDays ? v / 24 : v);
    };
    new Chart(leadCanvas, {
      type: "bar",
      data: {
        labels: lead.labels,
        datasets: [
          { label: text.median, data: lead.median.map(scale), backgroundColor: COLORS[0] },
          { label: text.p90, data: lead.p90.map(scale), backgroundColor: COLORS[1] },
        ],
      },
      options: {
        scales: {
          x: { grid: { display: false } },
          y: { beginAtZero: true, title: { display: true, text: unit } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: function (items) {
                var label = items[0].label;
                return Array.isArray(label) ? label.join(" ") : label.replace(/,/g, " ");
              },
              label: function (item) {
                return item.dataset.label + ": " + item.formattedValue + " " + unit;
              },
            },
          },
        },
      },
    });
  }

  var rates = data.rates;
  var ratesCanvas = rates && rates.series.length && canvasFor("rates");
  if (ratesCanvas) {
    new Chart(ratesCanvas, {
      type: "bar",
      data: {
        labels: rates.labels,
        datasets: rates.series.map(function (series, i) {
          return {
            label: series.label,
            data: series.data,
            backgroundColor: COLORS[i % COLORS.length],
          };
        }),
      },
      options: {
        scales: {
          x: { grid: { display: false } },
          y: {
            beginAtZero: true,
            suggestedMax: 100,
            title: { display: true, text: text.percent },
            ticks: {
              callback: function (value) {
                return value + "%";
              },
            },
          },
        },
        plugins: {
          legend: { display: rates.series.length > 1 },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + item.formattedValue + "%";
              },
            },
          },
        },
      },
    });
  }
})();
