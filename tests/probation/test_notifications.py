from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from probation.models import Notification
from probation.services import notification_send, notifications_email_due
from probation.tasks import send_pending_notifications

pytestmark = pytest.mark.django_db


def test_a_notification_key_is_sent_once_however_often_the_step_runs(hub_user):
    first = notification_send(recipient=hub_user, key="mash:1:reminder", subject="Reminder", body="Due soon")
    second = notification_send(recipient=hub_user, key="mash:1:reminder", subject="Reminder", body="Due soon")
    assert (first, second) == (True, False)
    assert Notification.objects.count() == 1


def test_the_email_sweep_sends_each_notification_once(hub_user):
    notification_send(recipient=hub_user, key="k1", subject="Breach", body="Request MASH-1 is overdue", url="/x/")
    first = send_pending_notifications.apply().get()
    second = send_pending_notifications.apply().get()
    assert first["sent"] == 1 and second["sent"] == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [hub_user.email]
    assert "/x/" in mail.outbox[0].body
    assert Notification.objects.get().email_sent_at is not None


def test_a_failed_email_is_recorded_and_retried_later_not_dropped(hub_user, settings):
    settings.EMAIL_BACKEND = "tests.probation.failing_email.FailingBackend"
    notification_send(recipient=hub_user, key="k2", subject="Breach", body="Overdue")
    result = notifications_email_due()
    assert result == {"claimed": 1, "sent": 0, "failed": 1}
    notification = Notification.objects.get()
    assert notification.email_attempts == 1
    assert "SMTP is down" in notification.email_last_error
    assert notification.email_next_attempt_at > timezone.now()
    assert notification.email_failed_at is None
    # Not due again until its back-off has passed; then it goes once the mail server is back.
    assert notifications_email_due()["claimed"] == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = timezone.now() + timedelta(hours=1)
    assert notifications_email_due(now=later)["sent"] == 1
    assert len(mail.outbox) == 1


def test_an_email_that_keeps_failing_is_marked_failed_but_kept_in_the_app(hub_user, settings):
    settings.EMAIL_BACKEND = "tests.probation.failing_email.FailingBackend"
    notification_send(recipient=hub_user, key="k3", subject="Breach", body="Overdue")
    moment = timezone.now()
    for _ in range(Notification.MAX_EMAIL_ATTEMPTS):
        notifications_email_due(now=moment)
        moment += timedelta(days=1)
    notification = Notification.objects.get()
    assert notification.email_failed_at is not None
    assert notification.email_attempts == Notification.MAX_EMAIL_ATTEMPTS
    assert notifications_email_due(now=moment + timedelta(days=30))["claimed"] == 0
    assert hub_user.notifications.unread().count() == 1


def test_the_notifications_page_lists_and_marks_read(client, hub_user, offender_manager):
    notification_send(recipient=hub_user, key="k4", subject="Request MASH-7 assigned", body="Please answer")
    notification_send(recipient=offender_manager, key="k5", subject="Someone else's", body="Private")
    client.force_login(hub_user)
    page = client.get("/notifications/")
    assert b"Request MASH-7 assigned" in page.content
    assert b"Someone else" not in page.content
    own = hub_user.notifications.get()
    other = offender_manager.notifications.get()
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    client.post(f"/notifications/{own.pk}/read/")
    own.refresh_from_db()
    assert own.read_at is not None


def test_a_real_worker_sends_queued_notifications(live_celery_worker, hub_user):
    notification_send(recipient=hub_user, key="k6", subject="Breach", body="Overdue")
    result = send_pending_notifications.delay()
    deadline = timezone.now() + timedelta(seconds=20)
    while timezone.now() < deadline and not Notification.objects.filter(email_sent_at__isnull=False).exists():
        import time

        time.sleep(0.2)
    assert Notification.objects.get().email_sent_at is not None
    assert result.id


def test_the_notifications_page_has_pages_an_unread_filter_and_mark_as_read(client, hub_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(30):
        notification_send(recipient=hub_user, key=f"page-{i}", subject=f"Notice {i:02d}", body="x", url="/safeguarding/")
    client.force_login(hub_user)
    first = client.get("/notifications/")
    assert first.context["page"].paginator.num_pages == 2 and len(first.context["page"].object_list) == 25
    assert "Notice 29" in first.content.decode() and "Notice 00" not in first.content.decode()
    assert "Notice 00" in client.get("/notifications/?page=2").content.decode()

    newest = hub_user.notifications.get(subject="Notice 29")
    back = client.post(f"/notifications/{newest.pk}/read/", {"action": "mark", "back": "/notifications/?show=unread"})
    assert back["Location"] == "/notifications/?show=unread"  # stays on the list, where it was
    newest.refresh_from_db()
    assert newest.read_at is not None
    unread = client.get("/notifications/?show=unread")
    assert unread.context["page"].paginator.count == 29 and "Notice 29" not in unread.content.decode()
    opened = hub_user.notifications.get(subject="Notice 28")
    assert client.post(f"/notifications/{opened.pk}/read/", {"action": "open"})["Location"] == "/safeguarding/"
    # Not an open redirect: "back" only ever leads to the notifications list.
    other = hub_user.notifications.get(subject="Notice 27")
    assert client.post(f"/notifications/{other.pk}/read/", {"action": "mark", "back": "https://evil.example/"})["Location"] == "/notifications/"

    with CaptureQueriesContext(connection) as small:
        client.get("/notifications/")
    for i in range(30, 90):
        notification_send(recipient=hub_user, key=f"page-{i}", subject=f"Notice {i:02d}", body="x")
    with CaptureQueriesContext(connection) as large:
        client.get("/notifications/")
    assert len(small) == len(large)
