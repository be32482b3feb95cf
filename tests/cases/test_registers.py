"""Register overlays follow their dates; Gripping the Offender keeps to its pilot boroughs and cap and never implies
IOM; registers keyed in through admin go through the same service as the app's."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import CaseEvent, Person, Register
from cases.services import overlay_flags_sync, register_add, register_end
from partners.models import Borough
from tests.cases.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _flags(person):
    person.refresh_from_db()
    return person.is_iom, person.is_gto


def test_a_register_with_a_future_start_sets_its_flag_only_from_that_day(offender_manager):
    today = timezone.localdate()
    person = PersonFactory()
    register_add(person=person, code="IIOM", by=offender_manager, start_date=today + datetime.timedelta(days=3))
    assert _flags(person) == (False, False)
    assert overlay_flags_sync(today=today + datetime.timedelta(days=2)) == 0
    assert overlay_flags_sync(today=today + datetime.timedelta(days=3)) == 1
    assert _flags(person) == (True, False)
    assert overlay_flags_sync(today=today + datetime.timedelta(days=3)) == 0  # idempotent


def test_ending_a_register_on_a_future_date_keeps_the_flag_until_that_day(offender_manager):
    today = timezone.localdate()
    person = PersonFactory()
    register = register_add(person=person, code="IIOM", by=offender_manager)
    assert _flags(person) == (True, False)
    register_end(register=register, by=offender_manager, end_date=today + datetime.timedelta(days=7))
    assert _flags(person) == (True, False)
    overlay_flags_sync(today=today + datetime.timedelta(days=6))
    assert _flags(person) == (True, False)  # in force until its end date
    overlay_flags_sync(today=today + datetime.timedelta(days=7))
    assert _flags(person) == (False, False)
    events = CaseEvent.objects.filter(person=person, kind=CaseEvent.Kind.OVERLAY_FLAG_CHANGED)
    assert [e.changes for e in events.order_by("at", "id")] == [{"is_iom": [False, True]}, {"is_iom": [True, False]}]


def test_the_daily_job_is_scheduled_and_applies_the_dates(offender_manager):
    from cases.tasks import sync_overlay_flags
    from probation.celery import BEAT_SCHEDULE

    assert any(entry["task"] == "cases.tasks.sync_overlay_flags" for entry in BEAT_SCHEDULE.values())
    person = PersonFactory()
    Register.objects.create(person=person, code="IGTO", start_date=timezone.localdate())  # flag not yet set
    assert sync_overlay_flags() == {"changed": 1}
    assert _flags(person) == (False, True)


def test_gripping_the_offender_does_not_imply_iom(offender_manager):
    person = PersonFactory()  # Camden: a pilot borough
    register_add(person=person, code="IGTO", by=offender_manager)
    assert _flags(person) == (False, True)
    assert not Person.objects.iom_nominals().filter(pk=person.pk).exists()
    assert Person.objects.iom_or_gto_nominals().filter(pk=person.pk).exists()


def test_gripping_the_offender_is_refused_outside_its_pilot_boroughs(offender_manager):
    person = PersonFactory(home_borough=Borough.objects.get(code="sutton"))
    with pytest.raises(ValidationError) as exc:
        register_add(person=person, code="IGTO", by=offender_manager)
    assert "pilot boroughs" in str(exc.value.message_dict["code"])
    assert not person.registers.exists()


def test_gripping_the_offender_is_refused_once_its_cap_is_reached(offender_manager, monkeypatch):
    monkeypatch.setattr(services, "GTO_CAP", 2)
    for _ in range(2):
        register_add(person=PersonFactory(), code="IGTO", by=offender_manager)
    ended = register_add(person=PersonFactory(), code="IIOM", by=offender_manager)
    assert ended.code == "IIOM"  # IOM is not capped
    with pytest.raises(ValidationError) as exc:
        register_add(person=PersonFactory(), code="IGTO", by=offender_manager)
    assert "cap is 2" in str(exc.value.message_dict["code"])


def test_an_iom_register_added_in_admin_sets_the_flag_through_the_service(client, admin_user):
    person = PersonFactory()
    client.force_login(admin_user)
    response = client.post(reverse("admin:cases_register_add"), {
        "person": person.pk, "code": "IIOM", "start_date": timezone.localdate().isoformat(), "end_date": "",
        "added_by": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _flags(person) == (True, False)
    assert CaseEvent.objects.filter(person=person, kind=CaseEvent.Kind.OVERLAY_FLAG_CHANGED).exists()


def test_a_gto_register_added_in_admin_outside_the_pilot_is_a_form_error(client, admin_user):
    person = PersonFactory(home_borough=Borough.objects.get(code="sutton"))
    client.force_login(admin_user)
    response = client.post(reverse("admin:cases_register_add"), {
        "person": person.pk, "code": "IGTO", "start_date": timezone.localdate().isoformat(), "end_date": "",
        "added_by": "",
    })
    assert response.status_code == 200 and "pilot boroughs" in response.content.decode()
    assert not person.registers.exists()


# --- cohorts for gender other or not stated -----------------------------------------------------------------------

def test_people_of_gender_other_or_not_stated_fall_into_no_mens_cohort_by_accident():
    from cases.services import cohorts_recompute

    other = PersonFactory(gender="other", cohort="")
    not_stated = PersonFactory(gender="not_stated", cohort="")
    man = PersonFactory(gender="male", cohort="")
    cohorts_recompute(full=True)
    for person in (other, not_stated, man):
        person.refresh_from_db()
    assert (other.cohort, not_stated.cohort, man.cohort) == ("", "", "working_age_men")
    assert set(Person.objects.awaiting_cohort()) >= {other, not_stated}


def test_an_explicit_rule_can_place_them(offender_manager):
    from cases.models import CohortRule
    from cases.services import cohorts_recompute

    CohortRule.objects.create(cohort="women", priority=15, gender="other")
    person = PersonFactory(gender="other", cohort="")
    cohorts_recompute(full=True)
    person.refresh_from_db()
    assert person.cohort == "women"


def test_a_managers_choice_places_them_in_a_team_queue_and_the_daily_job_keeps_it(client, hub_user):
    from cases.services import cohorts_recompute
    from tests.cases.factories import TeamFactory

    team = TeamFactory(cohort="women", borough=Borough.objects.get(code="camden"))
    person = PersonFactory(gender="not_stated", cohort="")
    client.force_login(hub_user)
    assert "awaiting-cohort" in client.get(reverse("cases:unallocated")).content.decode()
    url = reverse("cases:case_cohort", args=[person.crn])
    bad = client.post(url, {"cohort": "women", "reason": ""})
    assert bad.status_code == 400 and "Say why this cohort" in bad.content.decode()
    assert client.post(url, {"cohort": "women", "reason": "Asked to be supervised with women"}).status_code == 302
    person.refresh_from_db()
    assert (person.cohort, person.team, person.cohort_chosen_by) == ("women", team, hub_user)
    assert person.allocation_due_since is not None
    cohorts_recompute(full=True)
    person.refresh_from_db()
    assert person.cohort == "women"
    assert CaseEvent.objects.filter(person=person, kind=CaseEvent.Kind.COHORT_CHOSEN).exists()
