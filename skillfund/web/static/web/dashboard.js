/* Draws the target dashboards' charts (ECharts, vendored) from the page's json_script data.
   Every number drawn is also in the table beside the chart. No inline script (CSP). */
(function () {
  "use strict";
  var COLORS = { target: "#7b8794", actual: "#0b6bcb", forecast: "#9b1c1c", band: "#c05621" };

  function series(s, kind) {
    var color = COLORS[s.role] || "#52606d";
    var out = { name: s.name, type: s.type || kind, data: s.data, connectNulls: false, itemStyle: { color: color } };
    if (out.type === "line") {
      out.symbolSize = 5;
      out.lineStyle = { color: color, type: s.dashed ? "dashed" : (s.dotted ? "dotted" : "solid") };
    } else {
      out.barMaxWidth = 28;
    }
    return out;
  }

  function option(spec) {
    var category = { type: "category", data: spec.categories, axisLabel: { interval: 0, width: 110, overflow: "truncate" } };
    var value = { type: "value", minInterval: 1 };
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 36, top: 36, bottom: 8, containLabel: true },
      xAxis: spec.horizontal ? value : category,
      yAxis: spec.horizontal ? Object.assign({}, category, { inverse: true }) : value,
      series: spec.series.map(function (s) { return series(s, spec.kind); })
    };
  }

  function draw() {
    var source = document.getElementById("dashboard-charts");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var spec = data[el.getAttribute("data-chart")];
      if (!spec) { el.hidden = true; return; }
      var locale = el.getAttribute("data-lang") === "en" ? "EN" : "ZH";
      var chart = window.echarts.init(el, null, { renderer: "canvas", locale: locale });
      chart.setOption(option(spec));
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
