"""Staff pages for MASH requests. Thin: check the policy, validate a form, call a service or selector, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from partners.models import Borough
from probation.audit import audit_record, audit_view, audit_view_many
from probation.policy import can, require
from safeguarding import selectors, services
from safeguarding.forms import (
    AssignForm,
    CloseForm,
    ComplianceForm,
    ConcernedFormSet,
    IntakeForm,
    QueueFilterForm,
    RatingChangeForm,
    ResponseForm,
    SearchForm,
    TriageForm,
    WithdrawForm,
)
from safeguarding.models import Rag, SafeguardingRequest

PAGE_SIZE = 50


def _get_request_or_404(reference: str, user, permission="safeguarding.view_request"):
    obj = selectors.request_detail(reference)
    if obj is None:
        raise Http404
    require(user, permission, obj)
    return obj


def _add_errors(form, exc: ValidationError):
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def queue(request):
    require(request.user, "safeguarding.view_queue")
    form = QueueFilterForm(request.GET or None)
    filters = selectors.QueueFilters(**{k: v for k, v in (form.cleaned_data.items() if form.is_valid() else [])})
    number = request.GET.get("page", "1")
    number = min(int(number), 100_000) if number.isdigit() and int(number) > 0 else 1
    # No exact total page count (a COUNT over every open request): a page knows only whether there is a next one.
    page = selectors.queue_page(filters, number, PAGE_SIZE)
    # Each request shown is audited (one INSERT); the rows are plain values, so name them by id and reference.
    audit_view_many(request, [SafeguardingRequest(pk=r.pk, reference=r.reference) for r in page.object_list],
                    list_name="safeguarding:queue")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "safeguarding/queue.html", {
        "form": form, "page": page, "counts": selectors.queue_counts(filters), "ratings": Rag,
        "querystring": query.urlencode(),
    })


def new_request(request):
    require(request.user, "safeguarding.receive_request")
    form = IntakeForm(request.POST or None)
    concerned = ConcernedFormSet(request.POST or None, prefix="concerned")
    if request.method == "POST" and form.is_valid() and concerned.is_valid():
        data = form.cleaned_data
        people = [services.ConcernedInput(**f.cleaned_data) for f in concerned if f.cleaned_data.get("name")]
        try:
            mash = services.request_receive(
                organisation=data["organisation"], borough=data["borough"], channel="secure_email",
                received_at=data["received_at"], received_by=request.user,
                **{k: data[k] for k in ("subject_first_name", "subject_last_name", "subject_aliases", "subject_date_of_birth",
                                        "subject_pnc", "subject_address", "reason", "rating", "requester_name",
                                        "requester_email", "requester_phone")},
                concerned=people,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            audit_record(action="create", request=request, obj=mash, detail={"channel": "secure_email"})
            messages.success(request, f"Request recorded. Reference {mash.reference}: give this to the requester.")
            return redirect("safeguarding:detail", mash.reference)
    return render(request, "safeguarding/new.html", {"form": form, "concerned": concerned})


def detail(request, reference):
    mash = _get_request_or_404(reference, request.user)
    audit_view(request, mash)
    user = request.user
    context = {
        "mash": mash,
        "events": selectors.timeline(mash),
        "concerned": list(mash.concerned.all()),
        "notes": list(mash.notes.select_related("added_by", "concerned")),
        "rating_changes": list(mash.rating_changes.select_related("changed_by")),
        "assignments": list(mash.assignments.select_related("assignee", "assigned_by")),
        "response": getattr(mash, "response", None) if mash.responded_at else None,
        "can_triage": mash.is_open and can(user, "safeguarding.triage_request", mash),
        "can_respond": can(user, "safeguarding.respond_request", mash),
        "can_assign": mash.is_open and can(user, "safeguarding.assign_request", mash),
        "can_open_case": mash.person_id is not None and can(user, "cases.view_person", mash.person),
        "rating_form": RatingChangeForm(initial={"rating": mash.rating}),
        "assign_form": AssignForm(),
        "withdraw_form": WithdrawForm(),
        "can_close": mash.is_open and mash.rating == Rag.BLUE and can(user, "safeguarding.close_request", mash),
        "close_form": CloseForm(),
    }
    return render(request, "safeguarding/detail.html", context)


def triage(request, reference):
    mash = _get_request_or_404(reference, request.user, "safeguarding.triage_request")
    audit_view(request, mash)
    from cases.selectors import person_search

    initial = {"text": f"{mash.subject_first_name} {mash.subject_last_name}", "date_of_birth": mash.subject_date_of_birth, "pnc": mash.subject_pnc}
    search = SearchForm(request.GET if "text" in request.GET else None, initial=initial)
    criteria = search.cleaned_data if search.is_bound and search.is_valid() else initial
    matches = person_search(
        criteria.get("text") or "", date_of_birth=criteria.get("date_of_birth"), pnc=criteria.get("pnc") or None,
        crn=criteria.get("crn") or None, limit=10,
    )
    form = TriageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_triage(request=mash, outcome=form.cleaned_data["outcome"], person=form.cleaned_data["person"], by=request.user)
        except services.RefusedChange as exc:
            services.request_refusal_record(request=mash, action="triage", by=request.user, why=exc.why)
            _add_errors(form, exc)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            audit_record(action="update", request=request, obj=mash, detail={"step": "triage", "outcome": form.cleaned_data["outcome"]})
            messages.success(request, "Triage recorded.")
            return redirect("safeguarding:detail", mash.reference)
    return render(request, "safeguarding/triage.html", {"mash": mash, "search": search, "matches": matches, "form": form, "rating_form": RatingChangeForm(initial={"rating": mash.rating})})


@require_POST
def change_rating(request, reference):
    mash = _get_request_or_404(reference, request.user, "safeguarding.triage_request")
    form = RatingChangeForm(request.POST)
    if form.is_valid():
        try:
            services.request_change_rating(request=mash, rating=form.cleaned_data["rating"], rationale=form.cleaned_data["rationale"], by=request.user)
        except services.RefusedChange as exc:
            services.request_refusal_record(request=mash, action="change_rating", by=request.user, why=exc.why)
            _add_errors(form, exc)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            audit_record(action="update", request=request, obj=mash, detail={"step": "rating", "to": form.cleaned_data["rating"]})
            messages.success(request, "Rating changed; the deadline has been recomputed from receipt.")
            return redirect("safeguarding:detail", mash.reference)
    return render(request, "safeguarding/rating.html", {"mash": mash, "rating_form": form}, status=400)


@require_POST
def assign(request, reference):
    mash = _get_request_or_404(reference, request.user, "safeguarding.assign_request")
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.request_assign(request=mash, assignee=form.cleaned_data["assignee"], by=request.user, reason=form.cleaned_data["reason"])
        except services.RefusedChange as exc:
            services.request_refusal_record(request=mash, action="assign", by=request.user, why=exc.why)
            _add_errors(form, exc)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            audit_record(action="update", request=request, obj=mash, detail={"step": "assign"})
            messages.success(request, f"Assigned to {form.cleaned_data['assignee']}.")
            return redirect("safeguarding:detail", mash.reference)
    return render(request, "safeguarding/assign.html", {"mash": mash, "assign_form": form}, status=400)


def respond(request, reference):
    mash = _get_request_or_404(reference, request.user)
    if not can(request.user, "safeguarding.respond_request", mash):
        if not mash.is_open:
            services.request_refusal_record(request=mash, action="respond", by=request.user)
            messages.error(request, "This request is closed (answered or withdrawn); it takes no response.")
            return redirect("safeguarding:detail", mash.reference)
        raise PermissionDenied
    audit_view(request, mash)
    form = ResponseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_respond(request=mash, by=request.user, **form.cleaned_data)
        except services.RefusedChange as exc:
            services.request_refusal_record(request=mash, action="respond", by=request.user, why=exc.why)
            _add_errors(form, exc)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            audit_record(action="update", request=request, obj=mash, detail={"step": "respond"})
            messages.success(request, "Response recorded and sent to the requesting partner.")
            return redirect("safeguarding:detail", mash.reference)
    return render(request, "safeguarding/respond.html", {"mash": mash, "form": form, "concerned": list(mash.concerned.all())})


@require_POST
def withdraw(request, reference):
    """The hub records a withdrawal the partner sent by secure email."""
    mash = _get_request_or_404(reference, request.user, "safeguarding.triage_request")
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                services.request_withdraw(request=mash, by=request.user, reason=form.cleaned_data["reason"])
        except services.RefusedChange as exc:
            services.request_refusal_record(request=mash, action="withdraw", by=request.user, why=exc.why)
            messages.error(request, " ".join(exc.messages))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            audit_record(action="update", request=request, obj=mash, detail={"step": "withdraw"})
            messages.success(request, "Request withdrawn.")
    return redirect("safeguarding:detail", mash.reference)


@require_POST
def close(request, reference):
    """The hub closes a blue request (no probation response needed) with a reason: it leaves the open queue."""
    mash = _get_request_or_404(reference, request.user, "safeguarding.close_request")
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.request_close(request=mash, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            audit_record(action="update", request=request, obj=mash, detail={"step": "close"})
            messages.success(request, "Request closed: no probation response needed.")
            return redirect("safeguarding:queue")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("safeguarding:detail", mash.reference)


def mine(request):
    require(request.user, "safeguarding.view_my_requests")
    requests, answered = list(selectors.assigned_to(request.user)[:200]), list(selectors.answered_by(request.user))
    audit_view_many(request, requests + answered, list_name="safeguarding:mine")
    return render(request, "safeguarding/mine.html", {"requests": requests, "answered": answered})


def team(request):
    require(request.user, "safeguarding.view_team_requests")
    page = Paginator(selectors.team_requests(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    audit_view_many(request, page.object_list, list_name="safeguarding:team")
    return render(request, "safeguarding/team.html", {"page": page})


def compliance(request):
    require(request.user, "safeguarding.view_compliance")
    form = ComplianceForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    if form.is_bound and not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
    borough = data.get("borough")
    result = selectors.compliance(as_of=data.get("as_of"), borough=borough.code if borough else "")
    charts = {
        name: {"labels": [r.label for r in rows], "on_time": [r.on_time for r in rows], "late": [r.late + r.overdue for r in rows],
               "percent": [r.percent for r in rows]}
        for name, rows in (("rating", result.by_rating), ("borough", result.by_borough), ("team", result.by_team), ("month", result.by_month))
    }
    boroughs = Borough.objects.order_by("name").values_list("code", "name")
    return render(request, "safeguarding/compliance.html", {"result": result, "charts": charts, "form": form,
                                                            "boroughs": boroughs, "borough": borough},
                  status=400 if form.is_bound and form.errors else 200)
