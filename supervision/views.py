"""Staff pages for supervision: the officer's diary, booking, moving, cancelling, outcomes, evidence, enforcement,
letters and the team manager's view. Thin: rules live in services and selectors, permissions in rules.py."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases.models import Person, Team
from probation.audit import Action, audit_record, audit_view, audit_view_many
from probation.forms import form_add_service_errors
from probation.models import Role, User
from probation.policy import can, require
from supervision import selectors, services
from supervision.forms import (
    BookingForm,
    CancelForm,
    DecisionForm,
    EvidenceForm,
    JudgeForm,
    MoveForm,
    OutcomeForm,
    ReminderConsentForm,
    ResponseForm,
)
from supervision.models import Appointment, ContactPreference, Enforcement, Failure, Letter, Reminder, Step

# The booking services name times as the model does; the forms ask for a date and an end time.
FORM_FIELDS = {"starts_at": "date", "ends_at": "end_time"}


def _day(value: str | None) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


# --- the diary ------------------------------------------------------------------------------------------------------

def my_day(request):
    require(request.user, "supervision.view_diary")
    officer = request.user
    officer_id = request.GET.get("officer")
    if officer_id and officer_id.isdigit() and int(officer_id) != request.user.pk:
        officer = get_object_or_404(User.objects.select_related("staff_profile__team"), pk=officer_id)
        team = getattr(getattr(officer, "staff_profile", None), "team", None)
        if not (request.user.role == Role.ADMIN or (team is not None and team.manager_id == request.user.pk)):
            raise PermissionDenied
    week = request.GET.get("view") == "week"
    day = _day(request.GET.get("date"))
    first = day - datetime.timedelta(days=day.weekday()) if week else day
    days = 7 if week else 1
    context = {
        "officer": officer,
        "week": week,
        "day": day,
        "first": first,
        "previous": first - datetime.timedelta(days=days),
        "next": first + datetime.timedelta(days=days),
        "diary": selectors.diary(officer, first, days),
        "outcomes_needed": list(selectors.outcomes_needed(officer)[:50]),
        "decisions": list(selectors.decisions_waiting(officer=officer)[:50]),
        "evidence": list(selectors.evidence_decisions(officer)[:50]),
        "candidates": list(Failure.objects.filter(person__offender_manager=officer, status=Failure.Status.CANDIDATE)
                           .select_related("person", "aamr_reading")[:50]),
        "now": timezone.now(),
    }
    # Every appointment shown (names of people on probation) is a view of their record: one INSERT for the page.
    audit_view_many(request, [a for day_list in context["diary"].values() for a in day_list], list_name="supervision:my_day")
    return render(request, "supervision/diary.html", context)


# --- booking, moving, cancelling ---------------------------------------------------------------------------------------

def book(request, crn):
    person = get_object_or_404(Person.objects.select_related("team", "offender_manager"), crn=crn.upper())
    require(request.user, "supervision.manage_appointments", person)
    if request.method == "GET":
        audit_view(request, person)
    initial = {"officer": person.offender_manager_id, "type": "supervision", "place": "office"}
    form = BookingForm(request.POST or None, person=person, initial=initial)
    clashes = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        booking = services.Booking(person=person, type=data["type"], place=data["place"], starts_at=data["starts_at"],
                                   ends_at=data["ends_at"], officer=data["officer"], requirement=data["requirement"],
                                   notes=data["notes"])
        try:
            if data["repeat_every"]:
                result = services.appointment_series_book(booking=booking, every_days=data["repeat_every"],
                                                          count=data["repeat_count"], by=request.user,
                                                          allow_clash=data["confirm_clash"])
                made = result.appointments
                note = f" ({len(result.skipped)} skipped: bank holiday or closure)" if result.skipped else ""
                messages.success(request, f"{len(made)} appointments booked{note}.")
            else:
                made = [services.appointment_book(booking=booking, by=request.user, allow_clash=data["confirm_clash"])]
                messages.success(request, "Appointment booked.")
        except services.ClashWarning as exc:
            clashes = exc.clashes
        except ValidationError as exc:
            form_add_service_errors(form, exc, rename=FORM_FIELDS)
        else:
            for appointment in made:
                audit_record(action=Action.CREATE, request=request, obj=appointment)
            return redirect("cases:case_detail", crn=person.crn)
    status = 400 if request.method == "POST" else 200
    return render(request, "supervision/book.html", {"person": person, "form": form, "clashes": clashes},
                  status=status)


def _appointment(pk, permission, request) -> Appointment:
    appointment = get_object_or_404(Appointment.objects.select_related("person", "person__team", "officer"), pk=pk)
    require(request.user, permission, appointment)
    if request.method == "GET":
        audit_view(request, appointment)
    return appointment


def move(request, pk):
    appointment = _appointment(pk, "supervision.manage_appointments", request)
    local = timezone.localtime(appointment.starts_at)
    initial = {"date": local.date(), "start_time": local.strftime("%H:%M"),
               "end_time": timezone.localtime(appointment.ends_at).strftime("%H:%M")}
    form = MoveForm(request.POST or None, initial=initial)
    clashes = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = services.appointment_move(appointment=appointment, starts_at=data["starts_at"],
                                            ends_at=data["ends_at"], by=request.user, reason=data["reason"],
                                            allow_clash=data["confirm_clash"])
        except services.ClashWarning as exc:
            clashes = exc.clashes
        except ValidationError as exc:
            form_add_service_errors(form, exc, rename=FORM_FIELDS)
        else:
            audit_record(action=Action.CREATE, request=request, obj=new, detail={"moved_from": appointment.pk})
            messages.success(request, "Appointment moved.")
            return redirect("cases:case_detail", crn=appointment.person.crn)
    return render(request, "supervision/move.html", {"appointment": appointment, "form": form, "clashes": clashes},
                  status=400 if request.method == "POST" else 200)


def cancel(request, pk):
    appointment = _appointment(pk, "supervision.manage_appointments", request)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_cancel(appointment=appointment, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form_add_service_errors(form, exc, rename=FORM_FIELDS)
        else:
            audit_record(action=Action.UPDATE, request=request, obj=appointment, detail={"changed": ["cancelled"]})
            messages.success(request, "Appointment cancelled.")
            return redirect("cases:case_detail", crn=appointment.person.crn)
    return render(request, "supervision/cancel.html", {"appointment": appointment, "form": form},
                  status=400 if request.method == "POST" else 200)


# --- outcomes and evidence --------------------------------------------------------------------------------------------

def outcome(request, pk):
    appointment = _appointment(pk, "supervision.record_outcome", request)
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.appointment_record_outcome(appointment=appointment, outcome=data["outcome"], by=request.user,
                                                notes=data["notes"], absence_reason=data["absence_reason"])
        except ValidationError as exc:
            form_add_service_errors(form, exc, rename=FORM_FIELDS)
        else:
            audit_record(action=Action.UPDATE, request=request, obj=appointment, detail={"changed": ["outcome"]})
            messages.success(request, "Outcome recorded.")
            return redirect("cases:case_detail", crn=appointment.person.crn)
    return render(request, "supervision/outcome.html", {"appointment": appointment, "form": form,
                                                        "future": appointment.starts_at > timezone.now()},
                  status=400 if request.method == "POST" else 200)


def evidence(request, pk):
    appointment = _appointment(pk, "supervision.record_outcome", request)
    form = EvidenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "received":
                services.evidence_receive(appointment=appointment, by=request.user, note=data["note"])
            else:
                services.evidence_decide(appointment=appointment, accept=data["action"] == "accept", by=request.user,
                                         reason=data["reason"])
        except ValidationError as exc:
            form_add_service_errors(form, exc, rename=FORM_FIELDS)
        else:
            audit_record(action=Action.UPDATE, request=request, obj=appointment, detail={"evidence": data["action"]})
            messages.success(request, "Evidence recorded." if data["action"] == "received" else "Decision recorded.")
            return redirect("cases:case_detail", crn=appointment.person.crn)
    return render(request, "supervision/evidence.html", {"appointment": appointment, "form": form},
                  status=400 if request.method == "POST" else 200)


def judge(request, pk):
    failure = get_object_or_404(Failure.objects.select_related("person", "person__team", "aamr_reading"), pk=pk)
    require(request.user, "supervision.decide_enforcement", failure)
    if request.method == "GET":
        audit_view(request, failure)
    form = JudgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.failure_judge(failure=failure, confirm=form.cleaned_data["confirm"], by=request.user,
                                   reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form_add_service_errors(form, exc, rename=FORM_FIELDS)
        else:
            audit_record(action=Action.UPDATE, request=request, obj=failure, detail={"judged": True})
            messages.success(request, "Judgement recorded.")
            return redirect("cases:case_detail", crn=failure.person.crn)
    return render(request, "supervision/judge.html", {"failure": failure, "form": form},
                  status=400 if request.method == "POST" else 200)


# --- enforcement ------------------------------------------------------------------------------------------------------

def enforcement(request, pk):
    item = get_object_or_404(
        Enforcement.objects.select_related("person", "person__team", "failure", "failure__appointment", "decided_by",
                                           "countersigned_by", "referred_by", "previous_warning"), pk=pk)
    require(request.user, "supervision.view_supervision", item)
    audit_view(request, item)
    decision_form = DecisionForm(initial={"decision": item.proposed})
    response_form = ResponseForm()
    form = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "decide":
                require(request.user, "supervision.decide_enforcement", item)
                form = decision_form = DecisionForm(request.POST)
                if decision_form.is_valid():
                    services.enforcement_decide(enforcement=item, decision=decision_form.cleaned_data["decision"],
                                                by=request.user, reason=decision_form.cleaned_data["reason"])
            elif action == "countersign":
                require(request.user, "supervision.countersign", item)
                services.enforcement_countersign(enforcement=item, by=request.user)
            elif action == "refer":
                require(request.user, "supervision.decide_enforcement", item)
                services.enforcement_refer(enforcement=item, by=request.user)
            elif action == "response":
                require(request.user, "supervision.decide_enforcement", item)
                form = response_form = ResponseForm(request.POST)
                if response_form.is_valid():
                    services.enforcement_record_response(
                        enforcement=item, accepted=response_form.cleaned_data["response"] == "accepted",
                        reason=response_form.cleaned_data["reason"], by=request.user)
            else:
                raise Http404
        except ValidationError as exc:
            form = form or decision_form
            form_add_service_errors(form, exc, rename=FORM_FIELDS)
        if form is None or not form.errors:
            audit_record(action=Action.UPDATE, request=request, obj=item, detail={"action": action})
            messages.success(request, "Recorded.")
            return redirect("supervision:enforcement", pk=item.pk)
    context = {
        "item": item, "decision_form": decision_form, "response_form": response_form, "error_form": form,
        "can_decide": can(request.user, "supervision.decide_enforcement", item),
        "can_countersign": can(request.user, "supervision.countersign", item),
        "letter": Letter.objects.filter(failure_id=item.failure_id).defer("pdf").first(),
        "steps": Step,
    }
    return render(request, "supervision/enforcement.html", context, status=400 if form is not None else 200)


# --- reminders to the person -------------------------------------------------------------------------------------

def reminders(request, crn):
    person = get_object_or_404(Person.objects.select_related("team"), crn=crn.upper())
    require(request.user, "supervision.manage_appointments", person)
    preference = ContactPreference.objects.filter(person=person).first()
    initial = {"channel": preference.channel, "mobile": preference.mobile, "email": preference.email} if preference else {}
    form = ReminderConsentForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("action") == "opt_out":
            services.reminders_opt_out(person=person, by=request.user)
            audit_record(action=Action.UPDATE, request=request, obj=person, detail={"changed": ["reminders_opt_out"]})
            messages.success(request, "The person will get no more reminders.")
            return redirect("cases:case_detail", crn=person.crn)
        if form.is_valid():
            try:
                services.reminders_consent_record(person=person, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_add_service_errors(form, exc, rename=FORM_FIELDS)
            else:
                audit_record(action=Action.UPDATE, request=request, obj=person,
                             detail={"changed": ["reminders_consent"]})
                messages.success(request, "Consent to reminders recorded.")
                return redirect("cases:case_detail", crn=person.crn)
    audit_view(request, person)
    recent = Reminder.objects.filter(appointment__person=person).select_related("appointment")[:20]
    return render(request, "supervision/reminders.html", {"person": person, "form": form, "preference": preference,
                                                          "recent": recent},
                  status=400 if request.method == "POST" else 200)


# --- letters ------------------------------------------------------------------------------------------------------

def letter(request, pk):
    item = get_object_or_404(Letter.objects.select_related("person", "person__team"), pk=pk)
    require(request.user, "supervision.view_supervision", item)
    audit_record(action=Action.EXPORT, request=request, obj=item)
    response = HttpResponse(bytes(item.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{item.kind}-{item.person.crn}-{item.pk}.pdf"'
    return response


@require_POST
def appointment_letter(request, pk):
    appointment = _appointment(pk, "supervision.manage_appointments", request)
    made = services.letter_for_appointment(appointment=appointment, by=request.user)
    return redirect("supervision:letter", pk=made.pk)


# --- team manager -------------------------------------------------------------------------------------------------

def team(request):
    require(request.user, "supervision.view_team")
    teams = Team.objects.all() if request.user.role == Role.ADMIN else Team.objects.filter(manager=request.user)
    teams = list(teams.order_by("name")[:50])
    team_ids = [t.pk for t in teams]
    as_of = _day(request.GET.get("on"))
    past = as_of < timezone.localdate()
    context = {
        "teams": teams,
        "as_of": as_of,
        "past": past,
        "overdue": list(selectors.team_overdue(team_ids, on=as_of if past else None)[:200]),
        "by_officer": selectors.officer_overdue_counts(team_ids, on=as_of if past else None),
        "timeliness": selectors.enforcement_timeliness(team_ids, as_of=as_of),
        "countersign": list(selectors.countersign_waiting(team_ids)[:50]),
        "decisions": list(selectors.decisions_waiting(team_ids=team_ids)[:50]),
    }
    audit_view_many(request, context["overdue"], list_name="supervision:team")
    return render(request, "supervision/team.html", context)
