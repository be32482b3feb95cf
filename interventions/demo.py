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
from supervision import services as supervision
from supervision.models import AbsenceReason, Outcome

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


def _on_order(person, first: datetime.date, last: datetime.date, programme_name: str):
    """The person's accredited programme requirement on a community order running from before `first` to after
    `last` (added to that order if the cases demo gave it none), or None if no order spans the group."""
    sentence = (person.sentences.filter(sentence_date__lte=first, end_date__gte=last).exclude(kind="custody")
                .order_by("-sentence_date").first())
    if sentence is None:
        return None
    requirement = sentence.requirements.filter(kind=Requirement.Kind.ACCREDITED_PROGRAMME).first()
    if requirement is None:
        requirement = Requirement.objects.create(sentence=sentence, kind=Requirement.Kind.ACCREDITED_PROGRAMME,
                                                 programme=programme_name, start_date=sentence.sentence_date,
                                                 end_date=sentence.end_date)
    return requirement


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON)


def seed_programmes(*, size: int, stdout) -> None:
    """Accredited programmes as a borough runs them, every step through the services with back-dated times so the
    history reads as it happened: a Thinking Skills Programme group (two facilitators, 19 numbered weekly sessions)
    six weeks in, whose members were referred, assessed, waited and were allocated, with places on every session,
    attendance recorded for the sessions held (one excused absence with a catch-up booked, one unacceptable absence
    sent to enforcement); an earlier COVAID group that has finished (one completed, one terminated); the borough's
    waiting list; a referral withdrawn; one referred with an eligibility override. Idempotent: nothing once a group
    exists."""
    from interventions.models import GroupPlace, Programme, ProgrammeGroup, ReferralStatus as S

    om, spo = User.objects.filter(username="om").first(), User.objects.filter(username="spo").first()
    if om is None or spo is None or ProgrammeGroup.objects.exists():
        return
    first_person = Person.objects.filter(offender_manager=om, home_borough__isnull=False).order_by("crn").first()
    if first_person is None:
        return
    borough = first_person.home_borough
    today = timezone.localdate()
    tsp = Programme.objects.get(code="thinking-skills-programme")
    covaid = Programme.objects.get(code="covaid")
    bbr = Programme.objects.get(code="building-better-relationships")
    tsp_start = today - datetime.timedelta(weeks=6, days=today.weekday() - 1)  # a Tuesday six weeks back
    covaid_start = tsp_start - datetime.timedelta(weeks=16)
    people = list(Person.objects.filter(home_borough=borough, offender_manager__isnull=False)
                  .select_related("offender_manager").order_by("crn")[:200])
    used: set[int] = set()

    def members_for(programme, start: datetime.date, count: int):
        last = start + datetime.timedelta(weeks=programme.sessions)
        found = []
        for person in people:
            if len(found) == count:
                break
            if person.pk in used:
                continue
            requirement = _on_order(person, start - datetime.timedelta(weeks=6), last, programme.name)
            if requirement is not None:
                used.add(person.pk)
                found.append((person, requirement))
        return found

    def refer(person, programme, when, requirement=None, why="Thinking skills need identified in the assessment"):
        reasons = services.programme_eligibility(programme=programme, person=person, on=when.date())
        return services.referral_create(
            person=person, programme=programme, by=person.offender_manager or om, borough=borough, reason=why,
            requirement=requirement, now=when,
            override_reason="Treatment manager agreed: the need outweighs the risk banding" if reasons else "")

    def move(referral, status, when, why, group=None):
        return services.referral_move(referral=referral, to=status, by=spo, reason=why, group=group, now=when)

    def run_group(programme, start, facilitators, members, *, marks_for):
        """The group, its members' journey to it, their places, and attendance for every session already held."""
        group = services.group_create(programme=programme, borough=borough, start_date=start,
                                      facilitators=facilitators, by=spo, capacity=10)
        referrals = []
        for index, (person, requirement) in enumerate(members):
            referred = _at(start - datetime.timedelta(weeks=9 - index))
            referral = refer(person, programme, referred, requirement)
            referral = move(referral, S.ASSESSED, referred + datetime.timedelta(days=10),
                            "Suitability interview: motivated and suitable for group work")
            referral = move(referral, S.WAITING, referred + datetime.timedelta(days=11),
                            f"Joined the {borough.name} waiting list")
            referrals.append(move(referral, S.ALLOCATED, _at(start - datetime.timedelta(weeks=2)),
                                  f"Allocated to the group starting {start:%d %b %Y}", group=group))
        services.group_places_book(group=group, by=spo, now=_at(start - datetime.timedelta(weeks=2), 11))
        held = list(group.sessions.filter(catch_up_for__isnull=True, ends_at__lt=timezone.now()).order_by("number"))
        for session in held:
            after = session.ends_at + datetime.timedelta(minutes=30)
            places = {p.referral_id: p for p in GroupPlace.objects.filter(session=session)
                      .select_related("appointment")}
            marks = {}
            for index, referral in enumerate(referrals):
                place = places.get(referral.pk)
                if place is None or place.appointment.cancelled_at is not None:
                    continue
                mark = marks_for(index, session.number)
                if mark is not None:  # None: no longer on the group by then
                    marks[place.pk] = mark
            if marks:
                services.group_attendance_record(session=session, marks=marks, by=facilitators[0], now=after)
            if session.number == 1:
                for index, referral in enumerate(referrals):
                    referrals[index] = move(referral, S.ON_PROGRAMME, after, "Started the programme at session 1")
        return group, referrals, held

    attended, excused = (Outcome.ATTENDED, ""), (Outcome.ACCEPTABLE_ABSENCE, AbsenceReason.PROFESSIONAL_JUDGEMENT)
    facilitators = [spo, om]

    # The finished COVAID group: one completed every session; one missed twice without reason and was terminated.
    covaid_members = members_for(covaid, covaid_start, 2)
    finished = None
    if len(covaid_members) == 2:
        def covaid_marks(index, number):
            if index == 1 and number in (3, 4):
                return Outcome.UNACCEPTABLE_ABSENCE, ""
            return None if index == 1 and number > 4 else attended  # terminated after session 4: places cancelled

        group, (done, dropped), held = run_group(covaid, covaid_start, facilitators, covaid_members,
                                                 marks_for=covaid_marks)
        finished = group
        stopped = held[3].ends_at + datetime.timedelta(days=2) if len(held) >= 4 else None
        if stopped is not None:
            move(dropped, S.TERMINATED, stopped, "Two unacceptable absences; returned to court for breach")
            for place in GroupPlace.objects.filter(referral=dropped, session__starts_at__gt=stopped).select_related(
                    "appointment"):
                supervision.appointment_cancel(appointment=place.appointment, by=spo, now=stopped,
                                               reason="Terminated from the programme")
        if held and len(held) == covaid.sessions:
            move(done, S.COMPLETED, held[-1].ends_at + datetime.timedelta(days=1),
                 "Attended all ten sessions; end-of-programme review done")

    # The TSP group under way: four members; an excused absence at session 3 (with a catch-up), an unacceptable
    # absence at the last session held.
    tsp_members = members_for(tsp, tsp_start, 4)
    group, referrals, held = run_group(tsp, tsp_start, facilitators, tsp_members, marks_for=lambda i, n: (
        excused if (i, n) == (1, 3) else (Outcome.UNACCEPTABLE_ABSENCE, "") if (i == 2 and n == 6) else attended))
    if len(referrals) > 1 and len(held) >= 3:
        day = today + datetime.timedelta(days=2)
        services.catch_up_book(referral=referrals[1], number=3, starts_at=_at(day, 14), by=spo)

    # The waiting list: referred and assessed at different times, longest first.
    waiting = 0
    for weeks, programme in ((7, tsp), (4, covaid), (2, tsp)):
        person = next((p for p in people if p.pk not in used), None)
        if person is None:
            break
        used.add(person.pk)
        referred = _at(today - datetime.timedelta(weeks=weeks + 1))
        referral = refer(person, programme, referred, why="Need identified at the pre-sentence report")
        referral = move(referral, S.ASSESSED, referred + datetime.timedelta(days=6), "Suitable; keen to start")
        move(referral, S.WAITING, referred + datetime.timedelta(days=7), f"Joined the {borough.name} waiting list")
        waiting += 1
    # A referral withdrawn before assessment, and one referred despite not meeting BBR's criteria, with the reason.
    rest = [p for p in people if p.pk not in used]
    if rest:
        referral = refer(rest[0], covaid, _at(today - datetime.timedelta(weeks=3)), why="Alcohol-related violence")
        move(referral, S.WITHDRAWN, _at(today - datetime.timedelta(weeks=1)), "Moved out of London; case transferred")
    if len(rest) > 1:
        services.referral_create(person=rest[1], programme=bbr, by=om, borough=borough,
                                 reason="Domestic abuse disclosed at supervision",
                                 override_reason="Disclosed abuse of a partner; the RDAP register is being added")
    stdout.write(f"  programmes: a TSP group in {borough.name} ({len(referrals)} members, {len(held)} of "
                 f"{tsp.sessions} sessions held, attendance recorded, a catch-up booked), "
                 f"{'a finished COVAID group, ' if finished else ''}{waiting} waiting, one withdrawn, one BBR override")
