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
   sweep with nothing due costs one statement. Then, in rounds until no step claims a full `batch_size`, ONE
   transaction (one commit) for every due step, of a constant number of statements whatever the number due:

     claim    WITH due AS (SELECT x.id, x.due_at, s.n FROM unnest(<steps>) WITH ORDINALITY AS s(step, n)
                           CROSS JOIN LATERAL (SELECT id, due_at FROM probation_deadline WHERE step = s.step
                           AND due_at <= now ORDER BY due_at LIMIT n FOR UPDATE SKIP LOCKED) AS x)
              UPDATE probation_deadline d SET due_at = NULL, fired_count = d.fired_count + 1, fired_at = now
              FROM due WHERE d.id = due.id RETURNING d.id, due.n, d.owner_id, due.due_at, d.fired_count
              (up to batch_size of EACH step, one index probe each; ids only, full rows only for what is claimed)
     owners   each step's `owners(ids)` (one query; steps of one `owner_group` share one query and one context)
     write    WITH notices0 AS (INSERT INTO probation_notification ... ON CONFLICT (dedupe_key) DO NOTHING
                                RETURNING 1), ..., events0 AS (INSERT INTO <event_model> ...),
                   rearmed AS (UPDATE probation_deadline ...)  SELECT <notifications inserted per step>
              (ONE statement for the round; every column sent as one array literal, see `sql_array`)

   Rendering (subjects, bodies, URLs: `reverse()` once per batch in `context`, never per row) is the steps' pure
   Python `fire`, between the owners query and the write. A worker killed or disconnected mid-round leaves the whole
   round unclaimed (nothing committed), two workers take disjoint batches (SKIP LOCKED), and a round that raises is
   rolled back and logged, then each of its steps is tried again on its own (tallied "retried"), so one failing step
   never stalls the others; a step that fails on its own too is tallied "failed" and left for the next run.

   `deadlines_run` returns `{step name: {"fired": n, "notified": n, "skipped": n, "failed": n, <tally>: n}}`.

On SQLite (the one-command demo) the same steps run through equivalent ORM statements; SQLite has one writer at a
time, so the claim needs no SKIP LOCKED.
"""

from __future__ import annotations

import functools
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable, NamedTuple

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from probation.calendar import Clock, due_at, elapsed_on, get_calendar

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
    "sql_array",
    "next_repeat",
]

DEFAULT_BATCH_SIZE = 2000


class Notice(NamedTuple):
    """One in-app notification (emailed by the outbox). `key` is unique across all notifications. Immutable; a
    NamedTuple, not a frozen dataclass, as one is made per recipient per row (a quarter of the cost to build)."""

    recipient_id: int
    key: str
    subject: str
    body: str
    url: str = ""


class Fired(NamedTuple):
    """A deadline that has fallen due and been claimed by this run (immutable; made once per row)."""

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
    # Steps of one round with the same `owner_group` share ONE owners() query (for all their ids) and ONE context():
    # declare it only on steps whose owners() and context() are the same code and depend on nothing but the ids
    # (e.g. a request's reminder and its breach notice). None: the step queries on its own.
    owner_group: str | None = None

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


_CLOCK_CHANGE = timedelta(hours=1)


def next_repeat(*, last_due: datetime, every_hours, clock, now: datetime, calendar=None) -> datetime:
    """The first repeat strictly after `now` of a notice due at `last_due` and repeated every `every_hours` counted on
    `clock` (probation.calendar): on a working-days clock a weekend or bank holiday does not count, so an amber
    request's daily repeat skips them. After an outage this is one repeat ahead, not one per missed interval.

    Memoised on its exact inputs (the calendar is immutable): a batch's repeats mostly share the tier and the time
    they fell due, so a sweep computes each distinct one once."""
    clock = Clock(clock)
    if clock != Clock.ELAPSED and calendar is None:
        calendar = get_calendar()
    # The type of every_hours is part of the key: 24, 24.0 and Decimal("24") are equal but multiply differently.
    return _next_repeat(last_due, every_hours, type(every_hours), clock, now, calendar)


@functools.lru_cache(maxsize=4096)
def _next_repeat(last_due: datetime, every_hours, _kind, clock: Clock, now: datetime, calendar) -> datetime:
    every = timedelta(hours=float(every_hours))
    real = now - last_due
    if clock == Clock.ELAPSED:
        passed = real
    elif real + _CLOCK_CHANGE < every:
        # Counted time never runs ahead of real time by more than the hour a clock change skips, so less than one
        # interval has been counted: the next repeat is the first (the common case, without counting day by day).
        passed = timedelta(0)
    else:
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
    """Fire every due deadline of `steps` (default: all registered), in claimed rounds. See the module docstring."""
    now = now or timezone.now()
    names = list(_steps) if steps is None else list(steps)
    for name in names:
        if name not in _steps:
            raise KeyError(f"unknown deadline step {name!r}")
    results: dict[str, dict[str, int]] = {name: {"fired": 0, "notified": 0, "skipped": 0, "failed": 0} for name in names}
    # One statement; not inside the per-round error handling: if the database is unreachable here the run fails as a
    # whole and the next run retries.
    pending = _due_steps(names, now)
    while pending:
        claimed = _round_isolated(pending, now, batch_size, results)
        pending = [name for name in pending if claimed.get(name, 0) >= batch_size]
    return results


def _round_isolated(names: list[str], now: datetime, batch_size: int, results) -> Counter:
    """One round for all of `names` in one transaction. If it fails it is rolled back whole (nothing of it is
    committed) and each step is tried again on its own, so one failing step never stalls the others."""
    try:
        return _round_commit(names, now, batch_size, results)
    except Exception:
        logger.exception("deadline steps %s: batch failed", ", ".join(names))
        if len(names) == 1:
            results[names[0]]["failed"] += 1
            return Counter()
    claimed = Counter()
    for name in names:
        try:
            claimed.update(_round_commit([name], now, batch_size, results))
            results[name]["retried"] = results[name].get("retried", 0) + 1
        except Exception:  # the batch is rolled back: its deadlines stay due for the next run
            logger.exception("deadline step %s: batch failed", name)
            results[name]["failed"] += 1
    return claimed


def _round_commit(names: list[str], now: datetime, batch_size: int, results) -> Counter:
    rows, tallies = _run_round([_steps[name] for name in names], now, batch_size)
    for name, tally in tallies.items():  # counted only once the round has committed
        for key, value in tally.items():
            results[name][key] = results[name].get(key, 0) + value
    return Counter(row[1] for row in rows)


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


def _run_round(steps: list[Step], now: datetime, batch_size: int) -> tuple[list, dict[str, Counter]]:
    """Claim up to `batch_size` due deadlines of each of `steps` and do what they say, in ONE transaction (one
    commit for every step of the round). Returns the rows claimed and each step's tallies."""
    with transaction.atomic():
        rows = _claim([step.name for step in steps], now, batch_size)
        tallies = _deliver(steps, rows, now) if rows else {}
    return rows, tallies


Claimed = tuple[int, str, int, datetime, int]  # deadline id, step name, owner id, due_at that fell due, fired count


def _claim(names: list[str], now: datetime, batch_size: int) -> list[Claimed]:
    """Up to `batch_size` due deadlines of each step in `names`, claimed in one statement (an index probe per step on
    deadline_due_idx, never an OR-merged scan)."""
    from probation.models import Deadline

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH due AS (SELECT x.id, x.due_at, s.n FROM unnest(%s::varchar[]) WITH ORDINALITY AS s(step, n) "
                "CROSS JOIN LATERAL (SELECT id, due_at FROM probation_deadline WHERE step = s.step "
                "AND due_at IS NOT NULL AND due_at <= %s ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED) AS x) "
                "UPDATE probation_deadline d SET due_at = NULL, fired_count = d.fired_count + 1, fired_at = %s "
                "FROM due WHERE d.id = due.id RETURNING d.id, due.n, d.owner_id, due.due_at, d.fired_count",
                [names, now, batch_size, now],
            )
            return [(i, names[n - 1], o, d, c) for i, n, o, d, c in cursor.fetchall()]
    claimed = []
    for name in names:
        rows = list(
            Deadline.objects.filter(step=name, due_at__lte=now).order_by("due_at")
            .values_list("id", "owner_id", "due_at", "fired_count")[:batch_size]
        )
        Deadline.objects.filter(pk__in=[r[0] for r in rows]).update(due_at=None, fired_count=F("fired_count") + 1,
                                                                   fired_at=now)
        claimed += [(i, name, o, d, c + 1) for i, o, d, c in rows]
    return claimed


def _deliver(steps: list[Step], rows: list[Claimed], now: datetime) -> dict[str, Counter]:
    """Run each step's firings (one `owners` query and one `context` per step, then pure Python per row) and write
    every notification, event and re-arm of the round with one statement."""
    by_step: dict[str, list[Claimed]] = {}
    for row in rows:
        by_step.setdefault(row[1], []).append(row)
    tallies: dict[str, Counter] = {}
    notices: dict[str, dict[str, Notice]] = {}
    events: dict[tuple[type[models.Model], bool], list[dict]] = {}  # (event model, ignore conflicts): rows
    rearm: list[tuple[int, datetime, int]] = []  # (deadline id, due_at, change to fired_count)
    shared: dict[str, tuple[dict, Any]] = {}  # owner_group: (owners, context) of the round
    for step in steps:
        claimed = by_step.get(step.name)
        if not claimed:
            continue
        tally = tallies[step.name] = Counter()
        group = step.owner_group
        if group is None:
            owners = step.owners([row[2] for row in claimed])
            ctx = step.context(owners, now)
        else:
            if group not in shared:
                ids = [row[2] for other in steps if other.owner_group == group for row in by_step.get(other.name, ())]
                owners = step.owners(list(dict.fromkeys(ids)))
                shared[group] = owners, step.context(owners, now)
            owners, ctx = shared[group]
        step_notices = notices[step.name] = {}
        step_events = []
        fire = step.fire
        for deadline_id, _, owner_id, due, count in claimed:
            owner = owners.get(owner_id)
            if owner is None:
                tally["skipped"] += 1
                continue
            try:
                outcome = fire(owner, Fired(deadline_id, owner_id, due, count, now), ctx)
            except Exception:  # one bad row never stalls the others: put it back as it was for the next run
                logger.exception("deadline step %s: owner %s failed", step.name, owner_id)
                tally["failed"] += 1
                rearm.append((deadline_id, due, -1))
                continue
            for notice in outcome.notices:
                step_notices.setdefault(notice.key[:200], notice)
            if outcome.event is not None:
                step_events.append(outcome.event)
            if outcome.next_due is not None:
                _require_aware(outcome.next_due)
                rearm.append((deadline_id, outcome.next_due, 0))
            tally["fired"] += 1
            if outcome.tally != "fired":
                tally[outcome.tally] += 1
        if step_events:
            if step.event_model is None:
                raise ValueError(f"deadline step {step.name} records events but names no event_model")
            events.setdefault((step.event_model, step.event_ignore_conflicts), []).extend(step_events)
    for name, inserted in _write(notices, events, rearm, now).items():
        tallies[name]["notified"] += inserted
    return tallies


def _write(notices: dict[str, dict[str, Notice]], events: dict, rearm: list[tuple[int, datetime, int]],
           now: datetime) -> dict[str, int]:
    """Write a round's notifications (INSERT ... ON CONFLICT (dedupe_key) DO NOTHING, so a retried or overlapping run
    notifies once), events and re-arms. On PostgreSQL ONE statement: each write a data-modifying CTE over unnest()ed
    column arrays, no model instances. Returns notifications inserted per step."""
    from probation.models import Deadline, Notification

    columns = {}
    for name, step_notices in notices.items():
        if step_notices:
            values = step_notices.values()
            columns[name] = len(step_notices), {
                "recipient_id": [n.recipient_id for n in values], "dedupe_key": list(step_notices),
                "subject": [n.subject[:200] for n in values], "body": [n.body for n in values],
                "url": [n.url[:300] for n in values], "created_at": Same(now), "email_next_attempt_at": Same(now),
            }
    if connection.vendor != "postgresql":
        inserted = {name: _insert_orm(Notification, n, cols, conflict_target="dedupe_key")
                    for name, (n, cols) in columns.items()}
        for (model, ignore_conflicts), rows in events.items():
            _insert_orm(model, len(rows), _as_columns(rows), ignore_conflicts=ignore_conflicts)
        for deadline_id, due, delta in rearm:
            Deadline.objects.filter(pk=deadline_id).update(due_at=due, fired_count=F("fired_count") + delta)
        return inserted
    parts, params, counted = [], [], []
    for name, (n, cols) in columns.items():
        sql, values = _insert_sql(Notification, n, cols, conflict_target="dedupe_key")
        alias = f"notices{len(counted)}"
        parts.append(f"{alias} AS ({sql} RETURNING 1)")
        params += values
        counted.append((name, alias))
    for i, ((model, ignore_conflicts), rows) in enumerate(events.items()):
        sql, values = _insert_sql(model, len(rows), _as_columns(rows), ignore_conflicts=ignore_conflicts)
        parts.append(f"events{i} AS ({sql})")
        params += values
    if rearm:
        parts.append(
            "rearmed AS (UPDATE probation_deadline d SET due_at = v.due, fired_count = d.fired_count + v.delta "
            "FROM unnest(%s::bigint[], %s::timestamptz[], %s::int[]) AS v(id, due, delta) WHERE d.id = v.id)"
        )
        params += [sql_array(r[0] for r in rearm), sql_array(r[1] for r in rearm), sql_array(r[2] for r in rearm)]
    if not parts:
        return {}
    # The CTE names are the engine's own (notices0, notices1 ...); the statements in them come from _insert_sql.
    counts = ", ".join(f"(SELECT count(*) FROM {alias})" for _, alias in counted) or "0"  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT {counts}", params)
        row = cursor.fetchone()
    return {name: row[i] for i, (name, _) in enumerate(counted)}


def sql_array(values) -> str:
    """`values` as ONE PostgreSQL array literal ('{1,2,3}', '{"a","b \\"c\\""}'), for a `%s::type[]` parameter.
    psycopg2 sends a Python list as ARRAY[v1, v2, ...]: a thousand-element array is a thousand constants for the
    server to parse, coerce and plan (172 ms of planning for a batch's five columns, against under 1 ms for one
    literal each)."""
    values = list(values)
    kinds = set(map(type, values))
    if kinds <= {int}:
        return "{" + ",".join(map(str, values)) + "}"
    if kinds == {str}:
        # Escaped in one pass over the joined text; NUL (which PostgreSQL text never holds) marks the joins.
        joined = "\x00".join(values)
        if joined.count("\x00") == len(values) - 1:
            joined = joined.replace("\\", "\\\\").replace('"', '\\"')
            return '{"' + joined.replace("\x00", '","') + '"}'
    return "{" + ",".join(_element(v) for v in values) + "}"


def _element(value) -> str:
    if value is None:
        return "NULL"
    kind = type(value)
    if kind is str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if kind is int:
        return str(value)
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, (datetime, date)):
        return '"' + value.isoformat() + '"'
    if isinstance(value, timedelta):
        return f'"{value.total_seconds()} seconds"'
    return _element(str(value))


@dataclass(frozen=True, slots=True)
class Same:
    """One value for every row of a column: sent once as a scalar, not as an array of copies."""

    value: Any


def _as_columns(rows: list[dict]) -> dict[str, Any]:
    """Column lists from row dicts (the keys of the first row); a column with one value throughout becomes `Same`."""
    columns = {}
    for key in rows[0]:
        values = [row[key] for row in rows]
        first = values[0]
        if (first is None or isinstance(first, (str, int, date))) and values.count(first) == len(values):
            columns[key] = Same(first)
        else:
            columns[key] = values
    return columns


_PLAIN = frozenset({str, int, float, bool, date, type(None)})


def _prepared(field: models.Field, value):
    """A value the database driver takes as it is (field preparation costs ~10 us a value, most of a batch)."""
    kind = type(value)
    if kind in _PLAIN or (kind is datetime and value.tzinfo is not None):
        return value
    if isinstance(value, str):  # a TextChoices member: its plain value
        return str.__str__(value)
    return field.get_db_prep_save(value, connection)


def _json(field: models.JSONField, value) -> str | None:
    if value is None:
        return None
    if field.encoder is None:
        try:
            return json.dumps(value)  # the C encoder: plain dicts of strings and numbers, as the engine's events are
        except TypeError:
            pass
    return json.dumps(value, cls=field.encoder or DjangoJSONEncoder)


def _column(field: models.Field, values: list) -> list:
    """A column's values as the driver takes them, checked by type once for the column (field preparation costs
    ~10 us a value; almost every column the engine writes is plain already)."""
    kinds = set(map(type, values))
    if kinds <= _PLAIN:
        return values
    if kinds <= _PLAIN | {datetime} and all(v.tzinfo is not None for v in values if type(v) is datetime):
        return values
    if all(issubclass(kind, str) for kind in kinds):  # TextChoices members: their plain values
        return list(map(str.__str__, values))
    return [_prepared(field, v) for v in values]


def _json_column(field: models.JSONField, values: list) -> str:
    """A JSON column as ONE JSON array text (one encoder call for the batch), unpacked by jsonb_array_elements."""
    return _json(field, values)


def _insert_sql(model: type[models.Model], n: int, columns: dict[str, Any], *, conflict_target: str | None = None,
                ignore_conflicts: bool = False):
    """INSERT ... SELECT FROM ROWS FROM (unnest(column array), ...) of `n` rows for `columns` ({attname: list of n
    values, or Same(value)}; other fields take their defaults, evaluated once), skipping rows that conflict on
    `conflict_target` (or, with `ignore_conflicts`, on any unique constraint). Returns (sql, params)."""
    names, selects, sources, source_params, params = [], [], [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.attname not in columns:
            continue
        values = columns.get(f.attname)
        if values is None:
            values = Same(f.get_default())  # callable defaults (timezone.now) evaluated once for the batch
        is_json = isinstance(f, models.JSONField)
        names.append(f.column)
        if isinstance(values, Same):
            if is_json:
                selects.append("%s::jsonb")
                params.append(_json(f, values.value))
            else:
                selects.append(f"%s::{f.db_type(connection)}")
                params.append(_prepared(f, values.value))
        else:
            alias = f"c{len(sources)}"
            if is_json:  # a JSON null is SQL NULL, as the ORM stores None
                sources.append("jsonb_array_elements(%s::jsonb)")
                source_params.append(_json_column(f, values))
                selects.append(f"NULLIF({alias}, 'null'::jsonb)")
            else:
                sources.append(f"unnest(%s::{f.db_type(connection)}[])")
                source_params.append(sql_array(_column(f, values)))
                selects.append(alias)
    quote = connection.ops.quote_name
    # Table, column names and types come from the model's own metadata (quoted), never from input; values are
    # parameters.
    source = (f" FROM ROWS FROM ({', '.join(sources)}) AS v({', '.join(f'c{i}' for i in range(len(sources)))})"
              if sources else f" FROM generate_series(1, {int(n)})")
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in names)}) "  # nosec B608
           f"SELECT {', '.join(selects)}{source}")
    if conflict_target:
        sql += f" ON CONFLICT ({quote(model._meta.get_field(conflict_target).column)}) DO NOTHING"
    elif ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    # Scalars come first in the SELECT list, arrays in FROM: the parameters in the order they appear.
    return sql, params + source_params


def _insert_orm(model: type[models.Model], n: int, columns: dict[str, Any], *, conflict_target: str | None = None,
                ignore_conflicts: bool = False) -> int:
    """The same on SQLite (the one-command demo), through the ORM."""
    rows = [{k: (v.value if isinstance(v, Same) else v[i]) for k, v in columns.items()} for i in range(n)]
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
