from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from probation.models import AuditEvent
from safeguarding.models import Rag, RatingChange, SafeguardingRequest, State
from safeguarding.services import request_assign, request_respond
from tests.cases.factories import AllocatedPersonFactory, StaffProfileFactory
from tests.partners.factories import OrganisationFactory
from tests.safeguarding.factories import mash_request
from tests.safeguarding.test_triage_and_response import ANSWER

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db


def test_the_hub_queue_lists_open_requests_least_time_left_first(client, hub_user):
    green = mash_request(rating=Rag.GREEN)
    red = mash_request(rating=Rag.RED)
    answered = mash_request(rating=Rag.RED)
    request_respond(request=answered, by=hub_user, **ANSWER)
    client.force_login(hub_user)
    page = client.get("/safeguarding/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(red.reference) < html.index(green.reference)
    assert answered.reference not in html
    assert f'data-deadline="{red.due_at.isoformat()}"' in html
    assert page.context["counts"]["rating_red"] == 1 and page.context["counts"]["total"] == 2


def test_the_queue_filters_by_rating_borough_state_and_assignee(client, hub_user):
    camden = mash_request(rating=Rag.RED, organisation=OrganisationFactory(borough_codes=["camden"]))
    hackney = mash_request(rating=Rag.AMBER, organisation=OrganisationFactory(borough_codes=["hackney"]))
    officer = StaffProfileFactory().user
    request_assign(request=hackney, assignee=officer, by=hub_user)
    client.force_login(hub_user)

    def refs(**params):
        return {r.reference for r in client.get("/safeguarding/", params).context["page"].object_list}

    assert refs(rating="red") == {camden.reference}
    assert refs(borough="hackney") == {hackney.reference}
    assert refs(state="assigned") == {hackney.reference}
    assert refs(state="received") == {camden.reference}
    assert refs(assignee=str(officer.pk)) == {hackney.reference}
    assert refs(assignee="none") == {camden.reference}
    assert client.get("/safeguarding/", {"rating": "purple"}).status_code == 200


def test_the_hub_queue_costs_the_same_number_of_queries_at_any_size(client, hub_user):
    client.force_login(hub_user)
    officer = StaffProfileFactory().user
    counts = []
    for extra in (2, 20):
        for i in range(extra):
            request = mash_request(rating=[Rag.RED, Rag.AMBER, Rag.GREEN][i % 3])
            if i % 2:
                request_assign(request=request, assignee=officer, by=hub_user)
        cache.clear()  # the cold page: counts and filter choices read afresh
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/safeguarding/").status_code == 200
        counts.append(len(queries))
        with CaptureQueriesContext(connection) as warm:
            assert client.get("/safeguarding/").status_code == 200
        counts.append(len(warm))
    assert counts[0] == counts[2] and counts[1] == counts[3]
    # warm: the counts, the filter's boroughs and its staff (two queries: staff, and the teams they manage, to name
    # each with their team) come from the cache
    assert counts[1] == counts[0] - 4


def test_the_queue_counts_follow_every_change_at_once(client, hub_user):
    client.force_login(hub_user)
    first = mash_request(rating=Rag.RED)
    assert client.get("/safeguarding/").context["counts"]["total"] == 1
    second = mash_request(rating=Rag.AMBER)
    counts = client.get("/safeguarding/").context["counts"]
    assert (counts["total"], counts["rating_amber"], counts["state_assigned"]) == (2, 1, 0)
    request_assign(request=second, assignee=StaffProfileFactory().user, by=hub_user)
    assert client.get("/safeguarding/").context["counts"]["state_assigned"] == 1
    request_respond(request=first, by=hub_user, **ANSWER)
    assert client.get("/safeguarding/").context["counts"]["total"] == 1


def test_the_queue_pages_without_counting_every_open_request(client, hub_user):
    from safeguarding.views import PAGE_SIZE

    for _ in range(PAGE_SIZE + 3):
        mash_request(rating=Rag.GREEN)
    client.force_login(hub_user)
    first = client.get("/safeguarding/")
    assert len(first.context["page"].object_list) == PAGE_SIZE and first.context["page"].has_next
    assert "Page 1<" in first.content.decode() and 'rel="next"' in first.content.decode()
    second = client.get("/safeguarding/", {"page": "2"})
    assert len(second.context["page"].object_list) == 3 and not second.context["page"].has_next
    assert 'rel="prev"' in second.content.decode()
    assert client.get("/safeguarding/", {"page": "nonsense"}).context["page"].number == 1
    assert client.get("/safeguarding/", {"page": "999"}).context["page"].object_list == []


def test_only_the_hub_sees_the_queue(client, offender_manager, partner_user):
    for user in (offender_manager, partner_user):
        client.force_login(user)
        assert client.get("/safeguarding/").status_code == 403


def test_the_hub_keys_in_an_emailed_request_timed_by_the_email(client, hub_user):
    organisation = OrganisationFactory()
    emailed = timezone.localtime(timezone.now() - timedelta(hours=2)).replace(second=0, microsecond=0)
    client.force_login(hub_user)
    response = client.post("/safeguarding/new/", {
        "organisation": organisation.pk, "received_date": emailed.date().isoformat(), "received_time": emailed.strftime("%H:%M"),
        "subject_first_name": "Lee", "subject_last_name": "Grant", "subject_date_of_birth": "1979-01-02",
        "reason": "Domestic abuse referral", "rating": "red", "requester_name": "PC Jones", "requester_email": "jones@met.example",
        "concerned-TOTAL_FORMS": "3", "concerned-INITIAL_FORMS": "0",
        "concerned-0-age_group": "child", "concerned-0-name": "Mia Grant", "concerned-0-relationship": "Daughter",
    })
    request = SafeguardingRequest.objects.get()
    assert response.status_code == 302 and response.url == f"/safeguarding/{request.reference}/"
    assert request.received_at == emailed and request.due_at == emailed + timedelta(hours=4)
    assert request.received_by == hub_user and request.channel == "secure_email"
    assert [p.name for p in request.concerned.all()] == ["Mia Grant"]


def test_bad_keyed_in_requests_show_field_errors(client, hub_user):
    client.force_login(hub_user)
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = client.post("/safeguarding/new/", {
        "organisation": OrganisationFactory().pk, "received_date": future, "received_time": "10:00",
        "subject_first_name": "", "subject_last_name": "Grant", "subject_date_of_birth": future,
        "reason": "x", "rating": "purple", "requester_name": "PC Jones", "requester_email": "jones@met.example",
        "concerned-TOTAL_FORMS": "0", "concerned-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"subject_first_name", "subject_date_of_birth", "rating", "received_time"} <= set(errors)
    assert b"govuk-error-summary" in response.content
    assert not SafeguardingRequest.objects.exists()


def test_every_view_of_a_request_is_audited(client, hub_user):
    request = mash_request()
    client.force_login(hub_user)
    client.get(f"/safeguarding/{request.reference}/")
    client.get(f"/safeguarding/{request.reference}/")
    assert AuditEvent.objects.filter(action="view", object_id=str(request.pk), actor=hub_user).count() == 2


def test_an_officer_sees_only_requests_assigned_to_them(client, hub_user):
    person = AllocatedPersonFactory()
    mine = mash_request()
    request_assign(request=mine, assignee=person.offender_manager, by=hub_user)
    other = mash_request()
    client.force_login(person.offender_manager)
    assert client.get(f"/safeguarding/{mine.reference}/").status_code == 200
    assert client.get(f"/safeguarding/{other.reference}/").status_code == 403
    assert client.get("/safeguarding/nope/").status_code == 404
    my_page = client.get("/safeguarding/mine/")
    assert mine.reference in my_page.content.decode() and other.reference not in my_page.content.decode()


def test_the_offender_manager_answers_through_the_response_form(client, hub_user):
    person = AllocatedPersonFactory()
    request = mash_request()
    request_assign(request=request, assignee=person.offender_manager, by=hub_user)
    client.force_login(person.offender_manager)
    bad = client.post(f"/safeguarding/{request.reference}/respond/", {**ANSWER, "professional_view": ""})
    assert bad.status_code == 200 and "professional_view" in bad.context["form"].errors
    ok = client.post(f"/safeguarding/{request.reference}/respond/", ANSWER)
    assert ok.status_code == 302
    request.refresh_from_db()
    assert request.state == State.RESPONDED and request.responded_by == person.offender_manager
    again = client.post(f"/safeguarding/{request.reference}/respond/", ANSWER)
    assert again.status_code == 302  # closed: sent back with a message, nothing changes
    assert request.response.professional_view == ANSWER["professional_view"]


def test_a_rating_change_without_rationale_shows_an_error(client, hub_user):
    request = mash_request(rating=Rag.GREEN)
    client.force_login(hub_user)
    response = client.post(f"/safeguarding/{request.reference}/rating/", {"rating": "red", "rationale": ""})
    assert response.status_code == 400 and b"Explain why the rating is changing." in response.content
    assert not RatingChange.objects.exists()
    ok = client.post(f"/safeguarding/{request.reference}/rating/", {"rating": "red", "rationale": "Immediate risk"})
    assert ok.status_code == 302
    request.refresh_from_db()
    assert request.rating == Rag.RED


def test_the_team_manager_sees_the_teams_requests(client, hub_user):
    person = AllocatedPersonFactory()
    request = mash_request()
    request_assign(request=request, assignee=person.offender_manager, by=hub_user)
    elsewhere = mash_request()
    request_assign(request=elsewhere, assignee=StaffProfileFactory().user, by=hub_user)
    client.force_login(person.team.manager)
    page = client.get("/safeguarding/team/").content.decode()
    assert request.reference in page and elsewhere.reference not in page
    assert client.get(f"/safeguarding/{request.reference}/").status_code == 200
    assert client.get(f"/safeguarding/{elsewhere.reference}/").status_code == 403


def test_landing_panels_and_navigation(client, hub_user):
    mash_request(rating=Rag.RED)
    client.force_login(hub_user)
    home = client.get("/").content.decode()
    assert 'data-testid="panel-mash-queue"' in home and "MASH queue" in home


def test_the_demo_seeder_creates_requests_in_every_state_once():
    from io import StringIO

    from probation.registry import demo_seeders

    def seed():  # this app's seeder and the ones it builds on, in their registered order
        for entry in demo_seeders():
            if entry.key in {"foundation", "partners", "cases", "safeguarding"}:
                entry.callable(size=40, stdout=StringIO())

    seed()
    states = {r.state for r in SafeguardingRequest.objects.all()}
    assert states == {State.RECEIVED, State.TRIAGED, State.ASSIGNED, State.RESPONDED, State.WITHDRAWN}
    count = SafeguardingRequest.objects.count()
    seed()
    assert SafeguardingRequest.objects.count() == count
    from probation.models import User

    om = User.objects.get(username="om")
    assert SafeguardingRequest.objects.open().filter(assignee=om).exists()


def test_the_triage_page_ranks_candidates_and_routes_a_known_case(client, hub_user):
    person = AllocatedPersonFactory(first_name="Daniel", last_name="Okafor", date_of_birth=datetime(1988, 3, 14).date())
    AllocatedPersonFactory(first_name="Danielle", last_name="Oakes")
    request = mash_request()
    client.force_login(hub_user)
    page = client.get(f"/safeguarding/{request.reference}/triage/")
    assert page.status_code == 200
    matches = page.context["matches"]
    assert matches and matches[0].person == person
    response = client.post(f"/safeguarding/{request.reference}/triage/", {"outcome": "known_crc", "person": person.pk})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.assignee == person.offender_manager and request.match_outcome == "known_crc"
    person.refresh_from_db()
    assert person.mash_flagged_at is not None


def test_triage_without_choosing_a_person_shows_an_error(client, hub_user):
    request = mash_request()
    client.force_login(hub_user)
    response = client.post(f"/safeguarding/{request.reference}/triage/", {"outcome": "known_crc"})
    assert response.status_code == 200 and "person" in response.context["form"].errors
    request.refresh_from_db()
    assert request.triaged_at is None


def test_only_the_hub_triages(client, offender_manager):
    request = mash_request()
    client.force_login(offender_manager)
    assert client.get(f"/safeguarding/{request.reference}/triage/").status_code == 403


def test_the_triage_search_keeps_the_subjects_date_of_birth_in_a_form_the_date_box_accepts(client, hub_user):
    from datetime import date

    request = mash_request(subject_date_of_birth=date(1981, 4, 12))
    client.force_login(hub_user)
    page = client.get(f"/safeguarding/{request.reference}/triage/").content.decode()
    assert 'value="1981-04-12"' in page and "12/04/1981" not in page.split('data-testid="search-form"')[1].split("</form>")[0]
    again = client.get(f"/safeguarding/{request.reference}/triage/", {"text": "Daniel Okafor", "date_of_birth": "1981-04-12"})
    assert again.context["search"].cleaned_data["date_of_birth"] == date(1981, 4, 12)
    assert 'value="1981-04-12"' in again.content.decode()


def test_recently_answered_requests_show_when_they_were_answered_not_a_running_clock(client, hub_user):
    person = AllocatedPersonFactory()
    request = mash_request(received_at=timezone.now() - timedelta(days=9))
    request_assign(request=request, assignee=person.offender_manager, by=hub_user)
    request_respond(request=request, by=person.offender_manager, **ANSWER)
    client.force_login(person.offender_manager)
    page = client.get("/safeguarding/mine/").content.decode()
    answered = page.split("Recently answered")[1]
    assert request.reference in answered
    assert "data-deadline" not in answered and "Answered " in answered and "Late" in answered


def test_staff_with_the_same_name_are_told_apart_by_their_team_in_the_assign_dropdown(client, hub_user):
    from tests.cases.factories import TeamFactory
    from tests.probation.factories import TeamManagerFactory

    for cohort_team in ("Camden women", "Camden young adult men"):
        manager = TeamManagerFactory(first_name="Team", last_name="Manager Camden")
        TeamFactory(name=cohort_team, manager=manager)
    request = mash_request()
    client.force_login(hub_user)
    page = client.get(f"/safeguarding/{request.reference}/").content.decode()
    assert "Team Manager Camden (Camden women)" in page and "Team Manager Camden (Camden young adult men)" in page
