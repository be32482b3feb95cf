import datetime
from datetime import UTC
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from interventions.models import Programme
from partners.models import Organisation
from probation.models import AuditEvent
from resettlement import services
from resettlement.models import (
    ActionStatus,
    CustodyEpisode,
    NeedStatus,
    Pathway,
    PlanAction,
    ScreeningPart,
    ScreeningRule,
)
from resettlement.selectors import programme_completion
from cases.models import Allocation
from tests.cases.factories import (
    AllocatedPersonFactory,
    PersonFactory,
    SentenceFactory,
    StaffProfileFactory,
    UnallocatedPersonFactory,
)
from tests.partners.factories import OrganisationFactory
from tests.probation.factories import OffenderManagerFactory, PartnerUserFactory
from tests.resettlement.factories import (
    partner_action,
    partner_member,
    prison,
    record_episode,
    staff_action,
    supply_chain_partner,
)

pytestmark = pytest.mark.django_db


def at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


# --- Custody episodes -------------------------------------------------------------------------------------------


def test_recording_a_reception_sets_both_bcst_deadlines_and_starts_the_plan():
    episode = record_episode(reception_at=at(2026, 11, 20, 10))  # a Friday
    screenings = {s.part: s for s in episode.screenings.all()}
    # Part 1: 72 elapsed hours, weekend included.
    assert screenings[ScreeningPart.BCST1].due_at == at(2026, 11, 23, 10)
    # BCST2: 5 working days, counted around the clock on working days only.
    assert screenings[ScreeningPart.BCST2].due_at == at(2026, 11, 27, 10)
    # Reminder at 75% of the time.
    assert screenings[ScreeningPart.BCST1].remind_at == at(2026, 11, 22, 16)
    assert sorted(episode.plan.needs.values_list("pathway", flat=True)) == sorted(Pathway.values)
    assert set(episode.plan.needs.values_list("status", flat=True)) == {NeedStatus.NOT_STARTED}


def test_bcst2_deadline_skips_christmas_bank_holidays():
    episode = record_episode(reception_at=at(2025, 12, 23, 9))
    assert episode.screenings.get(part="bcst2").due_at == at(2026, 1, 2, 9)


def test_an_administrator_can_change_the_bcst2_allowance_without_a_deploy():
    ScreeningRule.objects.filter(part="bcst2").update(hours=Decimal("72"))
    episode = record_episode(reception_at=at(2026, 11, 20, 10))
    assert episode.screenings.get(part="bcst2").due_at == at(2026, 11, 25, 10)


def test_a_plan_is_made_for_a_short_sentence_and_for_remand_too():
    short = record_episode(months=2)
    remand = record_episode(custody_type=CustodyEpisode.CustodyType.REMAND)
    assert short.plan.needs.count() == len(Pathway.values)
    assert remand.plan.needs.count() == len(Pathway.values)
    assert remand.sentence_length_months is None


def test_a_release_date_before_reception_is_refused_and_nothing_is_saved():
    person = AllocatedPersonFactory()
    with pytest.raises(ValidationError) as exc:
        record_episode(person=person, reception_at=at(2026, 11, 20, 10), release=datetime.date(2026, 11, 19))
    assert "expected_release_date" in exc.value.message_dict
    assert not CustodyEpisode.objects.filter(person=person).exists()


def test_a_sentenced_prisoner_needs_a_sentence_length():
    with pytest.raises(ValidationError) as exc:
        record_episode(months=None)
    assert "sentence_length_months" in exc.value.message_dict


def test_a_person_already_in_custody_cannot_be_received_twice():
    episode = record_episode()
    with pytest.raises(ValidationError) as exc:
        record_episode(person=episode.person)
    assert "already in custody" in exc.value.message_dict["person"][0]


def test_a_reception_in_the_future_is_refused():
    with pytest.raises(ValidationError):
        record_episode(reception_at=timezone.now() + datetime.timedelta(days=1))


def test_recording_a_reception_is_audited():
    episode = record_episode()
    assert AuditEvent.objects.filter(action="create", object_type="resettlement.custodyepisode",
                                     object_id=str(episode.pk)).exists()


def test_a_plan_for_a_person_with_no_custody_episode_is_a_clear_error():
    person = PersonFactory()
    with pytest.raises(ValidationError) as exc:
        services.plan_for_person(person=person, by=OffenderManagerFactory())
    assert "no custody episode" in exc.value.message_dict["person"][0]


def test_plan_for_person_finds_the_current_episodes_plan():
    episode = record_episode()
    assert services.plan_for_person(person=episode.person, by=episode.recorded_by) == episode.plan


# --- Screening ----------------------------------------------------------------------------------------------------


def test_completing_the_bcst2_sets_each_pathways_need():
    episode = record_episode()
    needs = {p: NeedStatus.SUPPORT_NOT_REQUIRED for p in Pathway.values}
    needs[Pathway.ACCOMMODATION] = NeedStatus.SUPPORT_REQUIRED
    needs[Pathway.DRUGS_ALCOHOL] = NeedStatus.SUPPORT_DECLINED
    services.bcst2_complete(episode=episode, needs=needs, by=episode.recorded_by)
    statuses = dict(episode.plan.needs.values_list("pathway", "status"))
    assert statuses[Pathway.ACCOMMODATION] == NeedStatus.SUPPORT_REQUIRED
    assert statuses[Pathway.DRUGS_ALCOHOL] == NeedStatus.SUPPORT_DECLINED
    assert episode.screenings.get(part="bcst2").completed_by == episode.recorded_by


def test_a_bcst2_cannot_be_completed_twice():
    episode = record_episode()
    services.bcst2_complete(episode=episode, needs={}, by=episode.recorded_by)
    with pytest.raises(ValidationError):
        services.bcst2_complete(episode=episode, needs={}, by=episode.recorded_by)


def test_a_bcst2_with_an_unknown_status_changes_nothing():
    episode = record_episode()
    with pytest.raises(ValidationError):
        services.bcst2_complete(episode=episode, needs={"accommodation": "sorted"}, by=episode.recorded_by)
    assert episode.screenings.get(part="bcst2").completed_at is None


def test_bcst1_completion_cannot_predate_the_reception():
    episode = record_episode()
    bcst1 = episode.screenings.get(part="bcst1")
    with pytest.raises(ValidationError):
        services.screening_complete(screening=bcst1, completed_at=episode.reception_at - datetime.timedelta(hours=1),
                                    by=episode.recorded_by)


# --- Actions and referrals ------------------------------------------------------------------------------------------


def test_a_referral_to_a_supply_chain_partner_records_consent_and_who_recorded_it():
    action = partner_action()
    assert action.consent == "given"
    assert action.consent_recorded_by == action.created_by
    assert action.consent_recorded_at is not None


def test_a_referral_without_consent_needs_an_override_reason():
    episode = record_episode()
    org = supply_chain_partner()
    kwargs = dict(plan=episode.plan, pathway="accommodation", description="Bed", due_on=timezone.localdate(),
                  owner_organisation=org, by=episode.recorded_by)
    with pytest.raises(ValidationError) as exc:
        services.action_create(**kwargs)
    assert "consent" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.action_create(consent="overridden", consent_override_reason="  ", **kwargs)
    assert "consent_override_reason" in exc.value.message_dict
    action = services.action_create(consent="overridden", consent_override_reason="Risk to a child", **kwargs)
    assert action.consent_override_reason == "Risk to a child"
    assert PlanAction.objects.count() == 1


def test_an_action_cannot_be_owned_by_an_organisation_that_is_not_a_supply_chain_partner():
    episode = record_episode()
    mash = OrganisationFactory(kind=Organisation.Kind.MASH)
    with pytest.raises(ValidationError) as exc:
        services.action_create(plan=episode.plan, pathway="accommodation", description="Bed",
                               due_on=timezone.localdate(), owner_organisation=mash, consent="given",
                               by=episode.recorded_by)
    assert "not an active supply-chain partner" in exc.value.message_dict["owner_organisation"][0]
    assert not PlanAction.objects.exists()


def test_an_action_has_exactly_one_owner():
    episode = record_episode()
    for owners in ({}, {"owner_user": episode.recorded_by, "owner_organisation": supply_chain_partner()}):
        with pytest.raises(ValidationError) as exc:
            services.action_create(plan=episode.plan, pathway="health", description="GP", consent="given",
                                   due_on=timezone.localdate(), by=episode.recorded_by, **owners)
        assert "owner" in exc.value.message_dict


def test_a_partner_user_cannot_own_an_action_as_a_person():
    episode = record_episode()
    with pytest.raises(ValidationError) as exc:
        services.action_create(plan=episode.plan, pathway="health", description="GP", due_on=timezone.localdate(),
                               owner_user=PartnerUserFactory(), by=episode.recorded_by)
    assert "owner_user" in exc.value.message_dict


def test_a_partner_moves_their_organisations_action_on_and_records_the_outcome():
    org = supply_chain_partner()
    action = partner_action(organisation=org)
    user = partner_member(org)
    services.action_update(action=action, status=ActionStatus.IN_PROGRESS, by=user)
    done = services.action_update(action=action, status=ActionStatus.DONE, outcome="Hostel place from release day",
                                  by=user)
    assert done.status == ActionStatus.DONE and done.closed_at is not None
    assert done.outcome == "Hostel place from release day"


def test_done_needs_an_outcome():
    action = partner_action()
    with pytest.raises(ValidationError) as exc:
        services.action_update(action=action, status=ActionStatus.DONE, by=action.created_by)
    assert "outcome" in exc.value.message_dict


def test_an_invalid_status_transition_is_refused():
    action = staff_action()
    services.action_update(action=action, status=ActionStatus.CANCELLED, by=action.created_by)
    with pytest.raises(ValidationError) as exc:
        services.action_update(action=action, status=ActionStatus.DONE, outcome="x", by=action.created_by)
    assert "cannot become done" in exc.value.message_dict["status"][0]
    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED


def test_a_partner_may_not_cancel_or_reopen_an_action():
    org = supply_chain_partner()
    action = partner_action(organisation=org)
    user = partner_member(org)
    with pytest.raises(ValidationError) as exc:
        services.action_update(action=action, status=ActionStatus.CANCELLED, by=user)
    assert "Only CRC staff" in exc.value.message_dict["status"][0]
    services.action_update(action=action, status=ActionStatus.NOT_ACHIEVED, outcome="No beds", by=user)
    with pytest.raises(ValidationError):
        services.action_update(action=action, status=ActionStatus.IN_PROGRESS, by=user)
    # CRC staff may reopen it.
    services.action_update(action=action, status=ActionStatus.IN_PROGRESS, by=action.created_by)


def test_a_partner_cannot_touch_a_crc_owned_action_or_another_organisations():
    action = staff_action()
    other = partner_action()
    user = partner_member()
    for target in (action, other):
        with pytest.raises(PermissionDenied):
            services.action_update(action=target, status=ActionStatus.DONE, outcome="x", by=user)
        target.refresh_from_db()
        assert target.status == ActionStatus.NOT_STARTED


# --- Transfers and release ------------------------------------------------------------------------------------------


def test_a_transfer_is_a_row_and_moves_the_current_prison():
    episode = record_episode(prison_code="BAI", reception_at=timezone.now() - datetime.timedelta(days=30))
    transfer = services.transfer_record(episode=episode, to_prison=prison("PVI"),
                                        transferred_on=timezone.localdate(), by=episode.recorded_by)
    episode.refresh_from_db()
    assert episode.current_prison.code == "PVI" and episode.reception_prison.code == "BAI"
    assert transfer.from_prison.code == "BAI"


def test_a_transfer_to_the_same_prison_or_before_reception_is_refused():
    episode = record_episode(prison_code="BAI")
    with pytest.raises(ValidationError):
        services.transfer_record(episode=episode, to_prison=prison("BAI"), transferred_on=timezone.localdate(),
                                 by=episode.recorded_by)
    with pytest.raises(ValidationError):
        services.transfer_record(episode=episode, to_prison=prison("PVI"),
                                 transferred_on=episode.reception_date - datetime.timedelta(days=1),
                                 by=episode.recorded_by)
    assert not episode.transfers.exists()


def test_release_passes_the_case_to_its_offender_manager_with_actions_still_open():
    episode = record_episode(reception_at=timezone.now() - datetime.timedelta(days=100))
    action = partner_action(episode=episode)
    services.episode_release(episode=episode, released_on=timezone.localdate(), by=episode.recorded_by)
    episode.refresh_from_db()
    assert episode.community_offender_manager == episode.person.offender_manager is not None
    action.refresh_from_db()
    assert action.is_open


def test_an_unallocated_case_is_allocated_on_release_through_the_cases_rules():
    person = UnallocatedPersonFactory()
    com = StaffProfileFactory(team=person.team).user
    episode = record_episode(person=person, reception_at=timezone.now() - datetime.timedelta(days=100))
    services.episode_release(episode=episode, released_on=timezone.localdate(), community_offender_manager=com,
                             by=episode.recorded_by)
    person.refresh_from_db()
    assert person.offender_manager == com
    assert Allocation.objects.get(person=person).offender_manager == com


def test_release_to_an_officer_outside_the_cases_team_is_refused():
    person = UnallocatedPersonFactory()
    outsider = StaffProfileFactory().user
    episode = record_episode(person=person, reception_at=timezone.now() - datetime.timedelta(days=100))
    with pytest.raises(ValidationError) as exc:
        services.episode_release(episode=episode, released_on=timezone.localdate(),
                                 community_offender_manager=outsider, by=episode.recorded_by)
    assert "case's team" in exc.value.message_dict["community_offender_manager"][0]
    episode.refresh_from_db()
    assert episode.in_custody


def test_release_to_someone_other_than_the_allocated_manager_is_refused():
    episode = record_episode(reception_at=timezone.now() - datetime.timedelta(days=100))
    with pytest.raises(ValidationError) as exc:
        services.episode_release(episode=episode, released_on=timezone.localdate(),
                                 community_offender_manager=OffenderManagerFactory(), by=episode.recorded_by)
    assert "Reallocate" in exc.value.message_dict["community_offender_manager"][0]


def test_an_episode_serves_the_custodial_sentence_and_release_sets_licence_and_pss_from_the_cases_rules():
    person = AllocatedPersonFactory(date_of_birth=datetime.date(1990, 1, 1))
    sentence = SentenceFactory(person=person, kind="custody", sentence_date=datetime.date(2026, 5, 1),
                               offence_date=datetime.date(2026, 1, 10), length_months=6)
    episode = record_episode(person=person, months=None, reception_at=at(2026, 5, 1, 15))
    assert episode.sentence == sentence and episode.sentence_length_months == 6
    # The automatic release date (CRD), from cases.sentence_dates.
    # 184 days from 1 May 2026: ceil(184 / 2) = the 92nd day, 31 July.
    assert episode.expected_release_date == datetime.date(2026, 7, 31)


def test_an_early_hdc_release_is_recorded_but_does_not_move_the_pss_end():
    person = AllocatedPersonFactory(date_of_birth=datetime.date(1990, 1, 1))
    sentence = SentenceFactory(person=person, kind="custody", sentence_date=datetime.date(2026, 5, 1),
                               offence_date=datetime.date(2026, 1, 10), length_months=6)
    episode = record_episode(person=person, months=None, reception_at=at(2026, 5, 1, 15))
    services.episode_release(episode=episode, released_on=datetime.date(2026, 7, 1), by=episode.recorded_by)
    sentence.refresh_from_db()
    assert sentence.release_date == datetime.date(2026, 7, 1)
    # 6 months' custody: licence to the end of the term, then PSS to twelve months after the unadjusted release
    # date (31 July 2026), not after the actual early release.
    assert sentence.licence_end_date == datetime.date(2026, 10, 31)
    assert (sentence.pss_start_date, sentence.pss_end_date) == (datetime.date(2026, 11, 1), datetime.date(2027, 7, 31))


def test_a_release_date_outside_the_sentence_is_refused_by_the_cases_rules():
    person = AllocatedPersonFactory()
    SentenceFactory(person=person, kind="custody", sentence_date=datetime.date(2026, 1, 5),
                    offence_date=datetime.date(2025, 12, 1), length_months=2)
    episode = record_episode(person=person, months=None, reception_at=at(2026, 1, 5, 15))
    with pytest.raises(ValidationError) as exc:
        services.episode_release(episode=episode, released_on=datetime.date(2026, 6, 1), by=episode.recorded_by)
    assert "released_on" in exc.value.message_dict
    episode.refresh_from_db()
    assert episode.in_custody


def test_a_sentence_that_ended_before_the_reception_is_not_linked():
    person = AllocatedPersonFactory()
    SentenceFactory(person=person, kind="custody", sentence_date=datetime.date(2024, 1, 5),
                    offence_date=datetime.date(2023, 12, 1), length_months=2)
    episode = record_episode(person=person, months=4)
    assert episode.sentence is None and episode.sentence_length_months == 4


def test_a_remand_episode_serves_no_sentence():
    person = AllocatedPersonFactory()
    SentenceFactory(person=person, kind="custody", sentence_date=datetime.date(2026, 1, 5),
                    offence_date=datetime.date(2025, 12, 1), length_months=2)
    episode = record_episode(person=person, custody_type=CustodyEpisode.CustodyType.REMAND)
    assert episode.sentence is None


def test_a_release_date_before_reception_is_refused():
    episode = record_episode()
    with pytest.raises(ValidationError) as exc:
        services.episode_release(episode=episode, released_on=episode.reception_date - datetime.timedelta(days=1),
                                 by=episode.recorded_by)
    assert "released_on" in exc.value.message_dict
    episode.refresh_from_db()
    assert episode.in_custody


def test_release_of_an_unallocated_case_needs_a_community_offender_manager():
    episode = record_episode(person=UnallocatedPersonFactory())
    with pytest.raises(ValidationError) as exc:
        services.episode_release(episode=episode, released_on=timezone.localdate(), by=episode.recorded_by)
    assert "community_offender_manager" in exc.value.message_dict


def test_a_new_episode_can_start_after_release():
    episode = record_episode(reception_at=timezone.now() - datetime.timedelta(days=10))
    services.episode_release(episode=episode, released_on=timezone.localdate() - datetime.timedelta(days=2),
                             by=episode.recorded_by)
    again = record_episode(person=episode.person)
    assert services.plan_for_person(person=episode.person, by=episode.recorded_by) == again.plan


# --- Programmes --------------------------------------------------------------------------------------------------------


def test_getting_it_right_completes_with_four_modules_and_the_change_plan_journal():
    person = PersonFactory()
    by = OffenderManagerFactory()
    gir = Programme.objects.get(code="getting-it-right")
    starts = timezone.localdate() - datetime.timedelta(weeks=5)
    enrolment = services.enrolment_create(programme=gir, person=person, setting="community", starts_on=starts, by=by)
    for module in range(1, 5):
        services.attendance_record(enrolment=enrolment, module_number=module, attended=True, by=by)
    enrolment.refresh_from_db()
    assert enrolment.status == "on_programme"  # the journal is still to do
    services.journal_complete(enrolment=enrolment, completed_on=timezone.localdate(), by=by)
    enrolment.refresh_from_db()
    assert enrolment.status == "completed" and enrolment.ended_on == timezone.localdate()
    assert [h.to_status for h in enrolment.history.all()] == ["referred", "on_programme", "completed"]


def test_a_missed_module_keeps_the_programme_open():
    by = OffenderManagerFactory()
    gir = Programme.objects.get(code="getting-it-right")
    enrolment = services.enrolment_create(programme=gir, person=PersonFactory(), setting="prison",
                                          prison=prison("PVI"), starts_on=timezone.localdate() - datetime.timedelta(weeks=5), by=by)
    services.journal_complete(enrolment=enrolment, completed_on=timezone.localdate(), by=by)
    for module, attended in [(1, True), (2, False), (3, True), (4, True)]:
        services.attendance_record(enrolment=enrolment, module_number=module, attended=attended, by=by)
    enrolment.refresh_from_db()
    assert enrolment.status == "on_programme" and enrolment.ended_on is None


def test_a_module_in_the_future_or_out_of_range_cannot_be_recorded():
    by = OffenderManagerFactory()
    gir = Programme.objects.get(code="getting-it-right")
    enrolment = services.enrolment_create(programme=gir, person=PersonFactory(), setting="community",
                                          starts_on=timezone.localdate(), by=by)
    for module in (2, 5):
        with pytest.raises(ValidationError):
            services.attendance_record(enrolment=enrolment, module_number=module, attended=True, by=by)


def test_healing_trauma_is_for_women():
    by = OffenderManagerFactory()
    healing = Programme.objects.get(code="healing-trauma")
    with pytest.raises(ValidationError):
        services.enrolment_create(programme=healing, person=PersonFactory(gender="male"), setting="community",
                                  starts_on=timezone.localdate(), by=by)
    assert services.enrolment_create(programme=healing, person=PersonFactory(gender="female"), setting="community",
                                     starts_on=timezone.localdate(), by=by)


def test_completion_rates_count_completed_out_of_those_who_finished_or_left():
    by = OffenderManagerFactory()
    gir = Programme.objects.get(code="getting-it-right")
    starts = timezone.localdate() - datetime.timedelta(weeks=5)
    enrolments = [services.enrolment_create(programme=gir, person=PersonFactory(), setting="community",
                                            starts_on=starts, by=by) for _ in range(4)]
    for enrolment in enrolments[:3]:
        for module in range(1, 5):
            services.attendance_record(enrolment=enrolment, module_number=module, attended=True, by=by)
        services.journal_complete(enrolment=enrolment, completed_on=timezone.localdate(), by=by)
    services.enrolment_withdraw(enrolment=enrolments[3], withdrawn_on=timezone.localdate(), reason="Moved", by=by)
    services.enrolment_create(programme=gir, person=PersonFactory(), setting="community", starts_on=starts, by=by)
    [row] = programme_completion()
    assert (row["enrolled"], row["completed"], row["withdrawn"], row["active"], row["rate"]) == (5, 3, 1, 1, 75)
