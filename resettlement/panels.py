"""Landing-panel context builders and the borough report section, registered in ResettlementConfig.ready()."""

import datetime

from resettlement import selectors
from resettlement.models import london_today


def staff_panel(request) -> dict:
    counts = selectors.screening_counts(user=request.user)
    picture = selectors.pre_release(user=request.user)
    return {**counts, "pre_release_due": len(picture.due), "pre_release_late": len(picture.late)}


def partner_panel(request) -> dict:
    organisation_id = selectors.organisation_id_for(request.user)
    if organisation_id is None:
        return {"open": 0, "overdue": 0}
    actions = selectors.partner_actions(organisation_id)
    return {"open": actions.count(), "overdue": actions.overdue(london_today()).count()}


def borough_report_section(borough, month: datetime.date) -> dict:
    return selectors.borough_outcomes(borough, month)


def case_panel(request, person):
    """Through the Gate on the person's case page (registered as a case panel): each custody episode with its
    prison, expected release and actual release, a flag when the expected date has passed with no release recorded,
    and a link to its Resettlement Plan for staff who may open it. A fixed number of queries."""
    from django.db.models import Count, Q

    from probation.policy import can
    from resettlement.models import OPEN_ACTION_STATUSES, CustodyEpisode

    episodes = list(
        CustodyEpisode.objects.filter(person=person).select_related("current_prison", "plan")
        .annotate(open_action_count=Count("plan__actions", filter=Q(plan__actions__status__in=OPEN_ACTION_STATUSES)))
        .order_by("-reception_at")
    )
    if not episodes:
        return None
    return {"episodes": episodes, "can_open": can(request.user, "resettlement.view_plan")}
