"""Getting it Right and Healing Trauma moved to interventions' programme model (resettlement migration 0007): every
old enrolment becomes an interventions referral with its status history and module attendance, the old rows stay
(marked superseded), and running the move again copies nothing. Resettlement reaches programmes only through
cases.programmes."""

import ast
import datetime
import importlib
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from interventions.models import ModuleAttendance as NewAttendance
from interventions.models import Programme as CatalogueProgramme
from interventions.models import Referral
from resettlement import models as old
from tests.cases.factories import PersonFactory
from tests.probation.factories import OffenderManagerFactory
from tests.resettlement.factories import prison

MOVE = importlib.import_module("resettlement.migrations.0007_programmes_moved_to_interventions")
ROOT = Path(__file__).resolve().parents[2]


def _old_enrolment(code, *, person=None, setting="community", prison_code=None, weeks_ago=8, attended=(), **fields):
    by = OffenderManagerFactory()
    enrolment = old.ProgrammeEnrolment.objects.create(
        programme=old.Programme.objects.get(code=code), person=person or PersonFactory(), setting=setting,
        prison=prison(prison_code) if prison_code else None, enrolled_by=by,
        starts_on=timezone.localdate() - datetime.timedelta(weeks=weeks_ago), **fields)
    for number, was_there in attended:
        old.ModuleAttendance.objects.create(enrolment=enrolment, module_number=number, attended=was_there,
                                            recorded_by=by)
    return enrolment


@pytest.mark.django_db
def test_each_old_enrolment_becomes_a_referral_with_its_history_and_attendance_and_stays_marked():
    today = timezone.localdate()
    completed = _old_enrolment("getting-it-right", attended=[(n, True) for n in range(1, 5)],
                               change_plan_journal_completed_on=today - datetime.timedelta(days=20),
                               completed_on=today - datetime.timedelta(days=20))
    withdrawn = _old_enrolment("healing-trauma", person=PersonFactory(gender="female", home_borough=None),
                               setting="prison", prison_code="SDI", attended=[(1, True), (2, False)],
                               withdrawn_on=today - datetime.timedelta(days=40), withdrawn_reason="Transferred out")
    active = _old_enrolment("getting-it-right", weeks_ago=1, attended=[(1, True)])
    MOVE.move_enrolments(django_apps, None)

    gir = CatalogueProgramme.objects.get(code="getting-it-right")
    moved = {e.pk: Referral.objects.get(pk=e.superseded_by_referral_id)
             for e in old.ProgrammeEnrolment.objects.all()}
    assert len(moved) == 3 and all(e.superseded_at for e in old.ProgrammeEnrolment.objects.all())
    done = moved[completed.pk]
    assert (done.programme, done.status, done.ended_on, done.setting, done.starts_on) == (
        gir, "completed", completed.completed_on, "community", completed.starts_on)
    assert done.change_plan_journal_completed_on == completed.change_plan_journal_completed_on
    assert [(h.from_status, h.to_status) for h in done.history.all()] == [
        ("", "referred"), ("referred", "on_programme"), ("on_programme", "completed")]
    assert list(NewAttendance.objects.filter(referral=done).values_list("number", "attended")) == [
        (1, True), (2, True), (3, True), (4, True)]
    left = moved[withdrawn.pk]
    assert (left.programme.code, left.status, left.ended_on, left.setting, left.prison_code, left.borough) == (
        "healing-trauma", "terminated", withdrawn.withdrawn_on, "prison", "SDI", None)
    assert "Transferred out" in left.history.last().reason
    assert moved[active.pk].status == "on_programme" and moved[active.pk].is_open
    # The old rows (history about people) are all still there, and their attendance too.
    assert old.ProgrammeEnrolment.objects.count() == 3 and old.ModuleAttendance.objects.count() == 7


@pytest.mark.django_db
def test_moving_again_copies_nothing_even_when_the_superseded_marks_were_lost():
    _old_enrolment("getting-it-right", attended=[(1, True)])
    MOVE.move_enrolments(django_apps, None)
    old.ProgrammeEnrolment.objects.update(superseded_by_referral_id=None, superseded_at=None)  # a reversed 0007
    MOVE.move_enrolments(django_apps, None)
    assert Referral.objects.count() == 1 and NewAttendance.objects.count() == 1
    assert old.ProgrammeEnrolment.objects.get().superseded_by_referral_id == Referral.objects.get().pk


@pytest.mark.django_db
def test_a_second_open_enrolment_of_the_same_person_moves_as_withdrawn_so_one_stays_open():
    person = PersonFactory()
    first = _old_enrolment("getting-it-right", person=person)
    second = _old_enrolment("getting-it-right", person=person, weeks_ago=2)
    MOVE.move_enrolments(django_apps, None)
    first.refresh_from_db()
    second.refresh_from_db()
    kept, duplicate = (Referral.objects.get(pk=e.superseded_by_referral_id) for e in (first, second))
    assert kept.status == "on_programme"
    assert duplicate.status == "withdrawn" and "second open enrolment" in duplicate.history.last().reason


@pytest.mark.django_db
def test_moved_enrolments_show_on_resettlements_screens_as_before(client, offender_manager):
    client.force_login(offender_manager)
    om_client = client
    enrolment = _old_enrolment("healing-trauma", person=PersonFactory(gender="female"), setting="prison",
                               prison_code="SDI", attended=[(1, True), (2, True)])
    MOVE.move_enrolments(django_apps, None)
    enrolment.refresh_from_db()
    page = om_client.get(reverse("resettlement:programme", args=["healing-trauma"])).content.decode()
    assert enrolment.person.crn in page and "HMP Send" in page and "2 of 6" in page and "Active" in page
    url = reverse("resettlement:enrolment", args=[enrolment.superseded_by_referral_id])
    page = om_client.get(url).content.decode()
    assert escape(enrolment.person.full_name) in page and "In prison at HMP Send" in page
    rates = om_client.get(reverse("resettlement:programmes")).content.decode()
    assert "Healing Trauma" in rates and "In prison" in rates


@pytest.mark.django_db(transaction=True)
def test_migrating_forward_over_old_rows_moves_them():
    """The real migration path: back to resettlement 0006, old rows written with that state's models, forward."""
    executor = MigrationExecutor(connection)
    before = [("resettlement", "0006_prison_codes_and_release_dates")]
    executor.migrate(before)
    state = executor.loader.project_state(before).apps
    Programme, Enrolment = state.get_model("resettlement", "Programme"), state.get_model("resettlement",
                                                                                          "ProgrammeEnrolment")
    Attendance = state.get_model("resettlement", "ModuleAttendance")
    person = PersonFactory()
    by = OffenderManagerFactory()
    enrolment = Enrolment.objects.create(programme=Programme.objects.get(code="getting-it-right"),
                                         person_id=person.pk, setting="community", enrolled_by_id=by.pk,
                                         starts_on=timezone.localdate() - datetime.timedelta(weeks=2))
    Attendance.objects.create(enrolment=enrolment, module_number=1, attended=True, recorded_by_id=by.pk)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    moved = old.ProgrammeEnrolment.objects.get(pk=enrolment.pk)
    referral = Referral.objects.get(pk=moved.superseded_by_referral_id)
    assert (referral.person_id, referral.programme.code, referral.status) == (person.pk, "getting-it-right",
                                                                             "on_programme")
    assert referral.module_attendances.get().attended is True


def test_resettlement_never_imports_interventions():
    """STYLE.md's arrows: resettlement reaches programmes through cases.programmes, not by importing interventions
    (migrations name interventions' historical models by label only)."""
    offenders = []
    for path in (ROOT / "resettlement").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "interventions"]
    assert offenders == []
