"""MASH escalation as deadline-engine steps: one notice per recipient per step, no reminder after the deadline,
repeats counted on the tier's clock, and a sweep whose statements do not grow with the number due."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from probation.deadlines import deadlines_set
from probation.models import Notification
from safeguarding.deadlines import OVERDUE, REMIND
from safeguarding.models import Rag, SafeguardingRequest
from safeguarding.services import escalation_sweep
from tests.probation.factories import HubUserFactory
from tests.safeguarding.factories import mash_request

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def _notices_by_recipient():
    counts = {}
    for recipient, subject in Notification.objects.values_list("recipient_id", "subject"):
        counts.setdefault(recipient, []).append(subject)
    return counts


def test_a_request_keyed_in_three_days_late_gets_one_breach_notice_per_recipient_and_no_reminder(hub_user):
    second_hub = HubUserFactory()
    request = mash_request(rating=Rag.RED, received_at=timezone.now() - timedelta(days=3))
    result = escalation_sweep()
    assert (result["reminded"], result["escalated"], result["repeated"]) == (0, 1, 0)
    notices = _notices_by_recipient()
    assert set(notices) == {hub_user.pk, second_hub.pk}
    for subjects in notices.values():
        assert subjects == [f"Overdue: MASH request {request.reference} is overdue"]
    # And nothing more until the next repeat falls due.
    assert escalation_sweep() == {"reminded": 0, "escalated": 0, "repeated": 0, "emails_queued": 0, "failed": 0}


def test_first_start_with_months_old_requests_sends_one_overdue_notice_each_and_no_late_reminders(hub_user):
    requests = [mash_request(rating=rating, received_at=timezone.now() - timedelta(days=days))
                for rating, days in ((Rag.RED, 120), (Rag.AMBER, 60), (Rag.GREEN, 30), (Rag.RED, 1))]
    escalation_sweep()
    subjects = _notices_by_recipient()[hub_user.pk]
    assert sorted(subjects) == sorted(f"Overdue: MASH request {r.reference} is overdue" for r in requests)
    assert not Notification.objects.filter(subject__startswith="Reminder").exists()


def test_an_unassigned_request_reminds_the_hub_before_the_deadline_but_not_after(hub_user):
    request = mash_request(rating=Rag.RED, received_at=timezone.now() - timedelta(hours=3, minutes=30))
    assert escalation_sweep()["reminded"] == 1
    assert list(Notification.objects.values_list("recipient_id", "subject")) == [
        (hub_user.pk, f"Reminder: MASH request {request.reference} is due {timezone.localtime(request.due_at):%d %b %Y %H:%M}")]

    late = mash_request(rating=Rag.RED, received_at=timezone.now() - timedelta(hours=3, minutes=30))
    # The reminder was due at 3 hours; the sweep first runs after the 4-hour deadline (an outage).
    result = escalation_sweep(now=late.due_at + timedelta(minutes=1))
    assert (result["reminded"], result["escalated"]) == (0, 2)
    assert not Notification.objects.filter(subject__startswith="Reminder", subject__contains=late.reference).exists()


def _london(*args):
    return datetime(*args, tzinfo=LONDON)


def test_repeat_notices_on_a_working_days_tier_skip_the_weekend(hub_user):
    # Amber: 24 working-day hours. Received Wednesday 4 March 2026 10:00, due Thursday 10:00.
    request = mash_request(rating=Rag.AMBER, received_at=_london(2026, 3, 4, 10, 0))
    assert timezone.localtime(request.due_at) == _london(2026, 3, 5, 10, 0)
    assert escalation_sweep(now=_london(2026, 3, 5, 10, 1))["escalated"] == 1
    assert escalation_sweep(now=_london(2026, 3, 6, 10, 1))["repeated"] == 1   # Friday: one working day later
    assert escalation_sweep(now=_london(2026, 3, 7, 10, 30))["repeated"] == 0  # Saturday: not a working day
    assert escalation_sweep(now=_london(2026, 3, 8, 23, 0))["repeated"] == 0   # Sunday
    assert escalation_sweep(now=_london(2026, 3, 9, 9, 59))["repeated"] == 0   # Monday, before 24 working hours
    assert escalation_sweep(now=_london(2026, 3, 9, 10, 1))["repeated"] == 1
    repeats = Notification.objects.filter(recipient=hub_user, subject__endswith="still overdue").count()
    assert repeats == 2


def test_repeat_notices_on_an_elapsed_tier_count_every_hour(hub_user):
    request = mash_request(rating=Rag.RED, received_at=_london(2026, 3, 6, 9, 0))  # a Friday; due 13:00
    escalation_sweep(now=_london(2026, 3, 6, 13, 1))
    assert escalation_sweep(now=_london(2026, 3, 7, 13, 1))["repeated"] == 1  # Saturday counts on the elapsed clock
    assert request.due_at == _london(2026, 3, 6, 13, 0)


def _due_requests(n: int, hub_user) -> list[int]:
    """`n` open red requests, half with the reminder due and half past the deadline (copies of one real request)."""
    template = mash_request(rating=Rag.RED, received_at=timezone.now() - timedelta(hours=5))
    fields = {f.attname: getattr(template, f.attname) for f in SafeguardingRequest._meta.concrete_fields if not f.primary_key}
    copies = [SafeguardingRequest(**{**fields, "reference": f"T-{n}-{i}"}) for i in range(n - 1)]
    ids = [template.pk] + [r.pk for r in SafeguardingRequest.objects.bulk_create(copies)]
    now = timezone.now()
    remind, overdue = ids[: n // 2], ids[n // 2:]
    SafeguardingRequest.objects.filter(pk__in=remind).update(due_at=now + timedelta(hours=1))
    deadlines_set(step=REMIND, due={pk: now - timedelta(minutes=1) for pk in remind})
    deadlines_set(step=OVERDUE, due={pk: None for pk in remind})
    deadlines_set(step=OVERDUE, due={pk: template.due_at for pk in overdue})
    return ids


def _sweep_statements(n: int, hub_user) -> int:
    _due_requests(n, hub_user)
    with CaptureQueriesContext(connection) as queries:
        result = escalation_sweep()
    assert (result["reminded"], result["escalated"]) == (n // 2, n - n // 2)
    return len(queries)


def test_a_sweeps_statements_are_the_same_at_10_and_at_1000_due(hub_user):
    HubUserFactory()
    small = _sweep_statements(10, hub_user)
    Notification.objects.all().delete()
    assert small == _sweep_statements(1000, hub_user)
    # Which steps are due (1); one transaction for both steps (a savepoint inside the test's transaction: 2) with
    # one claim for both, one owners query and one hub-users query shared by both (their owner_group), and one
    # statement writing every notification, event and re-arm; unsent response emails (1).
    assert small == 1 + 2 + 1 + 2 + 1 + 1
