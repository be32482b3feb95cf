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
from probation.calendar import due_at, get_calendar
from probation.deadlines import deadline_set, deadlines_cancel, deadlines_run
from probation.models import Role, User
from probation.services import notification_send
from safeguarding import deadlines as mash_deadlines
from safeguarding.models import (
    Assignment,
    Channel,
    ConcernedPerson,
    DeadlineTier,
    MatchOutcome,
    Rag,
    RatingChange,
    RequestEvent,
    Response,
    SafeguardingRequest,
    reminder_time,
)

logger = logging.getLogger(__name__)

RESPONSE_EMAIL_LEASE = timedelta(minutes=10)


# --- Intake --------------------------------------------------------------------------------------------------------


def reference_next(*, year: int) -> str:
    """The next reference for `year`, e.g. MASH-2026-000123. One atomic upsert: concurrent callers each get their
    own number (the row lock taken by ON CONFLICT DO UPDATE serialises them) and numbers restart each year."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO safeguarding_referencecounter (year, last) VALUES (%s, 1) "
            "ON CONFLICT (year) DO UPDATE SET last = safeguarding_referencecounter.last + 1 RETURNING last",
            [year],
        )
        number = cursor.fetchone()[0]
    return f"MASH-{year}-{number:06d}"


def _deadlines(*, received_at: datetime, tier: DeadlineTier, calendar) -> tuple[datetime | None, datetime | None]:
    due = due_at(received_at, tier.hours, tier.clock, calendar)
    return due, reminder_time(received_at, tier, calendar)


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
    concerned: list[ConcernedInput] | None = None,
) -> SafeguardingRequest:
    """Record a request from a partner (API) or keyed in by the hub from a secure email. Returns it committed."""
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
    if errors:
        raise ValidationError(errors)
    if borough is None:
        borough = organisation.boroughs.order_by("name").first()

    tier = DeadlineTier.objects.for_rating(organisation.pk, rating)
    due, remind = _deadlines(received_at=received_at, tier=tier, calendar=get_calendar())
    with transaction.atomic():
        request = SafeguardingRequest.objects.create(
            reference=reference_next(year=timezone.localtime(received_at).year),
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
        _deadlines_arm(request, now=None)
    return request


def _deadlines_arm(request: SafeguardingRequest, *, now: datetime | None) -> None:
    """Set the reminder and the breach deadline (see probation.deadlines.deadlines_set for `now`)."""
    remind = request.remind_at if request.remind_at and request.due_at and request.remind_at < request.due_at else None
    deadline_set(step=mash_deadlines.REMIND, owner_id=request.pk, due_at=remind, now=now)
    deadline_set(step=mash_deadlines.OVERDUE, owner_id=request.pk, due_at=request.due_at, now=now)


# --- Rating --------------------------------------------------------------------------------------------------------


def _locked(request: SafeguardingRequest) -> SafeguardingRequest:
    # Race: two members of staff (or a partner withdrawing) changing the same request at once; lock the row.
    return SafeguardingRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)


def _require_open(request: SafeguardingRequest, field: str = "__all__") -> None:
    if request.withdrawn_at is not None:
        raise ValidationError({field: "This request has been withdrawn by the partner."})
    if request.responded_at is not None:
        raise ValidationError({field: "This request has already been answered."})


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
    request.save(update_fields=["rating", "tier", "due_at", "remind_at"])
    # The steps move to the new deadline; one already sent is sent again only if its new time is still to come
    # (the dedupe keys name the deadline, so the new notices are new).
    _deadlines_arm(request, now=now)
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
    request.assignee = assignee
    fields = ["assignee"]
    if request.assigned_at is None:
        request.assigned_at = now
        fields.append("assigned_at")
    request.save(update_fields=fields)
    RequestEvent.objects.create(
        request=request, kind=RequestEvent.Kind.REASSIGNED if reassigning else RequestEvent.Kind.ASSIGNED, at=now,
        by=by, detail={"assignee_id": assignee.pk},
    )
    notification_send(
        recipient=assignee,
        key=f"mash:{request.pk}:assigned:{assignment.pk}",
        subject=f"MASH request {request.reference} assigned to you",
        body=f"A {request.get_rating_display().lower()} MASH request has been assigned to you. Please answer it by "
        f"{_local(request.due_at)}." if request.due_at else "A MASH request has been assigned to you.",
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
    request = _locked(request)
    _require_open(request, "outcome")
    now = timezone.now()
    request.match_outcome, request.person = outcome, person
    fields = ["match_outcome", "person"]
    if request.triaged_at is None:
        request.triaged_at, request.triaged_by = now, by
        fields += ["triaged_at", "triaged_by"]
    request.save(update_fields=fields)
    RequestEvent.objects.create(request=request, kind=RequestEvent.Kind.TRIAGED, at=now, by=by, detail={"outcome": outcome})
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
    request.responded_at, request.responded_by = now, by
    request.save(update_fields=["responded_at", "responded_by"])
    RequestEvent.objects.create(request=request, kind=RequestEvent.Kind.RESPONDED, at=now, by=by,
                                detail={"on_time": request.answered_on_time})
    deadlines_cancel(owner_id=request.pk, steps=mash_deadlines.STEPS)
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
    request.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    RequestEvent.objects.create(request=request, kind=RequestEvent.Kind.WITHDRAWN, at=now, by=by)
    deadlines_cancel(owner_id=request.pk, steps=mash_deadlines.STEPS)
    if request.assignee_id:
        notification_send(
            recipient=request.assignee,
            key=f"mash:{request.pk}:withdrawn",
            subject=f"MASH request {request.reference} withdrawn",
            body="The partner has withdrawn this request; no response is needed.",
            url=reverse("safeguarding:detail", args=[request.reference]),
        )
    return request


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
    unsent = (
        SafeguardingRequest.objects.filter(responded_at__isnull=False, response_emailed_at=None, responded_at__lte=now - timedelta(minutes=2))
        .filter(Q(response_email_claimed_at=None) | Q(response_email_claimed_at__lt=now - RESPONSE_EMAIL_LEASE))
        .order_by("responded_at")  # the partial index's order, not Meta.ordering (which would scan every row)
        .values_list("pk", flat=True)[:batch_size]
    )
    from safeguarding.tasks import send_response_email

    queued = 0
    for pk in unsent:
        send_response_email.delay(pk)
        queued += 1
    return queued

