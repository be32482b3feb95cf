"""The working-days clock's fast paths equal the day-by-day reference: `due_at` on the working-days clock (whole
working days counted at once, the day arithmetic memoised) against `_due_by_days`, and the memoised `next_repeat`
against the same computation on the reference calendar, on thousands of random inputs that cross clock changes,
bank holidays (Christmas, Easter, substitute days) and closure days, in London and in a zone whose clocks change on
a weekday. Pure arithmetic: no database."""

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from probation import calendar as cal_module
from probation.calendar import Clock, WorkingCalendar, due_at
from probation.deadlines import _next_repeat, next_repeat

LONDON = ZoneInfo("Europe/London")
# Clocks change at 02:00 local on a Sunday in New York too, but a closure set can make that Sunday-adjacent Friday a
# non-working day; Santiago changes on Saturday/Sunday midnight (a naive local midnight that does not exist).
ZONES = [LONDON, ZoneInfo("America/New_York"), ZoneInfo("America/Santiago")]
CLOSURES = frozenset({date(2026, 3, 27), date(2026, 3, 30), date(2026, 10, 23), date(2026, 12, 29), date(2027, 1, 4)})


def calendars():
    for tz in ZONES:
        yield WorkingCalendar(closures=frozenset(), tz=tz)
        yield WorkingCalendar(closures=CLOSURES, tz=tz)


def random_start(rng, tz):
    """Around the 2026 clock changes, Easter, Christmas and New Year, at random seconds (folds included)."""
    anchor = rng.choice([datetime(2026, 3, 29), datetime(2026, 10, 25), datetime(2026, 4, 3), datetime(2026, 12, 25),
                         datetime(2026, 8, 31), datetime(2026, 3, 8), datetime(2026, 11, 1), datetime(2026, 9, 6)])
    local = anchor + timedelta(seconds=rng.randrange(-10 * 86400, 10 * 86400))
    if rng.random() < 0.3:  # exactly on a midnight or an hour
        local = local.replace(minute=0, second=0) if rng.random() < 0.5 else datetime.combine(local.date(), time.min)
    return local.replace(tzinfo=tz, fold=rng.randrange(2)).astimezone(UTC)


def random_hours(rng):
    return rng.choice([0, 24, 48, 72, 12, 36, 1, Decimal("1.5"), 24.0, Decimal("24"), 0.25, 100,
                       rng.randrange(0, 300), round(rng.uniform(0, 200), 3)])


def reference_due(start, hours, calendar):
    return cal_module._due_by_days(start, cal_module._hours_to_timedelta(hours), Clock.WORKING_DAYS, calendar)


def test_working_days_due_at_equals_the_day_by_day_reference_on_random_inputs():
    rng = random.Random(20261201)
    checked = 0
    for calendar in calendars():
        for _ in range(1500):
            start, hours = random_start(rng, calendar.tz), random_hours(rng)
            assert due_at(start, hours, Clock.WORKING_DAYS, calendar) == reference_due(start, hours, calendar), (
                start, hours, calendar.tz, bool(calendar.closures))
            checked += 1
    assert checked == 9000


def test_working_days_due_at_lands_on_the_same_instant_and_offset_as_the_reference_at_boundaries():
    # Midnights ending a working day, a Friday's deadline running over a weekend with a clock change, a bank holiday.
    for start, hours in [(datetime(2026, 3, 27, 0, 0, tzinfo=UTC), 24), (datetime(2026, 3, 26, 23, 0, tzinfo=UTC), 48),
                         (datetime(2026, 10, 23, 12, 0, tzinfo=UTC), 24), (datetime(2026, 12, 24, 9, 0, tzinfo=UTC), 15),
                         (datetime(2026, 12, 24, 9, 0, tzinfo=UTC), 14)]:
        for calendar in calendars():
            fast = due_at(start, hours, Clock.WORKING_DAYS, calendar)
            slow = reference_due(start, hours, calendar)
            assert (fast, fast.utcoffset()) == (slow, slow.utcoffset())


@pytest.mark.parametrize("clock", [Clock.WORKING_DAYS, Clock.ELAPSED])
def test_memoised_next_repeat_equals_the_reference_on_random_inputs(clock, monkeypatch):
    rng = random.Random(12)
    cases = []
    for calendar in calendars():
        for _ in range(400):
            last_due = random_start(rng, calendar.tz)
            # Mostly just after the notice fell due (the sweep's case), sometimes after an outage of days.
            later = timedelta(seconds=rng.choice([0, 30, 59, 3600, rng.randrange(1, 86400), rng.randrange(1, 864000)]))
            every = rng.choice([24, 24.0, Decimal("24"), 12, 48, Decimal("7.5"), 1])
            cases.append((last_due, every, last_due + later, calendar))
    # Some repeated inputs, as a batch's rows share their tier and due time.
    cases += rng.sample(cases, 300)
    fast = [next_repeat(last_due=a, every_hours=e, clock=clock, now=n, calendar=c) for a, e, n, c in cases]
    # The reference: no memo, and due_at walking the calendar day by day.
    monkeypatch.setattr(cal_module, "_due_working_days",
                        lambda start, remaining, calendar: cal_module._due_by_days(start, remaining,
                                                                                   Clock.WORKING_DAYS, calendar))
    slow = [_next_repeat.__wrapped__(a, e, type(e), clock, n, c) for a, e, n, c in cases]
    assert fast == slow
    assert all(f > n for f, (_, _, n, _) in zip(fast, cases))
