"""The provider behind cases.programmes for resettlement's Through the Gate programme screens (Getting it Right,
Healing Trauma): reads over the one programme model and the writes in services.py, each write audited. Registered
in InterventionsConfig.ready()."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q

from interventions import services
from interventions.models import ModuleAttendance, Programme, Referral, ReferralStatus
from probation.audit import Action, audit_record

WITHDRAWN = (ReferralStatus.TERMINATED, ReferralStatus.WITHDRAWN)  # resettlement's screens call both "withdrawn"


def catalogue():
    return Programme.objects.filter(through_the_gate=True)


def programme(code: str):
    return catalogue().filter(code=code).first()


def completion() -> list[dict]:
    """Per programme and setting: enrolled, completed, withdrawn, active, and the completion rate (completed out of
    those who finished or left). One query."""
    rows = (
        Referral.objects.filter(programme__through_the_gate=True)
        .values("programme__name", "setting")
        .annotate(enrolled=Count("pk"), completed=Count("pk", filter=Q(status=ReferralStatus.COMPLETED)),
                  withdrawn=Count("pk", filter=Q(status__in=WITHDRAWN)))
        .order_by("programme__name", "setting")
    )
    result = []
    for row in rows:
        ended = row["completed"] + row["withdrawn"]
        result.append({
            "programme": row["programme__name"], "setting": row["setting"], "enrolled": row["enrolled"],
            "completed": row["completed"], "withdrawn": row["withdrawn"], "active": row["enrolled"] - ended,
            "rate": round(100 * row["completed"] / ended) if ended else None,
        })
    return result


def enrolments(programme: Programme):
    return (
        Referral.objects.filter(programme=programme).select_related("person", "programme")
        .annotate(attended=Count("module_attendances", filter=Q(module_attendances__attended=True)))
        .order_by("-starts_on", "pk")
    )


def enrolment(pk: int):
    return (Referral.objects.filter(pk=pk, programme__through_the_gate=True)
            .select_related("programme", "person").first())


def modules(enrolment: Referral) -> list[dict]:
    records = {a.number: a for a in ModuleAttendance.objects.filter(referral=enrolment)}
    return [{"number": n, "date": enrolment.module_date(n), "record": records.get(n)}
            for n in range(1, enrolment.programme.sessions + 1)]


def enrol(*, programme, person, setting: str, starts_on: datetime.date, by, prison_code: str = "", request=None):
    referral = services.module_enrol(programme=programme, person=person, setting=setting, starts_on=starts_on,
                                     prison_code=prison_code, by=by)
    audit_record(action=Action.CREATE, request=request, user=by, obj=referral)
    return referral


def attendance_record(*, enrolment, module_number: int, attended: bool, by, request=None):
    row = services.module_attendance_record(referral=enrolment, number=module_number, attended=attended, by=by)
    audit_record(action=Action.UPDATE, request=request, user=by, obj=enrolment,
                 detail={"module": module_number, "attended": attended})
    return row


def journal_complete(*, enrolment, completed_on: datetime.date, by, request=None):
    referral = services.module_journal_complete(referral=enrolment, completed_on=completed_on, by=by)
    audit_record(action=Action.UPDATE, request=request, user=by, obj=enrolment, detail={"journal": True})
    return referral


def withdraw(*, enrolment, withdrawn_on: datetime.date, reason: str, by, request=None):
    referral = services.module_withdraw(referral=enrolment, withdrawn_on=withdrawn_on, reason=reason, by=by)
    audit_record(action=Action.UPDATE, request=request, user=by, obj=enrolment, detail={"withdrawn": True})
    return referral
