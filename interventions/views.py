"""Staff pages for interventions: a borough's unpaid work, a session's attendance (everyone on one page) and its
roster as a PDF, booking a person onto a session, and a woman's personalised budget. Thin: rules live in services
and selectors, permissions in rules.py."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from cases.models import Person
from interventions import roster, selectors, services
from interventions.forms import (
    AttendanceFormSet,
    BudgetForm,
    GroupAttendanceFormSet,
    ReferralForm,
    ReferralMoveForm,
    SessionBookingForm,
    SpendForm,
)
from interventions.models import GroupPlace, GroupSession, PersonalBudget, ProgrammeGroup, Referral, Session, WomensHub
from partners.models import Borough
from probation.audit import Action, audit_record, audit_view, audit_view_many
from probation.forms import form_add_service_errors
from probation.policy import require

WAITING_PAGE_SIZE = 50


def _day(value):
    try:
        return datetime.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


# --- unpaid work ------------------------------------------------------------------------------------------------------

def unpaid_work_index(request):
    require(request.user, "interventions.view_unpaid_work")
    boroughs = Borough.objects.annotate(projects=Count("upw_projects", filter=Q(upw_projects__is_active=True))) \
        .order_by("name")
    hubs = WomensHub.objects.filter(is_active=True).select_related("borough")
    return render(request, "interventions/unpaid_work_index.html", {"boroughs": boroughs, "hubs": hubs})


def unpaid_work_borough(request, code):
    require(request.user, "interventions.view_unpaid_work")
    borough = get_object_or_404(Borough, code=code)
    context = selectors.borough_unpaid_work(borough, _day(request.GET.get("from")))
    context.update(borough=borough, previous=context["first"] - datetime.timedelta(days=14),
                   next=context["first"] + datetime.timedelta(days=14))
    return render(request, "interventions/unpaid_work_borough.html", context)


def _session(pk, user) -> Session:
    session = get_object_or_404(Session.objects.select_related("project", "project__borough", "project__partner",
                                                               "supervisor"), pk=pk)
    require(user, "interventions.record_attendance", session)
    return session


def session_attendance(request, pk):
    """Everyone booked onto the session on one page: rows already recorded are shown, the rest are a form."""
    session = _session(pk, request.user)
    bookings = selectors.session_roster(session)
    open_rows = [b for b in bookings if b.attendance_recorded_at is None]
    initial = [{"booking": b.pk, "minutes_worked": session.minutes, "minutes_stood_down": 0} for b in open_rows]
    formset = AttendanceFormSet(request.POST or None, initial=initial, prefix="row")
    status = 200
    if request.method == "POST":
        by_pk = {b.pk: b for b in open_rows}
        recorded = 0
        if formset.is_valid():
            for form in formset.forms:
                data = form.cleaned_data
                booking = by_pk.get(data.get("booking"))
                if booking is None:
                    form.add_error(None, "This person is not waiting for attendance on this session.")
                    continue
                if not data.get("outcome"):
                    continue
                try:
                    services.attendance_record(
                        booking=booking, outcome=data["outcome"], by=request.user,
                        minutes_worked=data.get("minutes_worked"), minutes_stood_down=data.get("minutes_stood_down") or 0,
                        behaviour=data.get("behaviour", ""), absence_reason=data.get("absence_reason", ""),
                        notes=data.get("notes", ""))
                except ValidationError as exc:
                    form_add_service_errors(form, exc)
                else:
                    recorded += 1
                    audit_record(action=Action.UPDATE, request=request, obj=booking, detail={"attendance": data["outcome"]})
        if formset.is_valid() and not any(f.errors for f in formset.forms):
            messages.success(request, f"Attendance recorded for {recorded} {'person' if recorded == 1 else 'people'}.")
            return redirect("interventions:session", pk=session.pk)
        status = 400
    audit_view_many(request, [b.person for b in bookings])
    rows = [{"booking": b, "form": None} for b in bookings if b.attendance_recorded_at]
    forms_by_pk = dict(zip([b.pk for b in open_rows], formset.forms))
    rows += [{"booking": b, "form": forms_by_pk.get(b.pk)} for b in open_rows]
    return render(request, "interventions/session.html",
                  {"session": session, "rows": rows, "formset": formset, "open": bool(open_rows)}, status=status)


def session_roster_pdf(request, pk):
    session = _session(pk, request.user)
    bookings = selectors.session_roster(session)
    audit_view_many(request, [b.person for b in bookings])
    response = HttpResponse(roster.render_roster(session, bookings), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="roster-{session.pk}.pdf"'
    return response


def book(request, crn):
    person = get_object_or_404(Person.objects.select_related("team", "home_borough"), crn=crn.upper())
    require(request.user, "interventions.book", person)
    today = timezone.localdate()
    sessions = list(Session.objects.filter(cancelled_at__isnull=True, project__is_active=True,
                                           local_date__gte=today, local_date__lte=today + datetime.timedelta(days=28),
                                           project__borough=person.home_borough)
                    .select_related("project", "project__borough")[:100])
    form = SessionBookingForm(request.POST or None, sessions=sessions)
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.session_book(session=form.cleaned_data["session"], person=person, by=request.user)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            audit_record(action=Action.CREATE, request=request, obj=booking)
            messages.success(request, "Booked onto the session.")
            return redirect("cases:case_detail", crn=person.crn)
    return render(request, "interventions/book.html", {"person": person, "form": form},
                  status=400 if request.method == "POST" else 200)


# --- personalised budgets ---------------------------------------------------------------------------------------------

def budget_statement(request, crn):
    person = get_object_or_404(Person.objects.select_related("team"), crn=crn.upper())
    require(request.user, "interventions.view_case", person)
    audit_view(request, person)
    return render(request, "interventions/budget_statement.html",
                  {"person": person, "statement": selectors.budget_statement(person)})


def budget_new(request, crn):
    person = get_object_or_404(Person.objects.select_related("team"), crn=crn.upper())
    require(request.user, "interventions.spend_budget", person)
    form = BudgetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            budget = services.budget_create(person=person, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            audit_record(action=Action.CREATE, request=request, obj=budget)
            return redirect("interventions:budget_statement", crn=person.crn)
    return render(request, "interventions/budget_form.html", {"person": person, "form": form,
                                                             "title": "Set up a personalised budget"},
                  status=400 if request.method == "POST" else 200)


def budget_spend(request, pk):
    budget = get_object_or_404(PersonalBudget.objects.select_related("person", "person__team"), pk=pk)
    require(request.user, "interventions.spend_budget", budget.person)
    form = SpendForm(request.POST or None, initial={"spent_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            spend = services.budget_spend(budget=budget, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            audit_record(action=Action.CREATE, request=request, obj=spend)
            messages.success(request, f"£{spend.amount} spent on {spend.get_purpose_display().lower()}.")
            return redirect("interventions:budget_statement", crn=budget.person.crn)
    return render(request, "interventions/budget_form.html",
                  {"person": budget.person, "budget": budget, "form": form,
                   "title": f"Spend from the budget (£{budget.remaining} left)"},
                  status=400 if request.method == "POST" else 200)


# --- accredited programmes --------------------------------------------------------------------------------------------

def waiting_list(request, code):
    require(request.user, "interventions.view_programmes")
    borough = get_object_or_404(Borough, code=code)
    page = Paginator(selectors.waiting_list(borough), WAITING_PAGE_SIZE).get_page(request.GET.get("page"))
    referrals = list(page.object_list)
    audit_view_many(request, [r.person for r in referrals])
    groups = (ProgrammeGroup.objects.filter(borough=borough, start_date__gte=timezone.localdate())
              .select_related("programme").annotate(members=Count("referrals")))
    return render(request, "interventions/waiting_list.html",
                  {"borough": borough, "referrals": referrals, "groups": groups, "page": page})


def group(request, pk):
    require(request.user, "interventions.view_programmes")
    item = get_object_or_404(ProgrammeGroup.objects.select_related("programme", "borough"), pk=pk)
    context = selectors.group_page(item)
    audit_view_many(request, [r.person for r in context["members"]])
    return render(request, "interventions/group.html", context)


def group_session_attendance(request, pk):
    """A facilitator records a programme session for everyone on it at once (all or nothing): each mark is the
    participant's appointment outcome through supervision."""
    session = get_object_or_404(GroupSession.objects.select_related("group__programme", "group__borough",
                                                                    "catch_up_for"), pk=pk)
    require(request.user, "interventions.record_programme_attendance", session)
    places = list(GroupPlace.objects.filter(session=session)
                  .select_related("referral__person", "appointment").order_by("referral__person__last_name", "id"))
    open_places = [p for p in places if not p.appointment.outcome]
    formset = GroupAttendanceFormSet(request.POST or None, initial=[{"place": p.pk} for p in open_places], prefix="row")
    status = 200
    if request.method == "POST":
        by_pk = {p.pk: p for p in open_places}
        if formset.is_valid():
            marks = {}
            for form in formset.forms:
                data = form.cleaned_data
                if data.get("place") not in by_pk:
                    form.add_error(None, "This person is not waiting for attendance on this session.")
                elif data.get("outcome"):
                    marks[data["place"]] = (data["outcome"], data.get("absence_reason", ""))
            if not any(f.errors for f in formset.forms):
                try:
                    services.group_attendance_record(session=session, marks=marks, by=request.user)
                except ValidationError as exc:
                    forms_by_place = {f.cleaned_data["place"]: f for f in formset.forms}
                    for key, errors in exc.message_dict.items():
                        form = forms_by_place.get(int(key[6:])) if key.startswith("place_") else None
                        for error in errors:
                            (form or formset.forms[0]).add_error(None, error)
                else:
                    for pk_ in marks:
                        audit_record(action=Action.UPDATE, request=request, obj=by_pk[pk_].appointment,
                                     detail={"attendance": marks[pk_][0]})
                    messages.success(request, f"Attendance recorded for {len(marks)} "
                                              f"{'person' if len(marks) == 1 else 'people'}.")
                    return redirect("interventions:group_session", pk=session.pk)
        status = 400
    audit_view_many(request, [p.referral.person for p in places])
    forms_by_pk = dict(zip([p.pk for p in open_places], formset.forms))
    rows = [{"place": p, "form": forms_by_pk.get(p.pk)} for p in places]
    return render(request, "interventions/group_session.html",
                  {"session": session, "rows": rows, "formset": formset, "open": bool(open_places)}, status=status)


def referral_new(request, crn):
    person = get_object_or_404(Person.objects.select_related("team", "home_borough"), crn=crn.upper())
    require(request.user, "interventions.refer", person)
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(person=person, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            audit_record(action=Action.CREATE, request=request, obj=referral)
            return redirect("interventions:referral", pk=referral.pk)
    return render(request, "interventions/referral_new.html", {"person": person, "form": form},
                  status=400 if request.method == "POST" else 200)


def referral(request, pk):
    item = get_object_or_404(Referral.objects.select_related("person", "person__team", "programme", "group",
                                                             "borough"), pk=pk)
    require(request.user, "interventions.refer", item.person)
    form = ReferralMoveForm(request.POST or None, referral=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_move(referral=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            audit_record(action=Action.UPDATE, request=request, obj=item, detail={"to": form.cleaned_data["to"]})
            return redirect("interventions:referral", pk=item.pk)
    else:
        audit_view(request, item.person)
    history = list(item.history.select_related("by"))
    modules_attended = item.module_attendances.filter(attended=True).count() if item.programme.through_the_gate else 0
    return render(request, "interventions/referral.html", {"referral": item, "form": form, "history": history,
                                                           "modules_attended": modules_attended},
                  status=400 if request.method == "POST" else 200)


def programme_rates(request):
    require(request.user, "interventions.view_programme_rates")
    today = timezone.localdate()
    first = _day(request.GET.get("from")) if request.GET.get("from") else today.replace(day=1) - datetime.timedelta(days=365)
    last = _day(request.GET.get("to"))
    return render(request, "interventions/programme_rates.html",
                  {"rows": selectors.completion_rates(first=first, last=last), "first": first, "last": last})


# --- women's hubs -----------------------------------------------------------------------------------------------------

def womens_hub(request, pk):
    require(request.user, "interventions.view_unpaid_work")
    hub = get_object_or_404(WomensHub.objects.select_related("organisation", "borough"), pk=pk)
    today = timezone.localdate()
    first, last = today - datetime.timedelta(days=28), today + datetime.timedelta(days=28)
    return render(request, "interventions/womens_hub.html",
                  {"hub": hub, "sessions": selectors.hub_sessions(hub, first, last), "first": first, "last": last})
