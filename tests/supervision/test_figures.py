"""Contact standards, the nightly overdue-contact listing and enforcement timeliness for any past day."""

import datetime

import pytest

from probation.models import Notification
from supervision import services
from supervision.contact import overdue_contact_list
from supervision.models import ContactStandard, OverdueContact, Outcome, Step
from supervision.selectors import enforcement_timeliness
from tests.supervision.factories import at, book, case_on_order, failed_appointment, record, warned

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2025, 3, 3)


def test_the_default_contact_standards_are_weekly_for_tiers_a_and_b_and_fortnightly_otherwise():
    early = {s.tier: s.interval_days for s in ContactStandard.objects.filter(phase="early")}
    assert early == {"A": 7, "B": 7, "C": 14, "D": 14}
    assert set(ContactStandard.objects.values_list("first_within_working_days", flat=True)) == {5}


def test_the_nightly_job_lists_overdue_cases_once_per_night_and_tells_each_officer_once():
    seen = case_on_order(tier="B2")
    record(book(seen, at(MONDAY)), Outcome.ATTENDED)
    unseen = case_on_order(tier="C1", team=seen.team, offender_manager=seen.offender_manager)
    kept_up = case_on_order(tier="B1", team=seen.team, offender_manager=seen.offender_manager)
    record(book(kept_up, at(MONDAY + datetime.timedelta(days=6))), Outcome.ATTENDED)
    night = MONDAY + datetime.timedelta(days=9)
    assert overdue_contact_list(today=night)["overdue"] == 2
    assert overdue_contact_list(today=night)["listed"] == 0  # a second run adds nothing
    listed = {o.person_id: o for o in OverdueContact.objects.filter(listed_on=night)}
    assert set(listed) == {seen.pk, unseen.pk}
    assert listed[seen.pk].due_on == MONDAY + datetime.timedelta(days=7)  # weekly for tier B
    assert listed[unseen.pk].last_contact_on is None
    assert Notification.objects.filter(recipient=seen.offender_manager, dedupe_key__contains=":overdue:").count() == 1
    assert Notification.objects.filter(recipient=seen.team.manager, dedupe_key__contains=":overdue-team:").count() == 1


def test_an_administrator_changing_the_standard_changes_who_is_overdue():
    person = case_on_order(tier="B2")
    record(book(person, at(MONDAY)), Outcome.ATTENDED)
    ContactStandard.objects.filter(tier="B", phase="early").update(interval_days=14)
    assert overdue_contact_list(today=MONDAY + datetime.timedelta(days=9))["overdue"] == 0


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
