"""Demo MASH requests in every state for the demo users (hub, om, spo, partner). Idempotent: the requests are
created once (recognised by their requester address domain); running it again changes nothing."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from cases.models import Cohort, Gender, Person, Provider, StaffProfile, Team
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


def _demo_people(om: User, team: Team | None) -> list[Person]:
    camden = Borough.objects.get(code="camden")
    people = []
    for i, (first, last, dob, _) in enumerate(SUBJECTS[:4]):
        person, _ = Person.objects.get_or_create(
            crn=f"M{900001 + i}",
            defaults={
                "first_name": first, "last_name": last, "date_of_birth": dob, "gender": Gender.MALE,
                "home_borough": camden, "cohort": Cohort.WORKING_AGE_MEN, "tier": "B2",
                "provider": Provider.NPS if i == 3 else Provider.CRC,
                "team": team, "offender_manager": om if i != 3 else None,
            },
        )
        people.append(person)
    return people


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
        profile = StaffProfile.objects.filter(user=om).select_related("team").first()
        team = profile.team if profile else None
        if team is None:
            team = Team.objects.filter(manager=spo).first() if spo else None
            if team is None:
                team, _ = Team.objects.get_or_create(
                    name="Camden working-age men (demo)",
                    defaults={"borough": camden, "cohort": Cohort.WORKING_AGE_MEN, "manager": spo},
                )
            if profile is None:
                StaffProfile.objects.create(user=om, grade=StaffProfile.Grade.PO, team=team)
        if spo is not None and not StaffProfile.objects.filter(user=spo).exists():
            StaffProfile.objects.create(user=spo, grade=StaffProfile.Grade.SPO, team=team)
        people = _demo_people(om, team)

    now = timezone.now()
    count = max(8, min(size // 5, 40))
    for i in range(count):
        first, last, dob, aliases = SUBJECTS[i % len(SUBJECTS)]
        scenario = i % 8
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
        person = people[i % 3]
        if scenario == 6:
            request_triage(request=request, outcome=MatchOutcome.UNKNOWN, person=None, by=hub)
            continue
        if scenario == 5:
            request_triage(request=request, outcome=MatchOutcome.NPS, person=people[3], by=hub)
            continue
        request_triage(request=request, outcome=MatchOutcome.KNOWN_CRC, person=person, by=hub)
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
