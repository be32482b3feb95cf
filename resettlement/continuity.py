"""What resettlement contributes to case continuity (registered in ResettlementConfig.ready with cases.registry):
open resettlement actions are listed on a case's hand-over page and those owned by the outgoing offender manager
pass to the new one; people in custody wait on the Through the Gate caseload, not in a community team's queue."""

from django.urls import reverse
from django.utils import timezone


def open_actions(person_ids: list[int]) -> dict:
    from cases.registry import OpenItem
    from resettlement.models import PlanAction

    found: dict[int, list] = {}
    actions = (PlanAction.objects.open().filter(plan__episode__person_id__in=person_ids)
               .select_related("plan__episode").order_by("due_on", "id"))
    for action in actions:
        found.setdefault(action.plan.episode.person_id, []).append(OpenItem(
            kind="Resettlement action", title=f"{action.get_pathway_display()}: {action.description}",
            due=action.due_on, url=reverse("resettlement:plan", args=[action.plan.episode_id]),
            holder_id=action.owner_user_id))
    return found


def follow_case(*, person, from_user, to_user, by) -> int:
    from resettlement.models import PlanAction

    if to_user is None:
        return 0
    return PlanAction.objects.open().filter(plan__episode__person=person, owner_user=from_user).update(
        owner_user=to_user, updated_at=timezone.now(), updated_by=by)


def in_custody_person_ids():
    from resettlement.models import CustodyEpisode

    return CustodyEpisode.objects.in_custody().values("person_id")
