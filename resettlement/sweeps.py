"""Through the Gate deadlines as deadline-engine steps (probation/deadlines.py), and the services' hooks that set them.

- BCST screening: `resettlement.screening_remind` at the part's reminder time (to the TtG worker, or the offender
  manager; never once the deadline has passed) and `resettlement.screening_breach` at its deadline (them and their
  team manager). Set when the episode is recorded; an open screening of someone still in custody only.
- Pre-release: `resettlement.review_due` when the 12-week window before the expected release date opens and
  `resettlement.review_late` 4 weeks into it; the move to a resettlement prison is to be done BY the time the window
  opens, so `resettlement.transfer_due` falls TRANSFER_PLANNING_LEAD (8 weeks) before it and
  `resettlement.transfer_late` on the day it opens. All at 07:00 London on the day. Each tells the TtG worker (or offender manager) once per release date, only if the
  review or transfer is still outstanding when it falls due. A new release date sets them afresh.
- Post-release chasing: `resettlement.action_chase`, at 08:00 London each day from the day after an open action's
  due date while the person is released, tells the action's owner (the staff member, or the partner's users).

The wrappers `screening_deadlines`, `pre_release_steps` and `chase_overdue_actions` run just these steps now (the
engine's every-minute sweep runs them anyway) and return the step tallies.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from partners.models import PartnerMembership
from probation.calendar import LONDON
from probation.deadlines import Notice, Outcome, Step, deadlines_cancel, deadlines_run, deadlines_set
from resettlement.models import (
    LONG_SENTENCE_MONTHS,
    PRE_RELEASE_LATE_AFTER,
    PRE_RELEASE_WEEKS,
    TRANSFER_PLANNING_LEAD,
    CustodyEpisode,
    PlanAction,
    Screening,
    ScreeningPart,
)

SCREENING_REMIND = "resettlement.screening_remind"
SCREENING_BREACH = "resettlement.screening_breach"
SCREENING_STEPS = (SCREENING_REMIND, SCREENING_BREACH)
REVIEW_DUE, REVIEW_LATE = "resettlement.review_due", "resettlement.review_late"
TRANSFER_DUE, TRANSFER_LATE = "resettlement.transfer_due", "resettlement.transfer_late"
PRE_RELEASE_STEPS = (REVIEW_DUE, REVIEW_LATE, TRANSFER_DUE, TRANSFER_LATE)
ACTION_CHASE = "resettlement.action_chase"

PRE_RELEASE_AT = datetime.time(7, 0)
CHASE_AT = datetime.time(8, 0)
_PLACEHOLDER = 987654321


def _at(day: datetime.date, at: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, at, tzinfo=LONDON)


def _url_pattern(name: str) -> str:
    return reverse(name, args=[_PLACEHOLDER]).replace(str(_PLACEHOLDER), "{}")


# --- Setting the deadlines (called by resettlement.services) ------------------------------------------------------


def screening_deadlines_set(screenings) -> None:
    deadlines_set(step=SCREENING_REMIND, due={s.pk: s.remind_at if s.remind_at < s.due_at else None for s in screenings})
    deadlines_set(step=SCREENING_BREACH, due={s.pk: s.due_at for s in screenings})


def screening_deadlines_cancel(screening) -> None:
    deadlines_cancel(owner_id=screening.pk, steps=SCREENING_STEPS)


def pre_release_deadlines_set(episode: CustodyEpisode) -> None:
    """The four pre-release steps for the episode's expected release date (none without one, or once released)."""
    release = episode.expected_release_date if episode.released_on is None else None
    opens = release - datetime.timedelta(weeks=PRE_RELEASE_WEEKS) if release else None
    due = _at(opens, PRE_RELEASE_AT) if opens else None
    late = _at(opens + PRE_RELEASE_LATE_AFTER, PRE_RELEASE_AT) if opens else None
    long_sentence = (episode.custody_type == CustodyEpisode.CustodyType.SENTENCED
                     and (episode.sentence_length_months or 0) > LONG_SENTENCE_MONTHS)
    deadlines_set(step=REVIEW_DUE, due={episode.pk: due})
    deadlines_set(step=REVIEW_LATE, due={episode.pk: late})
    # The move is done by the time the window opens: planned 8 weeks ahead, late from the day it opens.
    plan_from = _at(opens - TRANSFER_PLANNING_LEAD, PRE_RELEASE_AT) if opens else None
    deadlines_set(step=TRANSFER_DUE, due={episode.pk: plan_from if long_sentence else None})
    deadlines_set(step=TRANSFER_LATE, due={episode.pk: due if long_sentence else None})


def action_chase_set(actions, *, released: bool) -> None:
    """Chase open actions of a released person from the day after they fall due; nothing otherwise."""
    deadlines_set(step=ACTION_CHASE, due={
        a.pk: _at(a.due_on + datetime.timedelta(days=1), CHASE_AT) if released and a.is_open else None for a in actions
    })


# --- The steps ----------------------------------------------------------------------------------------------------


def _responsible(owner: dict, prefix: str) -> tuple[int | None, int | None]:
    """(who is told, their team manager): the TtG worker, else the person's offender manager."""
    if owner[f"{prefix}ttg_worker_id"]:
        user, manager = owner[f"{prefix}ttg_worker_id"], owner[f"{prefix}ttg_worker__staff_profile__team__manager_id"]
    else:
        user = owner[f"{prefix}person__offender_manager_id"]
        manager = owner[f"{prefix}person__offender_manager__staff_profile__team__manager_id"]
    return user, (manager if manager != user else None)


_RESPONSIBLE = ("ttg_worker_id", "ttg_worker__staff_profile__team__manager_id", "person__offender_manager_id",
                "person__offender_manager__staff_profile__team__manager_id")
_PART = dict(ScreeningPart.choices)


class _ScreeningStep(Step):
    def owners(self, ids):
        rows = (Screening.objects.filter(pk__in=ids, completed_at__isnull=True, episode__released_on__isnull=True)
                .order_by().values("id", "part", "due_at", "episode_id", "episode__person__crn",
                                   "episode__current_prison__name", *(f"episode__{f}" for f in _RESPONSIBLE)))
        return {row["id"]: row for row in rows}

    def context(self, owners, now):
        return {"url": _url_pattern("resettlement:plan")}


class ScreeningRemindStep(_ScreeningStep):
    name = SCREENING_REMIND

    def fire(self, owner, fired, ctx):
        if fired.now >= owner["due_at"]:
            return Outcome(tally="late_reminders_dropped")  # the breach step speaks for it
        who, _ = _responsible(owner, "episode__")
        if who is None:
            return Outcome(tally="nobody_to_tell")
        part, crn, due = _PART[owner["part"]], owner["episode__person__crn"], timezone.localtime(owner["due_at"])
        return Outcome(notices=[Notice(
            who, f"resettlement:screening:{owner['id']}:reminder:{who}", f"{part} due by {due:%a %d %b %H:%M}",
            f"The {part} for {crn} is due by {due:%A %d %B %Y %H:%M}.", ctx["url"].format(owner["episode_id"]),
        )], tally="reminded")


class ScreeningBreachStep(_ScreeningStep):
    name = SCREENING_BREACH

    def fire(self, owner, fired, ctx):
        recipients = [r for r in _responsible(owner, "episode__") if r is not None]
        if not recipients:
            return Outcome(tally="nobody_to_tell")
        part, crn, due = _PART[owner["part"]], owner["episode__person__crn"], timezone.localtime(owner["due_at"])
        subject = f"{part} overdue for {crn}"
        body = (f"The {part} for {crn} at {owner['episode__current_prison__name']} was due by "
                f"{due:%A %d %B %Y %H:%M} and is not recorded as complete.")
        url = ctx["url"].format(owner["episode_id"])
        return Outcome(notices=[Notice(r, f"resettlement:screening:{owner['id']}:breach:{r}", subject, body, url)
                                for r in dict.fromkeys(recipients)], tally="breached")


class PreReleaseStep(Step):
    """One of the four pre-release steps: `key` names it in the notification key, `subject` heads the notice."""

    def __init__(self, name: str, key: str, subject: str, transfer: bool):
        self.name, self.key, self.subject, self.transfer = name, key, subject, transfer

    def owners(self, ids):
        rows = (CustodyEpisode.objects.in_custody().filter(pk__in=ids, expected_release_date__isnull=False).order_by()
                .values("id", "expected_release_date", "custody_type", "sentence_length_months", "person__crn",
                        "current_prison__name", "current_prison__is_resettlement_prison", "plan__last_reviewed_at",
                        *_RESPONSIBLE))
        return {row["id"]: row for row in rows}

    def context(self, owners, now):
        return {"url": _url_pattern("resettlement:plan")}

    def outstanding(self, owner) -> bool:
        if self.transfer:
            return not owner["current_prison__is_resettlement_prison"] and (
                owner["custody_type"] == CustodyEpisode.CustodyType.SENTENCED
                and (owner["sentence_length_months"] or 0) > LONG_SENTENCE_MONTHS)
        opens = owner["expected_release_date"] - datetime.timedelta(weeks=PRE_RELEASE_WEEKS)
        reviewed = owner["plan__last_reviewed_at"]
        return not (reviewed and timezone.localtime(reviewed).date() >= opens)

    def fire(self, owner, fired, ctx):
        who, _ = _responsible(owner, "")
        if who is None or not self.outstanding(owner):
            return Outcome(tally="not_outstanding" if who else "nobody_to_tell")
        release, crn = owner["expected_release_date"], owner["person__crn"]
        body = f"{crn} is expected to be released on {release:%d %B %Y} from {owner['current_prison__name']}."
        if self.transfer:
            by = release - datetime.timedelta(weeks=PRE_RELEASE_WEEKS)
            body += f" The move to a resettlement prison should be done by {by:%d %B %Y}."
        return Outcome(notices=[Notice(
            who, f"resettlement:episode:{owner['id']}:{self.key}:{release.isoformat()}", f"{self.subject}: {crn}",
            body, ctx["url"].format(owner["id"]),
        )], tally=self.key.replace("-", "_"))


class ActionChaseStep(Step):
    name = ACTION_CHASE

    def owners(self, ids):
        rows = (PlanAction.objects.open().filter(pk__in=ids, plan__episode__released_on__isnull=False).order_by()
                .values("id", "due_on", "pathway", "status", "owner_user_id", "owner_user__is_active",
                        "owner_organisation_id", "plan__episode_id", "plan__episode__person__crn"))
        return {row["id"]: row for row in rows}

    def context(self, owners, now):
        orgs = {o["owner_organisation_id"] for o in owners.values() if o["owner_organisation_id"]}
        members: dict[int, list[int]] = {}
        for org, user in (PartnerMembership.objects.filter(organisation_id__in=orgs, user__is_active=True)
                          .order_by("user_id").values_list("organisation_id", "user_id")):
            members.setdefault(org, []).append(user)
        return {"members": members, "plan": _url_pattern("resettlement:plan"),
                "action": _url_pattern("resettlement:action_update"),
                "pathways": dict(PlanAction._meta.get_field("pathway").choices),
                "statuses": dict(PlanAction._meta.get_field("status").choices)}

    def fire(self, owner, fired, ctx):
        today = timezone.localtime(fired.now).date()
        if owner["due_on"] >= today:  # not overdue (yet): from the day after its due date
            return Outcome(next_due=_at(owner["due_on"] + datetime.timedelta(days=1), CHASE_AT), tally="not_overdue")
        tomorrow = _at(today + datetime.timedelta(days=1), CHASE_AT)
        if owner["owner_user_id"]:
            recipients, url = ([owner["owner_user_id"]] if owner["owner_user__is_active"] else []), ctx["plan"].format(
                owner["plan__episode_id"])
        else:
            recipients, url = ctx["members"].get(owner["owner_organisation_id"], []), ctx["action"].format(owner["id"])
        crn = owner["plan__episode__person__crn"]
        subject = f"Overdue resettlement action for {crn}"
        body = (f"A {ctx['pathways'][owner['pathway']].lower()} action was due on {owner['due_on']:%d %B %Y} and is "
                f"still {ctx['statuses'][owner['status']].lower()}. The person has been released.")
        return Outcome(
            notices=[Notice(r, f"resettlement:action:{owner['id']}:chase:{today.isoformat()}:{r}", subject, body, url)
                     for r in recipients],
            next_due=tomorrow, tally="chased",
        )


def steps() -> list[Step]:
    return [
        ScreeningRemindStep(), ScreeningBreachStep(),
        PreReleaseStep(REVIEW_DUE, "review-due", "Pre-release plan review due", transfer=False),
        PreReleaseStep(REVIEW_LATE, "review-late", "Pre-release plan review late", transfer=False),
        PreReleaseStep(TRANSFER_DUE, "transfer-due", "Plan the move to a resettlement prison", transfer=True),
        PreReleaseStep(TRANSFER_LATE, "transfer-late", "Resettlement prison move late", transfer=True),
        ActionChaseStep(),
    ]


# --- Running just these steps -------------------------------------------------------------------------------------


def _totals(results: dict, keys: tuple[str, ...]) -> dict:
    totals = dict.fromkeys(keys, 0)
    for tally in results.values():
        for key in keys:
            totals[key] += tally.get(key, 0)
    return totals


def screening_deadlines(*, now=None) -> dict:
    """BCST reminders and breach notices due by `now`."""
    return _totals(deadlines_run(steps=SCREENING_STEPS, now=now), ("reminded", "breached", "notified", "failed"))


def pre_release_steps(*, now=None) -> dict:
    """Pre-release review and transfer notices due by `now`."""
    return _totals(deadlines_run(steps=PRE_RELEASE_STEPS, now=now),
                   ("review_due", "review_late", "transfer_due", "transfer_late", "notified", "failed"))


def chase_overdue_actions(*, now=None) -> dict:
    """Chase the owners of overdue actions of released people: once per action per day."""
    return _totals(deadlines_run(steps=(ACTION_CHASE,), now=now), ("chased", "notified", "failed"))
