"""Our prison list against the MoJ's published prison register (resettlement/data/prison_codes.csv), and the data
migration that corrects stored codes and the expected release dates of people in custody."""

import csv
import datetime
import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent, Sentence
from resettlement.models import CustodyEpisode, Prison
from tests.cases.factories import AllocatedPersonFactory, SentenceFactory
from tests.resettlement.factories import record_episode

pytestmark = pytest.mark.django_db
REGISTER = Path(__file__).resolve().parents[2] / "resettlement" / "data" / "prison_codes.csv"
migration = importlib.import_module("resettlement.migrations.0006_prison_codes_and_release_dates")


def published() -> dict[str, str]:
    with REGISTER.open() as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {row["code"]: row["name"] for row in rows}


def core_name(name: str) -> str:
    """'HMP/YOI Feltham' and 'Feltham (HMP & YOI)' are both 'feltham'."""
    name = re.sub(r"\(.*?\)|\bHMP(YOI)?\b|\bYOI\b|/|&", " ", name, flags=re.IGNORECASE)
    return " ".join(name.lower().split())


def test_every_prison_we_list_has_the_code_the_prison_register_gives_it():
    register = published()
    by_name = {core_name(name): code for code, name in register.items()}
    wrong = {
        p.name: (p.code, by_name.get(core_name(p.name)))
        for p in Prison.objects.all()
        if core_name(register.get(p.code, "")) != core_name(p.name)
    }
    assert wrong == {}
    assert Prison.objects.filter(code__in=["BAI", "HOI", "SLI", "SDI"]).count() == 4


def test_the_migration_corrects_the_four_wrong_codes_in_an_existing_database():
    for wrong, right, name in migration.CORRECTIONS:
        Prison.objects.filter(code=right).update(code=wrong)  # as an existing database has them
    migration.fix_prison_codes(django_apps, None)
    assert dict(Prison.objects.filter(name__in=[n for *_, n in migration.CORRECTIONS]).values_list("name", "code")) == {
        "HMP Belmarsh": "BAI", "HMP High Down": "HOI", "HMP Swaleside": "SLI", "HMP Send": "SDI",
    }
    migration.fix_prison_codes(django_apps, None)  # idempotent
    assert not Prison.objects.filter(code__in=["BMI", "HDI", "SWI", "SFI"]).exists()


def test_the_migration_moves_an_automatic_expected_release_date_to_the_corrected_crd_and_records_it(client, hub_user):
    person = AllocatedPersonFactory(date_of_birth=datetime.date(1990, 1, 1))
    sentence = SentenceFactory(person=person, kind="custody", sentence_date=datetime.date(2026, 5, 1),
                               offence_date=datetime.date(2026, 1, 10), length_months=6)
    episode = record_episode(person=person, months=None,
                             reception_at=timezone.make_aware(datetime.datetime(2026, 5, 1, 15)))
    CustodyEpisode.objects.filter(pk=episode.pk).update(expected_release_date=datetime.date(2026, 8, 1))  # old halfway
    typed = record_episode(months=8, release=datetime.date(2027, 1, 1))  # staff typed it: left alone
    migration.correct_expected_release_dates(django_apps, None)
    episode.refresh_from_db()
    typed.refresh_from_db()
    assert episode.expected_release_date == Sentence.objects.get(pk=sentence.pk).conditional_release_date
    assert episode.expected_release_date == datetime.date(2026, 7, 31)
    assert typed.expected_release_date == datetime.date(2027, 1, 1)
    event = CaseEvent.objects.get(person=person, kind="expected_release_corrected")
    assert event.changes["expected_release_date"] == ["2026-08-01", "2026-07-31"]
    client.force_login(hub_user)
    html = client.get(reverse("resettlement:plan", args=[episode.pk])).content.decode()
    assert "31 Jul 2026" in html
