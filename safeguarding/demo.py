"""Demo MASH requests in every state for the demo users (hub, om, spo, partner). Idempotent: the requests are
created once (recognised by their requester address domain); running it again changes nothing."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from cases.models import Person, Provider
from partners.models import Borough, Organisation, PartnerMembership
from probation.models import User
from probation.calendar import due_at, get_calendar
from safeguarding.models import Assignment, DeadlineTier, MatchOutcome, Rag, RequestEvent, Response, SafeguardingRequest
from safeguarding.services import (
    ConcernedInput,
    request_assign,
    request_change_rating,
    request_receive,
    request_respond,
    request_triage,
    request_withdraw,
)

DEMO_DOMAIN = "@demo-mash.example"

SUBJECTS = [
    ("Daniel", "Okafor", date(1988, 3, 14), "Danny Oak"),
    ("Kyle", "Bennett", date(1995, 9, 2), ""),
    ("Marcus", "Reid", date(1979, 12, 21), "Mark Reed"),
    ("Jason", "Whitfield", date(1991, 6, 30), ""),
    ("Lee", "Grant", date(1983, 1, 5), "Leon Grant"),
    ("Tyrone", "Campbell", date(1999, 4, 17), ""),
    ("Stuart", "Mills", date(1972, 8, 8), ""),
    ("Ashley", "Nolan", date(1986, 11, 11), "Ash Nolan"),
]

ANSWER = {
    "supervision_status": Response.SupervisionStatus.CURRENT_CRC,
    "risk_level": Response.RiskLevel.MEDIUM,
    "conditions": "Community order: 120 hours unpaid work; Building Better Relationships programme.",
    "engagement": Response.Engagement.GOOD,
    "contact_with_named": "No known contact with the named children.",
    "professional_view": "Attending as instructed; no current concerns about the children named. Any change will be shared.",
}


# Where the demo's requests come from: MASHs across London, the demo partner's own (Camden) most often.
MASH_BOROUGHS = ["camden", "hackney", "islington", "haringey", "lambeth", "southwark", "newham", "croydon",
                 "tower-hamlets", "enfield", "ealing", "lewisham"]

# What a hub worker sees on a normal morning: a few requests arriving, a few close to their deadline, one or two
# overdue by hours (never months), and a history of answers, mostly on time, over the last few months.
# (rating, what happened, hours until the deadline (negative: overdue) or, for closed ones, days since receipt)
OPEN = [
    (Rag.RED, "received", 3.3), (Rag.AMBER, "received", 21), (Rag.GREEN, "received", 66),
    (Rag.RED, "assigned", 0.6), (Rag.AMBER, "assigned", 2), (Rag.RED, "assigned", -1.3),
    (Rag.AMBER, "assigned", -5), (Rag.GREEN, "assigned", 40), (Rag.GREEN, "unknown", 30),
    (Rag.AMBER, "unknown", 7), (Rag.BLUE, "unknown", None), (Rag.RED, "nps", 2.5), (Rag.AMBER, "rerated", 12),
]
CLOSED = [
    (Rag.AMBER, "answered", 2), (Rag.GREEN, "answered", 4), (Rag.RED, "answered", 6), (Rag.AMBER, "withdrawn", 8),
    (Rag.GREEN, "answered", 12), (Rag.AMBER, "answered_late", 17), (Rag.RED, "answered", 25),
    (Rag.GREEN, "answered", 33), (Rag.AMBER, "answered", 41), (Rag.RED, "answered_late", 50),
    (Rag.GREEN, "answered", 58), (Rag.AMBER, "answered", 66), (Rag.AMBER, "withdrawn", 75), (Rag.GREEN, "answered", 84),
]


def _received_for_due(organisation, rating: str, due_wanted):
    """The receipt time that gives this deadline under the organisation's tier and clock (so "overdue by 1 hour"
    stays true on a Monday morning after a weekend, when working-day clocks have paused)."""
    tier = DeadlineTier.objects.for_rating(organisation.pk, rating)
    if not tier.hours:
        return due_wanted
    calendar = get_calendar()
    start = due_wanted - timedelta(hours=float(tier.hours))
    for _ in range(12):
        due = due_at(start, tier.hours, tier.clock, calendar)
        if due is None or abs(due - due_wanted) < timedelta(minutes=1):
            break
        start += due_wanted - due
    return min(start, timezone.now() - timedelta(minutes=10))


def _handled_soon_after_receipt(request, received, now) -> None:
    """The services stamp triage and assignment "now"; in the demo's history the hub triaged and assigned each
    request within half an hour of receipt, as it would have."""
    triaged, assigned = min(received + timedelta(minutes=15), now), min(received + timedelta(minutes=25), now)
    SafeguardingRequest.objects.filter(pk=request.pk, triaged_at__isnull=False).update(triaged_at=triaged)
    SafeguardingRequest.objects.filter(pk=request.pk, assigned_at__isnull=False).update(assigned_at=assigned)
    RequestEvent.objects.filter(request=request, kind=RequestEvent.Kind.TRIAGED).update(at=triaged)
    RequestEvent.objects.filter(request=request, kind__in=[RequestEvent.Kind.ASSIGNED, RequestEvent.Kind.REASSIGNED,
                                                            RequestEvent.Kind.RATING_CHANGED]).update(at=assigned)
    Assignment.objects.filter(request=request).update(assigned_at=assigned)


def seed_safeguarding(*, size: int, stdout) -> None:
    if SafeguardingRequest.objects.filter(requester_email__endswith=DEMO_DOMAIN).exists():
        stdout.write("MASH requests: demo requests already present")
        return
    users = {u.username: u for u in User.objects.filter(username__in=["hub", "om", "spo", "partner"])}
    hub, om, spo, partner = (users.get(n) for n in ("hub", "om", "spo", "partner"))
    if hub is None or om is None:
        stdout.write("MASH requests: skipped (demo users missing)")
        return
    camden = Borough.objects.get(code="camden")
    with transaction.atomic():
        organisation = None
        if partner is not None:
            membership = PartnerMembership.objects.filter(user=partner).select_related("organisation").first()
            organisation = membership.organisation if membership else None
        if organisation is None:
            organisation = Organisation.objects.filter(name__iexact="Camden MASH").first() or Organisation.objects.create(
                name="Camden MASH", kind=Organisation.Kind.MASH, email="mash@camden.example"
            )
            organisation.boroughs.add(camden)
            if partner is not None:
                PartnerMembership.objects.get_or_create(user=partner, defaults={"organisation": organisation})
        if not organisation.allows_response_email(f"priya.anand{DEMO_DOMAIN}"):
            # The demo requesters' addresses: MASH responses are emailed only to the organisation's own domains.
            organisation.response_email_domains = "\n".join(organisation.response_domains + [DEMO_DOMAIN.lstrip("@")])
            organisation.save(update_fields=["response_email_domains"])
    mashes = [organisation] + [
        o for o in (Organisation.objects.filter(kind=Organisation.Kind.MASH, boroughs__code=code).first()
                    for code in MASH_BOROUGHS[1:]) if o is not None
    ]
    for mash in mashes[1:]:
        if not mash.allows_response_email(f"priya.anand{DEMO_DOMAIN}"):
            mash.response_email_domains = "\n".join(mash.response_domains + [DEMO_DOMAIN.lstrip("@")])
            mash.save(update_fields=["response_email_domains"])
    # People come from the cases seeder (which runs first): the om's own CRC cases, and an NPS case.
    people = list(Person.objects.filter(offender_manager=om, provider=Provider.CRC).order_by("crn")[:8])
    nps_case = Person.objects.filter(provider=Provider.NPS).order_by("crn").first()
    now = timezone.now()
    # A longer history for a bigger demo: more answered requests further back, up to a year.
    extra = [(rating, kind, days + 90 * (1 + k // len(CLOSED))) for k, (rating, kind, days)
             in enumerate(CLOSED * 3)][: max(0, min(size // 10, 3 * len(CLOSED)) - len(CLOSED))]
    scenarios = [(r, k, h, True) for r, k, h in OPEN] + [(r, k, d, False) for r, k, d in CLOSED + extra]
    for i, (rating, kind, when, is_open) in enumerate(scenarios):
        # The demo partner withdraws only its own organisation's requests.
        source = mashes[0] if i % 3 == 0 or kind == "withdrawn" else mashes[i % len(mashes)]
        known = people[i % len(people)] if people and kind in ("assigned", "rerated", "answered", "answered_late",
                                                                 "withdrawn") else None
        if known is not None:
            first, last, dob, aliases = known.first_name, known.last_name, known.date_of_birth, ""
        elif kind == "nps" and nps_case is not None:
            first, last, dob, aliases = nps_case.first_name, nps_case.last_name, nps_case.date_of_birth, ""
        else:
            first, last, dob, aliases = SUBJECTS[i % len(SUBJECTS)]
        if is_open:
            received = now - timedelta(hours=1) if when is None else _received_for_due(source, rating, now + timedelta(hours=when))
        else:
            received = now - timedelta(days=when, hours=(i * 7) % 9)
        borough_name = source.boroughs.values_list("name", flat=True).first() or "Camden"
        request = request_receive(
            organisation=source, channel="api" if i % 2 else "secure_email", received_at=received,
            received_by=partner if i % 2 and source == organisation else (None if i % 2 else hub),
            subject_first_name=first, subject_last_name=last,
            subject_date_of_birth=dob, subject_aliases=aliases, subject_address=f"{10 + i} High Street, {borough_name}, London",
            reason="Strategy discussion: subject is the new partner of a mother of two children subject to a child protection plan.",
            rating=rating, requester_name="Priya Anand", requester_email=f"priya.anand{DEMO_DOMAIN}",
            concerned=[ConcernedInput(age_group="child", name="Amara Lewis", date_of_birth=date(2017, 6, 1), relationship="Partner's daughter")],
        )
        if kind == "received":
            continue  # awaiting triage
        if kind == "unknown" or (kind == "nps" and nps_case is None) or known is None and kind != "nps":
            request_triage(request=request, outcome=MatchOutcome.UNKNOWN, person=None, by=hub)
            continue
        if kind == "nps":
            request_triage(request=request, outcome=MatchOutcome.NPS, person=nps_case, by=hub)
            continue
        request_triage(request=request, outcome=MatchOutcome.KNOWN_CRC, person=known, by=hub)
        request.refresh_from_db()
        if request.assignee_id != om.pk:
            request_assign(request=request, assignee=om, by=hub, reason="Demo: responsible officer")
        if kind == "rerated":
            request_change_rating(request=request, rating=Rag.RED if rating != Rag.RED else Rag.AMBER,
                                  rationale="Children living at the address", by=hub)
        if kind in ("answered", "answered_late"):
            request.refresh_from_db()
            request_respond(request=request, by=om, **ANSWER)
            due = request.due_at or received + timedelta(hours=4)
            answered = due + timedelta(hours=3) if kind == "answered_late" else received + (due - received) * 0.6
            answered = max(min(answered, now - timedelta(hours=1)), received + timedelta(minutes=45))
            SafeguardingRequest.objects.filter(pk=request.pk).update(responded_at=answered, response_emailed_at=answered)
            Response.objects.filter(request=request).update(responded_at=answered)
            RequestEvent.objects.filter(request=request, kind=RequestEvent.Kind.RESPONDED).update(at=answered)
        if kind == "withdrawn" and partner is not None:
            request_withdraw(request=request, by=partner, reason="Family moved out of the borough")
            gone = received + timedelta(days=1)
            SafeguardingRequest.objects.filter(pk=request.pk).update(withdrawn_at=gone)
            RequestEvent.objects.filter(request=request, kind=RequestEvent.Kind.WITHDRAWN).update(at=gone)
        _handled_soon_after_receipt(request, received, now)
    stdout.write(f"MASH requests: {len(scenarios)} demo requests from {len(mashes)} MASHs for hub, om and partner")
