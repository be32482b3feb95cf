import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from partners.models import Organisation
from probation.models import AuditEvent
from resettlement import services
from interventions.models import Programme
from resettlement.models import CustodyEpisode, NeedStatus, Pathway, PlanAction
from tests.cases.factories import AllocatedPersonFactory, PersonFactory
from tests.partners.factories import OrganisationFactory
from tests.resettlement.factories import partner_action, partner_member, prison, record_episode, supply_chain_partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def om_client(client, offender_manager):
    client.force_login(offender_manager)
    return client


def test_the_caseload_lists_the_ttg_workers_people_in_custody(om_client, offender_manager):
    mine = record_episode(ttg_worker=offender_manager)
    other = record_episode()
    response = om_client.get(reverse("resettlement:caseload"))
    assert response.status_code == 200
    assert mine.person.crn in response.content.decode()
    assert other.person.crn not in response.content.decode()
    everyone = om_client.get(reverse("resettlement:caseload") + "?scope=all").content.decode()
    assert other.person.crn in everyone


def test_a_partner_cannot_open_staff_pages(client, partner_user):
    episode = record_episode()
    client.force_login(partner_user)
    assert client.get(reverse("resettlement:caseload")).status_code == 403
    assert client.get(reverse("resettlement:plan", args=[episode.pk])).status_code == 403


def _due_for_release_in_eight_weeks():
    return record_episode(prison_code="PVI", release=timezone.localdate() + datetime.timedelta(weeks=8),
                          reception_at=timezone.now() - datetime.timedelta(days=300))


def test_a_hosp_sees_pre_release_figures_but_no_named_people_and_no_plans(client, hosp_user):
    episode = _due_for_release_in_eight_weeks()
    client.force_login(hosp_user)
    response = client.get(reverse("resettlement:pre_release"))
    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["picture"].due or response.context["picture"].late  # the person is counted ...
    # The page's own content (the header names the signed-in HOSP, whose random surname may match the person's).
    content = page.split("<main", 1)[1].split("</main>", 1)[0]
    for detail in (episode.person.crn, episode.person.last_name, episode.person.first_name, episode.current_prison.name):
        assert detail not in content  # ... but never named
    assert 'data-testid="count-accommodation-unsettled">1<' in page
    assert not AuditEvent.objects.filter(action="view", actor=hosp_user).exists()  # nothing about a person shown
    assert client.get(reverse("resettlement:plan", args=[episode.pk])).status_code == 403


def test_staff_see_the_named_people_due_for_release(om_client):
    episode = _due_for_release_in_eight_weeks()
    page = om_client.get(reverse("resettlement:pre_release")).content.decode()
    assert episode.person.crn in page and escape(episode.person.full_name) in page
    assert 'data-testid="accommodation"' in page


def test_every_view_of_a_plan_is_audited(om_client, offender_manager):
    episode = record_episode()
    response = om_client.get(reverse("resettlement:plan", args=[episode.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="view", object_type="resettlement.resettlementplan")
    assert event.actor == offender_manager and event.object_id == str(episode.plan.pk)
    assert episode.person.first_name not in str(event.detail)


def test_recording_a_reception_through_the_page(om_client):
    person = AllocatedPersonFactory()
    response = om_client.post(reverse("resettlement:episode_new"), {
        "crn": person.crn.lower(), "prison": prison("TSI").pk, "custody_type": "sentenced",
        "reception_at": (timezone.localtime() - datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "sentence_length_months": "8", "expected_release_date": "",
    })
    episode = CustodyEpisode.objects.get(person=person)
    assert response.status_code == 302 and response.url == reverse("resettlement:plan", args=[episode.pk])
    assert episode.screenings.count() == 2 and episode.plan


def test_a_release_date_before_reception_shows_an_error_and_saves_nothing(om_client):
    person = AllocatedPersonFactory()
    response = om_client.post(reverse("resettlement:episode_new"), {
        "crn": person.crn, "prison": prison("TSI").pk, "custody_type": "sentenced",
        "reception_at": "2026-11-02T10:00", "sentence_length_months": "8", "expected_release_date": "2026-10-01",
    })
    assert response.status_code == 400
    assert "The release date cannot be before the reception date." in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert not CustodyEpisode.objects.filter(person=person).exists()


def test_an_unknown_crn_is_a_field_error(om_client):
    response = om_client.post(reverse("resettlement:episode_new"), {"crn": "Z999999"})
    assert response.status_code == 400
    assert "No person on probation has that CRN." in response.content.decode()


def test_finding_a_plan_for_someone_never_in_custody_is_a_clear_error(om_client):
    person = PersonFactory()
    response = om_client.get(reverse("resettlement:plan_lookup"), {"crn": person.crn})
    assert response.status_code == 400
    assert "has no custody episode" in response.content.decode()
    episode = record_episode()
    response = om_client.get(reverse("resettlement:plan_lookup"), {"crn": episode.person.crn})
    assert response.url == reverse("resettlement:plan", args=[episode.pk])


def test_completing_the_bcst2_through_the_page_sets_the_needs(om_client):
    episode = record_episode()
    data = {p: NeedStatus.SUPPORT_NOT_REQUIRED for p in Pathway.values}
    data[Pathway.ACCOMMODATION] = NeedStatus.SUPPORT_REQUIRED
    response = om_client.post(reverse("resettlement:bcst2", args=[episode.pk]), data)
    assert response.status_code == 302
    assert episode.plan.needs.get(pathway=Pathway.ACCOMMODATION).status == NeedStatus.SUPPORT_REQUIRED
    # A second go is refused cleanly.
    response = om_client.post(reverse("resettlement:bcst2", args=[episode.pk]), data)
    assert response.status_code == 400 and "already recorded as complete" in response.content.decode()


def test_an_action_for_an_organisation_that_is_not_a_supply_chain_partner_is_refused(om_client):
    episode = record_episode()
    mash = OrganisationFactory(kind=Organisation.Kind.MASH)
    response = om_client.post(reverse("resettlement:action_new", args=[episode.pk]), {
        "pathway": "accommodation", "description": "Bed", "due_on": timezone.localdate().isoformat(),
        "owner_organisation": mash.pk, "consent": "given",
    })
    assert response.status_code == 400
    assert "is not an active supply-chain partner" in response.content.decode()
    assert not PlanAction.objects.exists()


def test_adding_a_referral_with_a_consent_override(om_client, offender_manager):
    episode = record_episode()
    org = supply_chain_partner("St Mungo's")
    response = om_client.post(reverse("resettlement:action_new", args=[episode.pk]), {
        "pathway": "accommodation", "description": "Bed for release day", "due_on": timezone.localdate().isoformat(),
        "owner_organisation": org.pk, "consent": "overridden", "consent_override_reason": "Lacks capacity today",
    })
    assert response.status_code == 302
    action = PlanAction.objects.get()
    assert action.consent_recorded_by == offender_manager
    page = om_client.get(reverse("resettlement:plan", args=[episode.pk])).content.decode()
    assert "Lacks capacity today" in page and "St Mungo&#x27;s" in page


def test_a_partner_updates_their_action_through_the_page(client):
    org = supply_chain_partner()
    action = partner_action(organisation=org)
    user = partner_member(org)
    client.force_login(user)
    url = reverse("resettlement:action_update", args=[action.pk])
    page = client.get(url).content.decode()
    assert 'value="cancelled"' not in page  # partners cannot cancel
    response = client.post(url, {"status": "done", "outcome": "Hostel place"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done"


def test_a_partner_gets_404_for_another_organisations_action_and_a_crc_action(client):
    user = partner_member()
    client.force_login(user)
    other = partner_action()
    episode = other.plan.episode
    crc = services.action_create(plan=episode.plan, pathway="health", description="GP", due_on=timezone.localdate(),
                                 owner_user=episode.recorded_by, by=episode.recorded_by)
    for action in (other, crc):
        url = reverse("resettlement:action_update", args=[action.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"status": "done", "outcome": "x"}).status_code == 404
        action.refresh_from_db()
        assert action.status == "not_started"


def test_a_partner_posting_a_status_they_may_not_set_gets_a_form_error(client):
    org = supply_chain_partner()
    action = partner_action(organisation=org)
    client.force_login(partner_member(org))
    response = client.post(reverse("resettlement:action_update", args=[action.pk]), {"status": "cancelled"})
    assert response.status_code == 400
    action.refresh_from_db()
    assert action.status == "not_started"


def test_the_partner_list_shows_only_their_organisations_actions_and_audits_each(client):
    org = supply_chain_partner()
    mine = partner_action(organisation=org)
    theirs = partner_action()
    client.force_login(partner_member(org))
    page = client.get(reverse("resettlement:partner_actions")).content.decode()
    assert mine.plan.episode.person.crn in page
    assert theirs.plan.episode.person.crn not in page
    assert AuditEvent.objects.filter(action="view", object_type="resettlement.planaction",
                                     object_id=str(mine.pk)).exists()


def test_a_transfer_and_a_release_through_the_pages(om_client):
    episode = record_episode(prison_code="BAI", reception_at=timezone.now() - datetime.timedelta(days=40))
    today = timezone.localdate().isoformat()
    response = om_client.post(reverse("resettlement:transfer", args=[episode.pk]),
                              {"to_prison": prison("PVI").pk, "transferred_on": today})
    assert response.status_code == 302
    response = om_client.post(reverse("resettlement:release", args=[episode.pk]), {"released_on": "2001-01-01"})
    assert response.status_code == 400 and "cannot be before the reception" in response.content.decode()
    response = om_client.post(reverse("resettlement:release", args=[episode.pk]), {"released_on": today})
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.current_prison.code == "PVI" and episode.released_on == timezone.localdate()


def test_programme_pages_record_attendance_and_show_rates(om_client):
    person = PersonFactory()
    gir = Programme.objects.get(code="getting-it-right")
    starts = timezone.localdate() - datetime.timedelta(weeks=5)
    response = om_client.post(reverse("resettlement:enrolment_new"), {
        "crn": person.crn, "programme": gir.pk, "setting": "community", "starts_on": starts.isoformat(),
    })
    assert response.status_code == 302
    url = response.url
    for module in range(1, 5):
        assert om_client.post(url, {"form": "attendance", "module_number": module, "attended": "yes"}).status_code == 302
    assert om_client.post(url, {"form": "journal", "completed_on": "2001-01-01"}).status_code == 400
    assert om_client.post(url, {"form": "journal", "completed_on": timezone.localdate().isoformat()}).status_code == 302
    assert "Completed" in om_client.get(url).content.decode()
    rates = om_client.get(reverse("resettlement:programmes")).content.decode()
    assert "100%" in rates


def test_landing_panels_for_staff_and_partners(client, offender_manager):
    record_episode(ttg_worker=offender_manager)
    client.force_login(offender_manager)
    assert 'data-testid="ttg-panel"' in client.get("/").content.decode()
    org = supply_chain_partner()
    partner_action(organisation=org)
    client.force_login(partner_member(org))
    page = client.get("/").content.decode()
    assert 'data-testid="ttg-partner-panel"' in page and "1 open" in page


# --- Constant query counts on list pages ------------------------------------------------------------------------


def _fill(n, *, worker, org):
    today = timezone.localdate()
    for i in range(n):
        episode = record_episode(ttg_worker=worker, months=24, prison_code="BAI",
                                 reception_at=timezone.now() - datetime.timedelta(days=300),
                                 release=today + datetime.timedelta(weeks=6 + i % 5))
        partner_action(episode=episode, organisation=org, pathway="accommodation")
        if i % 2:
            services.episode_release(episode=episode, released_on=today, by=worker)


@pytest.mark.parametrize("url_name", ["resettlement:caseload", "resettlement:pre_release"])
def test_staff_list_pages_use_a_constant_number_of_queries(client, offender_manager, django_assert_max_num_queries,
                                                           url_name):
    org = supply_chain_partner()
    client.force_login(offender_manager)
    _fill(2, worker=offender_manager, org=org)
    with django_assert_max_num_queries(20) as small:
        first = client.get(reverse(url_name))
    _fill(12, worker=offender_manager, org=org)
    with django_assert_max_num_queries(len(small.captured_queries)):
        second = client.get(reverse(url_name))
    # Each page shows everyone it should at both sizes: more people, the same number of queries.
    from resettlement.models import CustodyEpisode as Episode

    # (the caseload lists who is still in custody: _fill releases every other person; pre-release lists everyone)
    expected = {"resettlement:caseload": (1, 7), "resettlement:pre_release": (2, 14)}[url_name]
    for response, count in zip((first, second), expected):
        page = response.content.decode()
        shown = [e for e in Episode.objects.all() if e.person.crn in page or escape(e.person.full_name) in page]
        assert response.status_code == 200 and len(shown) == count


def test_the_partner_list_uses_a_constant_number_of_queries(client, django_assert_max_num_queries, offender_manager):
    org = supply_chain_partner()
    client.force_login(partner_member(org))
    _fill(2, worker=offender_manager, org=org)
    with django_assert_max_num_queries(15) as small:
        client.get(reverse("resettlement:partner_actions") + "?status=all")
    _fill(12, worker=offender_manager, org=org)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("resettlement:partner_actions") + "?status=all")
    assert response.content.decode().count("resettlement/actions/") >= 14


def test_the_programme_list_uses_a_constant_number_of_queries(client, offender_manager, django_assert_max_num_queries):
    gir = Programme.objects.get(code="getting-it-right")
    client.force_login(offender_manager)

    def enrol(n):
        for _ in range(n):
            services.enrolment_create(programme=gir, person=PersonFactory(), setting="community",
                                      starts_on=timezone.localdate(), by=offender_manager)

    enrol(2)
    with django_assert_max_num_queries(15) as small:
        client.get(reverse("resettlement:programme", args=[gir.code]))
    enrol(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("resettlement:programme", args=[gir.code]))


def test_every_staff_page_renders_for_an_episode(om_client):
    episode = record_episode(release=timezone.localdate() + datetime.timedelta(weeks=8))
    action = partner_action(episode=episode)
    enrolment = services.enrolment_create(programme=Programme.objects.get(code="getting-it-right"),
                                          person=episode.person, setting="prison", prison=prison("PVI"),
                                          starts_on=timezone.localdate(), by=episode.recorded_by)
    urls = [reverse(name, args=[episode.pk]) for name in (
        "resettlement:plan", "resettlement:bcst1", "resettlement:bcst2", "resettlement:action_new",
        "resettlement:review", "resettlement:transfer", "resettlement:release_date", "resettlement:release",
    )] + [
        reverse("resettlement:need", args=[episode.pk, "accommodation"]),
        reverse("resettlement:action_update", args=[action.pk]),
        reverse("resettlement:episode_new"), reverse("resettlement:plan_lookup"), reverse("resettlement:programmes"),
        reverse("resettlement:programme", args=["getting-it-right"]), reverse("resettlement:enrolment_new"),
        reverse("resettlement:enrolment", args=[enrolment.pk]), reverse("resettlement:pre_release") + "?scope=mine",
        reverse("resettlement:caseload") + f"?prison={episode.current_prison_id}",
    ]
    about_the_person = urls[:10] + [reverse("resettlement:enrolment", args=[enrolment.pk]),
                                     reverse("resettlement:caseload") + f"?prison={episode.current_prison_id}"]
    for url in urls:
        response = om_client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert '<h1 class="govuk-heading' in page, url  # a page, not an empty shell
        if url in about_the_person:
            assert episode.person.crn in page or escape(episode.person.full_name) in page, url
    assert om_client.get(reverse("resettlement:need", args=[episode.pk, "nonsense"])).status_code == 404
    assert om_client.get(reverse("resettlement:plan", args=[999999])).status_code == 404


def test_recording_a_review_and_changing_a_need(om_client):
    episode = record_episode()
    assert om_client.post(reverse("resettlement:review", args=[episode.pk]), {"notes": "On track"}).status_code == 302
    url = reverse("resettlement:need", args=[episode.pk, "health"])
    assert om_client.post(url, {"status": "bogus"}).status_code == 400
    assert om_client.post(url, {"status": "support_required", "notes": "GP registration"}).status_code == 302
    episode.plan.refresh_from_db()
    assert episode.plan.last_reviewed_at is not None
    assert episode.plan.needs.get(pathway="health").status == "support_required"


def test_an_empty_action_form_names_each_missing_field(om_client):
    episode = record_episode()
    page = om_client.post(reverse("resettlement:action_new", args=[episode.pk]), {}).content.decode()
    for message in ("Select the pathway.", "Enter the description.", "Enter the due date."):
        assert message in page
    page = om_client.post(reverse("resettlement:bcst2", args=[episode.pk]), {}).content.decode()
    assert "Choose the need for accommodation." in page


def test_a_hosp_sees_programme_completion_rates_but_not_who_is_enrolled(client, hosp_user, offender_manager):
    gir = Programme.objects.get(code="getting-it-right")
    enrolment = services.enrolment_create(programme=gir, person=PersonFactory(), setting="community",
                                          starts_on=timezone.localdate(), by=offender_manager)
    client.force_login(hosp_user)
    assert client.get(reverse("resettlement:programmes")).status_code == 200
    assert client.get(reverse("resettlement:programme", args=[gir.code])).status_code == 403
    assert client.get(reverse("resettlement:enrolment", args=[enrolment.pk])).status_code == 403


def test_the_action_form_offers_only_supply_chain_partners_grouped_by_pathway(om_client):
    from partners.models import Service

    episode = record_episode()
    mungos = supply_chain_partner("St Mungo's")
    mungos.services.add(Service.objects.get(code="accommodation"))
    novus = supply_chain_partner("Novus")
    novus.services.add(Service.objects.get(code="employment"))
    OrganisationFactory(name="Camden MASH", kind=Organisation.Kind.MASH)
    OrganisationFactory(name="Camden Community Safety Partnership", kind=Organisation.Kind.CSP)
    page = om_client.get(reverse("resettlement:action_new", args=[episode.pk])).content.decode()
    select = page.split('name="owner_organisation"')[1].split("</select>")[0]
    assert "Camden MASH" not in select and "Community Safety Partnership" not in select
    assert '<optgroup label="Accommodation">' in select and "St Mungo" in select.split('label="Accommodation"')[1].split("</optgroup>")[0]
    assert "Novus" in select.split('label="Education, skills and work')[1].split("</optgroup>")[0]
