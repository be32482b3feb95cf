import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from probation.models import Deadline, Notification
from safeguarding.models import MatchOutcome, Rag, RequestEvent, SafeguardingRequest
from safeguarding.services import escalation_sweep, request_change_rating, request_respond, request_triage
from safeguarding.tasks import mash_escalation_sweep
from tests.cases.factories import AllocatedPersonFactory
from tests.probation.factories import HubUserFactory
from tests.safeguarding.factories import mash_request
from tests.safeguarding.test_triage_and_response import ANSWER

pytestmark = pytest.mark.django_db


def _deadline(request, step):
    return Deadline.objects.get(owner_id=request.pk, step=f"safeguarding.{step}")


def _assigned_red(received_at, hub):
    person = AllocatedPersonFactory()
    request = mash_request(received_at=received_at, rating=Rag.RED)
    return request_triage(request=request, outcome=MatchOutcome.KNOWN_CRC, person=person, by=hub), person


def test_the_assignee_is_reminded_at_three_quarters_of_the_time_once(hub_user):
    request, person = _assigned_red(timezone.now() - timedelta(hours=3, minutes=1), hub_user)
    assert escalation_sweep()["reminded"] == 1
    assert escalation_sweep()["reminded"] == 0
    reminders = Notification.objects.filter(dedupe_key__contains=":remind:")
    assert [n.recipient for n in reminders] == [person.offender_manager]
    assert _deadline(request, "remind").fired_count == 1
    assert request.events.filter(kind=RequestEvent.Kind.REMINDED).count() == 1


def test_nothing_happens_before_the_reminder_is_due(hub_user):
    _assigned_red(timezone.now() - timedelta(hours=2), hub_user)
    assert escalation_sweep() == {"reminded": 0, "escalated": 0, "repeated": 0, "emails_queued": 0, "failed": 0}


def test_a_breach_notifies_the_team_manager_and_the_hub_once(hub_user):
    second_hub = HubUserFactory()
    request, person = _assigned_red(timezone.now() - timedelta(hours=5), hub_user)
    first = escalation_sweep()
    assert first["escalated"] == 1
    escalation_sweep()
    breach = Notification.objects.filter(dedupe_key__contains=":breach:")
    assert {n.recipient for n in breach} == {person.team.manager, hub_user, second_hub}
    assert breach.count() == 3
    overdue = _deadline(request, "overdue")
    assert overdue.fired_count == 1
    assert overdue.due_at == request.due_at + timedelta(hours=24)


def test_repeat_notices_while_it_stays_open(hub_user):
    request, _ = _assigned_red(timezone.now() - timedelta(hours=5), hub_user)
    escalation_sweep()
    later = timezone.now() + timedelta(hours=24)
    assert escalation_sweep(now=later)["repeated"] == 1
    assert escalation_sweep(now=later)["repeated"] == 0
    assert escalation_sweep(now=later + timedelta(hours=24))["repeated"] == 1
    assert _deadline(request, "overdue").fired_count == 3
    assert Notification.objects.filter(dedupe_key__contains=":repeat:").count() == 2 * 2  # hub + team manager, twice


def test_an_answered_request_is_not_escalated(hub_user):
    request, person = _assigned_red(timezone.now() - timedelta(hours=5), hub_user)
    request_respond(request=request, by=person.offender_manager, **ANSWER)
    result = escalation_sweep()
    assert result["escalated"] == 0 and result["reminded"] == 0


def test_a_raised_rating_is_escalated_against_the_new_deadline(hub_user):
    request = mash_request(received_at=timezone.now() - timedelta(hours=5), rating=Rag.GREEN)
    assert escalation_sweep()["escalated"] == 0
    request_change_rating(request=request, rating=Rag.RED, rationale="Risk to children is immediate", by=hub_user)
    assert escalation_sweep()["escalated"] == 1
    # Unassigned: the hub is told.
    assert Notification.objects.filter(recipient=hub_user, dedupe_key__contains=":breach:").count() == 1


def test_one_bad_row_does_not_stall_the_sweep(hub_user, monkeypatch):
    bad, _ = _assigned_red(timezone.now() - timedelta(hours=5), hub_user)
    good, _ = _assigned_red(timezone.now() - timedelta(hours=5), hub_user)
    from safeguarding.deadlines import OverdueStep

    original = OverdueStep.fire

    def failing(self, owner, fired, ctx):
        if owner["id"] == bad.pk:
            raise RuntimeError("template broke")
        return original(self, owner, fired, ctx)

    monkeypatch.setattr(OverdueStep, "fire", failing)
    result = escalation_sweep()
    assert result["escalated"] == 1 and result["failed"] == 1
    left = _deadline(bad, "overdue")
    assert (left.fired_count, left.due_at) == (0, bad.due_at)  # left for the next sweep
    monkeypatch.setattr(OverdueStep, "fire", original)
    assert escalation_sweep()["escalated"] == 1


def test_a_step_interrupted_midway_is_redone_not_lost(hub_user, monkeypatch):
    """The claim and the notifications commit together: a crash after claiming leaves the step unclaimed."""
    request, person = _assigned_red(timezone.now() - timedelta(hours=3, minutes=5), hub_user)
    from probation import deadlines

    original = deadlines._write

    def crash(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(deadlines, "_write", crash)
    with pytest.raises(SystemExit):
        escalation_sweep()
    assert _deadline(request, "remind").fired_count == 0
    monkeypatch.setattr(deadlines, "_write", original)
    assert escalation_sweep()["reminded"] == 1
    assert Notification.objects.filter(recipient=person.offender_manager, dedupe_key__contains=":remind:").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_notify_each_step_once(hub_user):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL")
    requests = [_assigned_red(timezone.now() - timedelta(hours=5), hub_user)[0] for _ in range(6)]
    results, errors = [], []
    barrier = threading.Barrier(4)

    def run():
        try:
            barrier.wait(timeout=60)
            results.append(escalation_sweep())
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not [t for t in threads if t.is_alive()], "a sweep hung (a lock never released?)"
    assert not errors
    assert sum(r["escalated"] for r in results) == 6
    assert sum(r["reminded"] for r in results) == 0  # already past the deadline: no "answer before the deadline"
    assert RequestEvent.objects.filter(kind=RequestEvent.Kind.ESCALATED).count() == 6
    for request in requests:
        keys = list(Notification.objects.filter(dedupe_key__startswith=f"mash:{request.pk}:breach").values_list("dedupe_key", flat=True))
        assert len(keys) == len(set(keys)) == 2  # team manager + hub


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_sweep_and_the_response_email(live_celery_worker, hub_user):
    from django.core import mail

    request, person = _assigned_red(timezone.now() - timedelta(hours=5), hub_user)
    mash_escalation_sweep.delay()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not request.events.filter(kind=RequestEvent.Kind.ESCALATED).exists():
        time.sleep(0.2)
    assert request.events.filter(kind=RequestEvent.Kind.ESCALATED).exists()
    request_respond(request=request, by=person.offender_manager, **ANSWER)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and SafeguardingRequest.objects.get(pk=request.pk).response_emailed_at is None:
        time.sleep(0.2)
    assert SafeguardingRequest.objects.get(pk=request.pk).response_emailed_at is not None
    assert any(m.to == ["sam@camden-mash.example"] for m in mail.outbox)


def test_a_sweep_with_nothing_due_costs_the_same_at_any_size(hub_user, django_assert_num_queries):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    counts = []
    for extra in (2, 20):
        for _ in range(extra):
            mash_request(rating=Rag.GREEN)  # open, nothing due yet
        with CaptureQueriesContext(db) as queries:
            assert escalation_sweep()["reminded"] == 0
        counts.append(len(queries))
    assert counts[0] == counts[1] == 2  # which steps are due (one index probe each), unsent response emails
