import datetime

import pytest
from django.urls import reverse

from cases.models import Allocation, NpsHandover, Person, Provider
from probation.models import AuditEvent
from tests.cases.factories import (
    AliasFactory,
    AllocatedPersonFactory,
    PersonFactory,
    RequirementFactory,
    SentenceFactory,
    StaffProfileFactory,
    TeamFactory,
    UnallocatedPersonFactory,
)
from tests.probation.factories import HospUserFactory, OffenderManagerFactory, TeamManagerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(team_manager):
    return TeamFactory(manager=team_manager)


@pytest.fixture
def om(team):
    return StaffProfileFactory(team=team).user


def _full_case(team, om):
    person = AllocatedPersonFactory(team=team, offender_manager=om)
    AliasFactory(person=person)
    sentence = SentenceFactory(person=person, kind="custody", length_months=6, sentence_date=datetime.date(2026, 1, 5),
                               offence_date=datetime.date(2025, 10, 1))
    RequirementFactory(sentence=SentenceFactory(person=person), commenced_on=None)
    return person, sentence


# --- case page ---------------------------------------------------------------------------------------------------

def test_offender_manager_sees_their_case_with_supervision_dates_and_it_is_audited(client, team, om):
    person, sentence = _full_case(team, om)
    client.force_login(om)
    response = client.get(reverse("cases:case_detail", args=[person.crn]))
    assert response.status_code == 200
    html = response.content.decode()
    assert person.crn in html and "Post Sentence Supervision" in html
    assert sentence.pss_end_date.strftime("%-d %b %Y") in html
    assert "Requirements to commence by" in html
    assert AuditEvent.objects.filter(action="view", object_type="cases.person", object_id=str(person.pk),
                                     actor=om).count() == 1


def test_another_teams_offender_manager_gets_403(client, team, om):
    person, _ = _full_case(team, om)
    client.force_login(StaffProfileFactory().user)
    assert client.get(reverse("cases:case_detail", args=[person.crn])).status_code == 403


def test_hosp_and_partner_cannot_see_case_pages(client, team, om, partner_user):
    person, _ = _full_case(team, om)
    for user in (HospUserFactory(), partner_user):
        client.force_login(user)
        assert client.get(reverse("cases:case_detail", args=[person.crn])).status_code == 403


def test_unknown_crn_is_404(client, hub_user):
    client.force_login(hub_user)
    assert client.get(reverse("cases:case_detail", args=["Z999999"])).status_code == 404


@pytest.mark.parametrize("cases", [1, 6])
def test_case_page_query_count_is_constant(client, team, om, cases, django_assert_max_num_queries):
    person = AllocatedPersonFactory(team=team, offender_manager=om)
    for _ in range(cases):
        RequirementFactory(sentence=SentenceFactory(person=person))
        AliasFactory(person=person)
    client.force_login(om)
    # +1: the two-factor device of the session; +8: the supervision panel; +2: the MASH and Through the Gate panels
    # (one query each); +1: the case's history (tier changes, corrected dates); constant at both sizes
    with django_assert_max_num_queries(28):
        assert client.get(reverse("cases:case_detail", args=[person.crn])).status_code == 200


def test_recording_high_rosh_on_the_case_page_escalates_to_the_nps(client, team, om, team_manager):
    person, _ = _full_case(team, om)
    client.force_login(team_manager)
    response = client.post(reverse("cases:case_detail", args=[person.crn]), {"level": "high", "reason": "New offence"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.provider == Provider.NPS and person.offender_manager is None
    assert NpsHandover.objects.get(person=person).handed_over_by == team_manager


def test_rosh_without_reason_is_a_field_error(client, team, om):
    person, _ = _full_case(team, om)
    client.force_login(om)
    response = client.post(reverse("cases:case_detail", args=[person.crn]), {"level": "medium", "reason": ""})
    assert response.status_code == 400
    assert "Give a reason." in response.content.decode()
    person.refresh_from_db()
    assert person.rosh_level == "low"


# --- caseload ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [2, 25])
def test_caseload_lists_only_my_crc_cases_in_constant_queries(client, team, om, size, django_assert_max_num_queries):
    mine = AllocatedPersonFactory.create_batch(size, team=team, offender_manager=om)
    AllocatedPersonFactory(team=team)  # a colleague's
    AllocatedPersonFactory(team=team, offender_manager=om, provider=Provider.NPS)  # escalated
    client.force_login(om)
    # +1: the two-factor device of the session; +1: the audit of the people shown; +1: the compliance column
    # (registered in cases.panels by supervision)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("cases:caseload"))
    assert response.status_code == 200
    assert set(response.context["people"]) == set(mine)


# --- queue and allocation ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [2, 20])
def test_queue_shows_suggestions_in_constant_queries(client, team, team_manager, size, django_assert_max_num_queries):
    busy, free = StaffProfileFactory(team=team), StaffProfileFactory(team=team)
    AllocatedPersonFactory.create_batch(3, team=team, offender_manager=busy.user)
    queued = UnallocatedPersonFactory.create_batch(size, team=team)
    for person in queued:
        SentenceFactory(person=person)
    UnallocatedPersonFactory()  # another manager's team
    client.force_login(team_manager)
    # session, user, 2FA device, count, page, sentences, workload points, capacities, officers, their caseload totals,
    # notifications badge, the audit of the people shown, and for capacity from available hours: casework settings
    # (2), open reports, working patterns, absences, the calendar's closure days ... the same at both sizes
    with django_assert_max_num_queries(21):
        response = client.get(reverse("cases:unallocated"))
    rows = response.context["rows"]
    assert {r["person"] for r in rows} == set(queued)
    assert all(r["suggested"].user_id == free.user.pk for r in rows)


def test_one_action_allocates_the_suggested_officer(client, team, team_manager):
    officer = StaffProfileFactory(team=team).user
    person = UnallocatedPersonFactory(team=team)
    client.force_login(team_manager)
    response = client.post(reverse("cases:case_allocate", args=[person.crn]),
                           {"officer": officer.pk, "from": "queue", "reason": "Suggested"})
    assert response.status_code == 302 and response.url == reverse("cases:unallocated")
    person.refresh_from_db()
    assert person.offender_manager == officer
    allocation = Allocation.objects.get()
    assert allocation.allocated_by == team_manager and allocation.reason == "Suggested"


def test_allocating_to_an_officer_outside_the_team_is_a_form_error(client, team, team_manager):
    outsider = StaffProfileFactory().user
    person = UnallocatedPersonFactory(team=team)
    client.force_login(team_manager)
    response = client.post(reverse("cases:case_allocate", args=[person.crn]), {"officer": outsider.pk})
    assert response.status_code == 400
    assert "in the case&#x27;s team" in response.content.decode()
    person.refresh_from_db()
    assert person.offender_manager is None and not Allocation.objects.exists()


def test_allocating_an_allocated_case_is_a_form_error(client, team, team_manager, om):
    person = AllocatedPersonFactory(team=team, offender_manager=om)
    other = StaffProfileFactory(team=team).user
    client.force_login(team_manager)
    response = client.post(reverse("cases:case_allocate", args=[person.crn]), {"officer": other.pk})
    assert response.status_code == 400
    assert "already been allocated" in response.content.decode()


def test_a_manager_cannot_allocate_another_teams_case(client, team_manager):
    person = UnallocatedPersonFactory()
    client.force_login(team_manager)
    response = client.post(reverse("cases:case_allocate", args=[person.crn]),
                           {"officer": StaffProfileFactory(team=person.team).user.pk})
    assert response.status_code == 403


def test_team_workload_shows_capacity_per_officer(client, team, team_manager, om):
    AllocatedPersonFactory.create_batch(2, team=team, offender_manager=om, tier="A1")
    client.force_login(team_manager)
    response = client.get(reverse("cases:team_workload"))
    assert response.status_code == 200
    (shown_team, workloads), = response.context["teams"]
    assert shown_team == team
    assert workloads[0].cases == 2 and workloads[0].points == 300  # 2 community cases of tier A, 150 points each
    assert "app-capacity__bar" in response.content.decode()


def test_offender_managers_cannot_see_team_workload(client, om):
    client.force_login(om)
    assert client.get(reverse("cases:team_workload")).status_code == 403


# --- search ------------------------------------------------------------------------------------------------------

def test_search_page_finds_by_name_and_audits_without_the_terms(client, hub_user):
    person = PersonFactory(first_name="Delroy", last_name="Whitaker")
    client.force_login(hub_user)
    response = client.get(reverse("cases:search"), {"q": "Delroy Whittaker"})
    assert response.status_code == 200
    assert response.context["matches"][0].person == person
    event = AuditEvent.objects.get(detail__search="people")
    assert "Delroy" not in event.path and "Whit" not in str(event.detail)


def test_empty_search_is_a_form_error(client, hub_user):
    client.force_login(hub_user)
    response = client.get(reverse("cases:search"), {"q": ""})
    assert response.status_code == 400
    assert "Enter a name, CRN, PNC number or date of birth." in response.content.decode()


def test_partners_cannot_search(client, partner_user):
    client.force_login(partner_user)
    assert client.get(reverse("cases:search"), {"q": "Smith"}).status_code == 403


# --- home panels and navigation ----------------------------------------------------------------------------------

def test_home_shows_caseload_for_om_and_unallocated_for_spo(client, team, om, team_manager):
    AllocatedPersonFactory.create_batch(3, team=team, offender_manager=om)
    UnallocatedPersonFactory.create_batch(2, team=team)
    client.force_login(om)
    html = client.get("/").content.decode()
    assert 'data-testid="panel-caseload"' in html and ">3<" in html and reverse("cases:caseload") in html
    client.force_login(team_manager)
    html = client.get("/").content.decode()
    assert 'data-testid="panel-unallocated"' in html and ">2<" in html and reverse("cases:unallocated") in html
