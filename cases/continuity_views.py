"""Staff pages for case continuity: reallocation with hand-over, team transfer and its approvals, bulk reallocation
when an officer leaves, absences, and same-day allocation figures. Thin: rules live in services and selectors,
permissions in rules.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from cases.forms import (
    AbsenceForm,
    AllocationFiguresForm,
    BulkReallocateForm,
    ReallocateForm,
    TransferForm,
    TransferRefuseForm,
)
from cases.models import Allocation, CaseTransfer, Person, StaffProfile, Team
from cases.registry import open_work_for
from cases.selectors import allocation_figures, allocation_suggestions, officer_workloads
from cases.services import (
    AllocationError,
    absence_record,
    case_reallocate,
    officer_caseload_reallocate,
    transfer_approve,
    transfer_refuse,
    transfer_request,
)
from probation.audit import Action, audit_record, audit_view
from probation.forms import form_add_service_errors
from probation.policy import require


def _person(crn: str) -> Person:
    return get_object_or_404(
        Person.objects.select_related("team", "team__borough", "team__manager", "offender_manager").prefetch_related(
            Prefetch("allocations", queryset=Allocation.objects.select_related(
                "offender_manager", "allocated_by", "team", "previous_offender_manager"))),
        crn=crn.upper())


def case_reallocate_view(request, crn):
    """Move an allocated case to another officer in its team: the open work that follows it is listed first."""
    person = _person(crn)
    require(request.user, "cases.reallocate_person", person)
    form = ReallocateForm(request.POST if request.method == "POST" else None, initial={
        "effective_from": timezone.localdate(), "expected_officer": person.offender_manager_id})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                allocation = case_reallocate(
                    person=person, officer=data["officer"].user, by=request.user, reason=data["reason"],
                    handover_note=data["handover_note"], effective_from=data["effective_from"],
                    expected_officer_id=data["expected_officer"])
            except AllocationError as exc:
                form_add_service_errors(form, exc)
            else:
                audit_record(action=Action.UPDATE, request=request, obj=person,
                             detail={"changed": ["offender_manager"], "reallocation": allocation.pk})
                when = "" if not allocation.is_pending else f" from {allocation.effective_from:%-d %B %Y}"
                messages.success(request, f"{person.crn} reallocated to {allocation.offender_manager}{when}.")
                return redirect("cases:case_detail", crn=person.crn)
        status = 400
    audit_view(request, person)
    workloads = officer_workloads(StaffProfile.objects.filter(team_id=person.team_id)) if person.team_id else []
    return render(request, "cases/reallocate.html", {
        "person": person, "form": form, "workloads": workloads,
        "suggestions": [w for w in allocation_suggestions(person, workloads=workloads)
                        if w.user.pk != person.offender_manager_id],
        "open_work": open_work_for([person.pk])[person.pk], "history": list(person.allocations.all()),
    }, status=status)


def case_transfer_view(request, crn):
    person = _person(crn)
    require(request.user, "cases.transfer_person", person)
    form = TransferForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                transfer = transfer_request(person=person, to_team=form.cleaned_data["to_team"], by=request.user,
                                            reason=form.cleaned_data["reason"],
                                            handover_note=form.cleaned_data["handover_note"])
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                audit_record(action=Action.CREATE, request=request, obj=transfer)
                done = "completed" if transfer.completed_at else "asked for: both teams' SPOs must approve"
                messages.success(request, f"Transfer of {person.crn} to {transfer.to_team} {done}.")
                return redirect("cases:case_detail", crn=person.crn)
        status = 400
    audit_view(request, person)
    return render(request, "cases/transfer.html", {"person": person, "form": form,
                                                   "open_work": open_work_for([person.pk])[person.pk]}, status=status)


def transfer_decide_view(request, pk):
    transfer = get_object_or_404(
        CaseTransfer.objects.select_related("person", "from_team", "to_team", "requested_by", "from_approved_by",
                                            "to_approved_by"), pk=pk)
    require(request.user, "cases.decide_transfer", transfer)
    # Bound for any post but an approval, so a refusal without a reason, or no decision at all, is shown as errors.
    refuse_form = TransferRefuseForm(
        request.POST if request.method == "POST" and request.POST.get("decision") != "approve" else None)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "approve":
                transfer = transfer_approve(transfer=transfer, by=request.user)
                messages.success(request, "Transfer completed." if transfer.completed_at else
                                 "Approved: waiting for the other team's SPO.")
            elif request.POST.get("decision") == "refuse" and refuse_form.is_valid():
                transfer_refuse(transfer=transfer, by=request.user, reason=refuse_form.cleaned_data["reason"])
                messages.success(request, "Transfer refused.")
            elif request.POST.get("decision") == "refuse":
                raise ValidationError({})  # the bound form already holds its errors (reason missing or too long)
            else:
                raise ValidationError({"__all__": "Choose approve, or refuse with a reason."})
        except (ValidationError, AllocationError) as exc:
            form_add_service_errors(refuse_form, exc)
            status = 400
        else:
            audit_record(action=Action.UPDATE, request=request, obj=transfer,
                         detail={"decision": request.POST.get("decision")})
            return redirect("cases:transfer_decide", pk=transfer.pk)
    audit_view(request, transfer.person)
    return render(request, "cases/transfer_decide.html", {
        "transfer": transfer, "form": refuse_form,
        "open_work": open_work_for([transfer.person_id])[transfer.person_id]}, status=status)


def caseload_reallocate_view(request, user_id):
    """Bulk reallocation when an officer leaves: every case to the least-loaded colleague with room, or back to the
    team's queue."""
    profile = get_object_or_404(StaffProfile.objects.select_related("user", "team", "team__manager"), user_id=user_id)
    require(request.user, "cases.reallocate_caseload", profile)
    form = BulkReallocateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = officer_caseload_reallocate(officer=profile.user, by=request.user,
                                                 reason=form.cleaned_data["reason"],
                                                 handover_note=form.cleaned_data["handover_note"])
        except AllocationError as exc:
            form_add_service_errors(form, exc)
        else:
            audit_record(action=Action.UPDATE, request=request, obj=profile, detail={"bulk_reallocation": result})
            messages.success(request, f"{result['reallocated']} cases reallocated, {result['returned_to_queue']} "
                                      f"returned to the team queue, {result['failed']} failed.")
            return redirect("cases:team_workload")
    people = list(Person.objects.crc().filter(offender_manager=profile.user).order_by("last_name", "first_name", "pk"))
    work = open_work_for([p.pk for p in people])
    if request.method == "GET":
        audit_record(action=Action.VIEW, request=request, obj=profile, detail={"caseload": [p.crn for p in people]})
    return render(request, "cases/caseload_reallocate.html", {
        "profile": profile, "form": form, "rows": [{"person": p, "open_work": work.get(p.pk, [])} for p in people],
    }, status=400 if form.errors else 200)


def absence_new_view(request):
    """An SPO records leave, sickness or training for someone in their team (administrators: anyone)."""
    teams = list(Team.objects.all() if request.user.role == "admin" else Team.objects.filter(manager=request.user))
    if not teams:
        require(request.user, "cases.record_absence", None)
    for team in teams[:1]:
        require(request.user, "cases.record_absence", team)
    form = AbsenceForm(request.POST if request.method == "POST" else None, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            absence = absence_record(officer=data["officer"].user, kind=data["kind"], start_date=data["start_date"],
                                     end_date=data["end_date"], by=request.user)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            audit_record(action=Action.CREATE, request=request, obj=absence)
            messages.success(request, f"Absence recorded for {absence.officer}.")
            return redirect("cases:team_workload")
    return render(request, "cases/absence_new.html", {"form": form}, status=400 if form.errors else 200)


def allocation_figures_view(request):
    """Same-day allocation by team and month, as at any past date."""
    require(request.user, "cases.view_allocation_figures")
    form = AllocationFiguresForm(request.GET or None)
    as_at = timezone.localdate()
    if form.is_bound and form.is_valid() and form.cleaned_data.get("as_at"):
        as_at = form.cleaned_data["as_at"]
    figures = allocation_figures(as_at=as_at)
    if request.user.role == "team_manager":
        figures["rows"] = [r for r in figures["rows"] if r["team"].manager_id == request.user.pk]
    return render(request, "cases/allocation_figures.html", {"form": form, "figures": figures},
                  status=400 if form.errors else 200)


def _sentence(crn: str, pk: int):
    from cases.models import Sentence

    return get_object_or_404(Sentence.objects.select_related("person", "person__team", "person__team__manager")
                             .prefetch_related("requirements"), pk=pk, person__crn=crn.upper())


def order_end_view(request, crn, pk):
    """Record how an order ended and what was completed by then."""
    from cases.forms import OrderEndForm
    from cases.services import order_end

    sentence = _sentence(crn, pk)
    require(request.user, "cases.manage_sentence", sentence.person)
    form = OrderEndForm(request.POST if request.method == "POST" else None,
                        initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            ending = order_end(sentence=sentence, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            audit_record(action=Action.CREATE, request=request, obj=ending)
            flag = " No requirement was completed: the order is flagged." if ending.no_requirement_completed else ""
            messages.success(request, f"Order ending recorded.{flag}")
            return redirect("cases:case_detail", crn=sentence.person.crn)
    audit_view(request, sentence.person)
    return render(request, "cases/order_end.html", {"sentence": sentence, "form": form},
                  status=400 if form.errors else 200)


def sentence_plan_view(request, crn, pk):
    """The sentence plan: objectives with target dates, agreement, reviews at intervals."""
    from cases.forms import PlanDateForm, PlanObjectiveForm
    from cases.services import plan_agree, plan_objective_add, plan_review_record, sentence_plan_start

    sentence = _sentence(crn, pk)
    require(request.user, "cases.manage_sentence", sentence.person)
    plan = sentence_plan_start(sentence=sentence)
    action = request.POST.get("action") if request.method == "POST" else None
    objective_form = PlanObjectiveForm(request.POST if action == "objective" else None)
    date_form = PlanDateForm(request.POST if action in ("agree", "review") else None,
                             initial={"on": timezone.localdate()})
    if action == "objective" and objective_form.is_valid():
        try:
            plan_objective_add(plan=plan, by=request.user, **objective_form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(objective_form, exc)
    elif action in ("agree", "review") and date_form.is_valid():
        try:
            if action == "agree":
                plan_agree(plan=plan, on=date_form.cleaned_data["on"], by=request.user)
            else:
                plan_review_record(plan=plan, on=date_form.cleaned_data["on"], by=request.user,
                                   note=date_form.cleaned_data["note"])
        except ValidationError as exc:
            date_form.add_error(None, exc.messages)
    if action and not objective_form.errors and not date_form.errors:
        audit_record(action=Action.UPDATE, request=request, obj=plan, detail={"plan": action})
        messages.success(request, {"objective": "Objective added.", "agree": "Plan agreed.",
                                   "review": "Review recorded."}.get(action, "Saved."))
        return redirect("cases:sentence_plan", crn=sentence.person.crn, pk=sentence.pk)
    audit_view(request, sentence.person)
    plan.refresh_from_db()
    return render(request, "cases/sentence_plan.html", {
        "sentence": sentence, "plan": plan, "objectives": list(plan.objectives.all()),
        "reviews": list(plan.reviews.select_related("reviewed_by")), "objective_form": objective_form,
        "date_form": date_form, "today": timezone.localdate(),
    }, status=400 if (objective_form.errors or date_form.errors) else 200)
