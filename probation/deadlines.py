"""The deadline engine: one definition of a deadline step and one claim, for every sweep in the product.

Every deadline in every app (MASH reminders and breach notices, BCST screening, pre-release steps, chasing actions,
API credential expiry, and whatever supervision or interventions add) is a *step* run by this module. No app writes
its own sweep loop.

Public interface (stable)
=========================

A *deadline* is one row of `probation.models.Deadline`: (step, owner_id, due_at, armed_for, fired_count, fired_at),
one row per (step, owner). `step` names a registered `Step`; `owner_id` is the primary key of the row the deadline
belongs to (the step knows which model that is); `due_at` is when it next falls due (NULL: nothing pending).

1. Declare a step in your app (e.g. `safeguarding/deadlines.py`) by subclassing `Step`::

       from probation.deadlines import Notice, Outcome, Step

       class RemindStep(Step):
           name = "safeguarding.remind"        # unique; prefix it with your app label
           event_model = RequestEvent          # optional: `Outcome.event` rows go here, one INSERT per batch
           event_ignore_conflicts = False      # optional: True skips an event that breaks a unique constraint
                                               # (e.g. "one open episode per case") instead of failing the batch

           def owners(self, ids):              # ONE query: the owners still concerned, keyed by id
               return {r["id"]: r for r in SafeguardingRequest.objects.open().filter(pk__in=ids).values("id", ...)}

           def context(self, owners, now):     # optional: whatever is computed once per batch (hub users, a URL
               return {"hub": [...]}           # prefix, the calendar); never per row

           def fire(self, owner, fired, ctx):  # pure Python, no queries: what this firing does
               return Outcome(
                   notices=[Notice(recipient_id=7, key=f"mash:{owner['id']}:remind:...:7", subject="...", body="...",
                                   url="/safeguarding/...")],
                   event={"request_id": owner["id"], "kind": "reminded", "at": fired.now},  # field attnames
                   next_due=None,              # a datetime re-arms this deadline (repeat notices); None closes it
                   tally="reminded",           # the counter this firing adds to in the run's result
               )

   `fired` is a `Fired`: deadline_id, owner_id, due_at (the due time that fell due), count (1 the first time this
   deadline fires after it was set, 2 the next time ...) and now. Owners that `owners()` leaves out (answered,
   withdrawn, revoked) have their deadline closed silently (tallied as "skipped"). Returning `Outcome()` closes the
   deadline without telling anyone (e.g. a reminder whose deadline has already passed). If `fire` raises for one
   row, that row's deadline is put back as it was (tried again next run), the error is logged and tallied as
   "failed", and the rest of the batch goes on.

   `Notice.key` is unique across all notifications: make it name the owner, the step, the deadline (e.g. its due
   time, or the repeat number) and the recipient, so a retried or overlapping run notifies each recipient once.

2. Register it in your AppConfig.ready(): `deadlines.register(RemindStep())`.

3. Set, move and cancel deadlines from your services, inside the transaction that makes the change::

       deadline_set(step="safeguarding.remind", owner_id=request.pk, due_at=remind_at)  # upsert; None cancels
       deadlines_set(step="safeguarding.remind", due={owner_id: due_at, ...})           # many, one statement
       deadline_steps_set(owner_id=request.pk, due={"safeguarding.remind": ..., "safeguarding.overdue": ...})
       deadline_set(step=..., owner_id=..., due_at=new_due, now=now)   # moved: re-armed if not yet fired, or if
                                                                       # the new time is still to come
       deadlines_cancel(owner_id=request.pk, steps=["safeguarding.remind", "safeguarding.overdue"])

   Setting a deadline to a new time resets its count (the first firing is count 1 again); setting it to the time it
   already has changes nothing, so services may call it freely. Times must be timezone-aware.

4. The engine runs it. Celery beat calls `probation.tasks.deadlines_sweep` every minute, which calls
   `deadlines_run()`; `deadlines_run(steps=["safeguarding.remind", ...])` runs only some. One statement first finds
   which steps have anything due (an index probe per step on `deadline_due_idx`, never an OR-merged scan), so a
   sweep with nothing due costs one statement. Then, per due step, until fewer than `batch_size` are claimed, ONE
   transaction of a constant number of statements whatever the number due:

     claim    WITH due AS (SELECT id, due_at FROM probation_deadline WHERE step = %s AND due_at <= now
                           ORDER BY due_at LIMIT n FOR UPDATE SKIP LOCKED)
              UPDATE probation_deadline d SET due_at = NULL, fired_count = d.fired_count + 1, fired_at = now
              FROM due WHERE d.id = due.id RETURNING d.id, d.owner_id, due.due_at, d.fired_count
     owners   the step's `owners(ids)` (one query, ids only were read so far)
     notices  INSERT INTO probation_notification ... ON CONFLICT (dedupe_key) DO NOTHING  (one statement)
     events   INSERT INTO <event_model> ...                                              (one statement)
     re-arm   UPDATE probation_deadline ... FROM unnest(...)   (only when some firing repeats or failed)

   A worker killed or disconnected mid-batch leaves the whole batch unclaimed (nothing committed), two workers take
   disjoint batches (SKIP LOCKED), and a batch that raises is rolled back, logged, tallied as "failed" and left for
   the next run while the sweep goes on with the other steps.

   `deadlines_run` returns `{step name: {"fired": n, "notified": n, "skipped": n, "failed": n, <tally>: n}}`.

On SQLite (the one-command demo) the same steps run through equivalent ORM statements; SQLite has one writer at a
time, so the claim needs no SKIP LOCKED.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)

__all__ = [
    "Fired",
    "Notice",
    "Outcome",
    "Step",
    "deadline_set",
    "deadline_steps_set",
    "deadlines_cancel",
    "deadlines_run",
    "deadlines_set",
    "register",
    "registered_steps",
    "next_repeat",
]

DEFAULT_BATCH_SIZE = 2000


@dataclass(frozen=True, slots=True)
class Notice:
    """One in-app notification (emailed by the outbox). `key` is unique across all notifications."""

    recipient_id: int
    key: str
    subject: str
    body: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class Fired:
    """A deadline that has fallen due and been claimed by this run."""

    deadline_id: int
    owner_id: int
    due_at: datetime
    count: int
    now: datetime


@dataclass(slots=True)
class Outcome:
    """What one firing does: notices to queue, an event row to record, and when (if ever) it falls due again."""

    notices: list[Notice] = field(default_factory=list)
    event: dict | None = None
    next_due: datetime | None = None
    tally: str = "fired"


class Step:
    """One kind of deadline. Subclass it, set `name` (and `event_model` if firings record events), implement
    `owners` and `fire` (and `context` if a batch needs shared data), and `register()` an instance."""

    name: str = ""
    event_model: type[models.Model] | None = None
    event_ignore_conflicts: bool = False

    def owners(self, ids: list[int]) -> dict[int, Any]:
        """The owners with these ids that the step still concerns, keyed by id. One query."""
        raise NotImplementedError

    def context(self, owners: dict[int, Any], now: datetime) -> Any:
        """Anything computed once per batch and passed to every `fire` call."""
        return None

    def fire(self, owner: Any, fired: Fired, ctx: Any) -> Outcome:
        """What this firing does. Must not query the database."""
        raise NotImplementedError

    def __repr__(self):
        return f"<Step {self.name}>"


_steps: dict[str, Step] = {}


def register(step: Step) -> Step:
    """Register a step (from AppConfig.ready()). Registering the same name again replaces it."""
    if not step.name or len(step.name) > 64:
        raise ValueError("a deadline step needs a name of 1 to 64 characters, prefixed with its app label")
    _steps[step.name] = step
    return step


def registered_steps() -> dict[str, Step]:
    return dict(_steps)


def next_repeat(*, last_due: datetime, every_hours, clock, now: datetime, calendar=None) -> datetime:
    """The first repeat strictly after `now` of a notice due at `last_due` and repeated every `every_hours` counted on
    `clock` (probation.calendar): on a working-days clock a weekend or bank holiday does not count, so an amber
    request's daily repeat skips them. After an outage this is one repeat ahead, not one per missed interval."""
    from datetime import timedelta

    from probation.calendar import Clock, due_at, elapsed_on, get_calendar

    clock = Clock(clock)
    if clock != Clock.ELAPSED and calendar is None:
        calendar = get_calendar()
    every = timedelta(hours=float(every_hours))
    passed = elapsed_on(clock, last_due, now, calendar)
    steps = int(passed / every) + 1
    following = due_at(last_due, every_hours * steps, clock, calendar)
    while following <= now:  # a boundary exactly at `now`
        steps += 1
        following = due_at(last_due, every_hours * steps, clock, calendar)
    return following


# --- Setting deadlines ---------------------------------------------------------------------------------------------


def _require_aware(value: datetime | None) -> None:
    if value is not None and timezone.is_naive(value):
        raise ValueError(f"deadline times must be timezone-aware, got {value!r}")


def deadlines_set(*, step: str, due: dict[int, datetime | None], now: datetime | None = None) -> None:
    """Set (arm, move or cancel with None) the deadline of `step` for each owner id, in one statement. A deadline set
    to the time it already has is left alone (its count too); a new time resets the count.

    With `now`: a deadline that has already fired is re-armed only if its new time is after `now`, so moving an
    already-sent breach notice's deadline to an earlier time that has also passed does not send it again (a rating
    raised after the breach), while a later deadline starts afresh."""
    _upsert([(step, owner_id, when) for owner_id, when in due.items()], now)


def deadline_steps_set(*, owner_id: int, due: dict[str, datetime | None], now: datetime | None = None) -> None:
    """Set several steps' deadlines of one owner in one statement (e.g. a request's reminder and breach at receipt);
    otherwise as `deadlines_set`."""
    _upsert([(step, owner_id, when) for step, when in due.items()], now)


def _upsert(rows: list[tuple[str, int, datetime | None]], now: datetime | None) -> None:
    from probation.models import Deadline

    for step, _, when in rows:
        if step not in _steps:
            raise KeyError(f"unknown deadline step {step!r}; register it in AppConfig.ready()")
        _require_aware(when)
    if not rows:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO probation_deadline (step, owner_id, due_at, armed_for, fired_count) "
                "SELECT v.step, v.owner_id, v.due, v.due, 0 "
                "FROM unnest(%s::varchar[], %s::bigint[], %s::timestamptz[]) AS v(step, owner_id, due) "
                "ON CONFLICT (step, owner_id) DO UPDATE SET due_at = EXCLUDED.due_at, armed_for = EXCLUDED.armed_for, "
                "fired_count = 0 WHERE probation_deadline.armed_for IS DISTINCT FROM EXCLUDED.armed_for AND ("
                "%s::timestamptz IS NULL OR probation_deadline.fired_count = 0 OR EXCLUDED.due_at IS NULL "
                "OR EXCLUDED.due_at > %s::timestamptz)",
                [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], now, now],
            )
        return
    with transaction.atomic():
        for step, owner_id, when in rows:
            row = Deadline.objects.filter(step=step, owner_id=owner_id).first()
            if row is None:
                Deadline.objects.create(step=step, owner_id=owner_id, due_at=when, armed_for=when)
            elif row.armed_for != when and (now is None or row.fired_count == 0 or when is None or when > now):
                Deadline.objects.filter(pk=row.pk).update(due_at=when, armed_for=when, fired_count=0)


def deadline_set(*, step: str, owner_id: int, due_at: datetime | None, now: datetime | None = None) -> None:
    """Set one deadline (see `deadlines_set`)."""
    deadlines_set(step=step, due={owner_id: due_at}, now=now)


def deadlines_cancel(*, owner_id: int, steps: Iterable[str]) -> int:
    """Nothing more is due for these steps of this owner (answered, withdrawn, revoked). Returns rows changed."""
    from probation.models import Deadline

    return Deadline.objects.filter(owner_id=owner_id, step__in=list(steps)).exclude(armed_for=None, due_at=None).update(
        due_at=None, armed_for=None
    )


# --- Running -------------------------------------------------------------------------------------------------------


def deadlines_run(*, steps: Iterable[str] | None = None, now: datetime | None = None,
                  batch_size: int = DEFAULT_BATCH_SIZE) -> dict[str, dict[str, int]]:
    """Fire every due deadline of `steps` (default: all registered), in claimed batches. See the module docstring."""
    now = now or timezone.now()
    names = list(_steps) if steps is None else list(steps)
    for name in names:
        if name not in _steps:
            raise KeyError(f"unknown deadline step {name!r}")
    results: dict[str, dict[str, int]] = {name: {"fired": 0, "notified": 0, "skipped": 0, "failed": 0} for name in names}
    for name in _due_steps(names, now):  # one statement; not inside the per-batch error handling: if the database
        step = _steps[name]              # is unreachable here the run fails as a whole and the next run retries
        tally = Counter()
        while True:
            try:
                claimed = _run_batch(step, now, batch_size, tally)
            except Exception:  # the batch is rolled back: its deadlines stay due for the next run
                logger.exception("deadline step %s: batch failed", name)
                tally["failed"] += 1
                break
            if claimed < batch_size:
                break
        results[name].update(tally)
    return results


def _due_steps(names: list[str], now: datetime) -> list[str]:
    from probation.models import Deadline

    if not names:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.step FROM unnest(%s::varchar[]) WITH ORDINALITY AS s(step, n) WHERE EXISTS (SELECT 1 FROM "
                "probation_deadline d WHERE d.step = s.step AND d.due_at IS NOT NULL AND d.due_at <= %s) ORDER BY s.n",
                [names, now],
            )
            return [row[0] for row in cursor.fetchall()]
    due = set(Deadline.objects.filter(step__in=names, due_at__lte=now).values_list("step", flat=True).distinct())
    return [name for name in names if name in due]


def _run_batch(step: Step, now: datetime, batch_size: int, tally: Counter) -> int:
    """Claim up to `batch_size` due deadlines of `step` and do what they say, in one transaction. Returns how many
    were claimed."""
    with transaction.atomic():
        rows = _claim(step.name, now, batch_size)
        if rows:
            _deliver(step, rows, now, tally)
    return len(rows)


def _claim(step_name: str, now: datetime, batch_size: int) -> list[tuple[int, int, datetime, int]]:
    """(deadline id, owner id, due_at that fell due, fired count) of up to `batch_size` due deadlines, claimed."""
    from probation.models import Deadline

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH due AS (SELECT id, due_at FROM probation_deadline WHERE step = %s AND due_at IS NOT NULL "
                "AND due_at <= %s ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED) "
                "UPDATE probation_deadline d SET due_at = NULL, fired_count = d.fired_count + 1, fired_at = %s "
                "FROM due WHERE d.id = due.id RETURNING d.id, d.owner_id, due.due_at, d.fired_count",
                [step_name, now, batch_size, now],
            )
            return cursor.fetchall()
    rows = list(
        Deadline.objects.filter(step=step_name, due_at__lte=now).order_by("due_at")
        .values_list("id", "owner_id", "due_at", "fired_count")[:batch_size]
    )
    Deadline.objects.filter(pk__in=[r[0] for r in rows]).update(due_at=None, fired_count=F("fired_count") + 1, fired_at=now)
    return [(i, o, d, c + 1) for i, o, d, c in rows]


def _deliver(step: Step, rows, now: datetime, tally: Counter) -> None:
    from probation.models import Notification

    owners = step.owners([row[1] for row in rows])
    ctx = step.context(owners, now)
    notices: dict[str, Notice] = {}
    events: list[dict] = []
    rearm: list[tuple[int, datetime, int]] = []  # (deadline id, due_at, change to fired_count)
    for deadline_id, owner_id, due, count in rows:
        owner = owners.get(owner_id)
        if owner is None:
            tally["skipped"] += 1
            continue
        try:
            outcome = step.fire(owner, Fired(deadline_id, owner_id, due, count, now), ctx)
        except Exception:  # one bad row never stalls the others: put it back as it was for the next run
            logger.exception("deadline step %s: owner %s failed", step.name, owner_id)
            tally["failed"] += 1
            rearm.append((deadline_id, due, -1))
            continue
        for notice in outcome.notices:
            notices.setdefault(notice.key[:200], notice)
        if outcome.event is not None:
            events.append(outcome.event)
        if outcome.next_due is not None:
            _require_aware(outcome.next_due)
            rearm.append((deadline_id, outcome.next_due, 0))
        tally["fired"] += 1
        if outcome.tally != "fired":
            tally[outcome.tally] += 1
    if notices:
        tally["notified"] += _insert(
            Notification,
            [{"recipient_id": n.recipient_id, "dedupe_key": key, "subject": n.subject[:200], "body": n.body,
              "url": n.url[:300], "created_at": now, "email_next_attempt_at": now} for key, n in notices.items()],
            conflict_target="dedupe_key",
        )
    if events:
        _insert(step.event_model, events, ignore_conflicts=step.event_ignore_conflicts)
    if rearm:
        _rearm(rearm)


def _rearm(rearm: list[tuple[int, datetime, int]]) -> None:
    from probation.models import Deadline

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE probation_deadline d SET due_at = v.due, fired_count = d.fired_count + v.delta "
                "FROM unnest(%s::bigint[], %s::timestamptz[], %s::int[]) AS v(id, due, delta) WHERE d.id = v.id",
                [[r[0] for r in rearm], [r[1] for r in rearm], [r[2] for r in rearm]],
            )
        return
    for deadline_id, due, delta in rearm:
        Deadline.objects.filter(pk=deadline_id).update(due_at=due, fired_count=F("fired_count") + delta)


def _native(value) -> bool:
    """Values the database driver takes as they are (field preparation costs ~10 us a value, most of a batch)."""
    if value is None or type(value) in (str, int, float, bool, date):
        return True
    return type(value) is datetime and value.tzinfo is not None


def _insert(model: type[models.Model], rows: list[dict], *, conflict_target: str | None = None,
            ignore_conflicts: bool = False) -> int:
    """Insert `rows` (dicts of field attnames; other fields take their defaults) in one statement, skipping rows that
    conflict on `conflict_target` (or, with `ignore_conflicts`, on any unique constraint). Returns rows inserted. On PostgreSQL one INSERT ... SELECT FROM unnest(arrays):
    no model instances, one round trip however many rows."""
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        if conflict_target:
            existing = set(model.objects.filter(**{f"{conflict_target}__in": [row[conflict_target] for row in rows]})
                           .values_list(conflict_target, flat=True))
            objs = [o for o in objs if getattr(o, conflict_target) not in existing]
        if ignore_conflicts:
            before = model.objects.count()
            model.objects.bulk_create(objs, ignore_conflicts=True)
            return model.objects.count() - before
        model.objects.bulk_create(objs)
        return len(objs)
    columns, selects, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.attname not in rows[0]:
            continue
        if f.attname in rows[0]:
            values = [row[f.attname] for row in rows]
        else:
            default = f.get_default()  # callable defaults (timezone.now) evaluated once for the batch
            values = [default] * len(rows)
        db_type = f.db_type(connection)
        if isinstance(f, models.JSONField):
            params.append([None if v is None else json.dumps(v, cls=f.encoder or DjangoJSONEncoder) for v in values])
            selects.append(f"c{len(columns)}::jsonb")
            columns.append((f.column, "text"))
        else:
            params.append([v if _native(v) else f.get_db_prep_save(v, connection) for v in values])
            selects.append(f"c{len(columns)}")
            columns.append((f.column, db_type))
    quote = connection.ops.quote_name
    # Table, column names and types come from the model's own metadata (quoted), never from input; values are
    # parameters.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c, _ in columns)}) "  # nosec B608
        f"SELECT {', '.join(selects)} FROM unnest({', '.join(f'%s::{t}[]' for _, t in columns)}) "
        f"AS v({', '.join(f'c{i}' for i in range(len(columns)))})"
    )
    if conflict_target:
        sql += f" ON CONFLICT ({quote(model._meta.get_field(conflict_target).column)}) DO NOTHING"
    elif ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
