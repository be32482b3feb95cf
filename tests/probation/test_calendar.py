"""The deadline calendar: due_at / elapsed_on on the three clocks, bank holidays, clock changes, closures.

Most tests use an explicit WorkingCalendar and need no database; the get_calendar() tests read ClosureDay.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from probation.calendar import (
    Clock,
    WorkingCalendar,
    clear_calendar_cache,
    due_at,
    elapsed_on,
    get_calendar,
)

LONDON = ZoneInfo("Europe/London")
CAL = WorkingCalendar(closures=frozenset())


def london(year, month, day, hour=0, minute=0, *, fold=0):
    return datetime(year, month, day, hour, minute, tzinfo=LONDON, fold=fold)


def hours(n):
    return timedelta(hours=n)


# --- Working days ----------------------------------------------------------------------------------------------


class TestWorkingDay:
    def test_weekdays_are_working_days_and_weekends_are_not(self):
        assert CAL.is_working_day(date(2026, 1, 9))  # Friday
        assert not CAL.is_working_day(date(2026, 1, 10))  # Saturday
        assert not CAL.is_working_day(date(2026, 1, 11))  # Sunday

    def test_christmas_2021_on_a_weekend_moves_to_monday_and_tuesday_substitutes(self):
        assert not CAL.is_working_day(date(2021, 12, 27))
        assert not CAL.is_working_day(date(2021, 12, 28))
        assert CAL.is_working_day(date(2021, 12, 29))

    def test_boxing_day_2022_on_monday_pushes_christmas_substitute_to_tuesday(self):
        assert not CAL.is_working_day(date(2022, 12, 26))
        assert not CAL.is_working_day(date(2022, 12, 27))
        assert CAL.is_working_day(date(2022, 12, 28))

    def test_good_friday_and_easter_monday_are_not_working_days(self):
        assert not CAL.is_working_day(date(2026, 4, 3))
        assert not CAL.is_working_day(date(2026, 4, 6))
        assert CAL.is_working_day(date(2026, 4, 7))

    def test_a_closure_day_is_not_a_working_day(self):
        calendar = WorkingCalendar(closures=frozenset({date(2026, 6, 1)}))
        assert not calendar.is_working_day(date(2026, 6, 1))
        assert CAL.is_working_day(date(2026, 6, 1))

    def test_next_working_day_skips_weekend_and_bank_holidays(self):
        assert CAL.next_working_day(date(2021, 12, 24)) == date(2021, 12, 29)
        assert CAL.next_working_day(date(2026, 4, 2)) == date(2026, 4, 7)
        assert CAL.next_working_day(date(2026, 1, 5)) == date(2026, 1, 6)

    def test_is_working_day_refuses_a_datetime(self):
        with pytest.raises(TypeError):
            CAL.is_working_day(datetime(2026, 1, 5, 10, tzinfo=UTC))

    def test_office_must_open_before_it_closes(self):
        with pytest.raises(ValueError, match="open before it closes"):
            WorkingCalendar(closures=frozenset(), opens=time(17), closes=time(9))


# --- Elapsed clock ---------------------------------------------------------------------------------------------


class TestElapsedClock:
    def test_red_four_hours_runs_through_the_night(self):
        assert due_at(london(2026, 1, 6, 22), 4, Clock.ELAPSED, CAL) == london(2026, 1, 7, 2)

    def test_red_four_hours_runs_through_christmas_day(self):
        assert due_at(london(2026, 12, 25, 10), 4, Clock.ELAPSED, CAL) == london(2026, 12, 25, 14)

    def test_four_hours_across_the_spring_clock_change_are_four_real_hours(self):
        # Saturday 23:00 GMT; at 01:00 GMT the clocks go forward, so 4 real hours later it is 04:00 BST.
        due = due_at(london(2026, 3, 28, 23), 4, Clock.ELAPSED, CAL)
        assert due == datetime(2026, 3, 29, 3, tzinfo=UTC)
        assert due.astimezone(LONDON).hour == 4

    def test_four_hours_across_the_autumn_clock_change_are_four_real_hours(self):
        # Saturday 23:00 BST; at 02:00 BST the clocks go back, so 4 real hours later it is 02:00 GMT.
        due = due_at(london(2026, 10, 24, 23), 4, Clock.ELAPSED, CAL)
        assert due == datetime(2026, 10, 25, 2, tzinfo=UTC)
        assert due.astimezone(LONDON).hour == 2

    def test_elapsed_on_counts_real_time_even_when_both_times_share_a_timezone(self):
        # Plain subtraction of two Europe/London datetimes would give wall-clock 5 hours here.
        assert elapsed_on(Clock.ELAPSED, london(2026, 3, 28, 23), london(2026, 3, 29, 4), CAL) == hours(4)
        assert elapsed_on(Clock.ELAPSED, london(2026, 10, 24, 23), london(2026, 10, 25, 2), CAL) == hours(4)

    def test_elapsed_clock_does_not_need_a_calendar(self):
        # No calendar and no database: the elapsed clock never looks at working days.
        assert due_at(london(2026, 1, 6, 10), 4, "elapsed") == london(2026, 1, 6, 14)


# --- Working-days clock ----------------------------------------------------------------------------------------


class TestWorkingDaysClock:
    def test_amber_received_monday_morning_is_due_tuesday_morning(self):
        assert due_at(london(2026, 1, 5, 10), 24, Clock.WORKING_DAYS, CAL) == london(2026, 1, 6, 10)

    def test_amber_received_friday_afternoon_is_due_monday_afternoon(self):
        assert due_at(london(2026, 1, 9, 15), 24, Clock.WORKING_DAYS, CAL) == london(2026, 1, 12, 15)

    def test_amber_received_saturday_afternoon_starts_counting_at_monday_midnight(self):
        assert due_at(london(2026, 1, 10, 14), 24, Clock.WORKING_DAYS, CAL) == london(2026, 1, 13, 0)

    def test_request_received_at_night_on_a_working_day_counts_the_night(self):
        assert due_at(london(2026, 1, 6, 23), 24, Clock.WORKING_DAYS, CAL) == london(2026, 1, 7, 23)

    def test_green_received_wednesday_is_due_monday_same_time(self):
        assert due_at(london(2026, 1, 7, 11), 72, Clock.WORKING_DAYS, CAL) == london(2026, 1, 12, 11)

    def test_amber_across_the_spring_clock_change_keeps_local_time(self):
        # Friday 10:00 GMT -> Monday 10:00 BST: 71 real hours, 24 working hours.
        due = due_at(london(2026, 3, 27, 10), 24, Clock.WORKING_DAYS, CAL)
        assert due == london(2026, 3, 30, 10)
        assert due == datetime(2026, 3, 30, 9, tzinfo=UTC)

    def test_amber_across_the_autumn_clock_change_keeps_local_time(self):
        # Friday 10:00 BST -> Monday 10:00 GMT: 73 real hours, 24 working hours.
        due = due_at(london(2026, 10, 23, 10), 24, Clock.WORKING_DAYS, CAL)
        assert due == london(2026, 10, 26, 10)
        assert due == datetime(2026, 10, 26, 10, tzinfo=UTC)

    def test_request_received_in_the_repeated_hour_of_the_autumn_change_starts_monday(self):
        received = london(2026, 10, 25, 1, 30, fold=1)  # 01:30 GMT, the second 01:30 that night
        assert due_at(received, 24, Clock.WORKING_DAYS, CAL) == london(2026, 10, 27, 0)

    def test_green_over_christmas_2021_skips_both_substitute_days(self):
        # Thu 23 Dec 12:00: Thu 12h + Fri 24h, then Sat, Sun, Mon 27 and Tue 28 off, Wed 24h, Thu 12h.
        assert due_at(london(2021, 12, 23, 12), 72, Clock.WORKING_DAYS, CAL) == london(2021, 12, 30, 12)

    def test_amber_over_christmas_2022_skips_boxing_day_and_christmas_substitute(self):
        assert due_at(london(2022, 12, 23, 12), 24, Clock.WORKING_DAYS, CAL) == london(2022, 12, 28, 12)

    def test_amber_over_easter_skips_good_friday_and_easter_monday(self):
        assert due_at(london(2026, 4, 2, 15), 24, Clock.WORKING_DAYS, CAL) == london(2026, 4, 7, 15)

    def test_amber_received_on_good_friday_starts_counting_on_tuesday(self):
        assert due_at(london(2026, 4, 3, 9), 24, Clock.WORKING_DAYS, CAL) == london(2026, 4, 8, 0)

    def test_a_closure_day_pushes_the_deadline_back_a_day(self):
        calendar = WorkingCalendar(closures=frozenset({date(2026, 6, 1)}))  # a Monday
        assert due_at(london(2026, 5, 29, 10), 24, Clock.WORKING_DAYS, calendar) == london(2026, 6, 2, 10)
        assert due_at(london(2026, 5, 29, 10), 24, Clock.WORKING_DAYS, CAL) == london(2026, 6, 1, 10)

    def test_deadline_ending_at_midnight_is_that_midnight_not_the_next_working_day(self):
        # Friday 00:00 + 24h ends as Friday ends (Saturday 00:00), not on Monday.
        assert due_at(london(2026, 1, 9, 0), 24, Clock.WORKING_DAYS, CAL) == london(2026, 1, 10, 0)

    def test_zero_hours_on_a_weekend_is_the_start_of_the_next_working_day(self):
        assert due_at(london(2026, 1, 10, 14), 0, Clock.WORKING_DAYS, CAL) == london(2026, 1, 12, 0)

    def test_time_used_skips_the_weekend(self):
        # Friday 18:00 to Monday 06:00: Friday's last 6 hours and Monday's first 6.
        assert elapsed_on(Clock.WORKING_DAYS, london(2026, 1, 9, 18), london(2026, 1, 12, 6), CAL) == hours(12)

    def test_seventy_five_percent_of_amber_is_used_at_four_the_next_morning(self):
        received = london(2026, 1, 5, 10)
        assert elapsed_on(Clock.WORKING_DAYS, received, london(2026, 1, 6, 4), CAL) == hours(18)

    def test_counting_over_christmas_looks_at_each_day_once(self):
        checked = []

        class CountingCalendar(WorkingCalendar):
            def is_working_day(self, d):
                checked.append(d)
                return super().is_working_day(d)

        calendar = CountingCalendar(closures=frozenset())
        assert due_at(london(2021, 12, 23, 12), 72, Clock.WORKING_DAYS, calendar) == london(2021, 12, 30, 12)
        # Thu 23 to Thu 30 December: eight days, each checked once.
        assert len(checked) == 8
        assert len(set(checked)) == len(checked)


# --- Office-hours clock ----------------------------------------------------------------------------------------


class TestOfficeHoursClock:
    def test_four_office_hours_from_friday_afternoon_is_monday_noon(self):
        assert due_at(london(2026, 1, 9, 16), 4, Clock.OFFICE_HOURS, CAL) == london(2026, 1, 12, 12)

    def test_request_arriving_at_night_starts_at_next_opening(self):
        assert due_at(london(2026, 1, 6, 20), 4, Clock.OFFICE_HOURS, CAL) == london(2026, 1, 7, 13)

    def test_request_arriving_before_opening_starts_at_opening(self):
        assert due_at(london(2026, 1, 6, 7), 2, Clock.OFFICE_HOURS, CAL) == london(2026, 1, 6, 11)

    def test_request_arriving_at_the_weekend_starts_monday_morning(self):
        assert due_at(london(2026, 1, 10, 11), 4, Clock.OFFICE_HOURS, CAL) == london(2026, 1, 12, 13)

    def test_deadline_ending_exactly_at_closing_time_is_closing_time(self):
        assert due_at(london(2026, 1, 6, 13), 4, Clock.OFFICE_HOURS, CAL) == london(2026, 1, 6, 17)

    def test_request_arriving_exactly_at_closing_time_starts_next_morning(self):
        assert due_at(london(2026, 1, 6, 17), 1, Clock.OFFICE_HOURS, CAL) == london(2026, 1, 7, 10)

    def test_zero_hours_out_of_hours_is_the_next_opening(self):
        assert due_at(london(2026, 1, 6, 18), 0, Clock.OFFICE_HOURS, CAL) == london(2026, 1, 7, 9)
        assert due_at(london(2026, 1, 6, 17), 0, Clock.OFFICE_HOURS, CAL) == london(2026, 1, 7, 9)

    def test_office_hours_across_the_spring_clock_change_keep_local_opening_hours(self):
        due = due_at(london(2026, 3, 27, 15), 4, Clock.OFFICE_HOURS, CAL)
        assert due == london(2026, 3, 30, 11)
        assert due == datetime(2026, 3, 30, 10, tzinfo=UTC)

    def test_office_hours_across_the_autumn_clock_change_keep_local_opening_hours(self):
        due = due_at(london(2026, 10, 23, 15), 4, Clock.OFFICE_HOURS, CAL)
        assert due == london(2026, 10, 26, 11)
        assert due == datetime(2026, 10, 26, 11, tzinfo=UTC)

    def test_office_hours_over_christmas_2021_resume_on_wednesday_29th(self):
        assert due_at(london(2021, 12, 24, 16), 4, Clock.OFFICE_HOURS, CAL) == london(2021, 12, 29, 12)

    def test_office_hours_over_christmas_2022_resume_on_wednesday_28th(self):
        assert due_at(london(2022, 12, 23, 16), 4, Clock.OFFICE_HOURS, CAL) == london(2022, 12, 28, 12)

    def test_office_hours_over_easter_resume_on_tuesday(self):
        assert due_at(london(2026, 4, 2, 16, 30), 1, Clock.OFFICE_HOURS, CAL) == london(2026, 4, 7, 9, 30)

    def test_office_hours_skip_a_closure_day(self):
        calendar = WorkingCalendar(closures=frozenset({date(2026, 1, 7)}))
        assert due_at(london(2026, 1, 6, 16), 4, Clock.OFFICE_HOURS, calendar) == london(2026, 1, 8, 12)

    def test_custom_opening_hours_are_honoured(self):
        calendar = WorkingCalendar(closures=frozenset(), opens=time(8), closes=time(18))
        assert due_at(london(2026, 1, 9, 16), 4, Clock.OFFICE_HOURS, calendar) == london(2026, 1, 12, 10)

    def test_surrey_red_four_working_hours_across_several_days(self):
        # 20 office hours from Monday 09:00: Mon 8, Tue 8, Wed 4.
        assert due_at(london(2026, 1, 5, 9), 20, Clock.OFFICE_HOURS, CAL) == london(2026, 1, 7, 13)

    def test_time_used_counts_only_opening_hours(self):
        assert elapsed_on(Clock.OFFICE_HOURS, london(2026, 1, 9, 16), london(2026, 1, 12, 10), CAL) == hours(2)
        assert elapsed_on(Clock.OFFICE_HOURS, london(2026, 1, 6, 18), london(2026, 1, 7, 8), CAL) == hours(0)


# --- Inputs ----------------------------------------------------------------------------------------------------


class TestInputs:
    def test_result_is_an_aware_utc_datetime(self):
        for clock in Clock:
            due = due_at(london(2026, 7, 6, 10), 4, clock, CAL)
            assert due.tzinfo is UTC

    def test_clock_may_be_given_as_its_stored_string(self):
        assert due_at(london(2026, 1, 9, 16), 4, "office_hours", CAL) == london(2026, 1, 12, 12)
        assert elapsed_on("working_days", london(2026, 1, 9, 18), london(2026, 1, 12, 6), CAL) == hours(12)

    def test_unknown_clock_is_rejected(self):
        with pytest.raises(ValueError):
            due_at(london(2026, 1, 5, 10), 4, "fortnights", CAL)

    def test_naive_start_is_rejected(self):
        with pytest.raises(ValueError, match="timezone-aware"):
            due_at(datetime(2026, 1, 5, 10), 4, Clock.ELAPSED, CAL)

    def test_naive_times_are_rejected_by_elapsed_on(self):
        with pytest.raises(ValueError, match="timezone-aware"):
            elapsed_on(Clock.WORKING_DAYS, london(2026, 1, 5, 10), datetime(2026, 1, 6, 10), CAL)

    def test_negative_hours_are_rejected(self):
        with pytest.raises(ValueError, match="must not be negative"):
            due_at(london(2026, 1, 5, 10), -1, Clock.WORKING_DAYS, CAL)

    def test_non_numeric_hours_are_rejected(self):
        with pytest.raises(TypeError):
            due_at(london(2026, 1, 5, 10), "4", Clock.ELAPSED, CAL)
        with pytest.raises(ValueError):
            due_at(london(2026, 1, 5, 10), float("nan"), Clock.ELAPSED, CAL)

    def test_no_hours_means_no_deadline(self):
        # A blue tier needs no probation response, so it has no hours and no deadline.
        assert due_at(london(2026, 1, 5, 10), None, Clock.WORKING_DAYS, CAL) is None

    def test_zero_elapsed_hours_is_the_start_itself(self):
        assert due_at(london(2026, 1, 10, 3), 0, Clock.ELAPSED, CAL) == london(2026, 1, 10, 3)

    def test_decimal_and_fractional_hours_are_exact(self):
        assert due_at(london(2026, 1, 6, 16), Decimal("1.5"), Clock.OFFICE_HOURS, CAL) == london(2026, 1, 7, 9, 30)
        assert due_at(london(2026, 1, 6, 10), 0.25, Clock.ELAPSED, CAL) == london(2026, 1, 6, 10, 15)

    def test_time_used_is_zero_when_the_end_is_not_after_the_start(self):
        for clock in Clock:
            assert elapsed_on(clock, london(2026, 1, 6, 10), london(2026, 1, 6, 10), CAL) == timedelta(0)
            assert elapsed_on(clock, london(2026, 1, 6, 10), london(2026, 1, 5, 10), CAL) == timedelta(0)


# --- due_at and elapsed_on agree -------------------------------------------------------------------------------


def _starts(first, last, step):
    start = first
    while start < last:
        yield start
        start += step


# Periods with a clock change, Easter, and a Christmas with substitute days; odd step so starts hit all hours.
SAMPLE_STARTS = [
    *_starts(datetime(2026, 3, 25, tzinfo=UTC), datetime(2026, 4, 9, tzinfo=UTC), timedelta(hours=7, minutes=13)),
    *_starts(datetime(2026, 10, 21, tzinfo=UTC), datetime(2026, 10, 29, tzinfo=UTC), timedelta(hours=5, minutes=7)),
    *_starts(datetime(2021, 12, 22, tzinfo=UTC), datetime(2022, 1, 5, tzinfo=UTC), timedelta(hours=9, minutes=41)),
]
SAMPLE_HOURS = [0, 0.5, 1, 4, 7.5, 8, 24, 72, Decimal("2.25")]


@pytest.mark.parametrize("clock", list(Clock))
def test_elapsed_on_measures_exactly_the_hours_due_at_counted(clock):
    for start in SAMPLE_STARTS:
        for h in SAMPLE_HOURS:
            due = due_at(start, h, clock, CAL)
            assert elapsed_on(clock, start, due, CAL) == timedelta(hours=float(h)), (start, h)


@pytest.mark.parametrize("clock", list(Clock))
def test_due_at_is_the_earliest_moment_the_hours_are_used(clock):
    # A minute earlier, the hours are not yet used up: the deadline never lands on a later opening than needed.
    for start in SAMPLE_STARTS:
        for h in SAMPLE_HOURS:
            if h:
                due = due_at(start, h, clock, CAL)
                assert elapsed_on(clock, start, due - timedelta(minutes=1), CAL) < timedelta(hours=float(h))


# --- The organisation's calendar (database) --------------------------------------------------------------------


@pytest.fixture
def calendar_cache(settings):
    # A real local-memory cache whatever the test settings use, emptied before and after.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-calendar"}
    }
    clear_calendar_cache()
    yield
    clear_calendar_cache()


@pytest.mark.django_db
@pytest.mark.usefixtures("calendar_cache")
class TestGetCalendar:
    def test_closure_days_added_by_an_administrator_are_not_working_days(self):
        from probation.models import ClosureDay

        ClosureDay.objects.create(date=date(2026, 6, 1), reason="Office move")
        calendar = get_calendar()
        assert calendar.closures == frozenset({date(2026, 6, 1)})
        assert not calendar.is_working_day(date(2026, 6, 1))

    def test_due_at_without_a_calendar_uses_the_closure_days(self):
        from probation.models import ClosureDay

        ClosureDay.objects.create(date=date(2026, 6, 1), reason="Office move")
        assert due_at(london(2026, 5, 29, 10), 24, Clock.WORKING_DAYS) == london(2026, 6, 2, 10)

    def test_opening_hours_come_from_settings(self, settings):
        settings.OFFICE_OPENS = "08:30"
        settings.OFFICE_CLOSES = "16:30"
        calendar = get_calendar()
        assert (calendar.opens, calendar.closes) == (time(8, 30), time(16, 30))

    def test_opening_hours_default_to_nine_to_five(self, settings):
        for name in ("OFFICE_OPENS", "OFFICE_CLOSES"):
            if hasattr(settings, name):
                delattr(settings, name)
        calendar = get_calendar()
        assert (calendar.opens, calendar.closes) == (time(9), time(17))

    def test_malformed_opening_hours_fail_loudly(self, settings):
        settings.OFFICE_OPENS = "nine"
        with pytest.raises(ImproperlyConfigured, match="OFFICE_OPENS"):
            get_calendar()

    def test_closing_before_opening_fails_loudly(self, settings):
        settings.OFFICE_OPENS = "17:00"
        settings.OFFICE_CLOSES = "09:00"
        with pytest.raises(ImproperlyConfigured):
            get_calendar()

    def test_calendar_is_cached_so_a_sweep_does_not_query_per_row(self, django_assert_num_queries):
        get_calendar()
        with django_assert_num_queries(0):
            for _ in range(100):
                due_at(london(2026, 5, 29, 10), 24, Clock.WORKING_DAYS)

    def test_clearing_the_cache_picks_up_a_new_closure_day(self):
        from probation.models import ClosureDay

        assert get_calendar().is_working_day(date(2026, 6, 1))
        ClosureDay.objects.create(date=date(2026, 6, 1), reason="Office move")
        assert get_calendar().is_working_day(date(2026, 6, 1))  # still cached
        clear_calendar_cache()
        assert not get_calendar().is_working_day(date(2026, 6, 1))
