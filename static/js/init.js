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

// "You will be signed out soon": warn before the idle timeout, renew on "Stay signed in", sign out at zero.
function sessionTimeout () {
  const body = document.body
  const timeout = parseInt(body.dataset.sessionTimeout, 10)
  const warning = parseInt(body.dataset.sessionWarning, 10)
  const dialog = document.getElementById('session-timeout-warning')
  if (!timeout || !dialog) return
  let expiresAt = Date.now() + timeout * 1000
  const countdown = dialog.querySelector('[data-timeout-countdown]')
  const stay = dialog.querySelector('[data-timeout-stay]')
  stay.addEventListener('click', function () {
    fetch(stay.dataset.keepAliveUrl, { method: 'POST', headers: { 'X-CSRFToken': stay.dataset.csrf }, credentials: 'same-origin' })
      .then(function (response) {
        if (response.ok) { expiresAt = Date.now() + timeout * 1000; dialog.close() }
      })
  })
  setInterval(function () {
    const left = Math.round((expiresAt - Date.now()) / 1000)
    if (left <= 0) {
      const form = document.getElementById('session-timeout-signout')
      window.location.href = form.dataset.timeoutRedirect
      return
    }
    if (left <= warning) {
      const minutes = Math.floor(left / 60)
      const seconds = left % 60
      countdown.textContent = minutes ? minutes + ' minute' + (minutes > 1 ? 's' : '') + (seconds ? ' ' + seconds + ' seconds' : '') : seconds + ' seconds'
      if (!dialog.open) dialog.showModal()
    }
  }, 1000)
}
sessionTimeout()
