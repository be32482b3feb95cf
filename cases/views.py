"""Staff pages for cases: caseload, case page, unallocated queue, team workload, search. Thin: rules live in
services/selectors, permissions in rules.py."""

import datetime
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases.forms import AllocateForm, CohortChoiceForm, PersonSearchForm, RoshForm
from cases.models import CaseEvent, Person, Requirement, RoshAssessment, Sentence, StaffProfile, Team, TierChange
from cases.panels import case_panels, caseload_columns
from cases.selectors import (
    allocation_suggestions,
    case_points,
    caseload_for,
    officer_workloads,
    person_search,
    queue_candidates,
    tier_points,
    unallocated_queue_for,
)
from cases.services import AllocationError, case_allocate, person_choose_cohort, person_record_rosh
from probation.audit import Action, audit_record, audit_view, audit_view_many
from probation.policy import can, is_hub_or_admin, require

QUEUE_PAGE_SIZE = 50
CASELOAD_PAGE_SIZE = 100


def caseload(request):
    require(request.user, "cases.view_caseload")
    page = Paginator(caseload_for(request.user), CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    people = list(page.object_list)
    audit_view_many(request, people, list_name="cases:caseload")
    return render(request, "cases/caseload.html", {"page": page, "people": people,
                                                   "caseload_columns": caseload_columns(request, people)})


def _person_for_page(crn: str) -> Person:
    return get_object_or_404(
        Person.objects.select_related("home_borough", "team", "team__manager", "team__borough", "offender_manager")
        .prefetch_related(
            "aliases",
            Prefetch("sentences", queryset=Sentence.objects.select_related("plan", "ending").prefetch_related(
                Prefetch("requirements", queryset=Requirement.objects.order_by("start_date", "id")),
                "plan__objectives")),
            Prefetch("tier_changes", queryset=TierChange.objects.select_related("by")),
            Prefetch("rosh_history", queryset=RoshAssessment.objects.select_related("assessed_by")),
            "registers",
            Prefetch("allocations", queryset=person_allocations()),
            Prefetch("nps_handovers", queryset=person_handovers()),
            Prefetch("events", queryset=CaseEvent.objects.select_related("by")),
        ),
        crn=crn.upper(),
    )


def person_allocations():
    from cases.models import Allocation

    return Allocation.objects.select_related("offender_manager", "allocated_by", "team")


def person_handovers():
    from cases.models import NpsHandover

    return NpsHandover.objects.select_related("handed_over_by", "previous_offender_manager")


def _at(value) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time()))


def _timeline(person: Person) -> list[dict]:
    events = []
    for s in person.sentences.all():
        events.append({"at": _at(s.sentence_date), "title": f"Sentenced: {s}", "kind": "sentence"})
        for r in s.requirements.all():
            if r.commenced_on:
                events.append({"at": _at(r.commenced_on), "title": f"{r} commenced", "kind": "requirement"})
    for a in person.rosh_history.all():
        events.append({"at": a.assessed_at, "title": f"RoSH assessed as {a.get_level_display().lower()}",
                       "by": a.assessed_by, "detail": a.reason, "kind": "rosh"})
    for reg in person.registers.all():
        events.append({"at": _at(reg.start_date), "title": f"Register added: {reg.get_code_display()}", "kind": "register"})
        if reg.end_date:
            events.append({"at": _at(reg.end_date), "title": f"Register ended: {reg.code}", "kind": "register"})
    for al in person.allocations.all():
        holder = al.offender_manager or f"the {al.team} queue"
        title = f"Transferred to {al.team}: {holder}" if al.kind == "transfer" else f"{al.get_kind_display()} to {holder}"
        detail = al.reason + (f" Hand-over note: {al.handover_note}" if al.handover_note else "")
        events.append({"at": al.allocated_at, "title": title, "by": al.allocated_by, "detail": detail,
                       "kind": "allocation"})
    for t in person.tier_changes.all():
        events.append({"at": t.at, "title": f"Tier {t.previous_tier or 'not set'} to {t.tier}", "by": t.by,
                       "detail": t.trigger, "kind": "tier"})
    for h in person.nps_handovers.all():
        events.append({"at": h.handed_over_at, "title": "Escalated to the National Probation Service",
                       "by": h.handed_over_by, "detail": h.reason, "kind": "handover"})
    for ev in person.events.all():
        events.append({"at": ev.at, "title": ev.get_kind_display(), "by": ev.by, "detail": ev.summary, "kind": "event"})
    return sorted(events, key=lambda e: e["at"], reverse=True)


def case_detail(request, crn):
    person = _person_for_page(crn)
    require(request.user, "cases.view_person", person)
    rosh_form = RoshForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "cases.record_rosh", person)
        if rosh_form.is_valid():
            person_record_rosh(person=person, level=rosh_form.cleaned_data["level"], by=request.user,
                               reason=rosh_form.cleaned_data["reason"])
            audit_record(action=Action.UPDATE, request=request, obj=person, detail={"changed": ["rosh_level"]})
            messages.success(request, "RoSH level recorded.")
            if not can(request.user, "cases.view_person", Person.objects.get(pk=person.pk)):
                return redirect("cases:caseload" if can(request.user, "cases.view_caseload") else "home")
            return redirect("cases:case_detail", crn=person.crn)
    audit_view(request, person)
    sentences = list(person.sentences.all())
    context = {
        "person": person,
        "sentences": sentences,
        "current_sentence": sentences[0] if sentences else None,
        "timeline": _timeline(person),
        "active_registers": [r for r in person.registers.all() if r.is_active],
        "rosh_form": rosh_form,
        "can_record_rosh": can(request.user, "cases.record_rosh", person),
        "can_allocate": person.offender_manager_id is None and can(request.user, "cases.allocate_person", person),
        "can_reallocate": person.offender_manager_id is not None and can(request.user, "cases.reallocate_person", person),
        "can_manage_sentence": can(request.user, "cases.manage_sentence", person),
        "can_choose_cohort": can(request.user, "cases.choose_cohort", person),
        "today": timezone.localdate(),
        # Sections other apps add (supervision, MASH requests, Through the Gate...) through cases.panels: cases
        # imports none of them.
        "case_panels": case_panels(request, person),
    }
    return render(request, "cases/case_detail.html", context, status=400 if rosh_form.errors else 200)


def _queue_rows(people: list[Person]) -> list[dict]:
    """Each queued case with its suggested officer (the least loaded with room for the case's points), from the
    candidates of this page's teams only (queue_candidates: cached per team)."""
    points = tier_points()
    by_team = queue_candidates({p.team_id for p in people}, points=points)
    rows = []
    for person in people:
        needed = case_points(person, points)
        sentences = list(person.sentences.all())
        rows.append({
            "person": person,
            "suggested": next((c for c in by_team.get(person.team_id, []) if c.headroom >= needed), None),
            "points": needed,
            "sentence": sentences[0] if sentences else None,
        })
    return rows


def unallocated(request):
    require(request.user, "cases.view_unallocated")
    # Only the columns the table shows (a person row has some forty), and the team's name; the page's query count
    # test (the same at two sizes) would catch a deferred column read per row.
    queryset = (
        unallocated_queue_for(request.user).select_related(None).select_related("team")
        .only("id", "crn", "first_name", "last_name", "tier", "allocation_due_since", "team__id", "team__name")
        .prefetch_related(Prefetch("sentences", queryset=Sentence.objects.order_by("-sentence_date", "-id").only(
            "id", "person_id", "kind", "sentence_date", "release_date", "conditional_release_date")))
    )
    page = Paginator(queryset, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _queue_rows(list(page.object_list))
    _add_queue_ages(rows)
    _queue_display(rows, today=timezone.localdate())
    # Cases no cohort rule fits (gender other or not stated) join no team's queue until a manager chooses.
    awaiting_cohort = (
        list(Person.objects.awaiting_cohort().select_related("home_borough").order_by("created_at", "id")[:100])
        if is_hub_or_admin(request.user) else []  # the team managers' teams hold no such case
    )
    audit_view_many(request, list(page.object_list) + awaiting_cohort, list_name="cases:unallocated")
    return render(request, "cases/unallocated.html", {"page": page, "rows": rows, "today": timezone.localdate(),
                                                      "awaiting_cohort": awaiting_cohort})


def _queue_display(rows: list[dict], *, today: datetime.date) -> None:
    """Each row's text and links, formatted once here so the template only prints them (no URL reversing, filters
    or lookups per row: 50 rows of those were most of the page's time)."""
    from django.urls import reverse
    from django.utils.dateformat import format as date_format

    detail_url, allocate_url = reverse("cases:case_detail", args=["CRN"]), reverse("cases:case_allocate", args=["CRN"])
    for row in rows:
        person, sentence, age = row["person"], row["sentence"], row["age"]
        due_by = sentence.requirements_due_by if sentence else None
        row.update({
            "crn": person.crn,
            "name": f"{person.last_name.upper()}, {person.first_name}",
            "team": person.team.name if person.team else "",
            "detail_url": detail_url.replace("CRN", person.crn),
            "allocate_url": allocate_url.replace("CRN", person.crn),
            "waiting_since": (date_format(timezone.localtime(person.allocation_due_since), "j M Y")
                              if person.allocation_due_since else ""),
            "working_days": (f"{age.working_days} working day{'' if age.working_days == 1 else 's'}"
                             if age.working_days is not None else ""),
            "tier": person.tier or "–",
            "sentenced": date_format(sentence.sentence_date, "j M Y") if sentence and sentence.sentence_date else "–",
            "requirements_by": date_format(due_by, "j M Y") if due_by else "",
            "requirements_overdue": bool(due_by and due_by < today),
        })


def _add_queue_ages(rows: list[dict]) -> None:
    """Same-day allocation: each row's age in working days and whether it is beyond the target (no queries but the
    settings row; the calendar is cached). Kept apart from _queue_rows, whose loading helper `engine` owns."""
    from cases.models import CaseworkSettings
    from cases.selectors import queue_ages

    settings_row = CaseworkSettings.current()
    ages = queue_ages([row["person"] for row in rows], settings_row=settings_row)
    for row in rows:
        row["age"] = ages[row["person"].pk]
        row["target"] = settings_row.allocation_target_working_days


def _workload_rows(workloads) -> list[dict]:
    """Each officer's row as the workload and allocation pages print it, formatted once here so the templates only
    print values (no attribute lookups through properties, filters, includes or URL reversing per row: a team can
    have 50 officers, and those were most of the page's time)."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils.dateformat import format as date_format
    from django.utils.formats import get_format, localize

    if settings.USE_THOUSAND_SEPARATOR:
        number = localize
    else:  # what localize gives then, without its per-call format lookups
        separator = get_format("DECIMAL_SEPARATOR")
        number = lambda value: str(value).replace(".", separator)  # noqa: E731
    reallocate_url = reverse("cases:caseload_reallocate", args=[0]).replace("/0/", "/{}/")
    rows = []
    for w in workloads:
        user, percent = w.user, w.percent
        rows.append({
            "workload": w,
            "username": user.username,
            "name": str(user),
            "is_available": w.profile.is_available,
            "away_until": date_format(w.absence.end_date, "j M Y") if w.absence else "",
            "grade": w.profile.get_grade_display(),
            "holds_cases": w.holds_cases,
            "available_hours": number(w.available_hours),
            "cases": number(w.cases),
            "by_type": ", ".join(f"{number(n)} {case_type}" for case_type, n in w.by_type.items()),
            "reports": f"{number(w.reports)} report{'' if w.reports == 1 else 's'}" if w.reports else "",
            "reallocate_url": reallocate_url.format(user.pk) if w.cases else "",
            "points": number(w.points),
            "capacity": number(w.capacity),
            "percent": percent,
            "percent_text": number(percent) if percent is not None else "",
            "over": percent is not None and percent > 100,
            "bar_percent": number(w.bar_percent),
        })
    return rows


def case_allocate_view(request, crn):
    person = get_object_or_404(Person.objects.select_related("team", "team__borough", "home_borough"), crn=crn.upper())
    require(request.user, "cases.allocate_person", person)
    form = AllocateForm(request.POST or None, team=person.team)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                allocation = case_allocate(person=person, officer=form.cleaned_data["officer"].user, by=request.user,
                                           reason=form.cleaned_data["reason"])
            except AllocationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error("officer" if field not in form.fields else field, errors)
            else:
                audit_record(action=Action.UPDATE, request=request, obj=person,
                             detail={"changed": ["offender_manager"], "allocation": allocation.pk})
                messages.success(request, f"{person.crn} allocated to {allocation.offender_manager}.")
                if request.POST.get("from") == "queue":
                    return redirect("cases:unallocated")
                return redirect("cases:case_detail", crn=person.crn)
        status = 400
    workloads = officer_workloads(StaffProfile.objects.filter(team_id=person.team_id)) if person.team_id else []
    suggestions = allocation_suggestions(person, workloads=workloads)
    audit_view_many(request, [person], list_name="cases:case_allocate")
    return render(request, "cases/allocate.html", {
        "person": person, "form": form, "workloads": workloads, "rows": _workload_rows(workloads),
        "suggestions": suggestions,
        "points": case_points(person), "already_allocated": person.offender_manager_id is not None,
    }, status=status)


def case_cohort_view(request, crn):
    """A manager's choice of cohort for a case no rule decides (gender other or not stated) or an exception."""
    person = get_object_or_404(Person.objects.select_related("team", "home_borough", "cohort_chosen_by"), crn=crn.upper())
    require(request.user, "cases.choose_cohort", person)
    form = CohortChoiceForm(request.POST or None, initial={"cohort": person.cohort})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                person_choose_cohort(person=person, cohort=form.cleaned_data["cohort"], by=request.user,
                                     reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                audit_record(action=Action.UPDATE, request=request, obj=person, detail={"changed": ["cohort"]})
                messages.success(request, f"Cohort chosen for {person.crn}.")
                return redirect("cases:case_detail", crn=person.crn)
        status = 400
    return render(request, "cases/cohort_choice.html", {"person": person, "form": form}, status=status)


def team_workload(request):
    """Each officer's cases, points and capacity from their available hours, who is away, and cases whose officer is
    away long (with their open work). SPOs see their teams; the hub (which allocates) and administrators choose
    any team. A constant number of queries whatever the team's size (see officer_workloads)."""
    from cases.models import CaseworkSettings
    from cases.selectors import cases_with_long_absent_officer

    all_teams = None
    if can(request.user, "cases.view_any_team_workload"):
        all_teams = list(Team.objects.select_related("borough").order_by("borough__name", "name"))
        team_id = request.GET.get("team")
        chosen = [t for t in all_teams if team_id and team_id.isdigit() and t.pk == int(team_id)]
        teams = chosen or all_teams[:1]
    else:
        teams = list(Team.objects.filter(manager=request.user).select_related("borough"))
        if not teams:
            raise PermissionDenied
    for team in teams:
        require(request.user, "cases.view_team_workload", team)
    settings_row = CaseworkSettings.current()
    workloads = officer_workloads(StaffProfile.objects.filter(team__in=teams).order_by("team_id", "user__last_name", "user__first_name", "pk"),
                                  settings_row=settings_row)
    by_team = defaultdict(list)
    for w in workloads:
        by_team[w.profile.team_id].append(w)
    chosen = teams[0] if teams else None
    return render(request, "cases/team_workload.html", {
        "teams": [(team, by_team[team.pk]) for team in teams],
        "team_rows": [(team, _workload_rows(by_team[team.pk])) for team in teams],
        # The hub's team chooser: every team, formatted once (132 options).
        "team_options": [(t.pk, f"{t.name} ({t.borough})", t == chosen) for t in all_teams] if all_teams else None,
        "all_teams": all_teams,
        "chosen_team": teams[0] if teams else None, "settings_row": settings_row,
        "long_absences": cases_with_long_absent_officer(teams=teams, settings_row=settings_row),
        "can_record_absence": can(request.user, "cases.record_absence", teams[0] if teams else None),
    })


class _without_query:
    """The request as the audit log should see it: the path without the query string, which holds the names
    searched for."""

    def __init__(self, request):
        self.user, self.META, self.path = request.user, request.META, request.path

    def get_full_path(self):
        return self.path


def search(request):
    require(request.user, "cases.search_people")
    form = PersonSearchForm(request.GET or None)
    matches = None
    if form.is_bound and form.is_valid():
        matches = person_search(form.cleaned_data["q"], date_of_birth=form.cleaned_data["date_of_birth"])
        # Who searched, and how many were shown; never the search terms (names) themselves.
        audit_record(action=Action.VIEW, request=_without_query(request),
                     detail={"search": "people", "results": len(matches)})
    return render(request, "cases/search.html", {"form": form, "matches": matches},
                  status=400 if form.is_bound and form.errors else 200)


def person_new(request):
    """Hub staff key in a case the NPS has allocated to us (from the court's notification)."""
    from django.core.exceptions import ValidationError

    from cases.forms import NewPersonForm, NewSentenceForm
    from cases.services import person_create_from_nps

    require(request.user, "cases.create_person")
    person_form = NewPersonForm(request.POST or None)
    sentence_form = NewSentenceForm(request.POST or None)
    if request.method == "POST":
        if person_form.is_valid() and sentence_form.is_valid():
            try:
                person = person_create_from_nps(person=person_form.instance, sentence=sentence_form.instance,
                                                by=request.user)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    target = person_form if field in person_form.fields else sentence_form
                    target.add_error(field if field in target.fields else None, errors)
            else:
                audit_record(action=Action.CREATE, request=request, obj=person)
                messages.success(request, f"{person.crn} added and waiting for allocation.")
                return redirect("cases:case_detail", crn=person.crn)
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/person_new.html", {"forms": [person_form, sentence_form],
                                                     "person_form": person_form, "sentence_form": sentence_form},
                  status=status)
