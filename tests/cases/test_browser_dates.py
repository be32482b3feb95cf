"""The corrected dates as a user sees them: the case page (CRD, licence, PSS, the correction in the timeline), the
resettlement plan page, and a blue MASH request's close action. Screenshots go to test-results/."""

import datetime
import importlib
from pathlib import Path

import pytest
from django.apps import apps as django_apps

from cases.models import Sentence
from safeguarding.models import Rag
from tests.cases.factories import AllocatedPersonFactory, SentenceFactory
from tests.resettlement.factories import record_episode
from tests.safeguarding.factories import mash_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


def _shot(page, name):
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=True)


def test_case_and_plan_pages_show_the_corrected_dates(page, live_server, sign_in, hub_user):
    from django.utils import timezone

    person = AllocatedPersonFactory(date_of_birth=datetime.date(1990, 1, 1))
    sentence = SentenceFactory(person=person, kind="custody", sentence_date=datetime.date(2026, 5, 1),
                               offence_date=datetime.date(2026, 1, 10), length_months=6)
    Sentence.objects.filter(pk=sentence.pk).update(conditional_release_date=None, pss_end_date=datetime.date(2027, 7, 31),
                                                   supervision_end_date=datetime.date(2027, 7, 31))
    importlib.import_module("cases.migrations.0007_sentence_terms_release_dates_case_events").recompute_sentence_dates(
        django_apps, None)
    episode = record_episode(person=person, months=None, reception_at=timezone.make_aware(datetime.datetime(2026, 5, 1, 15)))
    sign_in(page, hub_user)
    page.goto(f"{live_server.url}/cases/{person.crn}/")
    assert page.inner_text("[data-testid=crd]") == "31 Jul 2026"
    assert "1 Nov 2026 to 31 Jul 2027" in page.inner_text("[data-testid=pss]")
    assert "Sentence dates corrected" in page.inner_text("body")
    _shot(page, "dates-case-page")
    page.goto(f"{live_server.url}/resettlement/episodes/{episode.pk}/")
    assert "31 Jul 2026" in page.inner_text("[data-testid=crd]")
    _shot(page, "dates-resettlement-plan")


def test_the_hub_closes_a_blue_request_in_the_browser(page, live_server, sign_in, hub_user):
    blue = mash_request(rating=Rag.BLUE)
    sign_in(page, hub_user)
    page.goto(f"{live_server.url}/safeguarding/{blue.reference}/")
    _shot(page, "dates-mash-blue-close")
    page.fill("[data-testid=close-form] input[name=reason]", "Information only: noted for the MASH")
    page.click("[data-testid=close-form] button")
    page.wait_for_selector("text=Request closed")
    blue.refresh_from_db()
    assert blue.closed_at is not None
