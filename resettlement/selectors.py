"""Reads for Through the Gate: caseloads, the pre-release picture, partners' action lists, reports. Every list here
fetches what its page shows in a fixed number of queries, whatever the number of rows."""

import calendar as pycalendar
import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone

from cases.programmes import programmes
from partners.selectors import organisation_for
from resettlement.models import (
    CustodyEpisode,
    NeedStatus,
    Pathway,
    PathwayNeed,
    PlanAction,
    Prison,
    Screening,
    ScreeningPart,
    london_today,
)


def organisation_id_for(user) -> int | None:
    """The organisation id of a partner agency user, or None (partners.selectors.organisation_for, cached per
    request on the user)."""
    organisation = organisation_for(user)
    return organisation.pk if organisation is not None else None


def supervision_dates(episode: CustodyEpisode) -> dict | None:
    """Licence and PSS dates of the sentence an episode serves, as the cases rules computed them."""
    sentence = episode.sentence
    if sentence is None:
        return None
    return {
        "conditional_release": sentence.conditional_release_date,
        "parole_eligibility": sentence.parole_eligibility_date,
        "term": sentence.length_display,
        "licence_end": sentence.licence_end_date,
        "pss_start": sentence.pss_start_date,
        "pss_end": sentence.pss_end_date,
        "note": sentence.supervision_note,
    }


def _episode_list_queryset():
    bcst2 = Screening.objects.filter(part=ScreeningPart.BCST2)
    return CustodyEpisode.objects.select_related(
        "person", "current_prison", "ttg_worker", "plan"
    ).prefetch_related(Prefetch("screenings", queryset=bcst2, to_attr="bcst2_list")).annotate(
        open_actions=Count("plan__actions", filter=Q(plan__actions__status__in=["not_started", "in_progress"]))
    )


def prison_caseload(*, user=None, prison=None):
    """People in custody for the TtG worker's caseload (or a prison's), with their BCST2 and open actions."""
    qs = _episode_list_queryset().in_custody()
    if user is not None:
        qs = qs.filter(ttg_worker=user)
    if prison is not None:
        qs = qs.filter(current_prison=prison)
    return qs.order_by("expected_release_date", "person__last_name", "pk")


def episode_detail(pk: int) -> CustodyEpisode:
    return CustodyEpisode.objects.select_related(
        "person", "person__offender_manager", "sentence", "current_prison", "reception_prison", "ttg_worker",
        "community_offender_manager", "plan",
    ).get(pk=pk)


def plan_page_data(episode: CustodyEpisode) -> dict:
    plan = episode.plan
    needs = list(plan.needs.select_related("updated_by"))
    order = {p: i for i, p in enumerate(Pathway.values)}
    needs.sort(key=lambda n: order[n.pathway])
    actions = list(plan.actions.select_related("owner_user", "owner_organisation", "consent_recorded_by"))
    return {
        "plan": plan,
        "needs": needs,
        "actions": actions,
        "screenings": list(episode.screenings.select_related("completed_by")),
        "transfers": list(episode.transfers.select_related("from_prison", "to_prison", "recorded_by")),
        "reviews": list(plan.reviews.select_related("reviewed_by")[:10]),
    }


def partner_actions(organisation_id, *, status: str = "open"):
    qs = PlanAction.objects.with_person().for_organisation(organisation_id)
    if status == "open":
        qs = qs.open()
    elif status == "closed":
        qs = qs.exclude(status__in=["not_started", "in_progress"])
    return qs.order_by("due_on", "pk")


@dataclass
class PreRelease:
    today: datetime.date
    due: list = field(default_factory=list)  # a review in the window, or a transfer to plan before it, not yet done
    late: list = field(default_factory=list)  # a review 4 weeks into the window, or a transfer once it opened
    accommodation: list = field(default_factory=list)  # in the window: the accommodation need and actions


def pre_release(*, today: datetime.date | None = None, user=None) -> PreRelease:
    """Who is due a pre-release plan review or a move to a resettlement prison, and who is late, with accommodation
    on release. Each row is an episode annotated with what is outstanding.

    - Plan review: due when the 12-week window opens, late PRE_RELEASE_LATE_AFTER into it.
    - Move to a resettlement prison: to be done BY the time the window opens, so due TRANSFER_PLANNING_LEAD before
      it opens and late from the day it opens."""
    today = today or london_today()
    qs = _episode_list_queryset().pre_release_horizon(today).select_related("plan__last_reviewed_by")
    if user is not None:
        qs = qs.filter(Q(ttg_worker=user) | Q(person__offender_manager=user))
    accommodation = PathwayNeed.objects.filter(pathway=Pathway.ACCOMMODATION)
    acc_actions = PlanAction.objects.filter(pathway=Pathway.ACCOMMODATION).select_related("owner_organisation", "owner_user")
    qs = qs.prefetch_related(
        Prefetch("plan__needs", queryset=accommodation, to_attr="accommodation_needs"),
        Prefetch("plan__actions", queryset=acc_actions, to_attr="accommodation_actions"),
    ).order_by("expected_release_date", "pk")
    result = PreRelease(today=today)
    for episode in qs:
        opens = episode.pre_release_window_opens
        in_window = today >= opens
        episode.review_outstanding = in_window and not (
            episode.plan.last_reviewed_at and timezone.localtime(episode.plan.last_reviewed_at).date() >= opens
        )
        episode.review_late = episode.review_outstanding and today >= episode.pre_release_late_from
        episode.transfer_outstanding = episode.needs_resettlement_transfer
        episode.transfer_late = episode.transfer_outstanding and today >= episode.transfer_due_by
        episode.is_late = episode.review_late or episode.transfer_late
        need = episode.plan.accommodation_needs[0] if episode.plan.accommodation_needs else None
        episode.accommodation_status = need.get_status_display() if need else "Not started"
        episode.accommodation_settled = bool(need and need.status in (NeedStatus.DONE, NeedStatus.SUPPORT_NOT_REQUIRED))
        if episode.review_outstanding or episode.transfer_outstanding:
            (result.late if episode.is_late else result.due).append(episode)
        if in_window:
            result.accommodation.append(episode)
    return result


def post_release_actions(*, user=None, today: datetime.date | None = None):
    """Outstanding actions of released people: what the community offender manager takes on and chases."""
    today = today or london_today()
    qs = PlanAction.objects.with_person().open().filter(plan__episode__released_on__isnull=False)
    qs = qs.select_related("plan__episode__community_offender_manager")
    if user is not None:
        qs = qs.filter(Q(plan__episode__community_offender_manager=user) | Q(owner_user=user))
    return qs.order_by("due_on", "pk")


def post_release_unactioned_needs(*, user=None):
    """Released people's pathway needs marked "support required" with no action: shown to the community offender
    manager (and chased by the `resettlement.unactioned_need` deadline step)."""
    from resettlement.deadlines import unactioned_needs

    qs = unactioned_needs().select_related("plan__episode__person", "plan__episode__community_offender_manager")
    if user is not None:
        qs = qs.filter(plan__episode__community_offender_manager=user)
    return qs.order_by("plan__episode__released_on", "pk")


def screening_counts(*, user=None, now=None) -> dict:
    now = now or timezone.now()
    qs = Screening.objects.open().filter(episode__released_on__isnull=True)
    if user is not None:
        qs = qs.filter(episode__ttg_worker=user)
    return qs.aggregate(
        bcst2_open=Count("pk", filter=Q(part=ScreeningPart.BCST2)),
        bcst2_overdue=Count("pk", filter=Q(part=ScreeningPart.BCST2, due_at__lt=now)),
        bcst1_overdue=Count("pk", filter=Q(part=ScreeningPart.BCST1, due_at__lt=now)),
    )


def programme_completion() -> list[dict]:
    """Per programme and setting: enrolled, completed, withdrawn, active, and the completion rate (completed out of
    those who finished or left: completed / (completed + withdrawn)). From interventions' programme model."""
    return programmes().completion()


def programme_enrolments(programme):
    """The programme's enrolments, each with `attended` and `prison` (resettlement's own prison, from its code):
    two queries whatever the number of rows."""
    enrolments = list(programmes().enrolments(programme)[:500])
    prisons = Prison.objects.in_bulk({e.prison_code for e in enrolments if e.prison_code}, field_name="code")
    for enrolment in enrolments:
        enrolment.prison = prisons.get(enrolment.prison_code)
    return enrolments


def prison_for(enrolment):
    return Prison.objects.filter(code=enrolment.prison_code).first() if enrolment.prison_code else None


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    return first, last


def borough_outcomes(borough, month: datetime.date) -> dict:
    """Resettlement outcomes for people from a borough released in a month (the borough report section): counts and
    percentages only, no personal data. `borough` is a partners.Borough (or its code)."""
    borough_code = getattr(borough, "code", borough)
    first, last = month_bounds(month)
    released = CustodyEpisode.objects.filter(
        person__home_borough__code=borough_code, released_on__gte=first, released_on__lte=last
    )
    settled = PathwayNeed.objects.filter(
        plan__episode=OuterRef("pk"), pathway=Pathway.ACCOMMODATION,
        status__in=[NeedStatus.DONE, NeedStatus.SUPPORT_NOT_REQUIRED],
    )
    open_actions = PlanAction.objects.filter(plan__episode=OuterRef("pk")).open()
    figures = released.annotate(settled=Exists(settled), outstanding=Exists(open_actions)).aggregate(
        released=Count("pk"),
        accommodated=Count("pk", filter=Q(settled=True)),
        with_outstanding=Count("pk", filter=Q(outstanding=True)),
    )
    received = CustodyEpisode.objects.filter(
        person__home_borough__code=borough_code,
        reception_at__date__gte=first, reception_at__date__lte=last,
    )
    bcst2 = Screening.objects.filter(episode__in=received, part=ScreeningPart.BCST2).aggregate(
        due=Count("pk"),
        on_time=Count("pk", filter=Q(completed_at__isnull=False, completed_at__lte=F("due_at"))),
    )
    needs = (
        PathwayNeed.objects.filter(plan__episode__in=released)
        .values("pathway")
        .annotate(
            required=Count("pk", filter=Q(status__in=[NeedStatus.SUPPORT_REQUIRED, NeedStatus.IN_PROGRESS])),
            done=Count("pk", filter=Q(status=NeedStatus.DONE)),
            declined=Count("pk", filter=Q(status=NeedStatus.SUPPORT_DECLINED)),
        )
    )
    by_pathway = {row["pathway"]: row for row in needs}
    rate = (lambda n, d: f"{round(100 * n / d)}%" if d else "–")
    pathway_rows = [
        [label, by_pathway.get(value, {}).get("required", 0), by_pathway.get(value, {}).get("done", 0),
         by_pathway.get(value, {}).get("declined", 0)]
        for value, label in Pathway.choices
    ]
    return {
        "summary": [
            ("Received into custody", received.count()),
            ("BCST2 completed on time", f"{bcst2['on_time']} of {bcst2['due']}"),
            ("Released", figures["released"]),
            ("Accommodation settled on release", f"{figures['accommodated']} ({rate(figures['accommodated'], figures['released'])})"),
            ("Released with actions outstanding", figures["with_outstanding"]),
        ],
        "table": {
            "headers": ["Pathway", "Support still required on release", "Done", "Support declined"],
            "rows": pathway_rows,
        },
        "chart": {
            "type": "bar",
            "labels": ["Accommodation settled", "Accommodation not settled"],
            "datasets": [{
                "label": "People released",
                "data": [figures["accommodated"], figures["released"] - figures["accommodated"]],
                "colours": ["green", "amber"],
            }],
        },
        "notes": ["People whose home borough this is, released from custody in the month. Accommodation is settled "
                  "when the plan's accommodation need is done or no support was required."],
    }

