"""Demo data for cases: teams per borough and cohort, offender managers with staff profiles, people, aliases,
sentences, requirements, RoSH history and allocations, built with bulk_create in batches so 200,000 people take
minutes, not hours. Idempotent: seeded CRNs are D000000 upwards, so a second run adds only what is missing.

The foundation's demo users get a part: `spo` manages the Camden working-age men team, `om` works in it with a
caseload, and the team has cases waiting for allocation.
"""

import datetime
import math
import random

from django.contrib.auth.hashers import make_password
from django.db.models import Max
from django.utils import timezone
from faker.providers.person.en_GB import Provider as Names

from cases.models import (
    Alias,
    Allocation,
    Cohort,
    Person,
    Register,
    Requirement,
    RoshAssessment,
    Sentence,
    StaffProfile,
    Team,
    pnc_check_letter,
)
from cases.services import _active_rules, cohort_for
from partners.models import Borough
from probation.models import Role, User

BATCH = 5000
SEED_PREFIX = "D"  # D000000..D999999 are seeded people
DEMO_PREFIX = "E"  # E000001.. are the demo users' own cases
CASES_PER_OFFICER = 45
COHORT_SHARE = {Cohort.WOMEN: 0.16, Cohort.YOUNG_ADULT_MEN: 0.13, Cohort.WORKING_AGE_MEN: 0.37, Cohort.MEN_50_PLUS: 0.34}
GTO_BOROUGHS = ["camden", "enfield", "hackney", "haringey", "islington", "newham", "tower-hamlets", "waltham-forest"]
# Seeded in this order: north, east, south and west London, so even a small demo spreads across the city.
FIRST_BOROUGHS = ["camden", "hackney", "islington", "haringey", "lambeth", "newham", "southwark", "croydon",
                  "tower-hamlets", "ealing", "enfield", "lewisham"]
MALE_FIRST = list(Names.first_names_male)
FEMALE_FIRST = list(Names.first_names_female)
LAST = list(Names.last_names)
TIERS = ["A1", "A2", "B1", "B2", "B3", "C1", "C2", "C3", "D0", "D1", "D2"]
TIER_WEIGHTS = [1, 1, 4, 6, 4, 8, 8, 6, 3, 4, 4]
PROGRAMMES = ["Building Better Relationships", "Thinking Skills Programme", "Resolve", "Drink Impaired Drivers"]
COURTS = ["Highbury Corner Magistrates' Court", "Snaresbrook Crown Court", "Westminster Magistrates' Court",
          "Inner London Crown Court", "Wood Green Crown Court", "Thames Magistrates' Court"]


def _boroughs(size: int) -> list[Borough]:
    wanted = min(33, max(6, math.ceil(size / 500)))
    everything = list(Borough.objects.all())
    ordered = sorted(everything, key=lambda b: (b.code not in FIRST_BOROUGHS, FIRST_BOROUGHS.index(b.code)
                                                if b.code in FIRST_BOROUGHS else 0, b.name))
    return ordered[:wanted]


def _unusable_password() -> str:
    return make_password(None)


def _teams_and_officers(boroughs, size: int, stdout) -> dict[int, list[int]]:
    """Teams for each borough and cohort, each with a manager and offender managers. Returns team id -> officer ids."""
    password = _unusable_password()
    def per_team(cohort) -> int:
        # Officers for the cases this team can expect (ages 18-72, 16% women), so caseloads come out near 45.
        expected = size / max(len(boroughs), 1) * COHORT_SHARE[cohort]
        return max(2, math.ceil(expected / CASES_PER_OFFICER) + 1)

    specs = [(b, c) for b in boroughs for c in Cohort]
    names = {f"{b.name} {c.label.split(' (')[0].lower()}": (b, c) for b, c in specs}
    existing = set(Team.objects.filter(name__in=names).values_list("name", flat=True))
    manager_names = {f"spo-{b.code}-{c.value}"[:150]: (b, c) for b, c in specs}
    existing_users = set(User.objects.filter(username__in=manager_names).values_list("username", flat=True))
    picker = random.Random(11)
    User.objects.bulk_create([
        # Real-looking people (not four "Team Manager Camden"s): a dropdown tells them apart by name and team.
        User(username=u, role=Role.TEAM_MANAGER, first_name=picker.choice(MALE_FIRST + FEMALE_FIRST),
             last_name=picker.choice(LAST), job_title="Senior probation officer", password=password)
        for u, (b, c) in manager_names.items() if u not in existing_users
    ], batch_size=BATCH)
    managers = dict(User.objects.filter(username__in=manager_names).values_list("username", "id"))
    Team.objects.bulk_create([
        Team(name=name, borough=b, cohort=c, manager_id=managers[f"spo-{b.code}-{c.value}"[:150]])
        for name, (b, c) in names.items() if name not in existing
    ], batch_size=BATCH)
    teams = {(t.borough_id, t.cohort): t for t in Team.objects.filter(name__in=names)}

    officer_names = {}
    rng = random.Random(7)
    for (borough_id, cohort), team in teams.items():
        for k in range(per_team(cohort)):
            officer_names[f"om-{team.pk}-{k}"] = team
    existing_users = set(User.objects.filter(username__in=officer_names).values_list("username", flat=True))
    User.objects.bulk_create([
        User(username=u, role=Role.OFFENDER_MANAGER, first_name=rng.choice(MALE_FIRST + FEMALE_FIRST),
             last_name=rng.choice(LAST), job_title="Probation officer", password=password)
        for u in officer_names if u not in existing_users
    ], batch_size=BATCH)
    users = dict(User.objects.filter(username__in=officer_names).values_list("username", "id"))
    with_profile = set(StaffProfile.objects.filter(user_id__in=users.values()).values_list("user_id", flat=True))
    StaffProfile.objects.bulk_create([
        StaffProfile(user_id=users[u], team=team, grade=StaffProfile.Grade.PSO if i % 3 == 2 else StaffProfile.Grade.PO,
                     contracted_hours=37 if i % 5 else 30)
        for i, (u, team) in enumerate(officer_names.items()) if users[u] not in with_profile
    ], batch_size=BATCH)
    officers: dict[int, list[int]] = {}
    for user_id, team_id in StaffProfile.objects.filter(user_id__in=users.values()).values_list("user_id", "team_id"):
        officers.setdefault(team_id, []).append(user_id)
    stdout.write(f"  {len(teams)} teams, {len(users)} offender managers")
    return {"teams": teams, "officers": officers}


def _pnc(rng) -> str:
    year = str(rng.randint(1995, 2024))
    serial = f"{rng.randint(1, 9_999_999):07d}"
    return f"{year}/{serial}{pnc_check_letter(year, serial)}"


def _person(rng, crn: str, boroughs, teams, officers, rules, today, now) -> tuple[Person, dict]:
    female = rng.random() < 0.16
    age_days = rng.randint(18 * 365 + 5, 72 * 365)
    dob = today - datetime.timedelta(days=age_days)
    gender = "female" if female else "male"
    borough = rng.choice(boroughs)
    cohort = cohort_for(gender, dob, today, rules) or Cohort.WORKING_AGE_MEN
    team = teams.get((borough.pk, cohort))
    unallocated = rng.random() < 0.04
    team_officers = officers.get(team.pk, []) if team else []
    om = None if unallocated or not team_officers else rng.choice(team_officers)
    person = Person(
        crn=crn,
        pnc_number=_pnc(rng) if rng.random() < 0.7 else "",
        prison_number=(f"{rng.choice('ABG')}{rng.randint(1000, 9999)}{rng.choice('ABCDEFGHJK')}{rng.choice('ABCDEFGHJK')}"
                       if rng.random() < 0.25 else ""),
        first_name=rng.choice(FEMALE_FIRST if female else MALE_FIRST),
        middle_names=rng.choice(MALE_FIRST) if rng.random() < 0.3 and not female else "",
        last_name=rng.choice(LAST),
        date_of_birth=dob,
        gender=gender,
        home_borough=borough,
        rosh_level=rng.choices(["low", "medium"], [3, 2])[0],
        tier=rng.choices(TIERS, TIER_WEIGHTS)[0],
        cohort=cohort,
        team=team,
        offender_manager_id=om,
        is_iom=rng.random() < 0.03,
        is_gto=borough.code in GTO_BOROUGHS and rng.random() < 0.02,
        allocation_due_since=None,
    )
    # The NPS allocates a case to us on the day of sentence, so a queued case has waited since its sentence date.
    days = rng.randint(0, 6) if om is None else rng.randint(8, 700)
    if om is None:
        person.allocation_due_since = now - datetime.timedelta(days=days)
    return person, {"alias": rng.random() < 0.2, "sentence_days_ago": days}


def _related(rng, people: list[Person], extras: list[dict], today, now):
    aliases, sentences, roshes, registers, allocations = [], [], [], [], []
    for person, extra in zip(people, extras):
        if extra["alias"]:
            aliases.append(Alias(person=person, first_name=person.first_name[:1] + rng.choice(["", "a", "y"]) +
                                 person.first_name[1:], last_name=rng.choice(LAST),
                                 date_of_birth=person.date_of_birth if rng.random() < 0.5 else None))
        sentence_date = today - datetime.timedelta(days=extra["sentence_days_ago"])
        kind = rng.choices(["community_order", "suspended", "custody"], [5, 3, 2])[0]
        sentence = Sentence(person=person, kind=kind, sentence_date=sentence_date,
                            offence_date=sentence_date - datetime.timedelta(days=rng.randint(30, 300)),
                            length_months=rng.choice([6, 12, 18, 24]) if kind != "custody" else rng.choice([3, 6, 9, 12, 18, 30]),
                            court=rng.choice(COURTS))
        sentence.compute_dates(date_of_birth=person.date_of_birth)
        sentences.append(sentence)
        roshes.append(RoshAssessment(person=person, level="low", assessed_at=now - datetime.timedelta(days=extra["sentence_days_ago"]),
                                     reason="Pre-sentence report"))
        if person.rosh_level != "low":
            roshes.append(RoshAssessment(person=person, level=person.rosh_level,
                                         assessed_at=now - datetime.timedelta(days=rng.randint(0, extra["sentence_days_ago"])),
                                         reason="Reviewed at supervision"))
        if person.is_iom:
            registers.append(Register(person=person, code="IIOM", start_date=sentence_date))
        if person.is_gto:
            registers.append(Register(person=person, code="IGTO", start_date=sentence_date))
        if rng.random() < 0.15:
            registers.append(Register(person=person, code=rng.choice(["RCCO", "RMDO", "ALSH", "RDAP", "RVLN"]),
                                      start_date=sentence_date))
        if person.offender_manager_id:
            allocations.append(Allocation(person=person, team=person.team, offender_manager_id=person.offender_manager_id,
                                          allocated_at=now - datetime.timedelta(days=max(extra["sentence_days_ago"] - 1, 0)),
                                          reason="Seeded demo allocation"))
    Alias.objects.bulk_create(aliases, batch_size=BATCH)
    Sentence.objects.bulk_create(sentences, batch_size=BATCH)
    requirements = []
    for sentence in sentences:
        if sentence.kind == "custody":
            continue
        start = sentence.sentence_date
        commenced = start + datetime.timedelta(days=rng.randint(1, 9))
        commenced = commenced if commenced <= today else None
        kind = rng.choice(["unpaid_work", "accredited_programme", "rar", "aamr", "curfew"])
        requirements.append(Requirement(
            sentence=sentence, kind=kind, start_date=start, end_date=sentence.end_date, commenced_on=commenced,
            hours=rng.choice([40, 80, 120, 200]) if kind == "unpaid_work" else None,
            rar_days=rng.choice([10, 20, 30]) if kind == "rar" else None,
            programme=rng.choice(PROGRAMMES) if kind == "accredited_programme" else "",
        ))
    Requirement.objects.bulk_create(requirements, batch_size=BATCH)
    RoshAssessment.objects.bulk_create(roshes, batch_size=BATCH)
    Register.objects.bulk_create(registers, batch_size=BATCH)
    Allocation.objects.bulk_create(allocations, batch_size=BATCH)


def _seed_people(size: int, boroughs, teams, officers, stdout) -> int:
    last = Person.objects.filter(crn__startswith=SEED_PREFIX).aggregate(m=Max("crn"))["m"]
    start = int(last[1:]) + 1 if last else 0
    if start >= size:
        return 0
    today, now = timezone.localdate(), timezone.now()
    rules = _active_rules()
    created = 0
    for batch_start in range(start, size, BATCH):
        rng = random.Random(batch_start)
        people, extras = [], []
        for i in range(batch_start, min(size, batch_start + BATCH)):
            person, extra = _person(rng, f"{SEED_PREFIX}{i:06d}", boroughs, teams, officers, rules, today, now)
            people.append(person)
            extras.append(extra)
        Person.objects.bulk_create(people, batch_size=BATCH)
        _related(rng, people, extras, today, now)
        created += len(people)
        if size >= 20000:
            stdout.write(f"  {batch_start + len(people)} people")
    return created


def _demo_users_part(teams, stdout) -> None:
    """`spo` manages the Camden working-age men team; `om` works in it with a caseload; some cases wait."""
    om = User.objects.filter(username="om").first()
    spo = User.objects.filter(username="spo").first()
    camden = Borough.objects.get(code="camden")
    team = teams.get((camden.pk, Cohort.WORKING_AGE_MEN))
    if team is None or om is None or spo is None:
        return
    Team.objects.filter(pk=team.pk).update(manager=spo)
    Team.objects.filter(borough=camden, cohort=Cohort.WOMEN).update(manager=spo)
    StaffProfile.objects.get_or_create(user=spo, defaults={"grade": StaffProfile.Grade.SPO, "team": team})
    StaffProfile.objects.get_or_create(user=om, defaults={"grade": StaffProfile.Grade.PO, "team": team})
    if Person.objects.filter(crn__startswith=DEMO_PREFIX).exists():
        return
    rng = random.Random(2026)
    today, now = timezone.localdate(), timezone.now()
    people, extras = [], []
    for i in range(1, 16):
        person, extra = _person(rng, f"{DEMO_PREFIX}{i:06d}", [camden], {}, {}, _active_rules(), today, now)
        # The team is working-age men: a man of 27 to 48, with a man's name (not a woman recorded as male).
        person.gender, person.cohort, person.team = "male", Cohort.WORKING_AGE_MEN, team
        person.first_name = rng.choice(MALE_FIRST)
        person.date_of_birth = today - datetime.timedelta(days=rng.randint(27 * 365, 48 * 365))
        person.offender_manager = om if i <= 12 else None
        person.allocation_due_since = None if i <= 12 else now - datetime.timedelta(days=i - 12)
        extra["sentence_days_ago"] = rng.randint(10, 400) if i <= 12 else i - 12
        people.append(person)
        extras.append(extra)
    Person.objects.bulk_create(people)
    _related(rng, people, extras, today, now)
    stdout.write("  om has a caseload of 12 in Camden; spo has 3 cases to allocate")


def seed_cases(*, size: int, stdout) -> None:
    boroughs = _boroughs(size)
    built = _teams_and_officers(boroughs, size, stdout)
    created = _seed_people(size, boroughs, built["teams"], built["officers"], stdout)
    _demo_users_part(built["teams"], stdout)
    stdout.write(f"  {created} people added ({Person.objects.count()} in all)")


def seed_continuity(*, size: int, stdout) -> None:
    """Dated absences, part-time hours, open court reports and the demo users' sentence plans, so the team workload
    page and the SPO's flags look like a real team's. Idempotent: does nothing once any absence exists."""
    from cases.models import Absence, CourtReport, WorkingPattern
    from cases.services import absence_record, sentence_plan_start

    if Absence.objects.exists():
        return
    rng = random.Random(16)
    today = timezone.localdate()
    officers = list(StaffProfile.objects.exclude(grade=StaffProfile.Grade.SPO).exclude(user__username="om")
                    .values_list("user_id", flat=True).order_by("user_id"))
    patterns, reports = [], []
    for user_id in officers:
        roll = rng.random()
        if roll < 0.04:  # a fortnight's leave starting within the next fortnight
            start = today + datetime.timedelta(days=rng.randint(0, 14))
            absence_record(officer=User(pk=user_id), kind=Absence.Kind.LEAVE, start_date=start,
                           end_date=start + datetime.timedelta(days=13), by=None)
        elif roll < 0.06:  # long-term sickness: flagged to the SPO
            start = today - datetime.timedelta(days=rng.randint(1, 10))
            absence_record(officer=User(pk=user_id), kind=Absence.Kind.SICKNESS, start_date=start,
                           end_date=start + datetime.timedelta(days=rng.randint(15, 40)), by=None)
        elif roll < 0.08:
            absence_record(officer=User(pk=user_id), kind=Absence.Kind.TRAINING,
                           start_date=today + datetime.timedelta(days=3), end_date=today + datetime.timedelta(days=4),
                           by=None)
        if rng.random() < 0.12:
            patterns.append(WorkingPattern(officer_id=user_id, hours_per_week=rng.choice([18.5, 22.5, 30]),
                                           effective_from=today - datetime.timedelta(days=rng.randint(30, 400))))
        for _ in range(rng.choice([0, 0, 1, 2])):
            reports.append(CourtReport(author_id=user_id, kind=rng.choice(["standard", "fast"]),
                                       requested_on=today - datetime.timedelta(days=rng.randint(0, 10))))
    WorkingPattern.objects.bulk_create(patterns, batch_size=BATCH)
    CourtReport.objects.bulk_create(reports, batch_size=BATCH)
    for sentence in Sentence.objects.filter(person__crn__startswith=DEMO_PREFIX):
        sentence_plan_start(sentence=sentence)
    stdout.write(f"  continuity: absences, {len(patterns)} part-time patterns, {len(reports)} court reports")


def seed_caseload_counts(*, size: int, stdout) -> None:
    """The seeders bulk-create allocated cases and court reports without the services: count every officer's
    caseload once at the end (cases.OfficerCaseload), as `manage.py workload_check --fix` would."""
    from cases.services import officer_caseloads_check

    result = officer_caseloads_check(fix=True)
    stdout.write(f"  caseload counts: {result['officers']} officers counted")
