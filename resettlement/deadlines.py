"""Through the Gate deadline steps on the deadline engine (probation/deadlines.py).

- `resettlement.unactioned_need`: after release, a pathway need marked "support required" with no action for that
  pathway is the community offender manager's to act on (DOMAIN.md: the plan's needs must be actioned after release).
  Armed on release (resettlement.services.episode_release) for each such need, and when a need of a released person is
  set to "support required" (need_update). Each firing tells the community offender manager and re-arms one working
  day later, so it is chased daily (working days) until an action is added or the need changes; `owners()` then
  leaves it out and the engine closes the deadline silently. Owner: the PathwayNeed.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import reverse

from probation.calendar import Clock
from probation.deadlines import Notice, Outcome, Step, next_repeat
from resettlement.models import NeedStatus, PathwayNeed, PlanAction

UNACTIONED_NEED = "resettlement.unactioned_need"
CHASE_EVERY_HOURS = 24  # once a working day
_PLACEHOLDER = 999999999


def unactioned_needs():
    """Needs of released people marked "support required" with no action (of any status but cancelled) for their
    pathway on the plan: what the community offender manager must act on."""
    actions = PlanAction.objects.filter(plan_id=OuterRef("plan_id"), pathway=OuterRef("pathway")).exclude(
        status="cancelled"
    )
    return PathwayNeed.objects.filter(
        status=NeedStatus.SUPPORT_REQUIRED, plan__episode__released_on__isnull=False
    ).exclude(Exists(actions))


class UnactionedNeedStep(Step):
    name = UNACTIONED_NEED

    def owners(self, ids):
        rows = unactioned_needs().filter(pk__in=ids).values(
            "id", "pathway", "plan__episode_id", "plan__episode__released_on", "plan__episode__person__crn",
            "plan__episode__community_offender_manager_id", "plan__episode__community_offender_manager__is_active",
        )
        return {row["id"]: row for row in rows}

    def context(self, owners, now):
        return {"url": reverse("resettlement:plan", args=[_PLACEHOLDER]).replace(str(_PLACEHOLDER), "{}")}

    def fire(self, owner, fired, ctx):
        from resettlement.models import Pathway

        following = next_repeat(last_due=fired.due_at, every_hours=CHASE_EVERY_HOURS, clock=Clock.WORKING_DAYS,
                                now=fired.now)
        com = owner["plan__episode__community_offender_manager_id"]
        if com is None or not owner["plan__episode__community_offender_manager__is_active"]:
            return Outcome(next_due=following, tally="no_recipient")
        crn, pathway = owner["plan__episode__person__crn"], Pathway(owner["pathway"]).label.lower()
        return Outcome(
            notices=[Notice(
                recipient_id=com,
                key=f"resettlement:need:{owner['id']}:unactioned:{fired.now.date().isoformat()}:{com}",
                subject=f"Support required after release: {crn}, {pathway}",
                body=f"{crn} was released on {owner['plan__episode__released_on']:%d %B %Y}. Their {pathway} need is "
                     "marked support required and has no action: add one, or update the need.",
                url=ctx["url"].format(owner["plan__episode_id"]),
            )],
            next_due=following,
            tally="chased",
        )
