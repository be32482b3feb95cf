"""Getting it Right and Healing Trauma are programmes of the one catalogue: a Through the Gate enrolment is a referral
with its own short path of allowed moves (no waiting list, no group), completed only by its modules, counted in the
completion rates with every other programme, and shown on the interventions referral page even with no borough."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import programmes as port
from interventions import selectors, services, through_the_gate
from interventions.models import Programme, ProgrammeGroup, ReferralStatus
from partners.models import Borough
from tests.cases.factories import AllocatedPersonFactory, PersonFactory
from tests.probation.factories import OffenderManagerFactory

pytestmark = pytest.mark.django_db
S = ReferralStatus
TODAY = timezone.localdate


def _enrol(code="getting-it-right", person=None, weeks_ago=5, **kwargs):
    by = OffenderManagerFactory()
    referral = services.module_enrol(programme=Programme.objects.get(code=code), person=person or PersonFactory(),
                                     setting=kwargs.pop("setting", "community"), by=by,
                                     starts_on=TODAY() - datetime.timedelta(weeks=weeks_ago), **kwargs)
    return referral, by


def test_the_catalogue_holds_getting_it_right_and_healing_trauma_beside_the_accredited_programmes():
    ttg = {p.code: p for p in Programme.objects.filter(through_the_gate=True)}
    assert set(ttg) == {"getting-it-right", "healing-trauma"}
    assert (ttg["getting-it-right"].sessions, ttg["getting-it-right"].requires_change_plan_journal) == (4, True)
    assert (ttg["healing-trauma"].sessions, ttg["healing-trauma"].women_only) == (6, True)
    assert Programme.objects.filter(code="thinking-skills-programme", through_the_gate=False).exists()
    assert list(port.programmes().catalogue()) == sorted(ttg.values(), key=lambda p: p.name)


def test_an_enrolment_goes_straight_on_programme_with_both_moves_in_the_history():
    referral, by = _enrol(setting="prison", prison_code="PVI")
    assert (referral.status, referral.setting, referral.prison_code) == (S.ON_PROGRAMME, "prison", "PVI")
    assert [(h.from_status, h.to_status, h.by_id) for h in referral.history.all()] == [
        ("", S.REFERRED, by.pk), (S.REFERRED, S.ON_PROGRAMME, by.pk)]
    assert referral.allowed_moves == [S.COMPLETED, S.TERMINATED]


def test_a_through_the_gate_referral_never_waits_or_joins_a_group():
    referral, by = _enrol()
    group = ProgrammeGroup.objects.create(programme=referral.programme, borough=Borough.objects.get(code="camden"),
                                          start_date=TODAY(), created_by=by)
    for status in (S.WAITING, S.ALLOCATED, S.ASSESSED):
        with pytest.raises(ValidationError) as error:
            services.referral_move(referral=referral, to=status, by=by, reason="Try", group=group)
        assert "to" in error.value.message_dict


def test_it_is_completed_only_by_its_modules_and_the_journal_not_by_a_manual_move():
    referral, by = _enrol()
    with pytest.raises(ValidationError) as error:
        services.referral_move(referral=referral, to=S.COMPLETED, by=by, reason="Done, I think")
    assert "every module" in str(error.value.message_dict["to"])
    for number in range(1, 5):
        services.module_attendance_record(referral=referral, number=number, attended=True, by=by)
    referral.refresh_from_db()
    assert referral.status == S.ON_PROGRAMME
    services.module_journal_complete(referral=referral, completed_on=TODAY(), by=by)
    referral.refresh_from_db()
    assert (referral.status, referral.ended_on) == (S.COMPLETED, TODAY())
    assert referral.history.last().reason == "Every module attended and the Change Plan Journal completed"


def test_a_group_programme_cannot_be_enrolled_directly_and_healing_trauma_is_for_women():
    with pytest.raises(ValidationError) as error:
        _enrol("thinking-skills-programme")
    assert "run in groups" in str(error.value.message_dict["programme"])
    with pytest.raises(ValidationError) as error:
        _enrol("healing-trauma", person=PersonFactory(gender="male"))
    assert error.value.message_dict["programme"] == ["Healing Trauma is for women."]
    with pytest.raises(ValidationError) as error:
        _enrol(setting="prison")
    assert "prison" in error.value.message_dict


def test_a_second_open_enrolment_on_the_same_programme_is_refused():
    referral, _ = _enrol()
    with pytest.raises(ValidationError) as error:
        _enrol(person=referral.person)
    assert "already enrolled" in str(error.value.message_dict["programme"])


def test_withdrawal_ends_it_on_the_date_given_and_counts_in_completion_rates_like_any_programme():
    person = AllocatedPersonFactory()
    done, by = _enrol(person=person)
    for number in range(1, 5):
        services.module_attendance_record(referral=done, number=number, attended=True, by=by)
    services.module_journal_complete(referral=done, completed_on=TODAY(), by=by)
    left, _ = _enrol(person=PersonFactory())
    services.module_withdraw(referral=left, withdrawn_on=TODAY() - datetime.timedelta(days=3), reason="", by=by)
    left.refresh_from_db()
    assert (left.status, left.ended_on) == (S.TERMINATED, TODAY() - datetime.timedelta(days=3))
    assert left.history.last().reason == "Withdrawn (no reason given)"
    rows = selectors.completion_rates(first=TODAY() - datetime.timedelta(days=40), last=TODAY())
    gir = [r for r in rows if r["programme__name"] == "Getting it Right"]
    assert sum(r["ended"] for r in gir) == 2 and sum(r["completed"] for r in gir) == 1
    [row] = through_the_gate.completion()
    assert (row["enrolled"], row["completed"], row["withdrawn"], row["active"], row["rate"]) == (2, 1, 1, 0, 50)


def test_the_referral_page_shows_a_through_the_gate_referral_even_with_no_borough(client):
    referral = services.module_enrol(programme=Programme.objects.get(code="healing-trauma"),
                                     person=AllocatedPersonFactory(gender="female", home_borough=None),
                                     setting="prison", prison_code="SDI", starts_on=TODAY(),
                                     by=OffenderManagerFactory())
    client.force_login(referral.person.offender_manager)
    response = client.get(reverse("interventions:referral", args=[referral.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "In prison (SDI)" in page and "modules attended: 0 of 6" in page
    referral.borough = None
    referral.save(update_fields=["borough"])
    assert client.get(reverse("interventions:referral", args=[referral.pk])).status_code == 200


def test_the_port_says_plainly_when_no_app_provides_programmes(monkeypatch):
    monkeypatch.setattr(port, "_provider", None)
    with pytest.raises(ImproperlyConfigured):
        port.programmes()
