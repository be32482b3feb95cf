// Charts for the MASH compliance dashboard: stacked on-time / late counts with the on-time percentage as a line.
(function () {
  const source = document.getElementById('compliance-data')
  if (!source || typeof window.Chart === 'undefined') return
  const data = JSON.parse(source.textContent)
  // Axis labels and legends in the page's GOV.UK font stack, not the canvas default.
  window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily
  window.Chart.defaults.color = '#0b0c0c'
  document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
    const series = data[canvas.dataset.chart]
    if (!series || !series.labels.length) return
    new window.Chart(canvas, {
      data: {
        labels: series.labels,
        datasets: [
          { type: 'bar', label: 'On time', data: series.on_time, backgroundColor: '#00703c', stack: 'n', yAxisID: 'y' },
          { type: 'bar', label: 'Late or overdue', data: series.late, backgroundColor: '#d4351c', stack: 'n', yAxisID: 'y' },
          { type: 'line', label: 'On time %', data: series.percent, borderColor: '#1d70b8', yAxisID: 'pct' }
        ]
      },
      options: {
        animation: false,
        scales: { y: { stacked: true, beginAtZero: true }, pct: { position: 'right', min: 0, max: 100, grid: { drawOnChartArea: false } } }
      }
    })
  })
})()
