/* global document, Chart */
// Draws the dashboard's bar charts with Chart.js from the JSON in each canvas's data-chart attribute
// (no inline script: the page's Content-Security-Policy allows scripts from this origin only).
'use strict';

for (const canvas of document.querySelectorAll('canvas[data-chart]')) {
  const spec = JSON.parse(canvas.dataset.chart);
  new Chart(canvas, {
    type: 'bar',
    data: {
      labels: spec.labels,
      datasets: [
        { label: spec.label, data: spec.values, backgroundColor: canvas.dataset.color || '#2b6cb0' },
      ],
    },
    options: {
      animation: false,
      responsive: false,
      plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}
document.body.dataset.chartsReady = 'true';
