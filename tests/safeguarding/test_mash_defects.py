"""MASH defects an integrator found (issue #13): refusals on the timeline, triage of NPS cases, today's overdue
figure, free-text limits in the forms."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguarding.models import MatchOutcome, RequestEvent
from safeguarding.selectors import compliance
from safeguarding.services import request_respond, request_triage, request_withdraw
from tests.cases.factories import AllocatedPersonFactory
from tests.safeguarding.factories import mash_request
from tests.safeguarding.test_triage_and_response import ANSWER

pytestmark = pytest.mark.django_db


def test_a_hub_response_to_a_withdrawn_request_is_refused_and_shown_on_the_timeline(client, hub_user):
    request = mash_request()
    request_withdraw(request=request, by=hub_user, reason="Partner withdrew")
    client.force_login(hub_user)
    response = client.post(f"/safeguarding/{request.reference}/respond/", ANSWER, follow=True)
    assert "closed" in response.content.decode()
    event = RequestEvent.objects.get(request=request, kind="refused")
    assert (event.by, event.detail) == (hub_user, {"action": "respond", "why": "withdrawn"})
    page = client.get(f"/safeguarding/{request.reference}/").content.decode()
    assert "Change refused" in page and "Refused: respond (the request had been withdrawn)" in page


def test_known_to_the_crc_is_refused_for_a_person_the_nps_supervises(hub_user):
    person = AllocatedPersonFactory(provider="nps")
    request = mash_request()
    with pytest.raises(ValidationError) as exc:
        request_triage(request=request, outcome=MatchOutcome.KNOWN_CRC, person=person, by=hub_user)
    assert "NPS" in exc.value.message_dict["outcome"][0]
    request.refresh_from_db()
    assert request.triaged_at is None and request.assignee is None
    triaged = request_triage(request=request, outcome=MatchOutcome.NPS, person=person, by=hub_user)
    assert triaged.match_outcome == MatchOutcome.NPS


def test_todays_compliance_counts_overdue_only_past_due_at_now(hub_user):
    now = timezone.now()
    later_today = mash_request(rating="red", received_at=now - timedelta(hours=4) + timedelta(minutes=2))
    assert later_today.due_at > now
    past = mash_request(rating="red", received_at=now - timedelta(hours=4, minutes=30))
    assert past.due_at < now
    total = compliance().total
    assert (total.overdue, total.pending) == (1, 1)


def test_the_hub_response_form_refuses_text_over_its_limit(client, hub_user):
    request = mash_request()
    client.force_login(hub_user)
    response = client.post(f"/safeguarding/{request.reference}/respond/", {**ANSWER, "professional_view": "x" * 4001})
    assert response.status_code == 200
    assert "at most 4000 characters" in response.content.decode()
    request.refresh_from_db()
    assert request.responded_at is None


def test_the_keyed_in_request_form_refuses_a_reason_over_its_limit(client, hub_user):
    from safeguarding.forms import IntakeForm

    form = IntakeForm(data={"reason": "x" * 4001})
    assert not form.is_valid()
    assert "at most 4000 characters" in form.errors["reason"][0]
