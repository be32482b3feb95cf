"""Demo MASH requests in every state for the demo users (hub, om, spo, partner). Idempotent: the requests are
created once (recognised by their requester address domain); running it again changes nothing."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from cases.models import Person, Provider
from partners.models import Borough, Organisation, PartnerMembership
from probation.models import User
from safeguarding.models import MatchOutcome, Rag, RequestEvent, Response, SafeguardingRequest
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
    # People come from the cases seeder (which runs first): the om's own CRC cases, and an NPS case.
    people = list(Person.objects.filter(offender_manager=om, provider=Provider.CRC).order_by("crn")[:3])
    nps_case = Person.objects.filter(provider=Provider.NPS).order_by("crn").first()

    now = timezone.now()
    count = max(8, min(size // 5, 40))
    for i in range(count):
        scenario = i % 8
        known = people[i % len(people)] if people and scenario not in (0, 5, 6) else None
        if known is not None:
            first, last, dob, aliases = known.first_name, known.last_name, known.date_of_birth, ""
        elif scenario == 5 and nps_case is not None:
            first, last, dob, aliases = nps_case.first_name, nps_case.last_name, nps_case.date_of_birth, ""
        else:
            first, last, dob, aliases = SUBJECTS[i % len(SUBJECTS)]
        rating = [Rag.RED, Rag.AMBER, Rag.GREEN, Rag.AMBER, Rag.GREEN, Rag.RED, Rag.BLUE, Rag.AMBER][scenario]
        received = now - [timedelta(hours=1), timedelta(hours=20), timedelta(days=2), timedelta(days=3),
                          timedelta(days=6), timedelta(hours=6), timedelta(days=1), timedelta(days=9)][scenario] - timedelta(days=30 * (i // 8))
        request = request_receive(
            organisation=organisation, channel="api" if i % 2 else "secure_email", received_at=received,
            received_by=partner if i % 2 else hub, subject_first_name=first, subject_last_name=last,
            subject_date_of_birth=dob, subject_aliases=aliases, subject_address=f"{10 + i} Kentish Town Road, London NW5",
            reason="Strategy discussion: subject is the new partner of a mother of two children subject to a child protection plan.",
            rating=rating, requester_name="Priya Anand", requester_email=f"priya.anand{DEMO_DOMAIN}",
            concerned=[ConcernedInput(age_group="child", name="Amara Lewis", date_of_birth=date(2017, 6, 1), relationship="Partner's daughter")],
        )
        if scenario == 0:
            continue  # received, awaiting triage
        if scenario == 6 or (scenario == 5 and nps_case is None):
            request_triage(request=request, outcome=MatchOutcome.UNKNOWN, person=None, by=hub)
            continue
        if scenario == 5:
            request_triage(request=request, outcome=MatchOutcome.NPS, person=nps_case, by=hub)
            continue
        if known is not None:
            request_triage(request=request, outcome=MatchOutcome.KNOWN_CRC, person=known, by=hub)
        else:
            request_triage(request=request, outcome=MatchOutcome.UNKNOWN, person=None, by=hub)
        request.refresh_from_db()
        if request.assignee_id != om.pk:
            request_assign(request=request, assignee=om, by=hub, reason="Demo: responsible officer")
        if scenario == 2:
            request_change_rating(request=request, rating=Rag.AMBER, rationale="Children living at the address", by=hub)
        if scenario in (4, 7):
            request_respond(request=request, by=om, **ANSWER)
            answered = received + (timedelta(hours=20) if scenario == 4 else timedelta(days=5))
            SafeguardingRequest.objects.filter(pk=request.pk).update(responded_at=answered, response_emailed_at=answered)
            Response.objects.filter(request=request).update(responded_at=answered)
            RequestEvent.objects.filter(request=request, kind=RequestEvent.Kind.RESPONDED).update(at=answered)
        if scenario == 3 and partner is not None:
            request_withdraw(request=request, by=partner, reason="Family moved out of the borough")
    stdout.write(f"MASH requests: {count} demo requests for hub, om and partner")
