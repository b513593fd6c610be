// Draws the dashboard's charts with Chart.js from the series the page embeds as
// JSON ("dashboard-charts"). Colours follow the meaning of each series' key, so
// an outcome has the same colour in every chart.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-charts");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  const charts = JSON.parse(source.textContent);
  const colours = {
    answered: "#2e7d32", "answered-human": "#2e7d32", connected: "#2e7d32",
    machine: "#6a1b9a", "answered-machine": "#6a1b9a", "hangup-machine": "#ab47bc",
    busy: "#ef6c00", overflowed: "#ef6c00",
    "no-answer": "#f9a825",
    failed: "#c62828", abandoned: "#c62828",
    canceled: "#78909c", live: "#90a4ae", supervisor: "#78909c", dnc: "#37474f",
    dialing: "#1565c0", waiting: "#cfd8dc", average: "#1565c0",
  };
  const textColour = getComputedStyle(document.body).getPropertyValue("--body-quiet-color").trim();
  if (textColour) {
    Chart.defaults.color = textColour;
  }

  function coloured(chart) {
    return {
      labels: chart.labels,
      datasets: chart.datasets.map(function (dataset) {
        const colour = colours[dataset.key] || "#607d8b";
        return Object.assign({}, dataset, { backgroundColor: colour, borderColor: colour });
      }),
    };
  }

  function stacked(horizontal) {
    const axis = { stacked: true, beginAtZero: true, ticks: { precision: 0 } };
    return {
      indexAxis: horizontal ? "y" : "x",
      maintainAspectRatio: false,
      animation: false,
      scales: { x: axis, y: axis },
      plugins: { legend: { position: "bottom" } },
    };
  }

  const options = {
    calls: stacked(false),
    waits: stacked(false),
    campaigns: stacked(true),
    agents: {
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { min: 0, max: 5, ticks: { stepSize: 1 } } },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            afterLabel: function (item) {
              const answers = charts.agents.answers[item.dataIndex];
              return answers + (answers === 1 ? " rating" : " ratings");
            },
          },
        },
      },
    },
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const key = canvas.dataset.chart;
    new Chart(canvas, { type: "bar", data: coloured(charts[key]), options: options[key] });
  });
})();
