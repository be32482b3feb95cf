"""Stored sentences: the data migration recomputes their dates and records what changed; the case page shows the
corrected dates; requirements and orders use the same term arithmetic; lengths in weeks and days can be entered."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from cases.models import CaseEvent, Requirement, Sentence
from tests.cases.factories import AllocatedPersonFactory, SentenceFactory

pytestmark = pytest.mark.django_db
D = datetime.date
migration = importlib.import_module("cases.migrations.0007_sentence_terms_release_dates_case_events")


def _stale_sentence():
    """A 6-month custodial sentence from 1 Jan 2020 stored with the old arithmetic (release 1 Apr, PSS to 31 Mar)."""
    person = AllocatedPersonFactory(date_of_birth=D(2002, 4, 1))  # 17 on the corrected release date
    sentence = SentenceFactory(person=person, kind="custody", sentence_date=D(2020, 1, 1),
                               offence_date=D(2019, 12, 1), length_months=6)
    Sentence.objects.filter(pk=sentence.pk).update(
        conditional_release_date=None, pss_start_date=D(2020, 7, 1), pss_end_date=D(2021, 3, 31),
        supervision_end_date=D(2021, 3, 31), supervision_note="",
    )
    return sentence


def test_the_data_migration_corrects_stored_dates_and_records_each_change_as_an_event():
    sentence = _stale_sentence()
    untouched = SentenceFactory()  # already right: no event
    migration.recompute_sentence_dates(django_apps, None)
    sentence.refresh_from_db()
    assert sentence.conditional_release_date == D(2020, 3, 31)
    assert sentence.pss_end_date is None and sentence.supervision_end_date == D(2020, 6, 30)
    event = CaseEvent.objects.get(sentence=sentence)
    assert event.kind == CaseEvent.Kind.SENTENCE_DATES_CORRECTED and event.person_id == sentence.person_id
    assert event.changes["pss_end_date"] == ["2021-03-31", None]
    assert "PSS end 31 Mar 2021 to none" in event.summary
    assert "conditional release none to 31 Mar 2020" in event.summary
    assert not CaseEvent.objects.filter(sentence=untouched).exists()
    migration.recompute_sentence_dates(django_apps, None)  # safe to run again: nothing more to record
    assert CaseEvent.objects.filter(sentence=sentence).count() == 1


def test_the_case_page_shows_the_corrected_dates_and_the_correction(client, hub_user):
    sentence = _stale_sentence()
    migration.recompute_sentence_dates(django_apps, None)
    client.force_login(hub_user)
    html = client.get(reverse("cases:case_detail", args=[sentence.person.crn])).content.decode()
    assert 'data-testid="crd">31 Mar 2020<' in html
    assert "Sentence dates corrected" in html
    assert "people under 18 on the conditional release date" in html


def test_a_sixteen_week_sentence_can_be_entered_and_gets_dates():
    sentence = SentenceFactory(kind="custody", length_months=0, length_weeks=16, sentence_date=D(2026, 1, 5),
                               offence_date=D(2025, 12, 1), person=AllocatedPersonFactory(date_of_birth=D(1980, 1, 1)))
    assert sentence.end_date == D(2026, 4, 26)
    assert sentence.conditional_release_date == D(2026, 3, 1)
    assert str(sentence).startswith("Custody followed by licence, 16 weeks")


def test_a_community_order_ends_by_the_psi_term_rule():
    order = SentenceFactory(kind="community_order", length_months=1, sentence_date=D(2021, 1, 31))
    assert order.end_date == D(2021, 2, 28)  # the old arithmetic gave 27 Feb


def test_a_requirement_without_an_end_ends_with_the_order_and_unpaid_work_within_twelve_months():
    order = SentenceFactory(kind="community_order", length_months=18, sentence_date=D(2021, 1, 31))
    rar = Requirement.objects.create(sentence=order, kind="rar", rar_days=10, start_date=D(2021, 1, 31))
    upw = Requirement.objects.create(sentence=order, kind="unpaid_work", hours=100, start_date=D(2021, 3, 31))
    assert rar.end_date == order.end_date == D(2022, 7, 30)
    assert upw.end_date == D(2022, 3, 30)
