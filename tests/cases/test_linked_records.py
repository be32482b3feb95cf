"""A person's records linked both ways: the case page shows their MASH requests (with the live-MASH flag) and their
Through the Gate custody, plan and release; the MASH request and the plan link back to the case. `cases` learns of
the other apps only through the case-panel registry."""

import ast
import datetime
import pathlib

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resettlement.models import CustodyEpisode
from safeguarding.models import MatchOutcome
from safeguarding.services import request_triage
from tests.cases.factories import AllocatedPersonFactory
from tests.resettlement.factories import record_episode
from tests.safeguarding.factories import mash_request

pytestmark = pytest.mark.django_db


def _case(client, person):
    return client.get(reverse("cases:case_detail", kwargs={"crn": person.crn})).content.decode()


def test_the_case_page_shows_the_persons_mash_requests_and_live_mash_flag(client, hub_user):
    person = AllocatedPersonFactory()
    request = mash_request(subject_first_name=person.first_name, subject_last_name=person.last_name)
    request_triage(request=request, outcome=MatchOutcome.KNOWN_CRC, person=person, by=hub_user)
    client.force_login(hub_user)
    page = _case(client, person)
    assert "Subject to live MASH arrangements since" in page
    mash = page.split('data-testid="case-panel-mash"')[1].split("</section>")[0]
    assert f'href="/safeguarding/{request.reference}/"' in mash


def test_the_mash_request_links_to_the_case(client, hub_user):
    person = AllocatedPersonFactory()
    request = mash_request()
    request_triage(request=request, outcome=MatchOutcome.KNOWN_CRC, person=person, by=hub_user)
    client.force_login(hub_user)
    page = client.get(reverse("safeguarding:detail", args=[request.reference])).content.decode()
    assert f'href="/cases/{person.crn}/" data-testid="case-link"' in page


def test_the_case_page_shows_custody_the_plan_and_flags_an_unrecorded_release(client, offender_manager):
    person = AllocatedPersonFactory(offender_manager=offender_manager)
    episode = record_episode(person=person, by=offender_manager,
                             release=timezone.localdate() + datetime.timedelta(days=30))
    CustodyEpisode.objects.filter(pk=episode.pk).update(expected_release_date=timezone.localdate() - datetime.timedelta(days=3))
    client.force_login(offender_manager)
    custody = _case(client, person).split('data-testid="case-panel-custody"')[1].split("</section>")[0]
    assert f'href="/resettlement/episodes/{episode.pk}/"' in custody
    assert "Date passed: release not recorded" in custody
    plan = client.get(reverse("resettlement:plan", args=[episode.pk])).content.decode()
    assert f'href="/cases/{person.crn}/" data-testid="case-link"' in plan and 'data-testid="release-unrecorded"' in plan
    caseload = client.get(reverse("resettlement:caseload") + "?scope=all").content.decode()
    assert "Release not recorded" in caseload


def test_a_release_recorded_or_still_to_come_is_not_flagged(client, offender_manager):
    person = AllocatedPersonFactory(offender_manager=offender_manager)
    episode = record_episode(person=person, by=offender_manager, release=timezone.localdate() + datetime.timedelta(days=30))
    client.force_login(offender_manager)
    assert "release not recorded" not in _case(client, person)
    CustodyEpisode.objects.filter(pk=episode.pk).update(
        expected_release_date=timezone.localdate() - datetime.timedelta(days=3), released_on=timezone.localdate())
    assert "release not recorded" not in _case(client, person) and "Released " in _case(client, person)


def test_the_case_page_costs_the_same_number_of_queries_with_more_linked_records(client, hub_user):
    person = AllocatedPersonFactory()
    client.force_login(hub_user)

    def link(n):
        for _ in range(n):
            request = mash_request()
            request_triage(request=request, outcome=MatchOutcome.KNOWN_CRC, person=person, by=hub_user)

    link(1)
    record_episode(person=person)
    with CaptureQueriesContext(connection) as small:
        _case(client, person)
    link(4)
    CustodyEpisode.objects.filter(person=person).update(released_on=timezone.localdate())
    record_episode(person=person)
    with CaptureQueriesContext(connection) as large:
        _case(client, person)
    assert len(small) == len(large)


def test_cases_never_imports_safeguarding_or_resettlement():
    root = pathlib.Path(settings.BASE_DIR) / "cases"
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("safeguarding", "resettlement")]
    assert not offenders, offenders
