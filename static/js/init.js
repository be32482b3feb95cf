import { initAll } from '../vendor/govuk/govuk-frontend.min.js'

initAll()

// Live "time left" for deadlines: <span data-deadline="ISO-8601">…</span> is rewritten every 30 seconds.
function describe (ms) {
  const overdue = ms < 0
  let minutes = Math.floor(Math.abs(ms) / 60000)
  const days = Math.floor(minutes / 1440); minutes -= days * 1440
  const hours = Math.floor(minutes / 60); minutes -= hours * 60
  const parts = []
  if (days) parts.push(days + 'd')
  if (hours || days) parts.push(hours + 'h')
  parts.push(minutes + 'm')
  return overdue ? 'Overdue by ' + parts.join(' ') : parts.join(' ') + ' left'
}

function tick () {
  const now = Date.now()
  document.querySelectorAll('[data-deadline]').forEach(function (el) {
    const due = Date.parse(el.dataset.deadline)
    if (!isNaN(due)) {
      el.textContent = describe(due - now)
      el.classList.toggle('app-overdue', due < now)
    }
  })
}
tick()
setInterval(tick, 30000)
