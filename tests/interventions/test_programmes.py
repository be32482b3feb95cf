"""Accredited programmes: eligibility from risk and need with an override reason, allowed transitions only with
every move kept (who, when, why), the waiting list, groups with numbered sessions and catch-ups, completion rates,
and the group page in constant queries at two sizes."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Register, RegisterCode
from interventions import selectors, services
from interventions.models import GroupSession, Programme, Referral, ReferralStatus
from interventions.panels import programmes_section
from partners.models import Borough
from tests.cases.factories import AllocatedPersonFactory

pytestmark = pytest.mark.django_db
S = ReferralStatus


def _programme(code="thinking-skills-programme"):
    return Programme.objects.get(code=code)


def _refer(person=None, programme=None, **kwargs):
    person = person or AllocatedPersonFactory(rosh_level="medium")
    return services.referral_create(person=person, programme=programme or _programme(), by=person.offender_manager,
                                    reason="Thinking skills need in the OASys", **kwargs)


def _move(referral, *statuses, group=None):
    for status in statuses:
        referral = services.referral_move(referral=referral, to=status, by=referral.referred_by,
                                          reason=f"Moved to {status}", group=group)
    return referral


def _group(programme=None, **kwargs):
    facilitator = AllocatedPersonFactory().offender_manager
    return services.group_create(programme=programme or _programme(), borough=Borough.objects.get(code="camden"),
                                 start_date=kwargs.pop("start_date", datetime.date(2026, 4, 6)),
                                 facilitators=[facilitator], by=facilitator, **kwargs)


def test_the_catalogue_has_the_three_programmes_with_their_sessions():
    assert {p.name: p.sessions for p in Programme.objects.all()}.items() >= {
        "Building Better Relationships": 24, "COVAID": 10, "Thinking Skills Programme": 19}.items()


def test_an_eligible_person_is_referred_and_the_first_move_is_in_the_history():
    referral = _refer()
    assert referral.eligible and referral.status == S.REFERRED
    [first] = referral.history.all()
    assert (first.from_status, first.to_status, first.by_id) == ("", S.REFERRED, referral.referred_by_id)


def test_bbr_needs_a_domestic_abuse_register_so_without_it_an_override_reason_is_required():
    person = AllocatedPersonFactory(rosh_level="low")
    bbr = _programme("building-better-relationships")
    with pytest.raises(ValidationError) as error:
        _refer(person, bbr)
    assert "RDAP" in str(error.value.message_dict["override_reason"])
    referral = _refer(person, bbr, override_reason="Disclosed abuse of a partner; register being added")
    assert not referral.eligible and referral.override_reason.startswith("Disclosed")
    other = AllocatedPersonFactory(rosh_level="low")
    Register.objects.create(person=other, code=RegisterCode.RDAP, start_date=datetime.date(2025, 1, 1))
    assert _refer(other, bbr).eligible


def test_high_risk_is_not_eligible_without_an_override():
    with pytest.raises(ValidationError):
        _refer(AllocatedPersonFactory(rosh_level="high"))


def test_a_referral_cannot_jump_from_referred_to_completed():
    referral = _refer()
    with pytest.raises(ValidationError) as error:
        services.referral_move(referral=referral, to=S.COMPLETED, by=referral.referred_by, reason="Done")
    assert "cannot become completed" in str(error.value.message_dict["to"])
    referral.refresh_from_db()
    assert referral.status == S.REFERRED and referral.history.count() == 1


def test_every_move_is_kept_with_who_when_and_why_through_to_completion():
    group = _group()
    referral = _move(_refer(), S.ASSESSED, S.WAITING)
    referral = _move(referral, S.ALLOCATED, group=group)
    referral = _move(referral, S.ON_PROGRAMME, S.COMPLETED)
    history = list(referral.history.values_list("from_status", "to_status", "reason"))
    assert [h[1] for h in history] == [S.REFERRED, S.ASSESSED, S.WAITING, S.ALLOCATED, S.ON_PROGRAMME, S.COMPLETED]
    assert history[-1] == (S.ON_PROGRAMME, S.COMPLETED, "Moved to completed")
    assert referral.ended_on == timezone.localdate() and referral.group == group


def test_a_completed_referral_moves_no_more_and_a_move_needs_a_reason():
    referral = _move(_refer(), S.ASSESSED)
    with pytest.raises(ValidationError) as error:
        services.referral_move(referral=referral, to=S.WAITING, by=referral.referred_by, reason=" ")
    assert "reason" in error.value.message_dict
    referral = _move(referral, S.WITHDRAWN)
    with pytest.raises(ValidationError):
        _move(referral, S.WAITING)


def test_one_open_referral_per_person_and_programme_but_a_new_one_after_withdrawal():
    referral = _refer()
    with pytest.raises(ValidationError):
        _refer(referral.person)
    _move(referral, S.WITHDRAWN)
    assert _refer(referral.person)


def test_a_group_has_numbered_sessions_and_a_catch_up_and_refuses_beyond_capacity():
    group = _group(capacity=1)
    assert list(group.sessions.values_list("number", flat=True)) == list(range(1, 20))
    first = _move(_refer(), S.ASSESSED, S.WAITING)
    first = _move(first, S.ALLOCATED, group=group)
    second = _move(_refer(), S.ASSESSED, S.WAITING)
    with pytest.raises(ValidationError) as error:
        _move(second, S.ALLOCATED, group=group)
    assert "full" in str(error.value.message_dict["group"])
    catch_up = services.catch_up_add(referral=first, number=3, starts_at=timezone.now())
    assert catch_up.catch_up_for == first and GroupSession.objects.filter(group=group, number=3).count() == 2


def test_the_waiting_list_is_the_boroughs_waiting_referrals_longest_first():
    camden = Borough.objects.get(code="camden")
    older = _move(_refer(), S.ASSESSED, S.WAITING)
    newer = _move(_refer(), S.ASSESSED, S.WAITING)
    _refer()  # referred, not yet waiting
    Referral.objects.filter(pk=older.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=30))
    assert [r.pk for r in selectors.waiting_list(camden)] == [older.pk, newer.pk]


def test_the_waiting_list_page_shows_fifty_at_a_time(client):
    from interventions.views import WAITING_PAGE_SIZE

    for _ in range(WAITING_PAGE_SIZE + 1):
        Referral.objects.create(person=AllocatedPersonFactory(), programme=_programme(), status=S.WAITING,
                                borough=Borough.objects.get(code="camden"), eligible=True,
                                referred_by=AllocatedPersonFactory().offender_manager)
    client.force_login(AllocatedPersonFactory().offender_manager)
    response = client.get(reverse("interventions:waiting_list", args=["camden"]))
    assert len(response.context["referrals"]) == WAITING_PAGE_SIZE
    assert "51 waiting" in response.content.decode() and "Page 1 of 2" in response.content.decode()


def test_completion_rates_by_programme_borough_and_month():
    group = _group()
    for outcome in (S.COMPLETED, S.COMPLETED, S.TERMINATED):
        referral = _move(_refer(), S.ASSESSED, S.WAITING)
        _move(_move(referral, S.ALLOCATED, group=group), S.ON_PROGRAMME, outcome)
    today = timezone.localdate()
    [row] = selectors.completion_rates(first=today.replace(day=1), last=today)
    assert (row["programme__name"], row["borough__name"], row["ended"], row["completed"], row["rate"]) == (
        "Thinking Skills Programme", "Camden", 3, 2, 66.7)
    assert dict(programmes_section("camden", today.replace(day=1))["summary"])["Completion rate (%)"] == 66.7


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_the_group_page_is_constant_in_queries(client):
    group = _group()
    client.force_login(group.created_by)
    referral = _move(_move(_refer(), S.ASSESSED, S.WAITING), S.ALLOCATED, group=group)
    small, _ = _queries(client, reverse("interventions:group", args=[group.pk]))
    for _ in range(6):
        _move(_move(_refer(), S.ASSESSED, S.WAITING), S.ALLOCATED, group=group)
    services.catch_up_add(referral=referral, number=2, starts_at=timezone.now())
    group.facilitators.add(*[AllocatedPersonFactory().offender_manager for _ in range(2)])
    large, response = _queries(client, reverse("interventions:group", args=[group.pk]))
    assert small == large
    assert len(response.context["members"]) == 7 and len(response.context["facilitators"]) == 3


def test_the_referral_page_refuses_a_skip_naming_the_field_and_records_nothing(client):
    referral = _refer()
    client.force_login(referral.referred_by)
    response = client.post(reverse("interventions:referral", args=[referral.pk]), {"to": "completed", "reason": "x"})
    assert response.status_code == 400 and "cannot become completed" in response.content.decode()
    assert referral.history.count() == 1


def test_the_waiting_list_page_is_constant_in_queries(client):
    officer = AllocatedPersonFactory().offender_manager
    client.force_login(officer)
    url = reverse("interventions:waiting_list", args=["camden"])
    _move(_refer(), S.ASSESSED, S.WAITING)
    small, _ = _queries(client, url)
    for _ in range(5):
        _move(_refer(), S.ASSESSED, S.WAITING)
    _group()
    large, response = _queries(client, url)
    assert small == large and len(response.context["referrals"]) == 6
