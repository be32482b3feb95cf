"""Slow work has its own queue and worker: a deadline sweep runs on time while a large email backlog drains.

Real parts throughout: two Celery worker threads on the real Redis broker (one per queue, as docker-compose and
scripts/run.sh run them), Django's SMTP backend talking to an SMTP server on loopback that takes 40 ms a message,
like a busy relay. Were email routed to the sweep's queue, the sweep would wait behind the whole backlog."""

import socketserver
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from probation.models import Notification
from probation.services import notification_send
from probation.tasks import deadlines_sweep, send_pending_notifications
from safeguarding.models import Rag, RequestEvent
from tests.probation.factories import HubUserFactory
from tests.safeguarding.factories import mash_request

SECONDS_PER_MESSAGE = 0.04
BACKLOG = 400  # 16 s of sending at least


class SlowSmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greeting, EHLO, MAIL, RCPT, DATA (slow), QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self):
        self.reply("220 slow.relay.test ESMTP")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 slow.relay.test")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                while (body := self.rfile.readline()) and body.rstrip(b"\r\n") != b".":
                    pass
                time.sleep(SECONDS_PER_MESSAGE)
                self.server.delivered += 1
                self.reply("250 OK queued")
            elif command == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Not implemented")


@pytest.fixture
def slow_smtp(settings):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SlowSmtpHandler)
    server.daemon_threads = True
    server.delivered = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.server_address[1]
    settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = False, False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def a_worker_per_queue(transactional_db, celery_worker_queue):
    """Two real worker threads, one on the default queue and one on the slow queue, as in production."""
    from celery.contrib.testing.worker import start_worker

    from probation.celery import app, slow_queue

    previous = app.conf.task_default_queue
    app.conf.task_default_queue = celery_worker_queue
    try:
        common = {"pool": "solo", "concurrency": 1, "perform_ping_check": False, "shutdown_timeout": 60, "loglevel": "WARNING"}
        with start_worker(app, queues=[slow_queue()], hostname=f"slow-{celery_worker_queue}@test", **common), \
             start_worker(app, queues=[celery_worker_queue], hostname=f"{celery_worker_queue}@test", **common):
            yield
    finally:
        app.conf.task_default_queue = previous


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_deadline_sweep_runs_on_time_while_a_large_email_backlog_drains(slow_smtp, a_worker_per_queue):
    hub = HubUserFactory()
    for i in range(BACKLOG):
        notification_send(recipient=hub, key=f"backlog:{i}", subject=f"Backlog {i}", body="A notice to email.")
    for _ in range(20):  # the beat's every-minute runs piling up behind a slow relay
        send_pending_notifications.delay(batch_size=20)
    started = time.monotonic()
    while slow_smtp.delivered == 0 and time.monotonic() - started < 20:
        time.sleep(0.05)
    assert slow_smtp.delivered > 0, "the slow worker never started on the backlog"

    request = mash_request(rating=Rag.RED, received_at=timezone.now() - timedelta(hours=5))
    queued = time.monotonic()
    deadlines_sweep.delay()
    while not request.events.filter(kind=RequestEvent.Kind.ESCALATED).exists() and time.monotonic() - queued < 30:
        time.sleep(0.05)
    took = time.monotonic() - queued
    sent_when_swept = slow_smtp.delivered

    assert request.events.filter(kind=RequestEvent.Kind.ESCALATED).exists()
    assert took < 5, f"the sweep waited {took:.1f} s"
    assert sent_when_swept < BACKLOG, "the backlog had already drained: the drill proves nothing"
    # And the backlog does drain, on its own worker.
    deadline = time.monotonic() + 90
    while Notification.objects.filter(email_sent_at=None).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Notification.objects.filter(email_sent_at=None).exists()
