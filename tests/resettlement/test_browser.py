import datetime

import pytest
from django.utils import timezone

from resettlement.models import NeedStatus, Pathway, PlanAction
from tests.resettlement.factories import partner_member, record_episode, supply_chain_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_ttg_worker_completes_a_bcst2_and_refers_an_action_that_the_partner_then_closes(
    page, live_server, sign_in, offender_manager, browser
):
    episode = record_episode(ttg_worker=offender_manager, by=offender_manager)
    mungos = supply_chain_partner("St Mungo's")
    caseworker = partner_member(mungos)

    sign_in(page, offender_manager)
    page.click("nav >> text=Through the Gate")
    page.click(f"text={episode.person.full_name}")
    assert "Overdue" not in page.inner_text("[data-testid=screening-bcst2]")
    page.click("text=Complete BCST2")
    for pathway in Pathway.values:
        page.check(f"#id_{pathway}_1")  # support not required
    page.check("#id_accommodation_0")  # support required
    page.click("button:has-text('Complete BCST2')")
    assert "BCST2 completed" in page.inner_text("[data-testid=message]")
    assert "Support required" in page.inner_text("[data-testid=need-accommodation]")
    assert "Completed" in page.inner_text("[data-testid=screening-bcst2]")

    # A referral without consent or an override is refused with an error summary, and nothing is saved.
    page.click("text=Add an action")
    page.select_option("#id_pathway", "accommodation")
    page.fill("#id_description", "Hostel place from release day")
    due = (timezone.localdate() + datetime.timedelta(days=21)).isoformat()
    page.fill("#id_due_on", due)
    page.select_option("#id_owner_organisation", label="St Mungo's")
    page.click("button:has-text('Add action')")
    assert "Record the person's consent" in page.inner_text(".govuk-error-summary")
    assert not PlanAction.objects.exists()
    page.check("#id_consent_1")  # consented
    page.click("button:has-text('Add action')")
    assert "Hostel place from release day" in page.inner_text("[data-testid=actions]")
    assert PlanAction.objects.get().owner_organisation == mungos

    # The partner's caseworker sees it in their list and records the outcome.
    context = browser.new_context()
    partner_page = context.new_page()
    sign_in(partner_page, caseworker)
    partner_page.click("nav >> text=Resettlement actions")
    partner_page.click("text=Hostel place from release day")
    partner_page.select_option("#id_status", "done")
    partner_page.fill("#id_outcome", "Room at the Camden hostel confirmed")
    partner_page.click("button:has-text('Save')")
    assert "Action updated" in partner_page.inner_text("[data-testid=message]")
    context.close()
    action = PlanAction.objects.get()
    assert action.status == "done" and action.outcome == "Room at the Camden hostel confirmed"
    assert episode.plan.needs.get(pathway=Pathway.ACCOMMODATION).status == NeedStatus.SUPPORT_REQUIRED


def test_a_hosp_sees_pre_release_figures_without_names_in_the_browser(page, live_server, sign_in, hosp_user):
    from pathlib import Path

    episode = record_episode(prison_code="PVI", release=timezone.localdate() + datetime.timedelta(weeks=8),
                             reception_at=timezone.now() - datetime.timedelta(days=300))
    sign_in(page, hosp_user)
    page.goto(f"{live_server.url}/resettlement/pre-release/")
    text = page.inner_text("main")
    assert "due a review or transfer" in text and "without settled accommodation" in text
    assert episode.person.crn not in text and episode.person.last_name not in text
    Path("test-results").mkdir(exist_ok=True)
    page.screenshot(path="test-results/resettlement-pre-release-hosp.png", full_page=True)
