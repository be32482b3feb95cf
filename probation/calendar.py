"""Deadline calendar: when a response is due, and how much counted time has passed.

A deadline is a number of hours counted from receipt on one of three clocks (see DOMAIN.md, "MASH safeguarding
requests"):

* ``elapsed``: every real hour counts, day and night, weekends and bank holidays included;
* ``working_days``: only time on working days counts, around the clock; 24 such hours are one working day;
* ``office_hours``: only the opening hours (default 09:00-17:00) of working days count.

Datetimes in and out are timezone-aware; results are in UTC. The working-day clocks count in Europe/London
wall-clock time, so a working day is always 24 counted hours and an office day always ``closes - opens``, whatever
the clocks do. (In London the clocks change at 01:00 UTC on a Sunday, which is never a working day, so this only
decides which *local* time a deadline lands on after a weekend with a clock change: the same as the start time.)

Typical use::

    calendar = get_calendar()          # once per request or per sweep, not once per row
    due = due_at(request.received_at, tier.hours, tier.clock, calendar)
    used = elapsed_on(tier.clock, request.received_at, now, calendar)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal
from typing import overload
from zoneinfo import ZoneInfo

import holidays
from django.db import models

__all__ = [
    "Clock",
    "WorkingCalendar",
    "due_at",
    "elapsed_on",
    "get_calendar",
    "clear_calendar_cache",
]

LONDON = ZoneInfo("Europe/London")
CACHE_KEY = "probation:calendar"
# Short enough that a closure day an administrator adds is honoured within a minute on every worker, long enough
# that a sweep over many rows does not query ClosureDay per row.
CACHE_SECONDS = 60

_DAY = timedelta(days=1)


class Clock(models.TextChoices):
    ELAPSED = "elapsed", "Elapsed hours (every hour counts)"
    WORKING_DAYS = "working_days", "Working-day hours (around the clock on working days)"
    OFFICE_HOURS = "office_hours", "Office hours (opening hours of working days)"


@functools.cache
def _bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in ``year``, substitute days included.

    Cached per process and per year rather than per WorkingCalendar instance: the set never changes while the
    process runs, and get_calendar() hands out calendars that went through the Django cache (pickled), which would
    drop any per-instance cache on every call.
    """
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days and when the office is open, in local (``tz``) time."""

    closures: frozenset[date] = frozenset()
    opens: time = time(9)
    closes: time = time(17)
    tz: tzinfo = LONDON

    def __post_init__(self) -> None:
        # Accept any iterable of dates but store a frozenset, so the calendar stays hashable and immutable.
        object.__setattr__(self, "closures", frozenset(self.closures))
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opens and closes are local wall-clock times and must not carry a tzinfo")
        if self.opens >= self.closes:
            raise ValueError(f"the office must open before it closes (opens {self.opens}, closes {self.closes})")

    def is_working_day(self, d: date) -> bool:
        """Monday to Friday, not an England and Wales bank holiday and not a closure day."""
        if isinstance(d, datetime):
            # A datetime is a date subclass but never equals one, so it would slip past the holiday check.
            raise TypeError("is_working_day() takes a date; use dt.astimezone(calendar.tz).date() for a datetime")
        return d.weekday() < 5 and d not in self.closures and d not in _bank_holidays(d.year)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d += _DAY
        while not self.is_working_day(d):
            d += _DAY
        return d

    def counted_window(self, d: date, clock: Clock) -> tuple[datetime, datetime] | None:
        """The naive local [start, end) during which ``clock`` runs on day ``d``, or None if it does not run."""
        if not self.is_working_day(d):
            return None
        if clock == Clock.OFFICE_HOURS:
            return datetime.combine(d, self.opens), datetime.combine(d, self.closes)
        return datetime.combine(d, time.min), datetime.combine(d + _DAY, time.min)

    def _to_local(self, dt: datetime) -> datetime:
        return dt.astimezone(self.tz).replace(tzinfo=None)

    def _to_utc(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.tz).astimezone(UTC)


@overload
def due_at(
    start: datetime, hours: float | Decimal | int, clock: Clock | str, calendar: WorkingCalendar | None = None
) -> datetime: ...
@overload
def due_at(start: datetime, hours: None, clock: Clock | str, calendar: WorkingCalendar | None = None) -> None: ...


def due_at(start, hours, clock, calendar=None):
    """When ``hours`` counted on ``clock`` from ``start`` run out, as an aware UTC datetime.

    ``hours=None`` means the tier sets no deadline (blue: no probation response needed) and returns None.
    ``hours=0`` returns the moment the clock starts counting (e.g. the next opening for an office-hours request
    received at night). A deadline that falls exactly at the end of a counted period is that end (closing time,
    or midnight ending a working day), not the next opening.
    """
    _require_aware("start", start)
    clock = Clock(clock)
    if hours is None:
        return None
    remaining = _hours_to_timedelta(hours)
    if clock == Clock.ELAPSED:
        # Real time: UTC arithmetic, so 4 hours across a clock change are 4 real hours.
        return start.astimezone(UTC) + remaining

    if calendar is None:
        calendar = get_calendar()
    if clock == Clock.WORKING_DAYS:
        return _due_working_days(start, remaining, calendar)
    return _due_by_days(start, remaining, clock, calendar)


def _due_working_days(start: datetime, remaining: timedelta, calendar: WorkingCalendar) -> datetime:
    """due_at on the working-days clock without walking the days: every working day counts the whole local day, so
    the deadline is `k` working days on from the first counted day, at `r` past its midnight, where the counted time
    from that day's midnight (`remaining` plus the part of the start day already gone) is k whole days plus r in
    (0, 24h]. The day arithmetic depends only on (calendar, start day, k) and is memoised; a deadline ending exactly
    at midnight is that midnight, as in `_due_by_days` (tests/probation prove both equal on random inputs)."""
    local = calendar._to_local(start)
    day = local.date()
    midnight = datetime.combine(day, time.min)
    working = calendar.is_working_day(day)
    total = remaining + (local - midnight) if working else remaining
    if total <= _DAY:
        whole, rest = 0, total
    else:
        whole, rest = divmod(total, _DAY)
        if not rest:
            whole, rest = whole - 1, _DAY
    counted = _working_day_on(calendar, day, working, whole)
    return calendar._to_utc(datetime.combine(counted, time.min) + rest)


@functools.lru_cache(maxsize=8192)
def _working_day_on(calendar: WorkingCalendar, day: date, working: bool, whole: int) -> date:
    """The working day `whole` working days after the first working day on or after `day` (`working`: whether `day`
    is one, already known). The calendar is immutable (and bank holidays fixed), so the answer never goes stale."""
    if not working:
        day = calendar.next_working_day(day)
    for _ in range(whole):
        day = calendar.next_working_day(day)
    return day


def _due_by_days(start: datetime, remaining: timedelta, clock: Clock, calendar: WorkingCalendar) -> datetime:
    """due_at on a working-day clock by walking the calendar a day at a time (the reference for both clocks)."""
    cursor = calendar._to_local(start)
    day = cursor.date()
    # One iteration per calendar day: a day's whole counted window is consumed at once.
    while True:
        window = calendar.counted_window(day, clock)
        if window is not None:
            opens, closes = window
            begin = max(cursor, opens)
            # Half-open window: arriving exactly at closing time starts at the next opening.
            if begin < closes:
                if remaining <= closes - begin:
                    return calendar._to_utc(begin + remaining)
                remaining -= closes - begin
        day += _DAY


def elapsed_on(clock: Clock | str, a: datetime, b: datetime, calendar: WorkingCalendar | None = None) -> timedelta:
    """How much counted time of ``clock`` lies between ``a`` and ``b`` (zero if ``b`` is not after ``a``).

    The inverse of due_at: ``elapsed_on(clock, s, due_at(s, h, clock)) == timedelta(hours=h)``. Used for the
    75%-of-time reminder and for "time left" (``timedelta(hours=h) - elapsed_on(clock, received, now)``).
    """
    _require_aware("a", a)
    _require_aware("b", b)
    clock = Clock(clock)
    a, b = a.astimezone(UTC), b.astimezone(UTC)
    if b <= a:
        return timedelta(0)
    if clock == Clock.ELAPSED:
        # Both in UTC first: subtracting two datetimes that share a tzinfo would give wall-clock time.
        return b - a

    if calendar is None:
        calendar = get_calendar()
    a_local, b_local = calendar._to_local(a), calendar._to_local(b)
    total = timedelta(0)
    day = a_local.date()
    while day <= b_local.date():
        window = calendar.counted_window(day, clock)
        if window is not None:
            overlap = min(b_local, window[1]) - max(a_local, window[0])
            if overlap > timedelta(0):
                total += overlap
        day += _DAY
    return total


def get_calendar() -> WorkingCalendar:
    """The organisation's calendar: ClosureDay rows plus OFFICE_OPENS/OFFICE_CLOSES, cached for a minute.

    Fetch it once and pass it to due_at/elapsed_on in loops: each call here is a cache round trip.
    """
    from django.core.cache import cache

    calendar = cache.get(CACHE_KEY)
    if calendar is None:
        calendar = _build_calendar()
        cache.set(CACHE_KEY, calendar, CACHE_SECONDS)
    return calendar


def clear_calendar_cache() -> None:
    """Forget the cached calendar, e.g. after an administrator adds or removes a closure day."""
    from django.core.cache import cache

    cache.delete(CACHE_KEY)


def _build_calendar() -> WorkingCalendar:
    from django.core.exceptions import ImproperlyConfigured

    # Imported here, not at the top: models may import Clock from this module, and the pure date arithmetic must
    # work without the app registry being ready.
    from probation.models import ClosureDay

    opens = _setting_time("OFFICE_OPENS", "09:00")
    closes = _setting_time("OFFICE_CLOSES", "17:00")
    closures = frozenset(ClosureDay.objects.values_list("date", flat=True))
    try:
        return WorkingCalendar(closures=closures, opens=opens, closes=closes)
    except ValueError as exc:
        raise ImproperlyConfigured(f"OFFICE_OPENS/OFFICE_CLOSES: {exc}") from exc


def _setting_time(name: str, default: str) -> time:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    value = getattr(settings, name, default)
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{name} must be a local time such as '09:00', got {value!r}") from None


def _require_aware(name: str, value: datetime) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got naive {value.isoformat()}); times are stored in UTC")


def _hours_to_timedelta(hours: float | Decimal | int) -> timedelta:
    if isinstance(hours, bool) or not isinstance(hours, (int, float, Decimal)):
        raise TypeError(f"hours must be a number, got {type(hours).__name__}")
    if isinstance(hours, Decimal) and not hours.is_finite() or isinstance(hours, float) and not math.isfinite(hours):
        raise ValueError(f"hours must be a finite number, got {hours}")
    if hours < 0:
        raise ValueError(f"hours must not be negative, got {hours}")
    if isinstance(hours, Decimal):
        # timedelta does not take Decimal; go through whole microseconds to keep e.g. 1.5 hours exact.
        return timedelta(microseconds=int((hours * 3_600_000_000).to_integral_value(ROUND_HALF_EVEN)))
    return timedelta(hours=hours)
