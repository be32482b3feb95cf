"""Webhooks: a signed POST from the outbox on answer, withdrawal and rating change, retried with back-off, one
delivery per event, to a real HTTP server on loopback."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from partners.models import WebhookDelivery, WebhookEndpoint
from partners.services import webhook_backoff, webhook_deliver
from partners.tasks import webhook_sweep
from safeguarding.services import request_change_rating, request_respond, request_withdraw
from tests.partners.factories import OrganisationFactory
from tests.safeguarding.factories import mash_request
from tests.safeguarding.test_triage_and_response import ANSWER

pytestmark = pytest.mark.django_db


class Receiver:
    """A partner's webhook endpoint on 127.0.0.1: answers with the next status in `statuses` (then 200), and keeps
    every request it was sent."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/probation"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def _verify(secret, headers, body):
    """The README's verification code, run as a partner would run it."""
    import pathlib
    import re

    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    code = re.search(r"```python\n(# Verify a Probation Ops webhook.*?)```", readme, re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 (our own README's example)
    return namespace["verify"](secret, headers, body)


@pytest.fixture
def organisation():
    return OrganisationFactory()


def test_an_answer_is_posted_signed_and_the_readme_example_verifies_it(organisation, hub_user, django_capture_on_commit_callbacks):
    from partners.tasks import deliver_webhook

    with Receiver() as receiver:
        endpoint = WebhookEndpoint.objects.create(organisation=organisation, url=receiver.url)
        request = mash_request(organisation=organisation)
        with django_capture_on_commit_callbacks() as queued:
            request_respond(request=request, by=hub_user, **ANSWER)
        # The response email and the webhook, both queued after commit (and the hub queue's cached counts dropped).
        assert len(queued) == 3
        deliver_webhook(WebhookDelivery.objects.get().pk)  # what the worker runs
    (headers, body), = receiver.received
    payload = json.loads(body)
    delivery = WebhookDelivery.objects.get()
    assert payload["event"] == "request.answered" and payload["reference"] == request.reference
    assert payload["id"] == headers["webhook-id"] == str(delivery.uuid)
    assert "subject" not in payload and "Okafor" not in body.decode()  # the body names no one: read it via the API
    assert _verify(endpoint.secret, headers, body) == payload
    with pytest.raises(ValueError):
        _verify(endpoint.secret, headers, body.replace(b"answered", b"withdrawn"))
    with pytest.raises(ValueError):
        _verify("another-secret", headers, body)
    assert delivery.delivered_at is not None and delivery.attempts == 1


def test_a_failed_delivery_is_retried_with_back_off_and_then_delivered_once(organisation, hub_user):
    with Receiver(statuses=[500, 503]) as receiver:
        WebhookEndpoint.objects.create(organisation=organisation, url=receiver.url)
        request = mash_request(organisation=organisation)
        request_withdraw(request=request, by=hub_user)
        delivery = WebhookDelivery.objects.get()
        assert webhook_deliver(delivery_id=delivery.pk) is False
        delivery.refresh_from_db()
        assert delivery.last_status == 500 and delivery.next_attempt_at > timezone.now()
        assert webhook_sweep() == {"delivered": 0, "failed": 0}  # not due yet
        later = timezone.now() + webhook_backoff(1) + timedelta(seconds=1)
        assert webhook_deliver(delivery_id=delivery.pk, now=later) is False
        much_later = later + webhook_backoff(2) + timedelta(seconds=1)
        assert webhook_deliver(delivery_id=delivery.pk, now=much_later) is True
        assert webhook_deliver(delivery_id=delivery.pk, now=much_later) is None  # already delivered: nothing sent
    assert len(receiver.received) == 3
    assert len({h["webhook-id"] for h, _ in receiver.received}) == 1  # the same delivery id on every retry
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and delivery.delivered_at is not None


def test_one_event_is_one_delivery_however_often_it_is_queued_or_swept(organisation, hub_user):
    from partners.services import webhook_enqueue

    with Receiver() as receiver:
        WebhookEndpoint.objects.create(organisation=organisation, url=receiver.url)
        request = mash_request(organisation=organisation)
        request_change_rating(request=request, rating="red", rationale="Police report", by=hub_user)
        webhook_enqueue(organisation_id=organisation.pk, event="request.rating_changed",
                        dedupe_key=f"mash:{request.pk}:rating:1", payload={"event": "request.rating_changed"})
        delivery = WebhookDelivery.objects.get()
        now = timezone.now()
        assert webhook_deliver(delivery_id=delivery.pk, now=now) is True
        assert webhook_sweep() == {"delivered": 0, "failed": 0}
        assert webhook_deliver(delivery_id=delivery.pk, now=now) is None
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.received) == 1


def test_gives_up_after_the_last_attempt_and_shows_it(organisation, hub_user, admin_client):
    from partners.services import WEBHOOK_MAX_ATTEMPTS

    WebhookEndpoint.objects.create(organisation=organisation, url="http://127.0.0.1:9/closed")
    request_withdraw(request=mash_request(organisation=organisation), by=hub_user)
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()
    for _ in range(WEBHOOK_MAX_ATTEMPTS):
        webhook_deliver(delivery_id=delivery.pk, now=now)
        now += timedelta(hours=7)
    delivery.refresh_from_db()
    assert delivery.failed_at is not None and delivery.attempts == WEBHOOK_MAX_ATTEMPTS and delivery.last_error
    page = admin_client.get("/admin/partners/webhookdelivery/")
    assert page.status_code == 200 and str(delivery.uuid) in page.content.decode()


def test_no_webhook_without_an_endpoint(hub_user):
    request_respond(request=mash_request(), by=hub_user, **ANSWER)
    assert not WebhookDelivery.objects.exists()
