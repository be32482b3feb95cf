from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Provider
from probation.models import Notification
from safeguarding.models import Assignment, MatchOutcome, RequestEvent, State
from safeguarding.services import request_assign, request_respond, request_triage, request_withdraw, response_email_send
from tests.cases.factories import AllocatedPersonFactory, PersonFactory, StaffProfileFactory
from tests.safeguarding.factories import mash_request

pytestmark = pytest.mark.django_db

ANSWER = {
    "supervision_status": "current_crc",
    "risk_level": "medium",
    "conditions": "Unpaid work 120 hours; Building Better Relationships",
    "engagement": "good",
    "contact_with_named": "No known contact with the named child.",
    "professional_view": "No current concerns; will share any change.",
}


def test_known_to_the_crc_goes_to_the_offender_manager_and_flags_the_person(hub_user):
    person = AllocatedPersonFactory()
    request = mash_request()
    request = request_triage(request=request, outcome=MatchOutcome.KNOWN_CRC, person=person, by=hub_user)
    assert request.assignee == person.offender_manager
    assert request.state == State.ASSIGNED
    assert request.triaged_by == hub_user and request.triaged_at is not None
    person.refresh_from_db()
    assert person.mash_flagged_at is not None
    assert Notification.objects.filter(recipient=person.offender_manager).exists()


def test_an_absent_offender_manager_means_the_team_manager_answers(hub_user):
    person = AllocatedPersonFactory()
    profile = person.offender_manager.staff_profile
    profile.is_available = False
    profile.save()
    request = request_triage(request=mash_request(), outcome=MatchOutcome.KNOWN_CRC, person=person, by=hub_user)
    assert request.assignee == person.team.manager


def test_nps_and_unknown_stay_with_the_hub(hub_user):
    nps_case = PersonFactory(provider=Provider.NPS)
    nps = request_triage(request=mash_request(), outcome=MatchOutcome.NPS, person=nps_case, by=hub_user)
    unknown = request_triage(request=mash_request(), outcome=MatchOutcome.UNKNOWN, person=None, by=hub_user)
    assert nps.assignee is None and nps.state == State.TRIAGED
    assert unknown.assignee is None and unknown.person is None


def test_reassigning_supersedes_and_keeps_history(hub_user):
    person = AllocatedPersonFactory()
    request = request_triage(request=mash_request(), outcome=MatchOutcome.KNOWN_CRC, person=person, by=hub_user)
    first_assigned_at = request.assigned_at
    colleague = StaffProfileFactory(team=person.team).user
    request_assign(request=request, assignee=colleague, by=hub_user, reason="Covering")
    rows = list(Assignment.objects.filter(request=request).order_by("id"))
    assert [r.assignee for r in rows] == [person.offender_manager, colleague]
    assert rows[0].superseded_at is not None and rows[1].superseded_at is None
    request.refresh_from_db()
    assert request.assignee == colleague and request.assigned_at == first_assigned_at
    assert request.events.filter(kind=RequestEvent.Kind.REASSIGNED).exists()


def test_a_response_is_recorded_and_emailed_to_the_requester_once(hub_user):
    request = request_triage(request=mash_request(), outcome=MatchOutcome.UNKNOWN, person=None, by=hub_user)
    request_respond(request=request, by=hub_user, **ANSWER)
    request.refresh_from_db()
    assert request.state == State.RESPONDED and request.responded_by == hub_user
    assert response_email_send(request_id=request.pk) is True
    assert response_email_send(request_id=request.pk) is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sam@camden-mash.example"]
    assert "No current concerns" in mail.outbox[0].body
    assert request.events.filter(kind=RequestEvent.Kind.RESPONSE_SENT).count() == 1


def test_a_failed_response_email_releases_its_claim_for_the_retry(hub_user, settings):
    request = mash_request()
    request_respond(request=request, by=hub_user, **ANSWER)
    settings.EMAIL_BACKEND = "tests.probation.failing_email.FailingBackend"
    with pytest.raises(Exception):
        response_email_send(request_id=request.pk)
    request.refresh_from_db()
    assert request.response_email_claimed_at is None and request.response_emailed_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert response_email_send(request_id=request.pk) is True


def test_a_withdrawn_request_takes_no_response(hub_user, partner_user):
    request = mash_request()
    request_withdraw(request=request, by=partner_user, reason="Family moved out of area")
    with pytest.raises(ValidationError):
        request_respond(request=request, by=hub_user, **ANSWER)
    with pytest.raises(ValidationError):
        request_withdraw(request=request, by=partner_user)
    request.refresh_from_db()
    assert request.state == State.WITHDRAWN and request.responded_at is None


def test_an_incomplete_response_is_refused(hub_user):
    request = mash_request()
    with pytest.raises(ValidationError) as exc:
        request_respond(request=request, by=hub_user, **{**ANSWER, "professional_view": "", "risk_level": "extreme"})
    assert {"professional_view", "risk_level"} <= set(exc.value.message_dict)
    request.refresh_from_db()
    assert request.responded_at is None


def test_the_state_at_a_past_moment_is_derived_from_the_timestamps(hub_user):
    received = timezone.now() - timedelta(hours=2)
    request = mash_request(received_at=received)
    request_respond(request=request, by=hub_user, **ANSWER)
    request.refresh_from_db()
    assert request.state_at(received + timedelta(minutes=1)) == State.RECEIVED
    assert request.state_at(timezone.now()) == State.RESPONDED


def test_the_assignment_notice_says_an_amber_request_and_the_timeline_reads_received_by(client, hub_user):
    from django.urls import reverse

    from safeguarding.models import Rag

    officer = StaffProfileFactory().user
    request = mash_request(rating=Rag.AMBER, received_by=hub_user)
    request_assign(request=request, assignee=officer, by=hub_user, reason="")
    assert Notification.objects.get(recipient=officer).body.startswith("An amber MASH request has been assigned to you.")
    client.force_login(hub_user)
    text = client.get(reverse("safeguarding:detail", args=[request.reference])).content.decode()
    # The title and the byline are inline: without a space between them the page reads "Receivedby".
    assert '</h3><p class="moj-timeline__byline">' not in text and '</h3> <p class="moj-timeline__byline">by ' in text
