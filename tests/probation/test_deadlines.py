"""The deadline engine itself (probation.deadlines), with a small step over users: each user is told once when
their deadline falls due, repeats re-arm, owners no longer concerned are skipped, one bad row is put back."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from probation import deadlines
from probation.deadlines import Notice, Outcome, Step, deadline_set, deadlines_cancel, deadlines_run, deadlines_set
from probation.models import Deadline, Notification, User
from tests.probation.factories import OffenderManagerFactory

pytestmark = pytest.mark.django_db


class PingStep(Step):
    """Tell an active user their ping is due; repeat every hour up to three times; users named 'broken' raise."""

    name = "tests.ping"

    def owners(self, ids):
        return {u["id"]: u for u in User.objects.filter(pk__in=ids, is_active=True).values("id", "username")}

    def context(self, owners, now):
        return {"url": "/notifications/"}

    def fire(self, owner, fired, ctx):
        if owner["username"] == "broken":
            raise RuntimeError("template broke")
        return Outcome(
            notices=[Notice(owner["id"], f"ping:{owner['id']}:{fired.due_at:%Y%m%d%H%M}:{fired.count}", "Ping due",
                            f"Ping number {fired.count}", ctx["url"])],
            next_due=fired.due_at + timedelta(hours=1) if fired.count < 3 else None,
            tally="pinged",
        )


@pytest.fixture(autouse=True)
def ping_step():
    step = deadlines.register(PingStep())
    yield step
    deadlines._steps.pop(step.name, None)


def test_a_due_deadline_notifies_once_and_a_second_run_does_nothing():
    user = OffenderManagerFactory()
    deadline_set(step="tests.ping", owner_id=user.pk, due_at=timezone.now() - timedelta(minutes=1))
    first = deadlines_run(steps=["tests.ping"])["tests.ping"]
    assert first == {"fired": 1, "notified": 1, "skipped": 0, "failed": 0, "pinged": 1}
    assert deadlines_run(steps=["tests.ping"])["tests.ping"]["fired"] == 0
    notice = Notification.objects.get()
    assert (notice.recipient, notice.subject, notice.url) == (user, "Ping due", "/notifications/")


def test_a_future_deadline_is_not_fired():
    user = OffenderManagerFactory()
    deadline_set(step="tests.ping", owner_id=user.pk, due_at=timezone.now() + timedelta(minutes=1))
    assert deadlines_run(steps=["tests.ping"])["tests.ping"]["fired"] == 0


def test_a_repeating_deadline_re_arms_and_counts_its_firings():
    user = OffenderManagerFactory()
    start = timezone.now() - timedelta(minutes=1)
    deadline_set(step="tests.ping", owner_id=user.pk, due_at=start)
    deadlines_run(steps=["tests.ping"])
    row = Deadline.objects.get(step="tests.ping", owner_id=user.pk)
    assert (row.due_at, row.fired_count) == (start + timedelta(hours=1), 1)
    deadlines_run(steps=["tests.ping"], now=start + timedelta(hours=1))
    deadlines_run(steps=["tests.ping"], now=start + timedelta(hours=5))
    row.refresh_from_db()
    assert (row.due_at, row.fired_count) == (None, 3)
    assert list(Notification.objects.order_by("id").values_list("body", flat=True)) == [
        "Ping number 1", "Ping number 2", "Ping number 3"]


def test_setting_the_same_time_again_changes_nothing_and_a_new_time_resets_the_count():
    user = OffenderManagerFactory()
    due = timezone.now() - timedelta(minutes=1)
    deadline_set(step="tests.ping", owner_id=user.pk, due_at=due)
    deadlines_run(steps=["tests.ping"])
    deadline_set(step="tests.ping", owner_id=user.pk, due_at=due)  # the same: still fired once, now due in an hour
    row = Deadline.objects.get()
    assert (row.fired_count, row.due_at) == (1, due + timedelta(hours=1))
    deadline_set(step="tests.ping", owner_id=user.pk, due_at=due - timedelta(minutes=5))
    row.refresh_from_db()
    assert (row.fired_count, row.due_at) == (0, due - timedelta(minutes=5))


def test_a_cancelled_deadline_or_an_owner_no_longer_concerned_is_not_notified():
    cancelled, inactive = OffenderManagerFactory(), OffenderManagerFactory(is_active=False)
    due = timezone.now() - timedelta(minutes=1)
    deadlines_set(step="tests.ping", due={cancelled.pk: due, inactive.pk: due})
    assert deadlines_cancel(owner_id=cancelled.pk, steps=["tests.ping"]) == 1
    result = deadlines_run(steps=["tests.ping"])["tests.ping"]
    assert (result["fired"], result["skipped"]) == (0, 1)
    assert not Notification.objects.exists()
    assert Deadline.objects.get(owner_id=inactive.pk).due_at is None  # closed, not claimed again and again


def test_one_bad_row_is_put_back_and_the_others_fire():
    good, bad = OffenderManagerFactory(), OffenderManagerFactory(username="broken")
    due = timezone.now() - timedelta(minutes=1)
    deadlines_set(step="tests.ping", due={good.pk: due, bad.pk: due})
    result = deadlines_run(steps=["tests.ping"])["tests.ping"]
    assert (result["fired"], result["failed"]) == (1, 1)
    row = Deadline.objects.get(owner_id=bad.pk)
    assert (row.due_at, row.fired_count) == (due, 0)  # as it was: tried again next run
    assert list(Notification.objects.values_list("recipient", flat=True)) == [good.pk]


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        deadline_set(step="tests.ping", owner_id=1, due_at=timezone.now().replace(tzinfo=None))
    with pytest.raises(KeyError):
        deadline_set(step="tests.unknown", owner_id=1, due_at=timezone.now())


def _statements(n_due: int) -> int:
    users = [OffenderManagerFactory.build(username=f"bulk{n_due}-{i}") for i in range(n_due)]
    User.objects.bulk_create(users)
    ids = list(User.objects.filter(username__startswith=f"bulk{n_due}-").values_list("pk", flat=True))
    deadlines_set(step="tests.ping", due={pk: timezone.now() - timedelta(minutes=1) for pk in ids})
    with CaptureQueriesContext(connection) as queries:
        result = deadlines_run(steps=["tests.ping"])["tests.ping"]
    assert result["fired"] == n_due and result["notified"] == n_due
    return len(queries)


def test_a_sweeps_statements_do_not_grow_with_the_number_due():
    assert _statements(10) == _statements(1000)


def test_nothing_due_costs_one_statement():
    user = OffenderManagerFactory()
    deadline_set(step="tests.ping", owner_id=user.pk, due_at=timezone.now() + timedelta(hours=1))
    with CaptureQueriesContext(connection) as queries:
        deadlines_run()
    assert len(queries) == 1


class EchoStep(Step):
    """Tell a user a text that needs quoting in an array literal (quotes, backslashes, a new line, braces, commas,
    the word NULL, non-Latin letters)."""

    name = "tests.echo"
    TEXT = 'She said "no" \\ C:\\temp\\{a,b} NULL\nline two: Zoë, 中文'

    def owners(self, ids):
        return {u["id"]: u for u in User.objects.filter(pk__in=ids).values("id", "username")}

    def fire(self, owner, fired, ctx):
        return Outcome(notices=[Notice(owner["id"], f"echo:{owner['id']}:{fired.count}", self.TEXT[:40], self.TEXT)])


def test_notification_text_that_needs_quoting_is_stored_exactly():
    deadlines.register(EchoStep())
    try:
        users = [OffenderManagerFactory() for _ in range(3)]
        deadlines_set(step="tests.echo", due={u.pk: timezone.now() - timedelta(minutes=1) for u in users})
        assert deadlines_run(steps=["tests.echo"])["tests.echo"]["notified"] == 3
        assert set(Notification.objects.values_list("body", flat=True)) == {EchoStep.TEXT}
        assert set(Notification.objects.values_list("subject", flat=True)) == {EchoStep.TEXT[:40]}
    finally:
        deadlines._steps.pop("tests.echo", None)


def test_a_step_that_fails_as_a_whole_does_not_stall_another_due_in_the_same_round():
    class BrokenOwners(PingStep):
        name = "tests.broken"

        def owners(self, ids):
            raise RuntimeError("owners query broke")

    deadlines.register(BrokenOwners())
    try:
        user = OffenderManagerFactory()
        due = timezone.now() - timedelta(minutes=1)
        deadline_set(step="tests.ping", owner_id=user.pk, due_at=due)
        deadline_set(step="tests.broken", owner_id=user.pk, due_at=due)
        result = deadlines_run(steps=["tests.ping", "tests.broken"])
        # The round for both failed and was rolled back whole; each step was then tried on its own.
        assert (result["tests.ping"]["fired"], result["tests.ping"]["failed"]) == (1, 0)
        assert (result["tests.broken"]["fired"], result["tests.broken"]["failed"]) == (0, 1)
        assert Notification.objects.count() == 1
        broken = Deadline.objects.get(step="tests.broken")
        assert (broken.due_at, broken.fired_count) == (due, 0)  # left due for the next run
    finally:
        deadlines._steps.pop("tests.broken", None)


def test_steps_of_one_owner_group_share_one_owners_query():
    class First(PingStep):
        name = "tests.first"
        owner_group = "tests.users"

    class Second(PingStep):
        name = "tests.second"
        owner_group = "tests.users"

    calls = []

    class Counting(First):
        def owners(self, ids):
            calls.append(sorted(ids))
            return super().owners(ids)

    deadlines.register(Counting())
    deadlines.register(Second())
    try:
        a, b = OffenderManagerFactory(), OffenderManagerFactory()
        due = timezone.now() - timedelta(minutes=1)
        deadline_set(step="tests.first", owner_id=a.pk, due_at=due)
        deadline_set(step="tests.second", owner_id=b.pk, due_at=due)
        result = deadlines_run(steps=["tests.first", "tests.second"])
        assert result["tests.first"]["notified"] == result["tests.second"]["notified"] == 1
        assert calls == [sorted([a.pk, b.pk])]  # one query for both steps' owners
    finally:
        deadlines._steps.pop("tests.first", None)
        deadlines._steps.pop("tests.second", None)
