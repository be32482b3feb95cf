"""Slow work has its own queue and worker: a deadline sweep runs on time while a large email backlog drains.

Real parts throughout: two Celery worker processes on the real Redis broker and the test database (one per queue,
started as docker-compose and scripts/run.sh start them), Django's SMTP backend talking to an SMTP server on loopback
that takes 40 ms a message, like a busy relay. Were email routed to the sweep's queue, the sweep would wait behind
the whole backlog. (Processes, not threads: two workers in one process share kombu's event loop, so a busy one
stalls the other, which is not what production does.)"""

import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

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


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def a_worker_per_queue(transactional_db, celery_worker_queue, slow_smtp, tmp_path):
    """Two real worker processes, one on the default queue and one on the slow queue, as in production; this test
    process publishes to the same queues."""
    from django.conf import settings as django_settings
    from django.db import connection

    from probation.celery import app, slow_queue

    previous = app.conf.task_default_queue
    app.conf.task_default_queue = celery_worker_queue
    db = connection.settings_dict
    env = {
        **os.environ, "DJANGO_ENV": "test", "DJANGO_SETTINGS_MODULE": "probation.settings",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL, "CELERY_QUEUE": celery_worker_queue,
        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(slow_smtp.server_address[1]), "EMAIL_USE_TLS": "false",
    }
    workers = []
    try:
        for name, queue in (("deadlines", celery_worker_queue), ("slow", slow_queue())):
            log = tmp_path / f"{name}.log"
            command = [sys.executable, "-m", "celery", "-A", "probation", "worker", "-Q", queue, "-n", f"{name}-{queue}@%h",
                       "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]
            workers.append((subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                                             start_new_session=True), log))
        deadline = time.monotonic() + 60
        while not all("ready." in log.read_text() for _, log in workers):
            assert time.monotonic() < deadline, "\n".join(log.read_text() for _, log in workers)
            assert all(process.poll() is None for process, _ in workers), "\n".join(log.read_text() for _, log in workers)
            time.sleep(0.2)
        yield
    finally:
        app.conf.task_default_queue = previous
        for process, _ in workers:  # the workers this fixture started, by their own process ids
            process.send_signal(signal.SIGTERM)
        for process, _ in workers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


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
