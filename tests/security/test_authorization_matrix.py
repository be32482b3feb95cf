"""One table says who may reach every URL of the project: each page and API endpoint, for every role. A URL that
is added without a row here fails `test_every_url_has_a_row`, so access is decided, not inherited by accident.

"allow" means the persona gets the page or the API answer (2xx, a redirect within the service, a 400 for an empty
form, or 405 for a GET on a POST-only action); "deny" means 401, 403 or 404, or (for an anonymous visitor) the
sign-in page. Object URLs point at records owned by partner A and at a case on the offender manager's own caseload,
so partner B must be denied what partner A is allowed.
"""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from partners.services import api_token_issue
from probation.models import Role
from probation.services import notification_send
from safeguarding.models import MatchOutcome
from safeguarding.services import request_triage
from tests.cases.factories import AllocatedPersonFactory, StaffProfileFactory, TeamFactory
from tests.partners.factories import OrganisationFactory, PartnerMembershipFactory
from tests.probation.factories import UserFactory
from tests.resettlement.factories import partner_action, record_episode
from tests.safeguarding.factories import mash_request

PERSONAS = ["anonymous", "hub", "om", "spo", "hosp", "partner_a", "partner_b", "admin"]
A, D = "allow", "deny"


def row(hub=D, om=D, spo=D, hosp=D, partner_a=D, partner_b=D, admin=D, anonymous=D):
    return {"anonymous": anonymous, "hub": hub, "om": om, "spo": spo, "hosp": hosp, "partner_a": partner_a,
            "partner_b": partner_b, "admin": admin}


STAFF = row(hub=A, om=A, spo=A, hosp=A, admin=A)
EVERYONE_SIGNED_IN = row(hub=A, om=A, spo=A, hosp=A, partner_a=A, partner_b=A, admin=A)
PUBLIC = row(hub=A, om=A, spo=A, hosp=A, partner_a=A, partner_b=A, admin=A, anonymous=A)
PARTNER_A_ONLY = row(partner_a=A)
PARTNERS = row(partner_a=A, partner_b=A)

# url name -> (method, who may)
MATRIX = {
    "home": ("get", EVERYONE_SIGNED_IN),
    "healthz": ("get", PUBLIC),
    "login": ("get", PUBLIC),
    "logout": ("post", PUBLIC),  # always answers with the sign-in page
    "two_factor": ("get", EVERYONE_SIGNED_IN),
    "recovery_codes_renew": ("post", EVERYONE_SIGNED_IN),
    "password_change": ("get", EVERYONE_SIGNED_IN),
    "keep_alive": ("post", EVERYONE_SIGNED_IN),
    "notifications": ("get", EVERYONE_SIGNED_IN),
    "notification_read_all": ("post", EVERYONE_SIGNED_IN),
    "notification_read": ("post", row(hub=A)),  # the hub worker's own notification
    # cases
    # HOSPs work with partnerships and aggregate reports, not individual cases; the hub has no caseload of its own.
    "cases:caseload": ("get", row(om=A, spo=A, admin=A)),
    "cases:search": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "cases:person_new": ("get", row(hub=A, admin=A)),  # the hub keys in cases the NPS allocates to us
    "cases:unallocated": ("get", row(hub=A, spo=A, admin=A)),
    # The hub allocates, so it sees every team's capacity (issue #11).
    "cases:team_workload": ("get", row(hub=A, spo=A, admin=A)),
    "cases:absence_new": ("get", row(spo=A, admin=A)),
    "cases:caseload_reallocate": ("get", row(hub=A, spo=A, admin=A)),  # the officer's own SPO, not the officer
    "cases:allocation_figures": ("get", row(hub=A, spo=A, admin=A)),
    "cases:transfer_decide": ("get", row(spo=A, admin=A)),  # the SPOs of the two teams
    "cases:case_reallocate": ("get", row(hub=A, spo=A, admin=A)),
    "cases:case_transfer": ("get", row(hub=A, spo=A, admin=A)),
    # The case's offender manager and their SPO keep the sentence plan and record the order's end.
    "cases:sentence_plan": ("get", row(om=A, spo=A, admin=A)),
    "cases:order_end": ("get", row(om=A, spo=A, admin=A)),
    "cases:case_detail": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "cases:case_allocate": ("get", row(hub=A, spo=A, admin=A)),
    "cases:case_cohort": ("get", row(hub=A, spo=A, admin=A)),  # a manager's choice of cohort
    # partners
    "partners:directory": ("get", STAFF),
    "partners:organisation": ("get", STAFF),
    "partners:hosp_area": ("get", STAFF),
    "partners:report_index": ("get", row(hub=A, hosp=A, admin=A)),
    "partners:borough_report": ("get", row(hub=A, hosp=A, admin=A)),
    "partners:borough_report_csv": ("get", row(hub=A, hosp=A, admin=A)),
    "partners:borough_report_pdf": ("get", row(hub=A, hosp=A, admin=A)),
    # safeguarding (MASH)
    "safeguarding:queue": ("get", row(hub=A, admin=A)),
    "safeguarding:new": ("get", row(hub=A, admin=A)),
    "safeguarding:mine": ("get", row(om=A, spo=A, admin=A)),
    "safeguarding:team": ("get", row(spo=A, admin=A)),
    "safeguarding:compliance": ("get", row(hub=A, spo=A, hosp=A, admin=A)),
    "safeguarding:detail": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "safeguarding:triage": ("get", row(hub=A, admin=A)),
    "safeguarding:rating": ("post", row(hub=A, admin=A)),
    "safeguarding:assign": ("post", row(hub=A, spo=A, admin=A)),
    "safeguarding:respond": ("get", row(hub=A, om=A, admin=A)),
    "safeguarding:withdraw": ("post", row(hub=A, admin=A)),
    "safeguarding:close": ("post", row(hub=A, admin=A)),
    # resettlement (Through the Gate)
    "resettlement:caseload": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "resettlement:episode_new": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "resettlement:plan_lookup": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "resettlement:plan": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "resettlement:bcst1": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "resettlement:bcst2": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "resettlement:need": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "resettlement:action_new": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "resettlement:review": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "resettlement:transfer": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "resettlement:release_date": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "resettlement:release": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "resettlement:action_update": ("get", row(hub=A, om=A, spo=A, admin=A, partner_a=A)),
    # HOSPs see the pre-release dashboard and programme completion for their partnership work.
    "resettlement:pre_release": ("get", row(hub=A, om=A, spo=A, hosp=A, admin=A)),
    "resettlement:partner_actions": ("get", row(partner_a=A, partner_b=A, admin=A)),
    "resettlement:programmes": ("get", row(hub=A, om=A, spo=A, hosp=A, admin=A)),
    "resettlement:enrolment_new": ("get", row(hub=A, om=A, spo=A, admin=A)),
    # HOSPs see completion rates (the programmes page), not who is enrolled.
    "resettlement:programme": ("get", row(hub=A, om=A, spo=A, admin=A)),
    "resettlement:enrolment": ("get", row(hub=A, om=A, spo=A, admin=A)),
    # supervision: the case's officers and their SPO; the hub sees the case page but not supervision; admin reads
    "supervision:my_day": ("get", row(om=A, spo=A, admin=A)),
    "supervision:team": ("get", row(spo=A, admin=A)),
    "supervision:book": ("get", row(om=A, spo=A, admin=A)),
    "supervision:reminders": ("get", row(om=A, spo=A, admin=A)),
    "supervision:move": ("get", row(om=A, spo=A, admin=A)),
    "supervision:cancel": ("get", row(om=A, spo=A, admin=A)),
    "supervision:outcome": ("get", row(om=A, spo=A, admin=A)),
    "supervision:evidence": ("get", row(om=A, spo=A, admin=A)),
    "supervision:appointment_letter": ("post", row(om=A, spo=A, admin=A)),
    "supervision:judge": ("get", row(om=A, spo=A, admin=A)),  # the case's officers (and a superuser)
    "supervision:enforcement": ("get", row(om=A, spo=A, admin=A)),
    "supervision:letter": ("get", row(om=A, spo=A, admin=A)),
    # interventions: unpaid work pages for officers and SPOs; a session's attendance for its supervisor and SPOs;
    # a person's bookings and budget for the case's officers (and a superuser)
    "interventions:unpaid_work_index": ("get", row(om=A, spo=A, admin=A)),
    "interventions:unpaid_work_borough": ("get", row(om=A, spo=A, admin=A)),
    "interventions:session": ("get", row(om=A, spo=A, admin=A)),
    "interventions:session_roster": ("get", row(om=A, spo=A, admin=A)),
    "interventions:book": ("get", row(om=A, spo=A, admin=A)),
    "interventions:budget_statement": ("get", row(om=A, spo=A, admin=A)),
    "interventions:budget_new": ("get", row(om=A, spo=A, admin=A)),
    "interventions:budget_spend": ("get", row(om=A, spo=A, admin=A)),
    # programmes: waiting lists and groups for officers and SPOs; completion rates (no names) also for HOSPs
    "interventions:waiting_list": ("get", row(om=A, spo=A, admin=A)),
    "interventions:group": ("get", row(om=A, spo=A, admin=A)),
    "interventions:group_session": ("get", row(om=A, spo=A, admin=A)),  # om facilitates the group
    "interventions:programme_rates": ("get", row(om=A, spo=A, hosp=A, admin=A)),
    "interventions:referral_new": ("get", row(om=A, spo=A, admin=A)),
    "interventions:referral": ("get", row(om=A, spo=A, admin=A)),
    "interventions:womens_hub": ("get", row(om=A, spo=A, admin=A)),
    # partner REST API (token credentials for partners; staff have no API credentials)
    "cases-api:iom-nominals": ("get", PARTNER_A_ONLY),  # partner A may track IOM; partner B may not
    "partners-api:me": ("get", PARTNERS),
    "partners-api:organisation-list": ("get", PARTNERS),
    "partners-api:organisation-detail": ("get", PARTNER_A_ONLY),
    "safeguarding-api:request-list": ("get", PARTNERS),
    "safeguarding-api:request-detail": ("get", PARTNER_A_ONLY),
    "safeguarding-api:request-withdraw": ("post", PARTNER_A_ONLY),
    "safeguarding-api:request-information": ("post", PARTNER_A_ONLY),
    "resettlement-api:action-list": ("get", PARTNERS),
    "resettlement-api:action-detail": ("get", PARTNER_A_ONLY),
    "supervision-api:appointment-list": ("get", PARTNERS),
    "supervision-api:appointment-detail": ("get", PARTNER_A_ONLY),  # partner A runs it
    "supervision-api:appointment-outcome": ("post", PARTNER_A_ONLY),  # A: 400 for the empty body; B: 404
    "supervision-api:aamr-reading-create": ("post", PARTNERS),  # 400 for the empty body
    "interventions-api:booking-list": ("get", PARTNERS),
    "interventions-api:booking-attendance": ("post", PARTNER_A_ONLY),  # A runs the project: 400 for the empty body
    "interventions-api:programme-place-list": ("get", PARTNERS),
    "interventions-api:programme-place-attendance": ("post", PARTNER_A_ONLY),  # A delivers the group: 400 (empty body)
    "api-schema": ("get", PUBLIC),
    "api-docs": ("get", PUBLIC),
}


def all_url_names():
    names = []

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                if inner.startswith("admin:"):
                    continue  # Django admin: administrators only, checked by admin's own permission tests
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                names.append(namespace + (pattern.name or pattern.pattern.describe()))

    walk(get_resolver().url_patterns)
    return names


def test_every_url_has_a_row():
    missing = sorted(set(all_url_names()) - set(MATRIX))
    assert not missing, f"decide who may reach these URLs, in MATRIX: {missing}"
    stale = sorted(set(MATRIX) - set(all_url_names()))
    assert not stale, f"MATRIX rows for URLs that no longer exist: {stale}"


@pytest.fixture
def world(db):
    """One of everything, owned so that each persona has a reason to be allowed or denied."""
    team_manager = UserFactory(role=Role.TEAM_MANAGER)
    team = TeamFactory(manager=team_manager)
    om = StaffProfileFactory(team=team).user
    person = AllocatedPersonFactory(team=team, offender_manager=om)
    from tests.cases.factories import SentenceFactory

    sentence = SentenceFactory(person=person)
    hub = UserFactory(role=Role.HUB)
    from cases.services import transfer_request

    transfer = transfer_request(person=AllocatedPersonFactory(team=team), to_team=TeamFactory(), by=hub,
                                reason="Moving borough")
    org_a = OrganisationFactory(kind="supply_chain", borough_codes=["camden"])
    org_b = OrganisationFactory(kind="mash", borough_codes=["camden"])
    partner_a = PartnerMembershipFactory(organisation=org_a, can_track_iom=True).user
    partner_b = PartnerMembershipFactory(organisation=org_b, can_track_iom=False).user
    request = mash_request(organisation=org_a)
    request_triage(request=request, outcome=MatchOutcome.KNOWN_CRC, person=person, by=hub)
    episode = record_episode(person=person, ttg_worker=om, by=om)
    action = partner_action(episode=episode, organisation=org_a, by=om)
    from interventions.models import Programme
    from resettlement.services import enrolment_create

    programme = Programme.objects.get(code="getting-it-right")
    enrolment = enrolment_create(programme=programme, person=person, setting="community",
                                 starts_on=timezone.localdate(), by=om)
    from partners.models import HospArea

    area = HospArea.objects.get(name="North West London")
    hosp = UserFactory(role=Role.HOSP)
    area.hosp = hosp
    area.save()
    notification = notification_send(recipient=hub, key="matrix", subject="Test", body="Test") and hub.notifications.get()
    users = {"hub": hub, "om": om, "spo": team_manager, "hosp": hosp, "partner_a": partner_a,
             "partner_b": partner_b, "admin": UserFactory(role=Role.ADMIN, is_superuser=True)}
    month = f"{(timezone.localdate().replace(day=1) - datetime.timedelta(days=1)):%Y-%m}"
    kwargs = {
        "notification_read": {"pk": notification.pk},
        "cases:case_detail": {"crn": person.crn},
        "cases:case_allocate": {"crn": person.crn},
        "cases:case_reallocate": {"crn": person.crn},
        "cases:case_transfer": {"crn": person.crn},
        "cases:caseload_reallocate": {"user_id": om.pk},
        "cases:transfer_decide": {"pk": transfer.pk},
        "cases:sentence_plan": {"crn": person.crn, "pk": sentence.pk},
        "cases:order_end": {"crn": person.crn, "pk": sentence.pk},
        "cases:case_cohort": {"crn": person.crn},
        "partners:organisation": {"pk": org_a.pk},
        "partners:hosp_area": {"pk": area.pk},
        "partners:borough_report": {"code": "camden", "month": month},
        "partners:borough_report_csv": {"code": "camden", "month": month},
        "partners:borough_report_pdf": {"code": "camden", "month": month},
        "resettlement:need": {"pk": episode.pk, "pathway": "accommodation"},
        "resettlement:action_update": {"pk": action.pk},
        "resettlement:programme": {"code": programme.code},
        "resettlement:enrolment": {"pk": enrolment.pk},
        "partners-api:organisation-detail": {"pk": org_a.pk},
        "resettlement-api:action-detail": {"pk": action.pk},
    }
    from supervision import services as supervision
    from supervision.models import Outcome
    from tests.cases.factories import SentenceFactory

    today = timezone.localdate()
    SentenceFactory(person=person, sentence_date=today - datetime.timedelta(days=60),
                    offence_date=today - datetime.timedelta(days=90), length_months=12)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    run_by_a = supervision.appointment_book(booking=supervision.Booking(
        person=person, type="partner", place="hub", starts_at=yesterday, ends_at=yesterday + datetime.timedelta(hours=1),
        partner_organisation=org_a), by=om, allow_clash=True)
    missed = supervision.appointment_book(booking=supervision.Booking(
        person=person, type="supervision", place="office", starts_at=yesterday - datetime.timedelta(hours=3),
        ends_at=yesterday - datetime.timedelta(hours=2), officer=om), by=om, allow_clash=True)
    supervision.appointment_record_outcome(appointment=missed, outcome=Outcome.UNACCEPTABLE_ABSENCE, by=om)
    enforcement = missed.failure.enforcement
    letter = supervision.letter_for_appointment(appointment=run_by_a, by=om)
    kwargs["supervision:book"] = {"crn": person.crn}
    kwargs["supervision:reminders"] = {"crn": person.crn}
    for name in ["supervision:move", "supervision:cancel", "supervision:outcome", "supervision:evidence",
                 "supervision:appointment_letter", "supervision-api:appointment-detail",
                 "supervision-api:appointment-outcome"]:
        kwargs[name] = {"pk": run_by_a.pk}
    kwargs["supervision:judge"] = {"pk": enforcement.failure_id}
    kwargs["supervision:enforcement"] = {"pk": enforcement.pk}
    kwargs["supervision:letter"] = {"pk": letter.pk}
    from cases.models import Requirement
    from interventions import services as interventions
    from interventions.models import Project
    from partners.models import Borough
    from tests.cases.factories import RequirementFactory

    sentence = person.sentences.get(sentence_date=today - datetime.timedelta(days=60))  # the order running today
    RequirementFactory(sentence=sentence, kind=Requirement.Kind.UNPAID_WORK, rar_days=None, hours=60,
                       start_date=sentence.sentence_date, end_date=sentence.end_date)
    project = Project.objects.create(name="Park clearance", partner=org_a, borough=Borough.objects.get(code="camden"),
                                     address="Regent's Park", capacity=6, supervisor=om)
    upw_session = interventions.session_create(project=project, day=today - datetime.timedelta(days=2))
    upw_booking = interventions.session_book(session=upw_session, person=person, by=om,
                                             now=upw_session.starts_at - datetime.timedelta(days=1))
    woman = AllocatedPersonFactory(team=team, offender_manager=om, gender="female")
    budget = interventions.budget_create(person=woman, amount=100, starts_on=today, ends_on=today, by=team_manager)
    kwargs["interventions:unpaid_work_borough"] = {"code": "camden"}
    kwargs["interventions:session"] = kwargs["interventions:session_roster"] = {"pk": upw_session.pk}
    kwargs["interventions:book"] = {"crn": person.crn}
    kwargs["interventions:budget_statement"] = kwargs["interventions:budget_new"] = {"crn": woman.crn}
    kwargs["interventions:budget_spend"] = {"pk": budget.pk}
    kwargs["interventions-api:booking-attendance"] = {"pk": upw_booking.pk}
    from interventions.models import Programme

    programme = Programme.objects.get(code="thinking-skills-programme")
    programme_group = interventions.group_create(programme=programme, borough=Borough.objects.get(code="camden"),
                                                 start_date=today, facilitators=[om], by=om, partner=org_a)
    programme_requirement = RequirementFactory(sentence=sentence, kind=Requirement.Kind.ACCREDITED_PROGRAMME,
                                               rar_days=None, start_date=sentence.sentence_date,
                                               end_date=sentence.end_date)
    referral = interventions.referral_create(person=person, programme=programme, by=om, reason="Matrix",
                                             override_reason="Matrix", requirement=programme_requirement)
    for status in ("assessed", "waiting", "allocated"):
        referral = interventions.referral_move(referral=referral, to=status, by=om, reason="Matrix",
                                               group=programme_group)
    interventions.group_places_book(group=programme_group, by=om)
    kwargs["interventions-api:programme-place-attendance"] = {
        "pk": programme_group.sessions.filter(places__isnull=False).first().places.get().pk}
    kwargs["interventions:waiting_list"] = {"code": "camden"}
    kwargs["interventions:group"] = {"pk": programme_group.pk}
    kwargs["interventions:group_session"] = {"pk": programme_group.sessions.first().pk}
    kwargs["interventions:referral_new"] = {"crn": person.crn}
    kwargs["interventions:referral"] = {"pk": referral.pk}
    from interventions.models import WomensHub

    hub = WomensHub.objects.create(name="Sutton Women's Centre", organisation=org_a, address="Sutton",
                                   borough=Borough.objects.get(code="sutton"))
    kwargs["interventions:womens_hub"] = {"pk": hub.pk}
    for name in ["safeguarding:detail", "safeguarding:triage", "safeguarding:rating", "safeguarding:assign",
                 "safeguarding:respond", "safeguarding:withdraw", "safeguarding:close", "safeguarding-api:request-detail",
                 "safeguarding-api:request-withdraw", "safeguarding-api:request-information"]:
        kwargs[name] = {"reference": request.reference}
    for name in ["resettlement:plan", "resettlement:bcst1", "resettlement:bcst2", "resettlement:action_new",
                 "resettlement:review", "resettlement:transfer", "resettlement:release_date", "resettlement:release"]:
        kwargs[name] = {"pk": episode.pk}
    return {"users": users, "kwargs": kwargs}


def _client_for(persona, user):
    from rest_framework.test import APIClient

    from tests.conftest import SignedInClient

    if persona.startswith("partner"):
        client = APIClient()
        _, key = api_token_issue(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        # Partners also sign in to the web pages meant for them (their resettlement actions).
        signed_in = SignedInClient()
        signed_in.force_login(user)
        client.cookies = signed_in.cookies
        return client
    client = SignedInClient()
    if user is not None:
        client.force_login(user)
    return client


def _outcome(persona, response) -> str:
    status = response.status_code
    if status in (401, 403, 404):
        return D
    if status in (301, 302, 303):
        location = response["Location"]
        if response.request["PATH_INFO"].startswith("/sign-out/"):
            return A  # signing out always lands on the sign-in page
        if persona == "anonymous" and ("/sign-in/" in location or "/admin/login/" in location):
            return D
        if "/sign-in/" in location and persona != "anonymous" and not response.request["PATH_INFO"].startswith("/sign-out/"):
            return D  # signed out by the request itself is not a grant
        return A
    if status in (200, 201, 204, 400, 405):
        return A
    raise AssertionError(f"unexpected status {status} for {persona}")


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_is_allowed_or_denied_as_the_matrix_says(world, name):
    method, expected = MATRIX[name]
    url = reverse(name, kwargs=world["kwargs"].get(name))
    # Personas expected to be denied go first, so an allowed action (a withdrawal, a sign-out) cannot change what
    # they would have seen.
    order = sorted(PERSONAS, key=lambda persona: expected[persona] == A)
    mismatches = []
    for persona in order:
        client = _client_for(persona, world["users"].get(persona))
        response = getattr(client, method)(url)
        got = _outcome(persona, response)
        if got != expected[persona]:
            mismatches.append(f"{persona}: {method.upper()} {url} -> {response.status_code}, expected {expected[persona]}")
    assert not mismatches, "\n".join(mismatches)


def test_offender_managers_and_team_managers_of_another_team_are_denied_the_case_and_its_request(world):
    """Object-level: the same role, but not this case's team, sees nothing of it."""
    other_team = TeamFactory()
    other_om = StaffProfileFactory(team=other_team).user
    crn = world["kwargs"]["cases:case_detail"]["crn"]
    reference = world["kwargs"]["safeguarding:detail"]["reference"]
    for user in (other_om, other_team.manager):
        client = _client_for("other", user)
        assert client.get(reverse("cases:case_detail", kwargs={"crn": crn})).status_code in (403, 404)
        assert client.get(reverse("safeguarding:detail", kwargs={"reference": reference})).status_code in (403, 404)
        assert client.get(reverse("safeguarding:respond", kwargs={"reference": reference})).status_code in (403, 404)


def test_a_partner_never_learns_whether_another_organisations_record_exists(world):
    """Partner B asking for partner A's request gets the same 404 as for a reference that does not exist."""
    client = _client_for("partner_b", world["users"]["partner_b"])
    real = client.get(reverse("safeguarding-api:request-detail", kwargs=world["kwargs"]["safeguarding-api:request-detail"]))
    made_up = client.get(reverse("safeguarding-api:request-detail", kwargs={"reference": "MASH-2026-999999"}))
    assert real.status_code == made_up.status_code == 404
    assert real.json() == made_up.json()
