// Draws each report section's chart from the JSON configuration the page carries (see partners.reports).
(function () {
  if (typeof window.Chart === 'undefined') return
  // Axis labels and legends in the page's GOV.UK font stack, not the canvas default.
  window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily
  window.Chart.defaults.color = '#0b0c0c'
  document.querySelectorAll('canvas[data-chart-config]').forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chartConfig)
    if (!source) return
    var chart = new window.Chart(canvas, JSON.parse(source.textContent))
    canvas.dataset.chartReady = 'true'
    canvas.chart = chart
  })
})()
