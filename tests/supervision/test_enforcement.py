"""The enforcement rules of DOMAIN.md, each as a named behaviour."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from cases.models import Sentence
from probation.calendar import get_calendar
from supervision import services
from supervision.models import Enforcement, Failure, Letter, Outcome, Path, Step
from tests.supervision.factories import at, book, case_on_order, failed_appointment, record, warned

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2025, 3, 3)


def test_a_first_unacceptable_absence_proposes_one_warning():
    person = case_on_order()
    appointment = failed_appointment(person, MONDAY)
    enforcement = appointment.failure.enforcement
    assert enforcement.path == Path.COMMUNITY
    assert enforcement.proposed == Step.WARNING
    assert enforcement.referral_due_at is None


def test_a_second_unacceptable_absence_within_12_months_of_a_warning_proposes_breach_due_10_working_days_later():
    person = case_on_order()
    warning = warned(person, MONDAY)
    failure_day = datetime.date(2025, 12, 19)  # a Friday: the 10 working days cross Christmas and New Year
    enforcement = failed_appointment(person, failure_day).failure.enforcement
    assert enforcement.proposed == Step.BREACH
    assert enforcement.previous_warning == warning
    # 22, 23, 24, (25, 26 bank holidays), 29, 30, 31, (1 Jan), 2, 5, 6, 7 January: the 10th working day is 7 Jan.
    assert enforcement.referral_due_at.astimezone(services.LONDON).date() == datetime.date(2026, 1, 8)
    assert services.add_working_days(failure_day, 10, get_calendar()) == datetime.date(2026, 1, 7)
    assert enforcement.referral_due_at == services.end_of_local_day(datetime.date(2026, 1, 7))


def test_an_unacceptable_absence_13_months_after_the_warning_proposes_a_new_warning():
    person = case_on_order()
    warned(person, MONDAY)
    enforcement = failed_appointment(person, datetime.date(2026, 4, 6)).failure.enforcement
    assert enforcement.proposed == Step.WARNING
    assert enforcement.previous_warning is None


def test_acceptable_absences_never_count():
    person = case_on_order()
    warned(person, MONDAY)
    appointment = book(person, at(datetime.date(2025, 5, 5)))
    record(appointment, Outcome.ACCEPTABLE_ABSENCE, reason="professional_judgement")
    assert Failure.objects.filter(person=person).count() == 1  # the warned one only
    assert Enforcement.objects.filter(person=person).count() == 1


def test_an_absence_awaiting_evidence_does_not_count_until_the_officer_decides_it():
    person = case_on_order()
    warned(person, MONDAY)
    appointment = record(book(person, at(datetime.date(2025, 5, 6))), Outcome.ACCEPTABLE_ABSENCE, reason="illness")
    assert appointment.evidence_status == "awaited"
    assert appointment.evidence_due_on == datetime.date(2025, 5, 13)  # 5 working days after recording
    assert not Failure.objects.filter(appointment=appointment).exists()
    services.evidence_decide(appointment=appointment, accept=False, by=person.offender_manager,
                             reason="No fit note came.", now=at(datetime.date(2025, 5, 14)))
    enforcement = Failure.objects.get(appointment=appointment).enforcement
    assert enforcement.proposed == Step.BREACH  # counted from the day of the absence, within 12 months


def test_evidence_accepted_leaves_no_failure():
    person = case_on_order()
    appointment = record(book(person, at(datetime.date(2025, 5, 6))), Outcome.ACCEPTABLE_ABSENCE, reason="work")
    services.evidence_receive(appointment=appointment, by=person.offender_manager, note="Employer's letter")
    services.evidence_decide(appointment=appointment, accept=True, by=person.offender_manager)
    assert not Failure.objects.filter(person=person).exists()


def _custody_case():
    # 6 months' custody from 2 June 2025: release at the halfway point, 3 months' licence, then 9 months' PSS.
    person = case_on_order(sentence_date=datetime.date(2025, 6, 2), months=6, kind=Sentence.Kind.CUSTODY)
    return person, person.sentences.get()


def test_a_licence_case_gets_recall_never_the_community_order_path():
    person, sentence = _custody_case()
    licence_day = sentence.pss_start_date - datetime.timedelta(days=20)
    while licence_day.weekday() > 4:
        licence_day -= datetime.timedelta(days=1)
    warned(person, licence_day - datetime.timedelta(days=21))
    enforcement = failed_appointment(person, licence_day).failure.enforcement
    assert (enforcement.path, enforcement.proposed) == (Path.LICENCE, Step.RECALL)
    with pytest.raises(ValidationError) as error:
        services.enforcement_decide(enforcement=enforcement, decision=Step.BREACH, by=person.offender_manager,
                                    reason="try the order path", now=at(licence_day, 15))
    assert "decision" in error.value.message_dict


def test_a_pss_case_gets_a_magistrates_breach_never_recall_or_the_community_order_path():
    person, sentence = _custody_case()
    day = sentence.pss_start_date + datetime.timedelta(days=30)
    while day.weekday() > 4:
        day += datetime.timedelta(days=1)
    warned(person, day - datetime.timedelta(days=14))
    enforcement = failed_appointment(person, day).failure.enforcement
    assert (enforcement.path, enforcement.proposed) == (Path.PSS, Step.MAGISTRATES_BREACH)
    for wrong in (Step.RECALL, Step.BREACH):
        with pytest.raises(ValidationError):
            services.enforcement_decide(enforcement=enforcement, decision=wrong, by=person.offender_manager,
                                        reason="wrong path", now=at(day, 15))


def test_departing_from_the_proposal_needs_a_reason_and_records_it():
    person = case_on_order()
    warned(person, MONDAY)
    enforcement = failed_appointment(person, datetime.date(2025, 6, 2)).failure.enforcement
    with pytest.raises(ValidationError) as error:
        services.enforcement_decide(enforcement=enforcement, decision=Step.WARNING, by=person.offender_manager)
    assert "reason" in error.value.message_dict
    services.enforcement_decide(enforcement=enforcement, decision=Step.WARNING, by=person.offender_manager,
                                reason="Bereavement that week; engaged since.")
    enforcement.refresh_from_db()
    assert enforcement.departure_reason == "Bereavement that week; engaged since."
    assert enforcement.decided_by == person.offender_manager


def test_a_breach_is_countersigned_by_the_spo_sent_and_the_nps_rejection_recorded_with_its_reason():
    person = case_on_order()
    warned(person, MONDAY)
    enforcement = failed_appointment(person, datetime.date(2025, 6, 2)).failure.enforcement
    officer, spo = person.offender_manager, person.team.manager
    services.enforcement_decide(enforcement=enforcement, decision=Step.BREACH, by=officer)
    with pytest.raises(ValidationError):
        services.enforcement_refer(enforcement=enforcement, by=officer)  # not countersigned yet
    with pytest.raises(ValidationError):
        services.enforcement_countersign(enforcement=enforcement, by=officer)  # not an SPO
    services.enforcement_countersign(enforcement=enforcement, by=spo)
    services.enforcement_refer(enforcement=enforcement, by=officer)
    with pytest.raises(ValidationError) as error:
        services.enforcement_record_response(enforcement=enforcement, accepted=False, reason="", by=officer)
    assert "reason" in error.value.message_dict
    services.enforcement_record_response(enforcement=enforcement, accepted=False, reason="Evidence pack incomplete",
                                         by=officer)
    enforcement.refresh_from_db()
    assert (enforcement.response, enforcement.response_reason) == ("rejected", "Evidence pack incomplete")
    assert enforcement.countersigned_by == spo
    letter = Letter.objects.get(failure=enforcement.failure)
    assert letter.kind == Letter.Kind.BREACH and bytes(letter.pdf).startswith(b"%PDF")


def test_a_warning_makes_one_letter_however_often_it_is_asked_for():
    person = case_on_order()
    enforcement = warned(person, MONDAY)
    again = services.letter_for_failure(failure=enforcement.failure, by=person.team.manager)
    assert Letter.objects.filter(person=person).count() == 1
    assert again.kind == Letter.Kind.WARNING and again.dedupe_key == f"failure:{enforcement.failure_id}"


def test_an_aamr_alert_is_a_candidate_the_officer_judges_before_it_counts():
    from cases.models import Requirement
    from partners.models import Organisation
    from supervision.models import RequirementProvider

    person = case_on_order()
    sentence = person.sentences.get()
    requirement = Requirement.objects.create(sentence=sentence, kind=Requirement.Kind.AAMR, start_date=MONDAY,
                                             end_date=MONDAY + datetime.timedelta(days=120))
    provider = Organisation.objects.create(name="Tag provider", kind="supply_chain")
    RequirementProvider.objects.create(requirement=requirement, organisation=provider)
    reading, created = services.aamr_reading_record(requirement=requirement, organisation=provider,
                                                    day=MONDAY + datetime.timedelta(days=3), result="alcohol_detected",
                                                    by=None)
    _, again = services.aamr_reading_record(requirement=requirement, organisation=provider,
                                            day=MONDAY + datetime.timedelta(days=3), result="alcohol_detected", by=None)
    assert created and not again
    failure = reading.failure
    assert failure.status == Failure.Status.CANDIDATE
    assert not Enforcement.objects.filter(failure=failure).exists()
    services.failure_judge(failure=failure, confirm=True, by=person.offender_manager, reason="Reading confirmed")
    assert Enforcement.objects.get(failure=failure).proposed == Step.WARNING


def test_an_officer_escalating_a_first_failure_to_breach_records_why_and_the_10_day_deadline_starts():
    person = case_on_order()
    enforcement = failed_appointment(person, MONDAY).failure.enforcement
    assert enforcement.referral_due_at is None
    services.enforcement_decide(enforcement=enforcement, decision=Step.BREACH, by=person.offender_manager,
                                reason="Violence towards staff", now=at(MONDAY, 15))
    enforcement.refresh_from_db()
    assert enforcement.departure_reason == "Violence towards staff"
    assert enforcement.referral_due_at == services.end_of_local_day(datetime.date(2025, 3, 17))
