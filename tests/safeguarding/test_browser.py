"""Real Chromium journeys: the hub triages a request to the offender manager, who answers it."""

import pytest

from safeguarding.models import Rag, SafeguardingRequest, State
from tests.cases.factories import AllocatedPersonFactory
from tests.safeguarding.factories import mash_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_hub_triages_to_the_offender_manager_who_answers(page, live_server, sign_in, hub_user, browser):
    person = AllocatedPersonFactory(first_name="Daniel", last_name="Okafor")
    officer = person.offender_manager
    request = mash_request(rating=Rag.GREEN, subject_first_name="Daniel", subject_last_name="Okafor",
                           subject_date_of_birth=person.date_of_birth)

    sign_in(page, hub_user)
    page.goto(f"{live_server.url}/safeguarding/")
    row = page.locator(f"tr[data-reference='{request.reference}']")
    row.wait_for()
    # The live countdown has replaced the server's text.
    assert "left" in row.locator("[data-deadline]").inner_text()
    page.screenshot(path="test-results/safeguarding-hub-queue.png", full_page=True)
    row.get_by_role("link", name=request.reference).click()

    # Raise the rating with a rationale: the deadline is recomputed from receipt.
    page.select_option("#id_rating", "red")
    page.fill("#id_rationale", "Children live at the address")
    page.get_by_role("button", name="Change rating").click()
    page.get_by_text("the deadline has been recomputed").wait_for()
    assert page.get_by_test_id("rag").first.inner_text() == "Red"

    page.get_by_role("link", name="Triage").click()
    candidates = page.get_by_test_id("candidates")
    candidates.get_by_role("cell", name=str(person), exact=True).wait_for()
    page.check(f"#person-{person.pk}")
    page.check("#outcome-known_crc")
    page.get_by_role("button", name="Record outcome").click()
    page.get_by_text("Triage recorded.").wait_for()
    assert page.get_by_test_id("assignee").inner_text() == str(officer)
    assert "Assigned" in page.get_by_test_id("timeline").inner_text()

    # The offender manager, in their own browser session, answers from "My MASH requests".
    officer_context = browser.new_context()
    officer_page = officer_context.new_page()
    officer_page.set_default_timeout(15000)
    try:
        sign_in(officer_page, officer)
        officer_page.goto(f"{live_server.url}/safeguarding/mine/")
        officer_page.get_by_role("link", name=request.reference).click()
        officer_page.get_by_test_id("respond-link").click()
        form = officer_page.get_by_test_id("response-form")
        form.get_by_role("button", name="Send response").click()  # empty: errors, nothing saved
        officer_page.locator(".govuk-error-summary").wait_for()
        officer_page.select_option("#id_supervision_status", "current_crc")
        officer_page.select_option("#id_risk_level", "medium")
        officer_page.select_option("#id_engagement", "good")
        officer_page.fill("#id_conditions", "Unpaid work 120 hours")
        officer_page.fill("#id_contact_with_named", "No known contact with the named child")
        officer_page.fill("#id_professional_view", "No current concerns; will share any change")
        form.get_by_role("button", name="Send response").click()
        officer_page.get_by_text("Response recorded").wait_for()
        assert officer_page.get_by_test_id("state").inner_text() == "Responded"
        assert "No current concerns" in officer_page.get_by_test_id("response").inner_text()
    finally:
        officer_context.close()

    request.refresh_from_db()
    assert request.state == State.RESPONDED and request.responded_by == officer


def test_the_hub_keys_in_a_secure_email_request_and_gets_a_reference(page, live_server, sign_in, hub_user):
    from tests.partners.factories import OrganisationFactory

    organisation = OrganisationFactory(name="Camden MASH")
    sign_in(page, hub_user)
    page.goto(f"{live_server.url}/safeguarding/new/")
    page.select_option("#id_organisation", str(organisation.pk))
    page.fill("#id_received_date", "2026-01-05")
    page.fill("#id_received_time", "09:30")
    page.select_option("#id_rating", "amber")
    page.fill("#id_reason", "Strategy discussion")
    page.fill("#id_subject_first_name", "Lee")
    page.fill("#id_subject_last_name", "Grant")
    page.fill("#id_requester_name", "PC Jones")
    page.fill("#id_requester_email", "jones@met.example")
    page.fill("#id_concerned-0-name", "Mia Grant")
    page.select_option("#id_concerned-0-age_group", "child")
    page.get_by_role("button", name="Record request").click()
    page.get_by_text("Request recorded. Reference MASH-2026-").wait_for()
    request = SafeguardingRequest.objects.get()
    assert page.get_by_test_id("reference").inner_text().startswith(request.reference)
    # The success banner spans the page, so the reference the hub reads out is one line, not one word a line.
    banner = page.get_by_test_id("message")
    box = banner.bounding_box()
    assert box["width"] > 600 and box["height"] < 150, box
    assert "GDS Transport" in banner.evaluate("el => getComputedStyle(el).fontFamily")
    page.screenshot(path="test-results/safeguarding-recorded-banner.png", full_page=True)


def test_the_assignee_sees_information_a_partner_added_and_a_refused_change(page, live_server, sign_in, hub_user):
    from safeguarding.services import ConcernedInput, request_add_information, request_assign, request_refusal_record
    from tests.partners.factories import PartnerMembershipFactory
    from tests.probation.factories import OffenderManagerFactory

    membership = PartnerMembershipFactory()
    officer = OffenderManagerFactory()
    request = mash_request(organisation=membership.organisation)
    request_assign(request=request, assignee=officer, by=hub_user)
    request_add_information(request=request, by=membership.user, note="The mother has moved to Hackney.",
                            person=ConcernedInput(age_group="child", name="Kofi Lewis", relationship="Son"))
    request_refusal_record(request=request, action="change_rating", by=hub_user, why="not allowed")

    sign_in(page, officer)
    page.goto(f"{live_server.url}/safeguarding/{request.reference}/")
    page.get_by_text("Information added by the partner").first.wait_for()
    assert "The mother has moved to Hackney." in page.content()
    timeline = page.get_by_test_id("timeline").inner_text()
    assert "A named person was added" in timeline and "Refused: change the rating" in timeline
    page.screenshot(path="test-results/mash-information-and-refusal.png", full_page=True)
