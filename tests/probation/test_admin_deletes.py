"""Nothing about a person is hard-deleted: admin offers delete (and "Delete selected") only for the reference data
listed here, and the database itself refuses to delete the records of people and their supervision."""

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from cases.models import Person, Sentence
from tests.cases.factories import AliasFactory, PersonFactory, RequirementFactory, SentenceFactory

pytestmark = pytest.mark.django_db

# The only models an administrator may delete in admin, each for a reason.
MAY_DELETE = {
    "probation.closureday": "reference data: a closure day added by mistake",
    "partners.service": "reference data",
    "partners.contact": "a partner's staff contact details, removed when they leave",
    "safeguarding.deadlinetier": "reference data; a tier a request uses is protected by its foreign key",
    # Third-party admins that are about credentials and sign-in attempts, not people on probation.
    "auth.group": "permission groups",
    "otp_totp.totpdevice": "a lost authenticator",
    "otp_static.staticdevice": "used-up recovery codes",
    "otp_static.statictoken": "used-up recovery codes",
    "axes.accessattempt": "deleting an attempt is how django-axes unlocks a user",
    "axes.accesslog": "django-axes' own log",
    "axes.accessfailurelog": "django-axes' own log",
}


@pytest.fixture
def admin_request(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    return request


def _label(model):
    return model._meta.label_lower


def test_only_the_allow_listed_admins_can_delete_or_offer_delete_selected(admin_request):
    may_delete, offers_delete_selected = set(), set()
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_delete_permission(admin_request):
            may_delete.add(_label(model))
        if "delete_selected" in model_admin.get_actions(admin_request):
            offers_delete_selected.add(_label(model))
        for inline in model_admin.get_inline_instances(admin_request):
            if inline.can_delete and inline.has_delete_permission(admin_request):
                may_delete.add(_label(inline.model))
    assert may_delete == set(MAY_DELETE)
    assert offers_delete_selected <= set(MAY_DELETE)


def test_a_person_has_no_delete_button_or_delete_page_in_admin(admin_client):
    person = PersonFactory()
    change = admin_client.get(reverse("admin:cases_person_change", args=[person.pk]))
    assert change.status_code == 200
    assert b"deletelink" not in change.content
    assert admin_client.get(reverse("admin:cases_person_delete", args=[person.pk])).status_code == 403
    assert admin_client.post(reverse("admin:cases_person_delete", args=[person.pk]), {"post": "yes"}).status_code == 403
    response = admin_client.post(
        reverse("admin:cases_sentence_changelist"),
        {"action": "delete_selected", "_selected_action": [SentenceFactory(person=person).pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Person.objects.filter(pk=person.pk).exists() and Sentence.objects.filter(person=person).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
@pytest.mark.parametrize("table", ["cases_person", "cases_sentence", "cases_requirement", "cases_alias"])
def test_the_database_refuses_to_delete_people_and_their_supervision_records(table):
    requirement = RequirementFactory()
    AliasFactory(person=requirement.sentence.person)
    with pytest.raises(Exception, match="never deleted"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (a fixed table name)
    with pytest.raises(Exception, match="never deleted"):
        with transaction.atomic():
            Person.objects.filter(pk=requirement.sentence.person_id).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
def test_every_person_record_table_refuses_deletes_at_the_database():
    expected = {
        "cases_person", "cases_alias", "cases_roshassessment", "cases_register", "cases_sentence",
        "cases_requirement", "cases_allocation", "cases_npshandover",
        "cases_absence", "cases_tierchange", "cases_tieroverride", "cases_casetransfer", "cases_sentenceplan",
        "cases_planobjective", "cases_sentenceplanreview", "cases_orderending", "cases_courtreport",
        "resettlement_custodyepisode", "resettlement_prisontransfer", "resettlement_screening",
        "resettlement_resettlementplan", "resettlement_planreview", "resettlement_pathwayneed",
        "resettlement_planaction", "resettlement_programmeenrolment", "resettlement_moduleattendance",
        "safeguarding_safeguardingrequest", "safeguarding_assignment", "safeguarding_ratingchange",
        "safeguarding_response", "safeguarding_concernedperson", "safeguarding_requestevent",
        "safeguarding_requestnote",
        "supervision_appointment", "supervision_appointmentseries", "supervision_failure", "supervision_enforcement",
        "supervision_letter", "supervision_aamrreading", "supervision_contactpreference", "supervision_reminder",
        "supervision_overduecontact",
        "interventions_project", "interventions_session", "interventions_booking", "interventions_personalbudget",
        "interventions_budgetspend", "interventions_referral", "interventions_referralstatuschange",
        "interventions_programmegroup", "interventions_groupsession", "interventions_programme",
        "interventions_womenshub", "interventions_hubsession", "interventions_hubplace", "interventions_moduleattendance",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE p.proname = 'probation_refuse_delete' AND t.tgenabled = 'O'"
        )
        assert {row[0] for row in cursor.fetchall()} == expected
