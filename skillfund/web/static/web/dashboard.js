/* Draws the target dashboards' charts (ECharts, vendored) from the page's json_script data.
   Every number drawn is also in the table beside the chart. No inline script (CSP). */
(function () {
  "use strict";
  var COLORS = ["#9aa5b1", "#0b6bcb", "#9b1c1c", "#d97706", "#d97706"];

  function series(s, i, kind) {
    var out = { name: s.name, type: s.type || kind, data: s.data, connectNulls: false,
                itemStyle: { color: COLORS[i % COLORS.length] } };
    if (out.type === "line") {
      out.symbolSize = 5;
      out.lineStyle = { color: COLORS[i % COLORS.length], type: s.dashed ? "dashed" : (s.dotted ? "dotted" : "solid") };
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
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: spec.horizontal ? value : category,
      yAxis: spec.horizontal ? Object.assign({}, category, { inverse: true }) : value,
      series: spec.series.map(function (s, i) { return series(s, i, spec.kind); })
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
