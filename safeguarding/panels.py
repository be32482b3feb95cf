"""Landing-page panels (registered in apps.py): each runs a fixed, small number of queries."""

from safeguarding import selectors


def hub_panel(request):
    return {"counts": selectors.queue_counts(), "next": list(selectors.queue()[:5])}


def mine_panel(request):
    return {"requests": list(selectors.assigned_to(request.user)[:5])}


def team_panel(request):
    return {"requests": list(selectors.team_requests(request.user)[:5])}


def case_panel(request, person):
    """The person's MASH requests on their case page (registered as a case panel): the live-MASH flag and every
    request about them, newest first, each linked when this user may open it. Two queries however many."""
    from probation.policy import can
    from safeguarding.models import SafeguardingRequest

    requests = list(
        SafeguardingRequest.objects.filter(person=person)
        .select_related("organisation", "assignee__staff_profile__team")
        .order_by("-received_at")[:50]
    )
    if not requests and person.mash_flagged_at is None:
        return None
    return {
        "flagged_at": person.mash_flagged_at,
        "rows": [{"request": r, "can_open": can(request.user, "safeguarding.view_request", r)} for r in requests],
    }
