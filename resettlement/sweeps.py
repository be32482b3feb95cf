"""The deadline jobs behind resettlement.tasks. Each step is claimed with a conditional UPDATE before it notifies, and
`notification_send` dedupes per step and recipient, so overlapping runs, retries and two workers notify once. Each
row is handled in its own transaction: a failure rolls back that row's claim (so it is tried again next run), is
logged, and the sweep goes on."""

import datetime
import logging

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from partners.models import PartnerMembership
from probation.services import notification_send
from resettlement.models import CustodyEpisode, PlanAction, Screening, london_today
from resettlement.selectors import pre_release

logger = logging.getLogger(__name__)


def _plan_url(episode_id: int) -> str:
    return reverse("resettlement:plan", args=[episode_id])


def _manager_of(user):
    profile = getattr(user, "staff_profile", None) if user is not None else None
    team = profile.team if profile is not None else None
    return team.manager if team is not None and team.manager_id != getattr(user, "pk", None) else None


def _screening_step(screening: Screening, step: str, now) -> int:
    """Claim `step` (reminder or breach) for one screening and notify. Returns notifications sent."""
    field = {"reminder": "reminded_at", "breach": "breached_at"}[step]
    claimed = Screening.objects.filter(pk=screening.pk, completed_at__isnull=True, **{f"{field}__isnull": True}).update(
        **{field: now}
    )
    if claimed != 1:
        return 0
    episode = screening.episode
    part = screening.get_part_display()
    who = episode.responsible_user
    if step == "reminder":
        if now >= screening.due_at:
            return 0  # already past the deadline: the breach step speaks for it
        due = timezone.localtime(screening.due_at)
        recipients = [who]
        subject = f"{part} due by {due:%a %d %b %H:%M}"
        body = f"The {part} for {episode.person.crn} is due by {due:%A %d %B %Y %H:%M}."
    else:
        recipients = [who, _manager_of(who)]
        subject = f"{part} overdue for {episode.person.crn}"
        body = f"The {part} for {episode.person.crn} at {episode.current_prison} was due by " \
               f"{timezone.localtime(screening.due_at):%A %d %B %Y %H:%M} and is not recorded as complete."
    sent = 0
    for recipient in {r.pk: r for r in recipients if r is not None}.values():
        sent += notification_send(
            recipient=recipient,
            key=f"resettlement:screening:{screening.pk}:{step}:{recipient.pk}",
            subject=subject,
            body=body,
            url=_plan_url(episode.pk),
        )
    if not sent and who is None:
        logger.warning("screening %s %s: nobody to notify (no TtG worker or offender manager)", screening.pk, step)
    return sent


def screening_deadlines(*, now=None) -> dict:
    """Remind the TtG worker as a BCST part's deadline nears; notify them and their manager when it passes."""
    now = now or timezone.now()
    totals = {"reminded": 0, "breached": 0, "failed": 0}
    base = Screening.objects.filter(completed_at__isnull=True, episode__released_on__isnull=True).select_related(
        "episode__person__offender_manager__staff_profile__team__manager",
        "episode__ttg_worker__staff_profile__team__manager",
        "episode__current_prison",
    )
    steps = [
        ("reminder", "reminded", base.filter(reminded_at__isnull=True, remind_at__lte=now)),
        ("breach", "breached", base.filter(breached_at__isnull=True, due_at__lte=now)),
    ]
    for step, total, queryset in steps:
        for screening in queryset.order_by("due_at"):
            try:
                with transaction.atomic():
                    totals[total] += _screening_step(screening, step, now)
            except Exception:  # one bad row never stalls the sweep
                logger.exception("screening %s %s failed", screening.pk, step)
                totals["failed"] += 1
    return totals


PRE_RELEASE_STEPS = {
    # step: (claim field, subject, the flag pre_release() sets when the step is due)
    "review-due": ("review_due_notified_at", "Pre-release plan review due", "review_outstanding"),
    "review-late": ("review_late_notified_at", "Pre-release plan review late", "review_late"),
    "transfer-due": ("transfer_due_notified_at", "Plan the move to a resettlement prison", "transfer_outstanding"),
    "transfer-late": ("transfer_late_notified_at", "Resettlement prison move late", "transfer_late"),
}


def pre_release_steps(*, today: datetime.date | None = None) -> dict:
    """List who is due a pre-release review or a transfer to a resettlement prison and who is late, and tell the TtG
    worker (or the offender manager) once per step."""
    today = today or london_today()
    now = timezone.now()
    picture = pre_release(today=today)
    totals = {"due": len(picture.due), "late": len(picture.late), "notified": 0, "failed": 0}
    for episode in picture.due + picture.late:
        for step, (field, subject, flag) in PRE_RELEASE_STEPS.items():
            if not getattr(episode, flag):
                continue
            try:
                with transaction.atomic():
                    claimed = CustodyEpisode.objects.filter(pk=episode.pk, **{f"{field}__isnull": True}).update(
                        **{field: now}
                    )
                    recipient = episode.responsible_user
                    if claimed == 1 and recipient is not None:
                        totals["notified"] += notification_send(
                            recipient=recipient,
                            # Per release date: a moved release date opens a new window with its own steps.
                            key=f"resettlement:episode:{episode.pk}:{step}:{episode.expected_release_date.isoformat()}",
                            subject=f"{subject}: {episode.person.crn}",
                            body=f"{episode.person.crn} is expected to be released on "
                                 f"{episode.expected_release_date:%d %B %Y} from {episode.current_prison}."
                                 + (f" The move to a resettlement prison should be done by "
                                    f"{episode.transfer_due_by:%d %B %Y}." if step.startswith("transfer") else ""),
                            url=_plan_url(episode.pk),
                        )
            except Exception:
                logger.exception("pre-release step %s for episode %s failed", step, episode.pk)
                totals["failed"] += 1
    return totals


def _action_recipients(action: PlanAction, members_by_org: dict) -> list:
    if action.owner_user_id:
        return [action.owner_user] if action.owner_user.is_active else []
    return members_by_org.get(action.owner_organisation_id, [])


def chase_overdue_actions(*, today: datetime.date | None = None) -> dict:
    """Chase the owners of overdue actions of released people: once per action per day."""
    today = today or london_today()
    due = (
        PlanAction.objects.overdue(today)
        .filter(plan__episode__released_on__isnull=False)
        .filter(Q(last_chased_on__isnull=True) | Q(last_chased_on__lt=today))
        .select_related("owner_user", "plan__episode__person")
        .order_by("due_on", "pk")
    )
    actions = list(due)
    org_ids = {a.owner_organisation_id for a in actions if a.owner_organisation_id}
    members_by_org: dict = {}
    for membership in PartnerMembership.objects.filter(organisation_id__in=org_ids, user__is_active=True).select_related("user"):
        members_by_org.setdefault(membership.organisation_id, []).append(membership.user)
    totals = {"chased": 0, "notified": 0, "failed": 0}
    for action in actions:
        try:
            with transaction.atomic():
                claimed = PlanAction.objects.filter(pk=action.pk).filter(
                    Q(last_chased_on__isnull=True) | Q(last_chased_on__lt=today)
                ).update(last_chased_on=today)
                if claimed != 1:
                    continue
                totals["chased"] += 1
                for recipient in _action_recipients(action, members_by_org):
                    url = reverse("resettlement:action_update", args=[action.pk]) if recipient.is_partner else _plan_url(
                        action.plan.episode_id
                    )
                    totals["notified"] += notification_send(
                        recipient=recipient,
                        key=f"resettlement:action:{action.pk}:chase:{today.isoformat()}:{recipient.pk}",
                        subject=f"Overdue resettlement action for {action.plan.episode.person.crn}",
                        body=f"A {action.get_pathway_display().lower()} action was due on {action.due_on:%d %B %Y} "
                             f"and is still {action.get_status_display().lower()}. The person has been released.",
                        url=url,
                    )
        except Exception:
            logger.exception("chasing action %s failed", action.pk)
            totals["failed"] += 1
    return totals
