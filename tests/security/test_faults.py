"""Fault drills for the MASH escalation sweep and the notification outbox, on the real PostgreSQL and Redis.

Each test breaks something real (two workers at once, a worker SIGKILLed mid-sweep, the broker's connections cut,
the sweep's database backend terminated) and then proves the same thing: in the end every due escalation step has
notified each of its recipients exactly once, and each step's claim was taken once. Nothing under test is mocked;
the only instrumentation is a Django execute_wrapper that pauses the sweep at a chosen query so that the fault lands
at a known point (for example between a batch's claim and its notifications).

The sweep runs on the deadline engine (probation/deadlines.py): a batch of steps is claimed with one statement on the
narrow probation_deadline table and notified in the same transaction. The drills are able to fail: one of them runs
a variant of the engine that commits the claim on its own before the notifications and shows that it loses steps
where the engine does not.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from probation import deadlines
from probation.models import Deadline, Notification
from probation.services import notification_send, notifications_email_due
from probation.tasks import send_pending_notifications
from safeguarding.deadlines import OVERDUE, REMIND
from safeguarding.models import Rag, RequestEvent, SafeguardingRequest
from safeguarding.services import escalation_sweep
from safeguarding.tasks import mash_escalation_sweep
from tests.cases.factories import AllocatedPersonFactory
from tests.partners.factories import OrganisationFactory
from tests.probation.factories import HubUserFactory, OffenderManagerFactory
from tests.safeguarding.factories import mash_request

ROOT = Path(__file__).resolve().parents[2]
STEP_KEY = re.compile(r"^mash:(\d+):(remind|breach|repeat):")
CLAIM_SQL = "WITH due AS (SELECT x.id, x.due_at, s.n FROM unnest("  # the engine's claim of a round (every due step)
NOTIFY_SQL = 'INSERT INTO "probation_notification"'  # in the engine's one write of a round (notifications, events)
DUE_CHECK_SQL = "SELECT s.step FROM unnest("  # the engine's "which steps have anything due"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only(transactional_db):
    # Reference data emptied by earlier flushes is restored by tests/conftest.py.
    if connection.vendor != "postgresql":
        pytest.skip("fault drills need the real PostgreSQL")


# --- The drill's data: due requests of each kind, and what exactly-once means for them ---------------------------


def _stamp(moment) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


@dataclass
class Plan:
    """Requests with a step due, by kind, and the notification keys that must exist exactly once at the end."""

    hub: list
    manager: object
    assignee: object
    reminder: list[int] = field(default_factory=list)
    breach: list[int] = field(default_factory=list)
    repeat: list[int] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)

    def add(self, n: int, *, now=None) -> list[int]:
        """Create `n` open requests, a third each with a reminder, a breach or a repeat notice due; every other one
        assigned (so the assignee is reminded and their team manager told of a breach), the rest with the hub."""
        now = now or timezone.now()
        with transaction.atomic():  # one commit for the whole batch: the drill's set-up, not the thing under test
            return self._add(n, now)

    def _add(self, n: int, now) -> list[int]:
        organisation = OrganisationFactory()
        created = []
        for i in range(n):
            request = mash_request(organisation=organisation, rating=Rag.RED, received_at=now - timedelta(minutes=5), concerned=[])
            assignee = self.assignee if i % 2 else None
            kind = ("reminder", "breach", "repeat")[i % 3]
            # The request's times, and its two deadlines in the engine's table as the sweeps so far left them.
            if kind == "reminder":
                remind, due = now - timedelta(minutes=1), now + timedelta(hours=1)
                state = {"remind_at": remind, "due_at": due, "deadlines": {
                    REMIND: {"due_at": remind, "armed_for": remind, "fired_count": 0},
                    OVERDUE: {"due_at": due, "armed_for": due, "fired_count": 0}}}
            elif kind == "breach":
                remind, due = now - timedelta(hours=1), now - timedelta(minutes=2)
                state = {"received_at": now - timedelta(hours=4, minutes=2), "remind_at": remind, "due_at": due,
                         "deadlines": {REMIND: {"due_at": None, "armed_for": remind, "fired_count": 1, "fired_at": remind},
                                       OVERDUE: {"due_at": due, "armed_for": due, "fired_count": 0}}}
            else:
                remind, due = now - timedelta(hours=27), now - timedelta(hours=26)
                state = {"received_at": now - timedelta(hours=30), "remind_at": remind, "due_at": due,
                         "deadlines": {REMIND: {"due_at": None, "armed_for": remind, "fired_count": 1, "fired_at": remind},
                                       OVERDUE: {"due_at": now - timedelta(hours=2), "armed_for": due, "fired_count": 1,
                                                 "fired_at": due}}}
            deadline_state = state.pop("deadlines")
            SafeguardingRequest.objects.filter(pk=request.pk).update(assignee=assignee, **state)
            for step, values in deadline_state.items():
                Deadline.objects.filter(step=step, owner_id=request.pk).update(**values)
            due = _stamp(state["due_at"])
            breach_to = [u.pk for u in self.hub] + ([self.manager.pk] if assignee else [])
            if kind == "reminder":
                self.reminder.append(request.pk)
                to = [assignee.pk] if assignee else [u.pk for u in self.hub]
                self.keys |= {f"mash:{request.pk}:remind:{due}:{pk}" for pk in to}
            elif kind == "breach":
                self.breach.append(request.pk)
                self.keys |= {f"mash:{request.pk}:breach:{due}:{pk}" for pk in breach_to}
            else:
                self.repeat.append(request.pk)
                self.keys |= {f"mash:{request.pk}:repeat:{due}:2:{pk}" for pk in breach_to}
            created.append(request.pk)
        return created

    @property
    def total(self) -> int:
        return len(self.reminder) + len(self.breach) + len(self.repeat)


@pytest.fixture
def plan():
    hub = [HubUserFactory(), HubUserFactory()]
    person = AllocatedPersonFactory()
    return Plan(hub=hub, manager=person.team.manager, assignee=person.offender_manager)


def step_notifications():
    return Notification.objects.filter(dedupe_key__regex=r"^mash:\d+:(remind|breach|repeat):")


def assert_each_step_once(plan: Plan) -> None:
    """Every due step notified each recipient exactly once, and each request's claim was taken exactly once."""
    keys = list(step_notifications().values_list("dedupe_key", flat=True))
    missing, extra = plan.keys - set(keys), set(keys) - plan.keys
    assert not missing, f"{len(missing)} notifications lost, e.g. {sorted(missing)[:3]}"
    assert not extra, f"{len(extra)} unexpected notifications, e.g. {sorted(extra)[:3]}"
    assert len(keys) == len(plan.keys)
    # One recipient, one notice per (request, step): recipient taken from the row, not just the key.
    per_recipient = Counter(
        (STEP_KEY.match(k).groups(), r) for k, r in step_notifications().values_list("dedupe_key", "recipient_id")
    )
    assert set(per_recipient.values()) == {1}

    events = {
        kind: Counter(RequestEvent.objects.filter(kind=kind).values_list("request_id", flat=True))
        for kind in (RequestEvent.Kind.REMINDED, RequestEvent.Kind.ESCALATED, RequestEvent.Kind.ESCALATION_REPEATED)
    }
    assert events[RequestEvent.Kind.REMINDED] == Counter(plan.reminder)
    assert events[RequestEvent.Kind.ESCALATED] == Counter(plan.breach)
    assert events[RequestEvent.Kind.ESCALATION_REPEATED] == Counter(plan.repeat)

    requests = {r.pk: r for r in SafeguardingRequest.objects.filter(pk__in=plan.reminder + plan.breach + plan.repeat)}
    at = dict(RequestEvent.objects.filter(request_id__in=requests).exclude(kind=RequestEvent.Kind.RECEIVED).values_list("request_id", "at"))
    remind = {d.owner_id: d for d in Deadline.objects.filter(step=REMIND, owner_id__in=requests)}
    overdue = {d.owner_id: d for d in Deadline.objects.filter(step=OVERDUE, owner_id__in=requests)}
    for pk in plan.reminder:
        assert remind[pk].fired_count == 1 and remind[pk].fired_at == at[pk]  # claimed once: by the run that recorded the one event
        assert overdue[pk].fired_count == 0
    for pk in plan.breach:
        assert overdue[pk].fired_count == 1 and overdue[pk].fired_at == at[pk]
        assert overdue[pk].due_at == requests[pk].due_at + timedelta(hours=24)  # the first repeat, 24 elapsed hours on
    for pk in plan.repeat:
        assert overdue[pk].fired_count == 2 and overdue[pk].due_at > timezone.now()


def assert_no_claim_without_its_notifications(plan: Plan) -> set[int]:
    """After a fault, before recovery: every step whose claim committed has all of its notifications."""
    claimed = set(
        Deadline.objects.filter(step=REMIND, owner_id__in=plan.reminder, fired_count=1).values_list("owner_id", flat=True)
    ) | set(
        Deadline.objects.filter(step=OVERDUE, owner_id__in=plan.breach, fired_count=1).values_list("owner_id", flat=True)
    ) | set(
        Deadline.objects.filter(step=OVERDUE, owner_id__in=plan.repeat, fired_count=2).values_list("owner_id", flat=True)
    )
    notified = set(step_notifications().values_list("dedupe_key", flat=True))
    for key in plan.keys:
        request_pk = int(STEP_KEY.match(key).group(1))
        assert (request_pk in claimed) == (key in notified), f"claim and notification disagree for {key}"
    return claimed


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def in_thread(target):
    """Run `target` in a thread with its own database connection; returns (thread, outcome dict)."""
    outcome = {}

    def run():
        try:
            outcome["result"] = target()
        except BaseException as exc:  # the fault under test: record it for the assertions
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


# --- 1. Two workers at once ----------------------------------------------------------------------------------------


def test_two_concurrent_sweeps_over_repeated_runs_notify_each_step_exactly_once(plan):
    plan.add(200)
    totals = Counter()
    for round_number in range(4):
        if round_number:
            plan.add(30)  # fresh work each round, so every round has both workers racing for the same rows
        barrier = threading.Barrier(2)

        def sweep():
            barrier.wait(timeout=10)
            return escalation_sweep(batch_size=25)  # small batches: the two workers race batch by batch

        runs = [in_thread(sweep) for _ in range(2)]
        for thread, _ in runs:
            thread.join(timeout=25)
            assert not thread.is_alive()
        for _, outcome in runs:
            assert "error" not in outcome, outcome.get("error")
            assert outcome["result"]["failed"] == 0
            totals.update({k: outcome["result"][k] for k in ("reminded", "escalated", "repeated")})
        # The two workers between them took each step once: their counts add up to the work, never more.
        assert totals == Counter(reminded=len(plan.reminder), escalated=len(plan.breach), repeated=len(plan.repeat))
    assert plan.total == 290
    assert_each_step_once(plan)
    # And a further run finds nothing left to do.
    assert escalation_sweep() == {"reminded": 0, "escalated": 0, "repeated": 0, "emails_queued": 0, "failed": 0}


# --- 2. A worker killed mid-sweep ----------------------------------------------------------------------------------

SUBPROCESS_SWEEP = """
import os, time
import django
django.setup()
from django.db import connection, transaction
from probation import deadlines
from safeguarding.services import escalation_sweep

kill_at_claim = int(os.environ["KILL_AT_CLAIM"])
kill_at_notify = int(os.environ["KILL_AT_NOTIFY"])
query_delay = float(os.environ["QUERY_DELAY"])
claims = notifies = 0

if os.environ["CLAIM_COMMITTED_SEPARATELY"] == "1":
    # The design the drills must catch: the claim committed in its own transaction before the notifications.
    def run_round(steps, now, batch_size):
        with transaction.atomic():
            rows = deadlines._claim([step.name for step in steps], now, batch_size)
        with transaction.atomic():
            tallies = deadlines._deliver(steps, rows, now) if rows else {}
        return rows, tallies

    deadlines._run_round = run_round

def instrument(execute, sql, params, many, context):
    global claims, notifies
    if %r in sql:
        notifies += 1
        if notifies == kill_at_notify:
            # The batch's claim has run (and, in the separately committed variant, committed); its notifications
            # are not written. Wait to be killed.
            print("CLAIMED", flush=True)
            time.sleep(60)
    result = execute(sql, params, many, context)
    if sql.startswith(%r):
        claims += 1
        if claims == kill_at_claim:
            # The batch's claim is taken (uncommitted); its notifications are not yet written. Wait to be killed.
            print("CLAIMED", flush=True)
            time.sleep(60)
    time.sleep(query_delay)
    return result

print("PID", os.getpid(), flush=True)
with connection.execute_wrapper(instrument):
    print("RESULT", escalation_sweep(batch_size=int(os.environ["BATCH_SIZE"])), flush=True)
""" % (NOTIFY_SQL, CLAIM_SQL)


def _sweep_subprocess(*, kill_at_claim: int = 0, kill_at_notify: int = 0, query_delay: float = 0.0, batch_size: int = 10,
                      claim_committed_separately: bool = False) -> subprocess.Popen:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "probation.settings",
        "DATABASE_URL": url,
        "KILL_AT_CLAIM": str(kill_at_claim),
        "KILL_AT_NOTIFY": str(kill_at_notify),
        "QUERY_DELAY": str(query_delay),
        "BATCH_SIZE": str(batch_size),
        "CLAIM_COMMITTED_SEPARATELY": "1" if claim_committed_separately else "0",
    }
    return subprocess.Popen(
        [sys.executable, "-c", SUBPROCESS_SWEEP], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _sigkill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL


def _wait_for_claimed(process: subprocess.Popen) -> None:
    line = ""
    # A fresh interpreter starts Django (and the holidays tables) before it sweeps: over 20 s at a load average of 9
    # on the shared 2-core machine, where the claim-committed-separately drill once timed out here.
    deadline = time.monotonic() + 60
    while "CLAIMED" not in line and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            pytest.fail(f"sweep process ended early: {process.stderr.read()}")
    assert "CLAIMED" in line


def _steps_done() -> int:
    return RequestEvent.objects.exclude(kind=RequestEvent.Kind.RECEIVED).count()


def test_a_worker_killed_between_a_claim_and_its_notifications_loses_nothing(plan):
    """SIGKILL lands after the 4th round's claim UPDATE and before its notifications (batches of 10 a step, so 10
    reminders and 10 breach or repeat notices a round): claim and notifications are in one transaction, so the kill
    rolls the 4th round's claim back and the next sweep does it."""
    plan.add(120)
    process = _sweep_subprocess(kill_at_claim=4)
    try:
        _wait_for_claimed(process)
    finally:
        _sigkill(process)

    # The 3 rounds before the kill committed with their notifications; the 4th was rolled back with the process.
    wait_for(lambda: _steps_done() == 60, 5, "60 committed steps")
    claimed = assert_no_claim_without_its_notifications(plan)
    assert len(claimed) == 60

    result = escalation_sweep()
    assert result["reminded"] + result["escalated"] + result["repeated"] == plan.total - 60
    assert_each_step_once(plan)
    assert escalation_sweep()["failed"] == 0


@pytest.mark.parametrize("claim_committed_separately", [False, True], ids=["engine", "claim-committed-separately"])
def test_a_kill_after_the_claim_has_run_and_before_the_notifications_tells_the_designs_apart(plan, claim_committed_separately):
    """The kill lands later than in the drill above: at the 4th round's notification INSERT, after its claim ran and
    after the point where a design that commits the claim on its own would have committed it. The engine loses
    nothing; that design leaves the round's twenty steps (ten reminders, ten breach or repeat notices) claimed with
    no notification, which no later sweep sends (they are no longer due), and this drill says so. (So the drills
    can fail.)"""
    plan.add(120)
    process = _sweep_subprocess(kill_at_notify=4, claim_committed_separately=claim_committed_separately)
    try:
        _wait_for_claimed(process)
    finally:
        _sigkill(process)
    escalation_sweep()
    escalation_sweep()
    if not claim_committed_separately:
        assert_each_step_once(plan)
        return
    with pytest.raises(AssertionError, match="claim and notification disagree"):
        assert_no_claim_without_its_notifications(plan)
    with pytest.raises(AssertionError, match="30 notifications lost|notifications lost"):
        assert_each_step_once(plan)
    lost = Deadline.objects.filter(step=REMIND, owner_id__in=plan.reminder, fired_count=1).exclude(
        owner_id__in=RequestEvent.objects.filter(kind=RequestEvent.Kind.REMINDED).values("request_id"))
    assert lost.count() == 10  # the killed round's reminders: claimed and committed, never notified


def test_a_worker_killed_at_an_arbitrary_point_loses_nothing(plan):
    """No pause at a chosen query: a slowed sweep is SIGKILLed as soon as its first notifications are visible."""
    plan.add(150)
    process = _sweep_subprocess(query_delay=0.01)
    try:
        wait_for(lambda: step_notifications().exists() or process.poll() is not None, 20, "the first notifications")
        assert process.poll() is None, "the sweep finished before it could be killed"
    finally:
        _sigkill(process)

    claimed = assert_no_claim_without_its_notifications(plan)
    assert 0 < len(claimed) < plan.total  # killed part-way
    escalation_sweep()
    escalation_sweep()
    assert_each_step_once(plan)


# --- 3. The broker's connections cut -------------------------------------------------------------------------------


def _kill_redis_clients() -> int:
    """Cut every client connection on this test run's Redis database (ours alone), keeping the server running."""
    import redis

    url = settings.CELERY_BROKER_URL
    admin = redis.Redis.from_url(url)
    db = admin.connection_pool.connection_kwargs.get("db", 0)
    me = admin.client_id()
    killed = 0
    for client in admin.client_list():
        if int(client["db"]) == int(db) and int(client["id"]) != me:
            killed += admin.client_kill_filter(_id=client["id"])
    admin.close()
    return killed


@pytest.mark.celery_worker
def test_the_sweep_completes_exactly_once_per_step_across_broker_connection_loss(plan, live_celery_worker, celery_worker_queue):
    # Before the fault: the real worker runs the sweep twice (a duplicate delivery does nothing more).
    plan.add(60)
    mash_escalation_sweep.delay()
    mash_escalation_sweep.delay()
    wait_for(lambda: step_notifications().count() == len(plan.keys), 20, "the first sweep")

    # Cut the worker's (and our producer's) broker connections while it is busy with a large sweep.
    second = plan.add(120)
    mash_escalation_sweep.delay()
    wait_for(lambda: RequestEvent.objects.filter(request_id__in=second).exclude(kind=RequestEvent.Kind.RECEIVED).exists(),
             20, "the second sweep to start")
    assert _kill_redis_clients() >= 1

    # Queue again through the cut connection: the producer and the worker reconnect and the work completes.
    third = plan.add(30)
    mash_escalation_sweep.delay()
    mash_escalation_sweep.delay()
    wait_for(lambda: RequestEvent.objects.filter(request_id__in=third).exclude(kind=RequestEvent.Kind.RECEIVED).count() == 30,
             25, "a sweep after the broker connections were cut")
    assert _kill_redis_clients() >= 1

    # A last sentinel request; then wait until the queue is empty and the worker idle: every run queued has run.
    import redis
    from celery.worker import state

    sentinel = plan.add(1)
    mash_escalation_sweep.delay()
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    wait_for(lambda: RequestEvent.objects.filter(request_id__in=sentinel).exclude(kind=RequestEvent.Kind.RECEIVED).exists()
             and broker.llen(celery_worker_queue) == 0 and not state.active_requests and not state.reserved_requests,
             25, "every queued sweep to run")
    broker.close()
    assert_each_step_once(plan)


# --- 4. The database connection dropped mid-sweep ------------------------------------------------------------------


def _terminate_backend(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone()[0] is True


def _sweep_paused_at(matches, *, after: bool):
    """An in-thread sweep that pauses at the first query `matches` (before or after running it) until released."""
    paused, release, pid = threading.Event(), threading.Event(), {}

    def instrument(execute, sql, params, many, context):
        hit = not paused.is_set() and matches(sql)
        if hit and not after:
            paused.set()
            release.wait(10)
        result = execute(sql, params, many, context)
        if hit and after:
            paused.set()
            release.wait(10)
        return result

    def sweep():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid["pid"] = cursor.fetchone()[0]
        with connection.execute_wrapper(instrument):
            return escalation_sweep(batch_size=10)

    thread, outcome = in_thread(sweep)
    assert paused.wait(15), outcome.get("error")
    return thread, outcome, pid["pid"], release


def test_a_dropped_database_connection_between_claim_and_notify_is_rolled_back_and_redone_once(plan, caplog):
    plan.add(90)
    claims = Counter()

    def second_claim(sql):
        if sql.startswith(CLAIM_SQL):
            claims["n"] += 1
        return claims["n"] == 2

    # Batches of 10: the second round (10 reminders, 10 breach or repeat notices) is claimed, then its connection is
    # terminated before it notifies.
    thread, outcome, pid, release = _sweep_paused_at(second_claim, after=True)
    _terminate_backend(pid)
    release.set()
    thread.join(20)
    assert not thread.is_alive()

    # The failure is seen (logged), and the round in flight is lost whole: rolled back by the server with the dead
    # backend, so none of its 20 claims stands. The run then tries each of its steps again on its own, on a fresh
    # connection (one failure must never stall the rest), and does them: every step exactly once, in this run.
    assert any(r.levelname == "ERROR" and r.name == "probation.deadlines" for r in caplog.records)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"]["failed"] == 0
    assert (outcome["result"]["reminded"], outcome["result"]["escalated"] + outcome["result"]["repeated"]) == (
        len(plan.reminder), len(plan.breach) + len(plan.repeat))
    assert_each_step_once(plan)

    # The next run (the next beat, a minute later) finds nothing left; nothing is doubled.
    rerun = escalation_sweep()
    assert rerun["reminded"] + rerun["escalated"] + rerun["repeated"] == 0
    assert_each_step_once(plan)


def test_a_dropped_database_connection_while_reading_due_rows_fails_the_run_and_the_next_run_completes(plan):
    plan.add(90)
    thread, outcome, pid, release = _sweep_paused_at(lambda sql: sql.startswith(DUE_CHECK_SQL), after=False)
    _terminate_backend(pid)
    release.set()
    thread.join(20)
    assert not thread.is_alive()

    # The query for what is due fails, so the whole run fails (the Celery task ends in error; acks_late and the
    # one-minute beat bring the next run). Nothing was claimed.
    from django.db import Error

    assert isinstance(outcome.get("error"), Error)
    assert assert_no_claim_without_its_notifications(plan) == set()

    rerun = escalation_sweep()
    assert rerun == {"reminded": len(plan.reminder), "escalated": len(plan.breach), "repeated": len(plan.repeat),
                     "emails_queued": 0, "failed": 0}
    assert_each_step_once(plan)


def _backends_waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _holder_pid() -> int:
    """The backend holding the drill's uncommitted notification (idle in its transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'"
        )
        return cursor.fetchone()[0]


def _terminate_other_backends(keep: int = 0) -> int:
    """Terminate every other backend on this test database (its name is ours alone): here, the Celery worker's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND pid <> %s AND backend_type = 'client backend'", [keep]
        )
        return cursor.fetchone()[0]


@pytest.mark.celery_worker
def test_the_real_worker_loses_and_doubles_nothing_when_its_database_connection_drops_mid_task(plan, live_celery_worker, caplog):
    plan.add(200)
    # The engine does 200 steps in a few milliseconds, too fast to hit by polling; so the drop is made to land mid-task
    # with real locking: an uncommitted notification holding one reminder's key makes the worker's notifications
    # INSERT (ON CONFLICT on that key) wait, after its claim, until its connection is terminated.
    blocker = sorted(k for k in plan.keys if ":remind:" in k)[0]
    holding, done = threading.Event(), threading.Event()

    def hold_the_key():  # in its own thread and connection, like another writer
        with transaction.atomic():
            Notification.objects.create(recipient=plan.hub[0], dedupe_key=blocker, subject="Drill: holds a key", body="")
            holding.set()
            done.wait(30)
            transaction.set_rollback(True)

    holder, _ = in_thread(hold_the_key)
    assert holding.wait(10)
    mash_escalation_sweep.delay()
    wait_for(lambda: _backends_waiting_on_a_lock() > 0, 20, "the sweep to wait at its notifications, claim taken")
    terminated_mid_task = _terminate_other_backends(keep=_holder_pid())
    done.set()
    holder.join(10)

    # The task in flight loses that batch (rolled back; the sweep reconnects and goes on, "failed": 1) or, if the
    # drop hits the query for what is due, fails as a whole. Either way nothing is claimed without its notifications.
    from celery.worker import state

    wait_for(lambda: not state.active_requests, 20, "the interrupted task to end")
    assert_no_claim_without_its_notifications(plan)

    # Between tasks the worker holds no connection to drop (Celery's Django fix-up closes it after each task), so a
    # database restart between runs cannot hurt the next one: it opens a fresh connection.
    assert _terminate_other_backends() == 0
    # The next runs (the beat's next minute; two, to show a repeat does nothing more) make good what was missed.
    sentinel = plan.add(3)
    mash_escalation_sweep.delay()
    mash_escalation_sweep.delay()
    wait_for(lambda: RequestEvent.objects.filter(request_id__in=sentinel).exclude(kind=RequestEvent.Kind.RECEIVED).count() == 3,
             25, "a sweep after the database connection was dropped")
    assert terminated_mid_task >= 1  # the worker's backend (and any idle one left by an earlier test)
    # The failure was seen: a step failed (logged by the sweep) or the task itself ended in error (logged by Celery).
    assert any(r.levelname == "ERROR" and r.name in ("probation.deadlines", "celery.app.trace") for r in caplog.records)
    assert_each_step_once(plan)


# --- The outbox: each notification emailed at most once under concurrent senders -----------------------------------


def test_two_concurrent_outbox_senders_email_each_notification_once():
    recipients = [OffenderManagerFactory() for _ in range(5)]
    for i in range(150):
        assert notification_send(recipient=recipients[i % 5], key=f"drill:{i}", subject=f"Drill notice {i}", body="Body")
    mail.outbox.clear()
    barrier = threading.Barrier(2)

    def sender(use_task: bool):
        def run():
            barrier.wait(timeout=10)
            if use_task:
                return send_pending_notifications(batch_size=7)  # the beat task's own loop, run in this thread
            totals = Counter()
            while True:
                result = notifications_email_due(batch_size=5)
                totals.update(result)
                if result["claimed"] == 0:
                    return dict(totals)

        return run

    runs = [in_thread(sender(True)), in_thread(sender(False))]
    for thread, _ in runs:
        thread.join(25)
        assert not thread.is_alive()
    for _, outcome in runs:
        assert "error" not in outcome, outcome.get("error")
    assert sum(outcome["result"]["sent"] for _, outcome in runs) == 150
    assert len(mail.outbox) == 150
    assert Counter(m.subject for m in mail.outbox) == Counter({f"Drill notice {i}": 1 for i in range(150)})
    assert not Notification.objects.filter(email_sent_at=None).exists()
    assert set(Notification.objects.values_list("email_attempts", flat=True)) == {1}
    # A later run sends nothing more.
    assert notifications_email_due(batch_size=50)["claimed"] == 0
    assert len(mail.outbox) == 150
