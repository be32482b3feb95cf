"""What safeguarding contributes to case continuity (registered in SafeguardingConfig.ready with cases.registry):
open MASH requests about a case are listed on its hand-over page, and those assigned to the outgoing offender
manager are reassigned to the new one (superseding, never overwriting, the assignment)."""

from django.urls import reverse


def open_requests(person_ids: list[int]) -> dict:
    from cases.registry import OpenItem
    from safeguarding.models import SafeguardingRequest

    found: dict[int, list] = {}
    for request in SafeguardingRequest.objects.open().filter(person_id__in=person_ids).order_by("due_at", "id"):
        found.setdefault(request.person_id, []).append(OpenItem(
            kind="MASH request", title=f"{request.reference} ({request.get_rating_display().lower()})",
            due=request.due_at, url=reverse("safeguarding:detail", args=[request.reference]),
            holder_id=request.assignee_id))
    return found


def follow_case(*, person, from_user, to_user, by) -> int:
    from safeguarding.models import SafeguardingRequest
    from safeguarding.services import request_assign

    if to_user is None:
        return 0  # back to the team queue: the requests stay with their assignee until the case is allocated
    moved = 0
    for request in SafeguardingRequest.objects.open().filter(person=person, assignee=from_user):
        request_assign(request=request, assignee=to_user, by=by, reason="The case was reallocated")
        moved += 1
    return moved
