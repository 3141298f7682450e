/* Work-task dashboard chart (Apache ECharts, vendored): meetings per month, from the JSON data
   island #wt-chart-data; the table of the same numbers sits under it, so without JavaScript (or
   in print) the page reads the same. The progress by line is drawn as cards with <progress> bars
   in the template. No inline scripts: CSP. */
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

  if (data.trend && data.trend.series && data.trend.series.length) {
    var trend = mount("wt-chart-trend");
    if (trend) {
      trend.setOption({
        legend: { type: "scroll", top: 0 },
        grid: { left: 40, right: 20, top: 40, bottom: 44 }, // room for "截至N日" under a month
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.trend.months },
        yAxis: { type: "value", minInterval: 1 },
        series: data.trend.series.map(function (s) {
          // straight lines: a month has one count; a smoothed curve drew values between months (and
          // above the highest) that no record gives
          return { name: s.name, type: "line", smooth: false, data: s.data };
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
