/* Work-task dashboard charts (Apache ECharts, vendored). Reads the JSON data island
   #wt-chart-data; every chart has a table of the same numbers beside it, so without
   JavaScript (or in print) the page reads the same. No inline scripts: CSP. */
(function () {
  "use strict";
  var island = document.getElementById("wt-chart-data");
  if (!island || typeof window.echarts === "undefined") {
    return;
  }
  var data;
  try {
    data = JSON.parse(island.textContent);
  } catch (e) {
    return;
  }
  var charts = [];
  var red = "#b31b1b";

  function mount(id) {
    var el = document.getElementById(id);
    if (!el) {
      return null;
    }
    el.classList.add("wt-chart-on");
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    charts.push(chart);
    return chart;
  }

  if (data.lines && data.lines.length) {
    var lines = mount("wt-chart-lines");
    if (lines) {
      lines.setOption({
        grid: { left: 90, right: 40, top: 10, bottom: 30 },
        xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        yAxis: {
          type: "category",
          inverse: true,
          data: data.lines.map(function (l) { return l.name; })
        },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v.toFixed(1) + "%"; } },
        series: [{
          type: "bar",
          data: data.lines.map(function (l) { return l.value; }),
          itemStyle: { color: red },
          label: { show: true, position: "right", formatter: function (p) { return p.value.toFixed(1) + "%"; } }
        }]
      });
    }
  }

  if (data.trend && data.trend.series && data.trend.series.length) {
    var trend = mount("wt-chart-trend");
    if (trend) {
      trend.setOption({
        legend: { type: "scroll", top: 0 },
        grid: { left: 40, right: 20, top: 40, bottom: 30 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.trend.months },
        yAxis: { type: "value", minInterval: 1 },
        series: data.trend.series.map(function (s) {
          return { name: s.name, type: "line", smooth: true, data: s.data };
        })
      });
    }
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
