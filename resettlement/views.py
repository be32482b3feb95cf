"""Pages for Through the Gate. Thin: check the policy, call a selector or a service, render. Every view of a plan or
an action is audited; list pages audit one event per record shown in a single insert."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from cases.programmes import programmes as programme_provider
from partners.scoping import get_scoped_object_or_404
from probation.audit import Action, audit_record
from probation.policy import can, require
from resettlement import forms, selectors, services
from resettlement.audit import audit_views
from resettlement.models import (
    CustodyEpisode,
    Pathway,
    PlanAction,
    Prison,
    ScreeningPart,
    london_today,
)


def _posted(request):
    """The submitted data, or None for a GET: an empty POST is still a submission (and gets its errors)."""
    return request.POST if request.method == "POST" else None


def _form_page(request, form, *, title, episode=None, submit="Save", back=None, extra=None):
    context = {"form": form, "title": title, "episode": episode, "submit": submit, "back": back}
    context.update(extra or {})
    return render(request, "resettlement/form.html", context, status=400 if form.is_bound and form.errors else 200)


def _run(form, fn, **kwargs):
    """Call a service; on a ValidationError put its messages on the form. Returns the result or None."""
    try:
        return fn(**kwargs)
    except ValidationError as exc:
        forms.add_service_errors(form, exc)
        return None


def _episode_for(request, pk, permission="resettlement.change_plan"):
    require(request.user, permission)
    try:
        return selectors.episode_detail(pk)
    except CustodyEpisode.DoesNotExist:
        raise Http404 from None


# --- Caseload, episodes and plans ----------------------------------------------------------------------------


def caseload(request):
    require(request.user, "resettlement.use_ttg")
    prisons = Prison.objects.filter(is_active=True)
    prison = prisons.filter(pk=request.GET.get("prison") or None).first() if request.GET.get("prison", "").isdigit() else None
    scope = request.GET.get("scope", "mine" if prison is None else "all")
    episodes = list(selectors.prison_caseload(user=request.user if scope == "mine" else None, prison=prison)[:500])
    for episode in episodes:
        episode.bcst2 = episode.bcst2_list[0] if episode.bcst2_list else None
    audit_views(request, [e.plan for e in episodes if hasattr(e, "plan")])
    return render(request, "resettlement/caseload.html", {
        "episodes": episodes, "prisons": prisons, "prison": prison, "scope": scope, "now": timezone.now(),
        "lookup_form": forms.PlanLookupForm(),
    })


def episode_new(request):
    require(request.user, "resettlement.change_plan")
    form = forms.EpisodeForm(_posted(request), initial={"ttg_worker": request.user.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        episode = _run(
            form, services.episode_record,
            person=data["crn"], prison=data["prison"], custody_type=data["custody_type"],
            reception_at=data["reception_at"], sentence_length_months=data["sentence_length_months"],
            expected_release_date=data["expected_release_date"], ttg_worker=data["ttg_worker"], by=request.user,
            request=request,
        )
        if episode is not None:
            messages.success(request, "Reception recorded. The BCST deadlines are set and the Resettlement Plan started.")
            return redirect("resettlement:plan", episode.pk)
    return _form_page(request, form, title="Record a reception into prison", submit="Record reception",
                      back=reverse("resettlement:caseload"))


def plan_lookup(request):
    """Find the plan for a CRN: the plan of the person's custody episode, or a clear error if they have none."""
    require(request.user, "resettlement.change_plan")
    form = forms.PlanLookupForm(request.GET or None)
    if form.is_bound and form.is_valid():
        plan = _run(form, services.plan_for_person, person=form.cleaned_data["crn"], by=request.user)
        if plan is not None:
            return redirect("resettlement:plan", plan.episode_id)
    return _form_page(request, form, title="Find a Resettlement Plan", submit="Find plan", extra={"method": "get"})


def plan(request, pk):
    episode = _episode_for(request, pk, "resettlement.view_plan")
    data = selectors.plan_page_data(episode)
    audit_record(action=Action.VIEW, request=request, obj=episode.plan, detail={"person": episode.person_id})
    now = timezone.now()
    data.update({
        "episode": episode, "person": episode.person, "now": now, "today": london_today(),
        "bcst2": next((s for s in data["screenings"] if s.part == ScreeningPart.BCST2), None),
        "bcst1": next((s for s in data["screenings"] if s.part == ScreeningPart.BCST1), None),
        "outstanding_actions": [a for a in data["actions"] if a.is_open],
        "supervision": selectors.supervision_dates(episode),
    })
    return render(request, "resettlement/plan.html", data)


def bcst1_complete(request, pk):
    episode = _episode_for(request, pk)
    screening = get_object_or_404(episode.screenings, part=ScreeningPart.BCST1)
    form = forms.Bcst1Form(_posted(request))
    if request.method == "POST" and form.is_valid():
        if _run(form, services.screening_complete, screening=screening, completed_at=form.cleaned_data["completed_at"],
                by=request.user, request=request):
            messages.success(request, "BCST part 1 recorded.")
            return redirect("resettlement:plan", episode.pk)
    return _form_page(request, form, title="Record BCST part 1 (prison)", episode=episode,
                      back=reverse("resettlement:plan", args=[episode.pk]))


def bcst2_complete(request, pk):
    episode = _episode_for(request, pk)
    form = forms.Bcst2Form(_posted(request))
    if request.method == "POST" and form.is_valid():
        if _run(form, services.bcst2_complete, episode=episode, needs=form.cleaned_data, by=request.user,
                request=request):
            messages.success(request, "BCST2 completed. The plan's pathway needs are set.")
            return redirect("resettlement:plan", episode.pk)
    return _form_page(request, form, title="Complete the BCST2", episode=episode, submit="Complete BCST2",
                      back=reverse("resettlement:plan", args=[episode.pk]))


def need_update(request, pk, pathway):
    episode = _episode_for(request, pk)
    if pathway not in Pathway.values:
        raise Http404
    need = get_object_or_404(episode.plan.needs, pathway=pathway)
    form = forms.NeedForm(_posted(request), initial={"status": need.status, "notes": need.notes})
    if request.method == "POST" and form.is_valid():
        if _run(form, services.need_update, need=need, by=request.user, request=request, **form.cleaned_data):
            messages.success(request, f"{need.get_pathway_display()} updated.")
            return redirect("resettlement:plan", episode.pk)
    return _form_page(request, form, title=need.get_pathway_display(), episode=episode,
                      back=reverse("resettlement:plan", args=[episode.pk]))


def action_new(request, pk):
    episode = _episode_for(request, pk)
    form = forms.ActionForm(_posted(request), initial={"pathway": request.GET.get("pathway", "")})
    if request.method == "POST" and form.is_valid():
        if _run(form, services.action_create, plan=episode.plan, by=request.user, request=request, **form.cleaned_data):
            messages.success(request, "Action added to the plan.")
            return redirect("resettlement:plan", episode.pk)
    return _form_page(request, form, title="Add an action", episode=episode, submit="Add action",
                      back=reverse("resettlement:plan", args=[episode.pk]))


def action_update(request, pk):
    """Staff and the owning partner update an action's status and outcome. Anyone else gets a 404."""
    # A partner asking for another organisation's (or the CRC's own) action gets 404, audited as DENIED.
    action = get_scoped_object_or_404(request, PlanAction.objects.with_person(), organisation_field="owner_organisation",
                                      pk=pk)
    if not can(request.user, "resettlement.view_action", action):
        raise Http404
    episode = action.plan.episode
    audit_record(action=Action.VIEW, request=request, obj=action, detail={"person": episode.person_id})
    allowed = [action.status] + services.action_status_choices_for(request.user, action)
    form = forms.ActionUpdateForm(_posted(request), allowed=allowed, initial={"status": action.status})
    back = reverse("resettlement:plan", args=[episode.pk]) if request.user.is_staff_member else reverse(
        "resettlement:partner_actions")
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(action=action, by=request.user, request=request, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, "Action updated.")
            return redirect(back)
    return _form_page(request, form, title="Update an action", submit="Save", back=back,
                      extra={"action": action, "action_person": episode.person})


def plan_review(request, pk):
    episode = _episode_for(request, pk)
    form = forms.ReviewForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        if _run(form, services.plan_review, plan=episode.plan, notes=form.cleaned_data["notes"], by=request.user,
                request=request):
            messages.success(request, "Plan review recorded.")
            return redirect("resettlement:plan", episode.pk)
    return _form_page(request, form, title="Review the plan", episode=episode, submit="Record review",
                      back=reverse("resettlement:plan", args=[episode.pk]))


def transfer(request, pk):
    episode = _episode_for(request, pk)
    form = forms.TransferForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        if _run(form, services.transfer_record, episode=episode, by=request.user, request=request, **form.cleaned_data):
            messages.success(request, "Transfer recorded.")
            return redirect("resettlement:plan", episode.pk)
    return _form_page(request, form, title="Record a transfer", episode=episode, submit="Record transfer",
                      back=reverse("resettlement:plan", args=[episode.pk]))


def release_date(request, pk):
    episode = _episode_for(request, pk)
    form = forms.ReleaseDateForm(_posted(request), initial={"expected_release_date": episode.expected_release_date})
    if request.method == "POST" and form.is_valid():
        if _run(form, services.episode_update_release_date, episode=episode, by=request.user, request=request,
                **form.cleaned_data):
            messages.success(request, "Expected release date changed.")
            return redirect("resettlement:plan", episode.pk)
    return _form_page(request, form, title="Change the expected release date", episode=episode,
                      back=reverse("resettlement:plan", args=[episode.pk]))


def release(request, pk):
    episode = _episode_for(request, pk)
    form = forms.ReleaseForm(_posted(request), initial={"released_on": london_today()})
    if request.method == "POST" and form.is_valid():
        if _run(form, services.episode_release, episode=episode, by=request.user, request=request, **form.cleaned_data):
            messages.success(request, "Release recorded. The community offender manager now holds the plan's "
                                      "outstanding actions.")
            return redirect("resettlement:plan", episode.pk)
    return _form_page(request, form, title="Record the release", episode=episode, submit="Record release",
                      back=reverse("resettlement:plan", args=[episode.pk]))


# --- Dashboards ---------------------------------------------------------------------------------------------------


def pre_release(request):
    require(request.user, "resettlement.view_pre_release")
    named = can(request.user, "resettlement.view_pre_release_people")
    scope = request.GET.get("scope", "all") if named else "all"
    user = request.user if scope == "mine" else None
    picture = selectors.pre_release(user=user)
    post = list(selectors.post_release_actions(user=user)[:300])
    unactioned = list(selectors.post_release_unactioned_needs(user=user)[:300])
    if named:
        audit_views(request, [e.plan for e in picture.accommodation] + post + [n.plan for n in unactioned])
    settled = sum(1 for e in picture.accommodation if e.accommodation_settled)
    return render(request, "resettlement/pre_release.html", {
        "picture": picture, "post_release": post, "unactioned_needs": unactioned, "scope": scope,
        "today": picture.today, "named": named,
        "accommodation_settled": settled, "accommodation_unsettled": len(picture.accommodation) - settled,
    })


def partner_actions(request):
    require(request.user, "resettlement.list_partner_actions")
    organisation_id = selectors.organisation_id_for(request.user)
    status = request.GET.get("status", "open")
    actions = list(selectors.partner_actions(organisation_id, status=status)[:500]) if organisation_id else []
    audit_views(request, actions)
    return render(request, "resettlement/partner_actions.html", {
        "actions": actions, "status": status, "today": london_today(), "has_organisation": organisation_id is not None,
    })


# --- Programmes ---------------------------------------------------------------------------------------------------


def programmes(request):
    require(request.user, "resettlement.view_programmes")
    return render(request, "resettlement/programmes.html", {
        "rates": selectors.programme_completion(), "programmes": programme_provider().catalogue(),
        "can_enrol": can(request.user, "resettlement.view_enrolments"),
    })


def programme_detail(request, code):
    require(request.user, "resettlement.view_enrolments")
    programme = programme_provider().programme(code)
    if programme is None:
        raise Http404
    enrolments = selectors.programme_enrolments(programme)
    audit_views(request, enrolments)
    return render(request, "resettlement/programme_detail.html", {"programme": programme, "enrolments": enrolments})


def enrolment_new(request):
    require(request.user, "resettlement.change_programmes")
    form = forms.EnrolmentForm(_posted(request), initial={"programme": request.GET.get("programme")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        enrolment = _run(form, services.enrolment_create, programme=data["programme"], person=data["crn"],
                         setting=data["setting"], prison=data["prison"], starts_on=data["starts_on"], by=request.user,
                         request=request)
        if enrolment is not None:
            messages.success(request, "Enrolled.")
            return redirect("resettlement:enrolment", enrolment.pk)
    return _form_page(request, form, title="Enrol on a programme", submit="Enrol",
                      back=reverse("resettlement:programmes"))


def enrolment(request, pk):
    """A Through the Gate enrolment: an interventions programme referral (its pk), shown as resettlement always has."""
    require(request.user, "resettlement.view_enrolments")
    enrolment = programme_provider().enrolment(pk)
    if enrolment is None:
        raise Http404
    form_name = request.POST.get("form") if request.method == "POST" else None
    attendance_form = forms.AttendanceForm(request.POST if form_name == "attendance" else None)
    journal_form = forms.JournalForm(request.POST if form_name == "journal" else None)
    withdraw_form = forms.WithdrawForm(request.POST if form_name == "withdraw" else None)
    if request.method == "POST":
        require(request.user, "resettlement.change_programmes")
        bound = {"attendance": attendance_form, "journal": journal_form, "withdraw": withdraw_form}.get(form_name)
        if bound is not None and bound.is_valid():
            service = {
                "attendance": services.attendance_record, "journal": services.journal_complete,
                "withdraw": services.enrolment_withdraw,
            }[form_name]
            if _run(bound, service, enrolment=enrolment, by=request.user, request=request, **bound.cleaned_data):
                messages.success(request, "Saved.")
                return redirect("resettlement:enrolment", enrolment.pk)
    else:
        audit_record(action=Action.VIEW, request=request, obj=enrolment, detail={"person": enrolment.person_id})
    forms_with_errors = [f for f in (attendance_form, journal_form, withdraw_form) if f.is_bound and f.errors]
    return render(request, "resettlement/enrolment.html", {
        "enrolment": enrolment, "modules": programme_provider().modules(enrolment),
        "prison": selectors.prison_for(enrolment), "attendance_form": attendance_form,
        "journal_form": journal_form, "withdraw_form": withdraw_form, "today": london_today(),
        "forms_with_errors": forms_with_errors,
    }, status=400 if forms_with_errors else 200)
