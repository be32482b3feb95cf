import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import (
    Allocation,
    Cohort,
    CohortRule,
    NpsHandover,
    Person,
    Provider,
    RoshLevel,
    Sentence,
    StaffProfile,
    validate_pnc,
)
from cases.services import (
    AllocationError,
    case_allocate,
    cohorts_recompute,
    person_escalate_to_nps,
    person_receive_from_nps,
    person_record_rosh,
    register_add,
    register_end,
    team_auto_allocate,
)
from probation.models import Notification
from tests.cases.factories import (
    AllocatedPersonFactory,
    PersonFactory,
    StaffProfileFactory,
    TeamFactory,
    UnallocatedPersonFactory,
)

pytestmark = pytest.mark.django_db


# --- PNC and records ---------------------------------------------------------------------------------------------

def test_pnc_check_letter_is_verified():
    validate_pnc("2015/0123456U")  # 150123456 mod 23 = 18 -> U
    with pytest.raises(ValidationError):
        validate_pnc("2015/0123456A")
    with pytest.raises(ValidationError):
        validate_pnc("15/123456U")  # not normalised


def test_person_full_clean_normalises_a_short_pnc():
    person = PersonFactory.build(pnc_number="15/123456u", crn="x123456")
    person.full_clean(exclude=["home_borough"])
    assert person.pnc_number == "2015/0123456U" and person.crn == "X123456"


def test_custodial_sentence_computes_its_supervision_dates():
    person = PersonFactory(date_of_birth=datetime.date(1980, 1, 1))
    sentence = Sentence.objects.create(person=person, kind="custody", sentence_date=datetime.date(2016, 1, 1),
                                       offence_date=datetime.date(2015, 6, 1), length_months=6)
    assert sentence.licence_end_date == datetime.date(2016, 6, 30)
    assert sentence.pss_end_date == datetime.date(2017, 3, 31)
    assert sentence.supervision_end_date == sentence.pss_end_date
    assert sentence.requirements_due_by == datetime.date(2016, 1, 8)


def test_community_order_ends_after_its_length():
    person = PersonFactory()
    sentence = Sentence.objects.create(person=person, kind="community_order", sentence_date=datetime.date(2026, 1, 10),
                                       offence_date=datetime.date(2025, 12, 1), length_months=12)
    assert sentence.end_date == datetime.date(2027, 1, 9) == sentence.supervision_end_date


def test_sentence_release_before_sentence_is_a_field_error():
    person = PersonFactory()
    sentence = Sentence(person=person, kind="custody", sentence_date=datetime.date(2026, 1, 10),
                        offence_date=datetime.date(2025, 12, 1), length_months=6, release_date=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError) as err:
        sentence.full_clean()
    assert "release_date" in err.value.message_dict


# --- RoSH and escalation to the NPS ------------------------------------------------------------------------------

def test_high_rosh_escalates_the_case_to_the_nps_with_who_when_why(team_manager):
    person = AllocatedPersonFactory()
    om, team = person.offender_manager, person.team
    person_record_rosh(person=person, level=RoshLevel.HIGH, by=team_manager, reason="New domestic abuse offence")
    person.refresh_from_db()
    assert person.provider == Provider.NPS and person.offender_manager is None and person.team is None
    handover = NpsHandover.objects.get(person=person)
    assert handover.handed_over_by == team_manager and handover.previous_offender_manager == om
    assert handover.previous_team == team and handover.rosh_level == RoshLevel.HIGH
    assert "high" in handover.reason
    assert person.rosh_history.count() == 1
    assert Notification.objects.filter(recipient=om).count() == 1


def test_medium_rosh_keeps_the_case_with_the_crc(team_manager):
    person = AllocatedPersonFactory()
    person_record_rosh(person=person, level=RoshLevel.MEDIUM, by=team_manager)
    person.refresh_from_db()
    assert person.provider == Provider.CRC and person.rosh_level == RoshLevel.MEDIUM
    assert not NpsHandover.objects.exists()


def test_escalating_twice_records_one_handover(team_manager):
    person = AllocatedPersonFactory()
    first = person_escalate_to_nps(person=person, by=team_manager, reason="Risk rose")
    second = person_escalate_to_nps(person=person, by=team_manager, reason="Again")
    assert first == second and NpsHandover.objects.count() == 1


def test_escalation_needs_a_reason(team_manager):
    with pytest.raises(ValidationError):
        person_escalate_to_nps(person=AllocatedPersonFactory(), by=team_manager, reason=" ")


# --- registers ---------------------------------------------------------------------------------------------------

def test_iom_register_sets_and_clears_the_overlay_flag(offender_manager):
    person = PersonFactory()
    register = register_add(person=person, code="IIOM", by=offender_manager)
    assert register_add(person=person, code="IIOM", by=offender_manager) == register
    person.refresh_from_db()
    assert person.is_iom
    register_end(register=register, by=offender_manager)
    person.refresh_from_db()
    assert not person.is_iom


# --- arrival and allocation --------------------------------------------------------------------------------------

def test_a_new_case_joins_its_borough_and_cohort_teams_queue():
    team = TeamFactory(cohort=Cohort.WOMEN)
    person = PersonFactory(gender="female", cohort="", team=None, date_of_birth=datetime.date(1990, 1, 1))
    person_receive_from_nps(person=person)
    person.refresh_from_db()
    assert person.cohort == Cohort.WOMEN and person.team == team and person.allocation_due_since is not None
    assert person in Person.objects.unallocated()


def test_allocation_records_who_when_and_why(team_manager):
    person = UnallocatedPersonFactory(team__manager=team_manager)
    officer = StaffProfileFactory(team=person.team).user
    allocation = case_allocate(person=person, officer=officer, by=team_manager, reason="Speaks Bengali")
    person.refresh_from_db()
    assert person.offender_manager == officer
    assert allocation.allocated_by == team_manager and allocation.reason == "Speaks Bengali"
    assert allocation.allocated_at <= timezone.now() and not allocation.is_automatic


def test_a_case_cannot_be_allocated_twice(team_manager):
    person = UnallocatedPersonFactory()
    first, second = StaffProfileFactory(team=person.team).user, StaffProfileFactory(team=person.team).user
    case_allocate(person=person, officer=first, by=team_manager)
    with pytest.raises(AllocationError) as err:
        case_allocate(person=Person.objects.get(pk=person.pk), officer=second, by=team_manager)
    assert "person" in err.value.message_dict
    assert Allocation.objects.count() == 1


def test_an_officer_outside_the_cases_team_is_refused(team_manager):
    person = UnallocatedPersonFactory()
    outsider = StaffProfileFactory().user
    with pytest.raises(AllocationError) as err:
        case_allocate(person=person, officer=outsider, by=team_manager)
    assert "officer" in err.value.message_dict
    person.refresh_from_db()
    assert person.offender_manager is None and not Allocation.objects.exists()


def test_an_officer_at_capacity_is_refused(team_manager):
    person = UnallocatedPersonFactory(tier="A1")
    profile = StaffProfileFactory(team=person.team, contracted_hours=1)  # 1 hour: capacity 175 points
    AllocatedPersonFactory(team=person.team, offender_manager=profile.user, tier="C1")
    with pytest.raises(AllocationError):
        case_allocate(person=person, officer=profile.user, by=team_manager)
    assert not Allocation.objects.exists()


def test_nps_cases_cannot_be_allocated(team_manager):
    person = UnallocatedPersonFactory(provider=Provider.NPS)
    with pytest.raises(AllocationError):
        case_allocate(person=person, officer=StaffProfileFactory(team=person.team).user, by=team_manager)


def test_auto_allocation_spreads_cases_by_workload():
    team = TeamFactory(auto_allocate=True)
    busy = StaffProfileFactory(team=team)
    free = StaffProfileFactory(team=team)
    AllocatedPersonFactory.create_batch(3, team=team, offender_manager=busy.user)
    people = UnallocatedPersonFactory.create_batch(2, team=team)
    result = team_auto_allocate(team=team)
    assert result["allocated"] == 2
    for person in people:
        person.refresh_from_db()
        assert person.offender_manager == free.user
    assert Allocation.objects.filter(is_automatic=True, allocated_by=None).count() == 2
    assert team_auto_allocate(team=team)["allocated"] == 0  # idempotent


def test_unavailable_officers_get_no_automatic_allocations():
    team = TeamFactory(auto_allocate=True)
    StaffProfileFactory(team=team, is_available=False)
    UnallocatedPersonFactory(team=team)
    assert team_auto_allocate(team=team) == {"allocated": 0, "failed": 0, "no_capacity": 1}


# --- cohorts -----------------------------------------------------------------------------------------------------

def test_cohorts_follow_the_default_rules():
    today = datetime.date(2026, 11, 23)
    woman = PersonFactory(gender="female", cohort="", date_of_birth=datetime.date(1970, 1, 1))
    young = PersonFactory(gender="male", cohort="", date_of_birth=datetime.date(2005, 1, 1))
    working = PersonFactory(gender="male", cohort="", date_of_birth=datetime.date(1990, 1, 1))
    older = PersonFactory(gender="male", cohort="", date_of_birth=datetime.date(1970, 1, 1))
    run = cohorts_recompute(today=today)
    assert run.full and run.changed == 4
    expected = {woman: Cohort.WOMEN, young: Cohort.YOUNG_ADULT_MEN, working: Cohort.WORKING_AGE_MEN,
                older: Cohort.MEN_50_PLUS}
    for person, cohort in expected.items():
        person.refresh_from_db()
        assert person.cohort == cohort


def test_a_26th_birthday_moves_a_man_to_working_age_and_only_changes_are_touched():
    day = datetime.date(2026, 11, 23)
    birthday_boy = PersonFactory(gender="male", cohort="", date_of_birth=datetime.date(2000, 11, 24))
    PersonFactory.create_batch(5, gender="male", cohort="", date_of_birth=datetime.date(1990, 5, 5))
    cohorts_recompute(today=day)
    birthday_boy.refresh_from_db()
    assert birthday_boy.cohort == Cohort.YOUNG_ADULT_MEN
    again = cohorts_recompute(today=day)  # same day again: idempotent
    assert again.changed == 0
    Person.objects.update(updated_at=timezone.now() - datetime.timedelta(days=2))
    next_day = cohorts_recompute(today=day + datetime.timedelta(days=1))
    assert not next_day.full and next_day.changed == 1
    birthday_boy.refresh_from_db()
    assert birthday_boy.cohort == Cohort.WORKING_AGE_MEN


def test_changing_the_rules_recomputes_everyone():
    day = datetime.date(2026, 11, 23)
    man = PersonFactory(gender="male", cohort="", date_of_birth=datetime.date(2001, 1, 1))  # 25
    cohorts_recompute(today=day)
    CohortRule.objects.filter(cohort=Cohort.YOUNG_ADULT_MEN).update(max_age=24, updated_at=timezone.now())
    CohortRule.objects.filter(cohort=Cohort.WORKING_AGE_MEN).update(min_age=25, updated_at=timezone.now())
    run = cohorts_recompute(today=day + datetime.timedelta(days=1))
    assert run.full
    man.refresh_from_db()
    assert man.cohort == Cohort.WORKING_AGE_MEN
