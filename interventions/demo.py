"""Demo data: a Community Payback project in the demo officer's borough (a placement partner from the directory),
last week's session with attendance recorded (one stood down, one unacceptable absence sent to enforcement) and the
next fortnight's sessions with people booked; a personalised budget for a woman with two spends. Built through the
services, so every rule applies. Idempotent: nothing is added once a demo project exists."""

import datetime
from decimal import Decimal

from django.utils import timezone

from cases.models import Gender, Person, Requirement
from interventions import services
from interventions.models import LONDON, PersonalBudget, Project, SpendPurpose
from partners.models import Organisation
from probation.models import User
from supervision.models import Outcome

PROJECT_NAME = "Community garden restoration"


def seed_interventions(*, size: int, stdout) -> None:
    om, spo = User.objects.filter(username="om").first(), User.objects.filter(username="spo").first()
    if om is None or Project.objects.filter(name=PROJECT_NAME).exists():
        return
    today = timezone.localdate()
    people = [p for p in Person.objects.filter(offender_manager=om).select_related("home_borough", "team__borough")
              .order_by("crn") if p.sentences.filter(sentence_date__lte=today - datetime.timedelta(days=14),
                                                     end_date__gte=today + datetime.timedelta(days=30)).exists()][:4]
    borough = (people[0].home_borough or people[0].team.borough) if people else None
    if borough is None:
        return
    partner = (Organisation.objects.filter(kind=Organisation.Kind.SUPPLY_CHAIN, boroughs=borough).first()
               or Organisation.objects.filter(kind=Organisation.Kind.SUPPLY_CHAIN).first())
    if partner is None:
        return
    project = Project.objects.create(name=PROJECT_NAME, partner=partner, borough=borough, supervisor=om,
                                     address=f"Community garden, {borough.name}", capacity=6,
                                     gender=Project.Gender.ANY, no_public_contact=False)
    Project.objects.create(name="Charity shop sorting (women only)", partner=partner, borough=borough,
                           address=f"High Street, {borough.name}", capacity=3, kind=Project.Kind.INDIVIDUAL,
                           gender=Project.Gender.WOMEN_ONLY, no_public_contact=True, supervisor=om)
    for person in people:
        sentence = person.sentences.order_by("-sentence_date").first()
        if not sentence.requirements.filter(kind=Requirement.Kind.UNPAID_WORK).exists():
            Requirement.objects.create(sentence=sentence, kind=Requirement.Kind.UNPAID_WORK, hours=100,
                                       start_date=sentence.sentence_date, end_date=sentence.end_date)
    last_week = today - datetime.timedelta(days=7 + today.weekday() - 5 if today.weekday() >= 5 else 7)
    past = services.session_create(project=project, day=last_week)
    booked_then = past.starts_at - datetime.timedelta(days=2)
    bookings = []
    for person in people:
        try:
            bookings.append(services.session_book(session=past, person=person, by=om, now=booked_then))
        except Exception as exc:  # a person the project does not suit: the demo shows the others
            stdout.write(f"  not booked {person.crn}: {exc}")
    recorded_at = past.ends_at + datetime.timedelta(minutes=30)
    plans = [(Outcome.ATTENDED, 420, 0, "good"), (Outcome.ATTENDED, 420, 60, "average"),
             (Outcome.UNACCEPTABLE_ABSENCE, None, 0, ""), (Outcome.ATTENDED, 390, 0, "excellent")]
    for booking, (outcome, worked, stood_down, behaviour) in zip(bookings, plans):
        services.attendance_record(booking=booking, outcome=outcome, by=om, minutes_worked=worked,
                                   minutes_stood_down=stood_down, behaviour=behaviour, now=recorded_at)
    for offset in (2, 9):
        day = today + datetime.timedelta(days=offset)
        while day.weekday() == 6:
            day += datetime.timedelta(days=1)
        session = services.session_create(project=project, day=day)
        for person in people[:3]:
            try:
                services.session_book(session=session, person=person, by=om)
            except Exception:
                pass
    woman = Person.objects.filter(gender=Gender.FEMALE, offender_manager__isnull=False).order_by("crn").first()
    if woman is None:  # a small demo with no women allocated: one on om's caseload, for the budget
        woman, _ = Person.objects.get_or_create(crn="W900001", defaults={
            "first_name": "Grace", "last_name": "Adeyemi", "date_of_birth": datetime.date(1988, 4, 2),
            "gender": Gender.FEMALE, "home_borough": borough, "team": people[0].team, "offender_manager": om,
            "cohort": "women", "tier": "C1"})
    if woman is not None and spo is not None and not PersonalBudget.objects.filter(person=woman).exists():
        budget = services.budget_create(person=woman, amount=Decimal("500.00"), starts_on=today.replace(day=1),
                                        ends_on=today.replace(day=1) + datetime.timedelta(days=180), by=spo,
                                        holder=partner)
        services.budget_spend(budget=budget, amount="120.00", purpose=SpendPurpose.TRAUMA,
                              supplier="Trauma-informed counselling service", approver=spo, by=spo, spent_on=today)
        services.budget_spend(budget=budget, amount="35.50", purpose=SpendPurpose.TRAVEL, supplier="TfL Oyster",
                              approver=spo, by=spo, spent_on=today)
    stdout.write(f"  unpaid work: {len(bookings)} people on last week's session at {project}, two sessions ahead; "
                 f"one personalised budget")


def seed_programmes(*, size: int, stdout) -> None:
    """A Thinking Skills Programme group in om's borough with two members (one completed, one on programme), two
    people waiting and one referred with an eligibility override. Idempotent: nothing once a group exists."""
    from interventions.models import Programme, ProgrammeGroup, ReferralStatus as S

    om = User.objects.filter(username="om").first()
    if om is None or ProgrammeGroup.objects.exists():
        return
    people = list(Person.objects.filter(offender_manager=om, home_borough__isnull=False).order_by("crn")[:6])
    if len(people) < 5:
        return
    tsp = Programme.objects.get(code="thinking-skills-programme")
    borough = people[0].home_borough
    today = timezone.localdate()
    group = services.group_create(programme=tsp, borough=borough, start_date=today - datetime.timedelta(days=21),
                                  facilitators=[om], by=om)

    def refer(person, programme=tsp, **kwargs):
        return services.referral_create(person=person, programme=programme, by=om, borough=borough,
                                        reason="Thinking skills need identified in the assessment", **kwargs)

    def move(referral, *statuses, group=None):
        for status in statuses:
            referral = services.referral_move(referral=referral, to=status, by=om, reason=f"Demo: {S(status).label}",
                                              group=group)
        return referral

    for index, person in enumerate(people[:2]):
        referral = move(refer(person, override_reason="Demo case"), S.ASSESSED, S.WAITING)
        referral = move(move(referral, S.ALLOCATED, group=group), S.ON_PROGRAMME)
        if index == 0:
            move(referral, S.COMPLETED)
    for person in people[2:4]:
        move(refer(person, override_reason="Demo case"), S.ASSESSED, S.WAITING)
    bbr = Programme.objects.get(code="building-better-relationships")
    refer(people[4], bbr, override_reason="Disclosed abuse of a partner; the RDAP register is being added")
    stdout.write("  programmes: one TSP group (one completed, one on programme), two waiting, one BBR override")
