"""Writes for MASH safeguarding requests. Every function is atomic, takes keyword-only arguments and records an event.

Rules enforced here (forms and serializers only shape input):
- a reference is issued once, under concurrency, and the row is committed before the caller acknowledges it;
- the deadline comes from the requesting MASH's tier (or the default tier) counted from *receipt*; a rating change
  needs a rationale and recomputes from receipt, keeping every change;
- assignments supersede, never overwrite; a withdrawn or answered request takes no response or withdrawal;
- escalation (reminder, breach, repeats) is two steps of the deadline engine (safeguarding/deadlines.py): set at
  receipt and on a rating change, cancelled on answer or withdrawal, claimed and notified in one transaction a batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.models import Person
from partners import selectors as partner_selectors
from probation import calendar as working_calendar
from probation.cache import get_many_and_bump, get_many_or_build
from probation.calendar import due_at, get_calendar
from probation.deadlines import deadline_steps_set, deadlines_cancel, deadlines_run
from probation.models import Role, User
from probation.services import notification_send
from safeguarding import deadlines as mash_deadlines
from safeguarding.selectors import QUEUE_VERSION_KEY, queue_changed
from safeguarding.models import (
    Assignment,
    Channel,
    ConcernedPerson,
    DeadlineTier,
    MatchOutcome,
    Rag,
    RatingChange,
    RequestEvent,
    RequestNote,
    Response,
    SafeguardingRequest,
    reminder_time,
)

logger = logging.getLogger(__name__)

RESPONSE_EMAIL_LEASE = timedelta(minutes=10)


# --- Intake --------------------------------------------------------------------------------------------------------


def _with_article(word: str) -> str:
    """"an amber", "a red": the article that reads right before a rating."""
    return f"{'An' if word[:1].lower() in 'aeiou' else 'A'} {word}"


# PostgreSQL: the number is the reference sequence's next value minus the year's base (safeguarding.models.
# ReferenceCounter). The year's first request writes the base; later ones only read it: ON CONFLICT DO NOTHING takes
# no row lock, so concurrent submits never wait for each other here.
_REFERENCE_NUMBER = (
    "WITH v AS (SELECT nextval('safeguarding_reference_seq') AS v), "
    "year_first AS (INSERT INTO safeguarding_referencecounter (year, base) SELECT %s, v.v - 1 FROM v "
    "ON CONFLICT (year) DO NOTHING RETURNING base)"
)
_REFERENCE_BASE = "COALESCE((SELECT base FROM year_first), (SELECT base FROM safeguarding_referencecounter WHERE year = %s))"
# SQLite (the demo, one writer at a time) has no sequences: the year's base counts down, and the number is -base.
_REFERENCE_COUNTDOWN = (
    "INSERT INTO safeguarding_referencecounter (year, base) VALUES (%s, -1) "
    "ON CONFLICT (year) DO UPDATE SET base = safeguarding_referencecounter.base - 1 RETURNING base"
)


def _reference(year: int, number: int) -> str:
    return f"MASH-{year}-{number:06d}"


def _year_number(cursor, year: int, value: int, base: int | None) -> int:
    """The year's number for sequence value `value`."""
    if base is None:
        # Only at the start of a year: another transaction wrote the base after this statement's snapshot was taken
        # (ON CONFLICT waited for it to commit). A new statement sees it.
        cursor.execute("SELECT base FROM safeguarding_referencecounter WHERE year = %s", [year])
        base = cursor.fetchone()[0]
    while value <= base:
        # Only at the start of a year: this call drew its value before the year's first request drew the one its base
        # came from, but wrote second. Any value drawn now is above the base.
        cursor.execute("SELECT nextval('safeguarding_reference_seq')")
        value = cursor.fetchone()[0]
    return value - base


def reference_next(*, year: int) -> str:
    """The next reference for `year`, e.g. MASH-2026-000123. Concurrent callers each get their own number without
    waiting for each other (a sequence; numbers restart each year). A rolled-back submit leaves a gap."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(_REFERENCE_COUNTDOWN, [year])
            return _reference(year, -cursor.fetchone()[0])
        cursor.execute(f"{_REFERENCE_NUMBER} SELECT v.v, {_REFERENCE_BASE} FROM v", [year, year])  # nosec B608 - constants
        value, base = cursor.fetchone()
        return _reference(year, _year_number(cursor, year, value, base))


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """A submit's `Idempotency-Key` and the hash of its body (idempotency_body_hash)."""

    key: str
    body_hash: str


def _reference_and_claim(*, year: int, organisation, claim: IdempotencyClaim) -> tuple[int, str]:
    """The new request's id and reference, and `claim.key` bound to that id, in one statement (PostgreSQL): the
    reference (reference_next), the id drawn from the request table's own sequence, and the key inserted with
    ON CONFLICT DO NOTHING. The key's foreign key to the request is checked at commit (Django's constraints are
    DEFERRABLE INITIALLY DEFERRED), by when the request row exists. A concurrent submit with the same key waits on
    the unique index until the first commits, then inserts nothing: IdempotencyReplay, and the caller rolls its
    transaction back."""
    from safeguarding.models import IdempotencyKey

    with connection.cursor() as cursor:
        cursor.execute(
            f"{_REFERENCE_NUMBER}, "  # nosec B608 - constants, no input
            "new AS (SELECT nextval(pg_get_serial_sequence('safeguarding_safeguardingrequest', 'id')) AS id), "
            "claimed AS (INSERT INTO safeguarding_idempotencykey (organisation_id, key, body_hash, request_id, created_at) "
            "SELECT %s, %s, %s, new.id, %s FROM new ON CONFLICT (organisation_id, key) DO NOTHING RETURNING id) "
            f"SELECT new.id, v.v, {_REFERENCE_BASE}, EXISTS (SELECT 1 FROM claimed) FROM new, v",
            [year, organisation.pk, claim.key, claim.body_hash, timezone.now(), year],
        )
        pk, value, base, claimed = cursor.fetchone()
        if not claimed:
            raise IdempotencyReplay(IdempotencyKey.objects.get(organisation=organisation, key=claim.key))
        return pk, _reference(year, _year_number(cursor, year, value, base))


def _deadlines(*, received_at: datetime, tier: DeadlineTier, calendar) -> tuple[datetime | None, datetime | None]:
    due = due_at(received_at, tier.hours, tier.clock, calendar)
    return due, reminder_time(received_at, tier, calendar)


TIERS_CACHE_KEY = "safeguarding:deadline-tiers"


def tier_for(organisation_id: int | None, rating: str) -> DeadlineTier:
    """The deadline tier for a new request, from a cached map of every tier (a handful of rows), refreshed every
    minute and dropped at once when an administrator changes a tier (safeguarding.apps)."""
    from django.core.cache import cache

    tiers = cache.get(TIERS_CACHE_KEY)
    if tiers is None:
        tiers = _tiers_build()
        cache.set(TIERS_CACHE_KEY, tiers, TIERS_CACHE_SECONDS)
    return _tier_from(tiers, organisation_id, rating)


TIERS_CACHE_SECONDS = 60


def _tiers_build() -> dict:
    return {(t.organisation_id, t.rating): t for t in DeadlineTier.objects.all()}


def _tier_from(tiers: dict, organisation_id: int | None, rating: str) -> DeadlineTier:
    tier = tiers.get((organisation_id, rating)) or tiers.get((None, rating))
    return tier if tier is not None else DeadlineTier.objects.for_rating(organisation_id, rating)


@dataclass(frozen=True, slots=True)
class _IntakeReference:
    covered: list  # the organisation's boroughs, by name
    by_code: dict  # every borough, by code (partners.selectors.boroughs_by_code)
    tiers: dict  # every deadline tier (tier_for)
    calendar: object  # the working calendar (probation.calendar.get_calendar)


def _intake_reference(organisation) -> _IntakeReference:
    """What intake reads from the cache (the organisation's boroughs, every borough, the deadline tiers and the
    calendar) in one round trip with Redis, which also bumps the hub queue's count version: the "now" half of
    _queue_changed (see there), done early so that it costs no round trip of its own. Built and stored on a miss,
    each entry under its own module's timeout."""
    from django.core.cache import cache

    organisation_key = partner_selectors.organisation_boroughs_key(organisation)
    builders = {
        partner_selectors.BOROUGHS_CACHE_KEY: (partner_selectors.boroughs_by_code_build,
                                               partner_selectors.BOROUGHS_CACHE_SECONDS),
        organisation_key: (lambda: partner_selectors.organisation_borough_codes_build(organisation),
                           partner_selectors.ORGANISATION_BOROUGHS_CACHE_SECONDS),
        TIERS_CACHE_KEY: (_tiers_build, TIERS_CACHE_SECONDS),
        working_calendar.CACHE_KEY: (working_calendar._build_calendar, working_calendar.CACHE_SECONDS),
    }
    found = get_many_or_build(get_many_and_bump(cache, list(builders), QUEUE_VERSION_KEY), builders, cache)
    return _IntakeReference(
        covered=partner_selectors.organisation_boroughs_from(found[organisation_key],
                                                             found[partner_selectors.BOROUGHS_CACHE_KEY]),
        by_code=found[partner_selectors.BOROUGHS_CACHE_KEY],
        tiers=found[TIERS_CACHE_KEY],
        calendar=found[working_calendar.CACHE_KEY],
    )


def tiers_cache_clear() -> None:
    from django.core.cache import cache

    cache.delete(TIERS_CACHE_KEY)


@dataclass
class ConcernedInput:
    age_group: str
    name: str
    date_of_birth: date | None = None
    relationship: str = ""


def request_receive(
    *,
    organisation,
    channel: str,
    received_at: datetime,
    received_by: User | None,
    subject_first_name: str,
    subject_last_name: str,
    subject_date_of_birth: date | None = None,
    subject_aliases: str = "",
    subject_address: str = "",
    subject_pnc: str = "",
    reason: str,
    rating: str,
    requester_name: str,
    requester_email: str,
    requester_phone: str = "",
    borough=None,
    borough_code: str | None = None,
    concerned: list[ConcernedInput] | None = None,
    idempotency: IdempotencyClaim | None = None,
) -> SafeguardingRequest:
    """Record a request from a partner (API) or keyed in by the hub from a secure email. Returns it committed.

    With `idempotency` (an API submit's key), the key is bound to the new request in the same transaction; a key
    already bound raises IdempotencyReplay (see idempotency_key_claim), and the caller rolls back.

    `borough_code` (the API's) names the borough by code instead of `borough`: looked up in the same cache round trip
    as the rest of intake's reference data; a code with no borough is as if none was named."""
    now = timezone.now()
    errors = {}
    if not (subject_first_name or "").strip():
        errors["subject_first_name"] = "Enter the subject's first name."
    if not (subject_last_name or "").strip():
        errors["subject_last_name"] = "Enter the subject's last name."
    if subject_date_of_birth and subject_date_of_birth > timezone.localdate():
        errors["subject_date_of_birth"] = "Date of birth must be in the past."
    if rating not in Rag.values:
        errors["rating"] = "Choose red, amber, green or blue."
    if received_at > now + timedelta(minutes=5):
        errors["received_at"] = "The time received cannot be in the future."
    if channel not in Channel.values:
        errors["channel"] = "Unknown channel."
    if len(concerned or []) > ConcernedPerson.MAX_PER_REQUEST:
        errors["concerned"] = f"A request names at most {ConcernedPerson.MAX_PER_REQUEST} concerned people."
    if not organisation.allows_response_email(requester_email):
        errors["requester_email"] = organisation.response_email_refusal()
    for index, person in enumerate(concerned or []):
        if person.date_of_birth and person.date_of_birth > timezone.localdate():
            errors[f"concerned[{index}].date_of_birth"] = "Date of birth must be in the past."
    reference_data = _intake_reference(organisation)
    covered = reference_data.covered
    if borough is None and borough_code:
        borough = reference_data.by_code.get(borough_code)
    if borough is None and len(covered) == 1:
        borough = covered[0]  # one borough: it is the request's
    elif borough is None and len(covered) > 1:
        # Never a default here: the alphabetically first borough skewed compliance and the borough reports.
        errors["borough"] = (f"{organisation} covers several boroughs ({', '.join(b.name for b in covered)}): "
                             "choose the borough this request is about.")
    elif borough is not None and covered and borough not in covered:
        errors["borough"] = f"Choose one of {organisation}'s boroughs: {', '.join(b.name for b in covered)}."
    if errors:
        raise ValidationError(errors)

    tier = _tier_from(reference_data.tiers, organisation.pk, rating)
    due, remind = _deadlines(received_at=received_at, tier=tier, calendar=reference_data.calendar)
    # No savepoint: inside a caller's transaction (the API's submit) a failure here rolls the whole of it back.
    year = timezone.localtime(received_at).year
    with transaction.atomic(savepoint=False):
        if idempotency is not None and connection.vendor == "postgresql":
            pk, reference = _reference_and_claim(year=year, organisation=organisation, claim=idempotency)
        else:
            pk, reference = None, reference_next(year=year)
        request = SafeguardingRequest.objects.create(
            pk=pk,
            reference=reference,
            organisation=organisation,
            borough=borough,
            channel=channel,
            subject_first_name=subject_first_name.strip(),
            subject_last_name=subject_last_name.strip(),
            subject_date_of_birth=subject_date_of_birth,
            subject_aliases=subject_aliases.strip(),
            subject_address=subject_address.strip(),
            subject_pnc=subject_pnc.strip(),
            reason=reason.strip(),
            rating_proposed=rating,
            rating=rating,
            tier=tier,
            due_at=due,
            initial_due_at=due,
            remind_at=remind,
            received_at=received_at,
            received_by=received_by,
            created_at=now,
            updated_at=now,
            requester_name=requester_name.strip(),
            requester_email=requester_email.strip(),
            requester_phone=requester_phone.strip(),
        )
        ConcernedPerson.objects.bulk_create(
            ConcernedPerson(request=request, age_group=c.age_group, name=c.name.strip(), date_of_birth=c.date_of_birth,
                            relationship=c.relationship.strip())
            for c in concerned or []
        )
        RequestEvent.objects.create(
            request=request, kind=RequestEvent.Kind.RECEIVED, at=received_at, by=received_by,
            detail={"channel": channel, "rating": rating, "keyed_in_at": now.isoformat()},
        )
        if idempotency is not None and pk is None:  # SQLite (the demo): the key after the request, as its own statement
            idempotency_key_claim(organisation=organisation, key=idempotency.key, body_hash=idempotency.body_hash,
                                  request=request)
        _deadlines_arm(request, now=None)
        transaction.on_commit(queue_changed)  # _queue_changed's other half: _intake_reference bumped it already
    return request


def _queue_changed() -> None:
    """The hub queue's cached counts are stale: now (this transaction's own reads) and again on commit (a read by
    another request between now and the commit may have cached the figures from before it)."""
    queue_changed()
    transaction.on_commit(queue_changed)


def _deadlines_arm(request: SafeguardingRequest, *, now: datetime | None) -> None:
    """Set the reminder and the breach deadline (see probation.deadlines.deadlines_set for `now`)."""
    remind = request.remind_at if request.remind_at and request.due_at and request.remind_at < request.due_at else None
    deadline_steps_set(owner_id=request.pk, due={mash_deadlines.REMIND: remind, mash_deadlines.OVERDUE: request.due_at},
                       now=now)  # one statement


# --- Rating --------------------------------------------------------------------------------------------------------


def _locked(request: SafeguardingRequest) -> SafeguardingRequest:
    # Race: two members of staff (or a partner withdrawing) changing the same request at once; lock the row.
    return SafeguardingRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)


class RefusedChange(ValidationError):
    """A change refused because of the request's state (withdrawn or answered). The interface that asked records it
    with `request_refusal_record` once its transaction has ended, so the refusal stays on the timeline."""

    def __init__(self, message, *, why: str):
        super().__init__(message)
        self.why = why


def _require_open(request: SafeguardingRequest, field: str = "__all__") -> None:
    if request.withdrawn_at is not None:
        raise RefusedChange({field: "This request has been withdrawn by the partner."}, why="withdrawn")
    if request.responded_at is not None:
        raise RefusedChange({field: "This request has already been answered."}, why="answered")
    if request.closed_at is not None:
        raise RefusedChange({field: "This request has been closed by the hub: no response is needed."}, why="closed")


REFUSABLE_ACTIONS = {
    "respond": "respond", "withdraw": "withdraw", "triage": "triage", "assign": "assign",
    "change_rating": "change the rating", "add_information": "add information",
}


def request_refusal_record(*, request: SafeguardingRequest, action: str, by: User | None, why: str = "") -> RequestEvent:
    """Record that a change was refused (who, when, what was refused and why) on the request's timeline. Called by
    the interfaces after the refused change's transaction has ended (a rolled-back transaction would lose it)."""
    if action not in REFUSABLE_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not why:
        why = "withdrawn" if request.withdrawn_at else "answered" if request.responded_at else "not allowed"
    return RequestEvent.objects.create(request=request, kind=RequestEvent.Kind.REFUSED, by=by,
                                       detail={"action": action, "why": why})


@transaction.atomic
def request_change_rating(*, request: SafeguardingRequest, rating: str, rationale: str, by: User) -> SafeguardingRequest:
    """Raise or lower the RAG rating. Needs a rationale; the deadline is recomputed from the original receipt."""
    errors = {}
    if rating not in Rag.values:
        errors["rating"] = "Choose red, amber, green or blue."
    if not (rationale or "").strip():
        errors["rationale"] = "Explain why the rating is changing."
    if errors:
        raise ValidationError(errors)
    request = _locked(request)
    _require_open(request, "rating")
    if rating == request.rating:
        raise ValidationError({"rating": "The request already has this rating."})
    now = timezone.now()
    tier = DeadlineTier.objects.for_rating(request.organisation_id, rating)
    due, remind = _deadlines(received_at=request.received_at, tier=tier, calendar=get_calendar())
    RatingChange.objects.create(
        request=request, from_rating=request.rating, to_rating=rating, rationale=rationale.strip(), changed_by=by,
        changed_at=now, due_at_before=request.due_at, due_at_after=due,
    )
    RequestEvent.objects.create(
        request=request, kind=RequestEvent.Kind.RATING_CHANGED, at=now, by=by,
        detail={"from": request.rating, "to": rating},
    )
    request.rating, request.tier, request.due_at, request.remind_at = rating, tier, due, remind
    request.updated_at = now
    _webhook(request, "request.rating_changed", f"rating:{RatingChange.objects.filter(request=request).count()}", now)
    request.save(update_fields=["rating", "tier", "due_at", "remind_at", "updated_at"])
    # The steps move to the new deadline; one already sent is sent again only if its new time is still to come
    # (the dedupe keys name the deadline, so the new notices are new).
    _deadlines_arm(request, now=now)
    _queue_changed()
    return request


# --- Triage and assignment -----------------------------------------------------------------------------------------


def responsible_officer_for(person: Person) -> User | None:
    """Who answers for a CRC case: the offender manager, or if there is none or they are absent, the team manager."""
    om = person.offender_manager
    profile = getattr(om, "staff_profile", None) if om is not None else None
    if om is not None and om.is_active and (profile is None or profile.is_available):
        return om
    team = person.team or (profile.team if profile is not None else None)
    manager = team.manager if team is not None else None
    if manager is not None and manager.is_active:
        return manager
    return None


@transaction.atomic
def request_assign(*, request: SafeguardingRequest, assignee: User, by: User | None, reason: str = "") -> Assignment:
    """Give the request to `assignee`, superseding (never overwriting) the current assignment."""
    request = _locked(request)
    _require_open(request, "assignee")
    if assignee.role not in (Role.OFFENDER_MANAGER, Role.TEAM_MANAGER, Role.HUB):
        raise ValidationError({"assignee": "Assign to an offender manager, team manager or hub officer."})
    if request.assignee_id == assignee.pk:
        raise ValidationError({"assignee": "The request is already assigned to this person."})
    now = timezone.now()
    reassigning = request.assignee_id is not None
    Assignment.objects.filter(request=request, superseded_at=None).update(superseded_at=now)
    assignment = Assignment.objects.create(request=request, assignee=assignee, assigned_by=by, assigned_at=now, reason=reason[:200])
    request.assignee, request.updated_at = assignee, now
    fields = ["assignee", "updated_at"]
    if request.assigned_at is None:
        request.assigned_at = now
        fields.append("assigned_at")
    request.save(update_fields=fields)
    _queue_changed()
    RequestEvent.objects.create(
        request=request, kind=RequestEvent.Kind.REASSIGNED if reassigning else RequestEvent.Kind.ASSIGNED, at=now,
        by=by, detail={"assignee_id": assignee.pk},
    )
    notification_send(
        recipient=assignee,
        key=f"mash:{request.pk}:assigned:{assignment.pk}",
        subject=f"MASH request {request.reference} assigned to you",
        body=f"{_with_article(request.get_rating_display().lower())} MASH request has been assigned to you. Please answer "
        f"it by {_local(request.due_at)}." if request.due_at else "A MASH request has been assigned to you.",
        url=reverse("safeguarding:detail", args=[request.reference]),
    )
    return assignment


@transaction.atomic
def request_triage(
    *, request: SafeguardingRequest, outcome: str, person: Person | None, by: User
) -> SafeguardingRequest:
    """Record the match outcome. Known to the CRC: assign to the responsible officer and flag the person. NPS or
    unknown: the hub answers directly (the request stays with the hub, unassigned)."""
    if outcome not in MatchOutcome.values:
        raise ValidationError({"outcome": "Choose whether the subject is known to the CRC, the NPS, or unknown."})
    if outcome in (MatchOutcome.KNOWN_CRC, MatchOutcome.NPS) and person is None:
        raise ValidationError({"person": "Choose the matching person on probation."})
    if outcome == MatchOutcome.UNKNOWN:
        person = None
    if outcome == MatchOutcome.KNOWN_CRC and person is not None and person.is_supervised_by_nps:
        # The NPS supervises this person: the hub answers, saying so and where to go; no CRC officer is assigned.
        raise ValidationError({"outcome": "This person is supervised by the NPS: choose \"Supervised by the NPS\"."},
                              code="supervised_by_nps")
    request = _locked(request)
    _require_open(request, "outcome")
    now = timezone.now()
    request.match_outcome, request.person, request.updated_at = outcome, person, now
    fields = ["match_outcome", "person", "updated_at"]
    if request.triaged_at is None:
        request.triaged_at, request.triaged_by = now, by
        fields += ["triaged_at", "triaged_by"]
    request.save(update_fields=fields)
    RequestEvent.objects.create(request=request, kind=RequestEvent.Kind.TRIAGED, at=now, by=by, detail={"outcome": outcome})
    _queue_changed()
    if person is not None:
        # Live MASH arrangement: later information about this person is shared too.
        Person.objects.filter(pk=person.pk, mash_flagged_at=None).update(mash_flagged_at=now)
    if outcome == MatchOutcome.KNOWN_CRC:
        officer = responsible_officer_for(person)
        if officer is not None and officer.pk != request.assignee_id:
            request_assign(request=request, assignee=officer, by=by, reason="Responsible officer for the case")
            request.refresh_from_db()
    return request


# --- Response and withdrawal ---------------------------------------------------------------------------------------


@transaction.atomic
def request_respond(*, request: SafeguardingRequest, by: User, **answer) -> Response:
    """Record the answer and send it to the requesting partner (in the API at once; by email via a retrying task)."""
    request = _locked(request)
    _require_open(request)
    response = Response(request=request, responded_by=by, **answer)
    response.full_clean(exclude=["request", "responded_by", "responded_at"])
    now = timezone.now()
    response.responded_at = now
    response.save()
    request.responded_at, request.responded_by, request.updated_at = now, by, now
    request.save(update_fields=["responded_at", "responded_by", "updated_at"])
    _webhook(request, "request.answered", "answered", now)
    RequestEvent.objects.create(request=request, kind=RequestEvent.Kind.RESPONDED, at=now, by=by,
                                detail={"on_time": request.answered_on_time})
    deadlines_cancel(owner_id=request.pk, steps=mash_deadlines.STEPS)
    _queue_changed()
    if request.person_id is not None:
        Person.objects.filter(pk=request.person_id, mash_flagged_at=None).update(mash_flagged_at=now)
    from safeguarding.tasks import send_response_email

    send_response_email.delay_on_commit(request.pk)
    return response


@transaction.atomic
def request_withdraw(*, request: SafeguardingRequest, by: User, reason: str = "") -> SafeguardingRequest:
    request = _locked(request)
    _require_open(request)
    now = timezone.now()
    request.withdrawn_at, request.withdrawn_by, request.withdrawal_reason = now, by, reason.strip()[:300]
    request.updated_at = now
    request.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "updated_at"])
    _webhook(request, "request.withdrawn", "withdrawn", now)
    RequestEvent.objects.create(request=request, kind=RequestEvent.Kind.WITHDRAWN, at=now, by=by)
    deadlines_cancel(owner_id=request.pk, steps=mash_deadlines.STEPS)
    _queue_changed()
    if request.assignee_id:
        notification_send(
            recipient=request.assignee,
            key=f"mash:{request.pk}:withdrawn",
            subject=f"MASH request {request.reference} withdrawn",
            body="The partner has withdrawn this request; no response is needed.",
            url=reverse("safeguarding:detail", args=[request.reference]),
        )
    return request


@transaction.atomic
def request_close(*, request: SafeguardingRequest, by: User, reason: str) -> SafeguardingRequest:
    """Close a blue request (no probation response needed) with a reason: it leaves the open queue and the
    escalation sweeps; the partner's API view shows it closed. Only blue requests can be closed this way."""
    request = _locked(request)
    _require_open(request, "reason")
    if request.rating != Rag.BLUE:
        raise ValidationError({"reason": "Only blue requests (no probation response needed) can be closed without a "
                                         "response. Change the rating first, with its rationale, if that is right."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the request can be closed without a response."})
    now = timezone.now()
    request.closed_at, request.closed_by, request.closure_reason = now, by, reason.strip()[:300]
    request.updated_at = now
    request.save(update_fields=["closed_at", "closed_by", "closure_reason", "updated_at"])
    RequestEvent.objects.create(request=request, kind=RequestEvent.Kind.CLOSED, at=now, by=by,
                                detail={"reason": request.closure_reason})
    deadlines_cancel(owner_id=request.pk, steps=mash_deadlines.STEPS)
    _webhook(request, "request.closed", "closed", now)
    _queue_changed()
    return request


def _webhook(request: SafeguardingRequest, event: str, step: str, now: datetime) -> None:
    """Queue the partner's webhook (if its organisation has one) in this transaction: an outbox row, sent after
    commit with retries. The body names the request and what changed; the partner reads the rest through the API."""
    from partners.services import webhook_enqueue

    webhook_enqueue(
        organisation_id=request.organisation_id,
        event=event,
        dedupe_key=f"mash:{request.pk}:{step}",
        payload={
            "event": event,
            "reference": request.reference,
            "state": request.state,
            "rating": request.rating,
            "updated_at": now.isoformat(),
            "href": f"/api/v1/safeguarding/requests/{request.reference}/",
        },
    )


@transaction.atomic
def request_add_information(
    *, request: SafeguardingRequest, by: User | None, note: str = "", person: ConcernedInput | None = None
) -> RequestNote:
    """A partner adds a note or a named person to its open request. Recorded as an event, shown on the request's page
    and notified to the assignee (or the hub while unassigned)."""
    note = (note or "").strip()
    if not note and person is None:
        raise ValidationError({"note": "Add a note or a named person."})
    request = _locked(request)
    _require_open(request, "note")
    now = timezone.now()
    concerned = None
    if person is not None:
        concerned = ConcernedPerson.objects.create(
            request=request, age_group=person.age_group, name=person.name.strip(), date_of_birth=person.date_of_birth,
            relationship=person.relationship.strip(),
        )
    added = RequestNote.objects.create(request=request, text=note, concerned=concerned, added_by=by, added_at=now)
    request.updated_at = now
    request.save(update_fields=["updated_at"])
    RequestEvent.objects.create(
        request=request, kind=RequestEvent.Kind.INFORMATION_ADDED, at=now, by=by,
        detail={"note_id": added.pk, "concerned_id": concerned.pk if concerned else None},
    )
    recipients = [request.assignee] if request.assignee_id else _hub_users()
    for recipient in recipients:
        notification_send(
            recipient=recipient,
            key=f"mash:{request.pk}:information:{added.pk}:{recipient.pk}",
            subject=f"New information on MASH request {request.reference}",
            body="The requesting partner has added information to this request.",
            url=reverse("safeguarding:detail", args=[request.reference]),
        )
    return added


def response_email_send(*, request_id: int, now: datetime | None = None) -> bool:
    """Email the answer to the requester's contact address. Leased so two workers never both send; a failure
    releases the lease (the task retries) and a worker killed mid-send leaves a lease the sweep re-queues later."""
    now = now or timezone.now()
    claimed = (
        SafeguardingRequest.objects.filter(pk=request_id, response_emailed_at=None)
        .exclude(responded_at=None)
        .filter(Q(response_email_claimed_at=None) | Q(response_email_claimed_at__lt=now - RESPONSE_EMAIL_LEASE))
        .update(response_email_claimed_at=now)
    )
    if claimed != 1:
        return False
    request = SafeguardingRequest.objects.select_related("response", "organisation").get(pk=request_id)
    context = {"request": request, "response": request.response, "site_url": settings.SITE_URL}
    try:
        send_mail(
            render_to_string("safeguarding/email/response_subject.txt", context).strip(),
            render_to_string("safeguarding/email/response_body.txt", context),
            None,
            [request.requester_email],
            html_message=render_to_string("safeguarding/email/response_body.html", context),
        )
    except Exception:
        SafeguardingRequest.objects.filter(pk=request_id, response_email_claimed_at=now).update(response_email_claimed_at=None)
        raise
    with transaction.atomic():
        SafeguardingRequest.objects.filter(pk=request_id).update(response_emailed_at=timezone.now())
        RequestEvent.objects.create(request_id=request_id, kind=RequestEvent.Kind.RESPONSE_SENT)
    submitted_by = request.received_by
    if submitted_by is not None and submitted_by.role == Role.PARTNER:
        notification_send(
            recipient=submitted_by,
            key=f"mash:{request_id}:response",
            subject=f"Response to MASH request {request.reference}",
            body="Probation has answered your MASH request. Read it through the API.",
        )
    return True


# --- Escalation ----------------------------------------------------------------------------------------------------


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%d %b %Y %H:%M") if moment else ""


def _hub_users() -> list[User]:
    return list(User.objects.filter(role=Role.HUB, is_active=True).order_by("pk"))


def escalation_sweep(*, now: datetime | None = None, batch_size: int = 2000) -> dict:
    """MASH reminders, breach and repeat notices (two steps of the deadline engine, run by its every-minute sweep,
    and here for the MASH steps alone), then response emails still unsent."""
    now = now or timezone.now()
    results = deadlines_run(steps=mash_deadlines.STEPS, now=now, batch_size=batch_size)
    remind, overdue = results[mash_deadlines.REMIND], results[mash_deadlines.OVERDUE]
    counts = {"reminded": remind.get("reminded", 0), "escalated": overdue.get("escalated", 0),
              "repeated": overdue.get("repeated", 0), "emails_queued": 0, "failed": remind["failed"] + overdue["failed"]}
    counts["emails_queued"] = response_emails_requeue(now=now, batch_size=batch_size)
    return counts


def response_emails_requeue(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Queue the response emails still unsent: never queued, or a worker died holding the lease."""
    now = now or timezone.now()
    # Response emails not yet sent: never queued, or a worker died holding the lease (index mash_response_email_due_idx)
    if connection.vendor == "postgresql":
        # Runs every minute and finds nothing almost always: plain SQL, no ORM query to build (half the sweep's cost
        # when nothing is due).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM safeguarding_safeguardingrequest WHERE responded_at IS NOT NULL "
                "AND response_emailed_at IS NULL AND responded_at <= %s "
                "AND (response_email_claimed_at IS NULL OR response_email_claimed_at < %s) ORDER BY responded_at LIMIT %s",
                [now - timedelta(minutes=2), now - RESPONSE_EMAIL_LEASE, batch_size],
            )
            unsent = [row[0] for row in cursor.fetchall()]
    else:
        unsent = (
            SafeguardingRequest.objects.filter(responded_at__isnull=False, response_emailed_at=None, responded_at__lte=now - timedelta(minutes=2))
            .filter(Q(response_email_claimed_at=None) | Q(response_email_claimed_at__lt=now - RESPONSE_EMAIL_LEASE))
            .order_by("responded_at")  # the partial index's order, not Meta.ordering (which would scan every row)
            .values_list("pk", flat=True)[:batch_size]
        )
    if not unsent:
        return 0
    from safeguarding.tasks import send_response_email

    queued = 0
    for pk in unsent:
        send_response_email.delay(pk)
        queued += 1
    return queued


# --- Idempotent submits --------------------------------------------------------------------------------------------

IDEMPOTENCY_KEY_DAYS = 7  # at least 24 hours is promised to partners


def idempotency_body_hash(data) -> str:
    """SHA-256 of the body as parsed JSON with sorted keys, so whitespace and key order do not matter."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def idempotency_key_claim(*, organisation, key: str, body_hash: str, request: SafeguardingRequest) -> None:
    """Bind `key` to the request just made, in the submit's transaction, with one INSERT ... ON CONFLICT DO NOTHING.
    A concurrent submit with the same key waits on the unique index until the first commits, then inserts nothing:
    it raises IdempotencyReplay with the first submit's key, and the caller rolls its own request back."""
    from safeguarding.models import IdempotencyKey

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO safeguarding_idempotencykey (organisation_id, key, body_hash, request_id, created_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (organisation_id, key) DO NOTHING RETURNING id",
            [organisation.pk, key, body_hash, request.pk, timezone.now()],
        )
        if cursor.fetchone() is None:
            raise IdempotencyReplay(IdempotencyKey.objects.get(organisation=organisation, key=key))


class IdempotencyReplay(Exception):
    """The key was used before: the caller answers with `existing.request` (same body) or 422 (another body)."""

    def __init__(self, existing):
        super().__init__(existing.key)
        self.existing = existing


def idempotency_key_find(*, organisation, key: str):
    from safeguarding.models import IdempotencyKey

    return IdempotencyKey.objects.filter(organisation=organisation, key=key).select_related("request").first()


def idempotency_keys_purge(*, now: datetime | None = None) -> int:
    from safeguarding.models import IdempotencyKey

    now = now or timezone.now()
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=now - timedelta(days=IDEMPOTENCY_KEY_DAYS)).delete()
    return deleted
