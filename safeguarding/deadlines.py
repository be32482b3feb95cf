"""MASH escalation as deadline-engine steps (probation/deadlines.py): a reminder as the deadline nears, a breach
notice when it passes, then repeat notices while the request stays open.

- `safeguarding.remind` falls due at `remind_at` (default 75% of the time). It tells the assignee, or the hub while
  nobody is assigned, and never once the deadline has passed (a request keyed in late, or swept after an outage, is
  not "please answer before the deadline").
- `safeguarding.overdue` falls due at `due_at`. Its first firing is the breach notice (hub and the assignee's team
  manager); each later firing is a "still overdue" repeat, every `repeat_every_hours` of the tier counted on the
  tier's clock (working-day tiers skip weekends and bank holidays; office-hours tiers repeat on working days too).
  It is one deadline re-armed after each firing, so a request first swept days after its deadline gets one breach
  notice, not a breach and a repeat at once, and the next repeat is the first one still to come.

Both are set by the services (receipt, rating change) and cancelled on answer or withdrawal; an answered or
withdrawn request is also left out by `owners()`, so a missed cancel can never notify.
"""

from __future__ import annotations

from django.db import connection
from django.urls import reverse

from probation.calendar import LONDON, Clock, get_calendar
from probation.deadlines import Notice, Outcome, Step, next_repeat, sql_array
from probation.models import Role
from safeguarding.models import Rag, RequestEvent, SafeguardingRequest

REMIND = "safeguarding.remind"
OVERDUE = "safeguarding.overdue"
STEPS = (REMIND, OVERDUE)

_RATING = {value: label.split(" (")[0].lower() for value, label in Rag.choices}
_PLACEHOLDER = "MASH-0000-000000"

_OWNER_FIELDS = (
    "id", "reference", "rating", "due_at", "assignee_id", "assignee__username", "assignee__first_name",
    "assignee__last_name", "assignee__staff_profile__team__manager_id", "assignee__staff_profile__team__manager__is_active",
    "tier__clock", "tier__repeat_every_hours",
)


_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# Both run for every step fired: formatted by hand, a quarter of strftime's cost.
def _local(moment) -> str:
    """'01 Dec 2026 14:05' in the service's zone, as shown."""
    if not moment:
        return ""
    m = moment.astimezone(LONDON)
    return f"{m.day:02d} {_MONTHS[m.month]} {m.year} {m.hour:02d}:{m.minute:02d}"


def _stamp(moment) -> str:
    """'20261201140500' in the moment's own zone (UTC as stored): part of a notice's dedupe key."""
    if not moment:
        return "none"
    return f"{moment.year:04d}{moment.month:02d}{moment.day:02d}{moment.hour:02d}{moment.minute:02d}{moment.second:02d}"


def _due_texts(ctx, due) -> tuple[str, str, str]:
    """(shown local time, dedupe stamp, ISO text) of a due time, formatted once per distinct time in a batch: the
    breach notices of one sweep mostly share theirs."""
    key = due, due.tzinfo  # equal instants in other zones print differently
    texts = ctx["due_texts"].get(key)
    if texts is None:
        texts = ctx["due_texts"][key] = (_local(due), _stamp(due), due.isoformat())
    return texts


def _assignee_name(owner) -> str:
    full = f"{owner['assignee__first_name']} {owner['assignee__last_name']}".strip()
    return full or owner["assignee__username"]


# The open requests among the claimed ids with what their notices say, in one statement by raw SQL: the same rows as
# SafeguardingRequest.objects.open().filter(pk__in=ids).values(*_OWNER_FIELDS), without building the ORM query (4
# joins) twice a sweep. Tables: the request, its tier, its assignee, the assignee's team and that team's manager.
_OWNERS_SQL = (
    "SELECT r.id, r.reference, r.rating, r.due_at, r.assignee_id, a.username, a.first_name, a.last_name, "
    "t.manager_id, m.is_active, tier.clock, tier.repeat_every_hours "
    "FROM safeguarding_safeguardingrequest r JOIN safeguarding_deadlinetier tier ON tier.id = r.tier_id "
    "LEFT JOIN probation_user a ON a.id = r.assignee_id LEFT JOIN cases_staffprofile sp ON sp.user_id = r.assignee_id "
    "LEFT JOIN cases_team t ON t.id = sp.team_id LEFT JOIN probation_user m ON m.id = t.manager_id "
    "WHERE r.id = ANY(%s::bigint[]) AND r.responded_at IS NULL AND r.withdrawn_at IS NULL AND r.closed_at IS NULL"
)


class _MashStep(Step):
    event_model = RequestEvent
    owner_group = "safeguarding.request"  # the reminder and the breach notice share one owners query and context

    def owners(self, ids):
        if connection.vendor != "postgresql":  # the SQLite demo
            rows = SafeguardingRequest.objects.open().filter(pk__in=ids).order_by().values_list(*_OWNER_FIELDS)
        else:
            with connection.cursor() as cursor:
                cursor.execute(_OWNERS_SQL, [sql_array(ids)])
                rows = cursor.fetchall()
        return {row[0]: dict(zip(_OWNER_FIELDS, row)) for row in rows}

    def context(self, owners, now):
        # Once per batch: the hub's users and the detail page's URL pattern (reverse() is not per row).
        with connection.cursor() as cursor:  # plain SQL: the same rows as User.objects.filter(role=HUB, is_active)
            cursor.execute("SELECT id FROM probation_user WHERE role = %s AND is_active = %s ORDER BY id",
                           [Role.HUB.value, True])
            hub = [row[0] for row in cursor.fetchall()]
        url = reverse("safeguarding:detail", args=[_PLACEHOLDER])
        clocks = {owner["tier__clock"] for owner in owners.values()}
        return {"hub": hub, "url": url.replace(_PLACEHOLDER, "{}"),
                "calendar": get_calendar() if clocks - {Clock.ELAPSED} else None, "due_texts": {}}


class RemindStep(_MashStep):
    name = REMIND

    def fire(self, owner, fired, ctx):
        due = owner["due_at"]
        if due is None or fired.now >= due:
            return Outcome(tally="late_reminders_dropped")  # past the deadline: the breach notice speaks for it
        pk, reference = owner["id"], owner["reference"]
        local, stamp, iso = _due_texts(ctx, due)
        recipients = [owner["assignee_id"]] if owner["assignee_id"] else ctx["hub"]
        subject = f"Reminder: MASH request {reference} is due {local}"
        body = (f"The {_RATING[owner['rating']]} MASH request {reference} is due by {local}. "
                "Please answer it before the deadline.")
        url = ctx["url"].format(reference)
        return Outcome(
            notices=[Notice(user, f"mash:{pk}:remind:{stamp}:{user}", subject, body, url) for user in recipients],
            event={"request_id": pk, "kind": RequestEvent.Kind.REMINDED, "at": fired.now, "detail": {"due_at": iso}},
            tally="reminded",
        )


class OverdueStep(_MashStep):
    name = OVERDUE

    def fire(self, owner, fired, ctx):
        pk, reference, due = owner["id"], owner["reference"], owner["due_at"]
        if due is None:
            return Outcome()
        first = fired.count == 1
        local, stamp, iso = _due_texts(ctx, due)
        recipients = dict.fromkeys(ctx["hub"])
        manager = owner["assignee__staff_profile__team__manager_id"]
        if manager and manager != owner["assignee_id"] and owner["assignee__staff_profile__team__manager__is_active"]:
            recipients[manager] = None
        assigned = f" (assigned to {_assignee_name(owner)})" if owner["assignee_id"] else " (not assigned)"
        subject = f"Overdue: MASH request {reference} {'is overdue' if first else 'is still overdue'}"
        body = (f"The {_RATING[owner['rating']]} MASH request {reference}{assigned} was due by {local} "
                "and has not been answered.")
        step = f"breach:{stamp}" if first else f"repeat:{stamp}:{fired.count}"
        url = ctx["url"].format(reference)
        # Repeats count on the tier's clock; an office-hours tier repeats on working days (24 office hours would be
        # three days apart).
        clock = Clock.ELAPSED if owner["tier__clock"] == Clock.ELAPSED else Clock.WORKING_DAYS
        following = next_repeat(last_due=fired.due_at, every_hours=owner["tier__repeat_every_hours"], clock=clock,
                                now=fired.now, calendar=ctx["calendar"])
        return Outcome(
            notices=[Notice(user, f"mash:{pk}:{step}:{user}", subject, body, url) for user in recipients],
            event={"request_id": pk, "kind": RequestEvent.Kind.ESCALATED if first else RequestEvent.Kind.ESCALATION_REPEATED,
                   "at": fired.now, "detail": {"due_at": iso, "notice": fired.count}},
            next_due=following,
            tally="escalated" if first else "repeated",
        )
