"""Contact standards and enforcement timeliness for any past day (overdue contact: test_contact_deadlines.py)."""

import datetime

import pytest

from supervision import services
from supervision.models import ContactStandard, Step
from supervision.selectors import enforcement_timeliness
from tests.supervision.factories import at, case_on_order, failed_appointment, warned

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2025, 3, 3)


def test_the_default_contact_standards_are_weekly_for_tiers_a_and_b_and_fortnightly_otherwise():
    early = {s.tier: s.interval_days for s in ContactStandard.objects.filter(phase="early")}
    assert early == {"A": 7, "B": 7, "C": 14, "D": 14}
    assert set(ContactStandard.objects.values_list("first_within_working_days", flat=True)) == {5}


def test_breach_timeliness_for_a_past_day_counts_only_what_was_known_then():
    person = case_on_order()
    warned(person, MONDAY)
    enforcement = failed_appointment(person, datetime.date(2025, 6, 2)).failure.enforcement  # due end of 16 June
    services.enforcement_decide(enforcement=enforcement, decision=Step.BREACH, by=person.offender_manager,
                                now=at(datetime.date(2025, 6, 3)))
    services.enforcement_countersign(enforcement=enforcement, by=person.team.manager, now=at(datetime.date(2025, 6, 4)))
    services.enforcement_refer(enforcement=enforcement, by=person.offender_manager, now=at(datetime.date(2025, 6, 20)))
    june = datetime.date(2025, 6, 1)
    then = {row.month: row for row in enforcement_timeliness([person.team_id], as_of=datetime.date(2025, 6, 18))}
    assert (then[june].due, then[june].on_time, then[june].still_open) == (1, 0, 1)
    later = {row.month: row for row in enforcement_timeliness([person.team_id], as_of=datetime.date(2025, 6, 30))}
    assert (later[june].due, later[june].on_time, later[june].late, later[june].percent) == (1, 0, 1, 0)
