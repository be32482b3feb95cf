"""Demo data for Through the Gate: supply-chain partners (found by name, created only if the partners seeder has not
made them), custody episodes at every stage, BCST2s, plans with actions and programme enrolments. Idempotent: a
person who already has a custody episode is left alone, so running it twice creates nothing new."""

import datetime
import random

from django.core.exceptions import ValidationError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import Gender, Person
from cases.programmes import programmes
from partners.models import Borough, Organisation, PartnerMembership
from probation.demo import DEMO_DEVICE_NAME
from probation.models import Role, User
from resettlement import services
from resettlement.models import (
    ActionStatus,
    Consent,
    CustodyEpisode,
    NeedStatus,
    Pathway,
    Prison,
    Setting,
)

SUPPLY_CHAIN = [
    # name, the pathway it mostly takes, demo partner username
    ("St Mungo's", Pathway.ACCOMMODATION, "stmungos"),
    ("Novus", Pathway.EDUCATION_WORK, "novus"),
    ("Penrose", Pathway.ATTITUDES, "penrose"),
    ("Women in Prison", Pathway.FAMILY, "wip"),
]
BOROUGHS = ["camden", "hackney", "islington", "lambeth", "southwark", "newham"]


def _organisation(name: str) -> Organisation:
    organisation = Organisation.objects.filter(name__iexact=name).first()
    if organisation is not None and organisation.kind != Organisation.Kind.SUPPLY_CHAIN:
        # The partners seeder lists some of them as voluntary organisations; DOMAIN.md names them as the CRC's
        # Through the Gate supply chain, and only supply-chain partners may own plan actions.
        organisation.kind = Organisation.Kind.SUPPLY_CHAIN
        organisation.save(update_fields=["kind"])
    if organisation is None:
        organisation = Organisation.objects.create(
            name=name, kind=Organisation.Kind.SUPPLY_CHAIN,
            email=f"ttg@{name.lower().replace(' ', '').replace(chr(39), '')}.example",
        )
    return organisation


def _partner_user(username: str, organisation: Organisation) -> User:
    from probation.demo import demo_password

    user, created = User.objects.get_or_create(
        username=username,
        defaults={"role": Role.PARTNER, "first_name": organisation.name, "last_name": "caseworker",
                  "email": f"{username}@partner.example", "job_title": "Through the Gate caseworker"},
    )
    if created:
        user.set_password(demo_password())
        user.save()
    PartnerMembership.objects.get_or_create(user=user, defaults={"organisation": organisation})
    # A demo authenticator like the other demo users', so `manage.py demo_totp stmungos` gives a code and the
    # sign-in printed at the end of seed_demo works.
    TOTPDevice.objects.get_or_create(user=user, name=DEMO_DEVICE_NAME, defaults={"confirmed": True})
    return user


def _staff(rng: random.Random) -> tuple[User, list[User]]:
    ttg = User.objects.filter(username="om").first() or User.objects.filter(role=Role.OFFENDER_MANAGER).first()
    if ttg is None:
        ttg, _ = User.objects.get_or_create(
            username="ttg", defaults={"role": Role.OFFENDER_MANAGER, "first_name": "Tariq", "last_name": "Gate"}
        )
    oms = list(User.objects.filter(role=Role.OFFENDER_MANAGER, is_active=True)[:20]) or [ttg]
    return ttg, oms


def _people(count: int) -> list[Person]:
    """The same people every run (the first CRC cases by id), so a second run finds them done and adds nothing."""
    people = list(Person.objects.filter(provider="crc").order_by("pk")[:count])
    if people:
        return people
    # No people seeded by the cases app: make a few of our own, with CRNs in a reserved "T" range.
    names = [("Aaron", "Blake", Gender.MALE), ("Bea", "Clarke", Gender.FEMALE), ("Callum", "Doyle", Gender.MALE),
             ("Dionne", "Evans", Gender.FEMALE), ("Eli", "Francis", Gender.MALE), ("Femi", "Grant", Gender.MALE)]
    for i in range(count):
        first, last, gender = names[i % len(names)]
        person, _ = Person.objects.get_or_create(
            crn=f"T{900000 + i:06d}",
            defaults={"first_name": first, "last_name": f"{last}-{i}", "gender": gender,
                      "home_borough": Borough.objects.filter(code=BOROUGHS[i % len(BOROUGHS)]).first(),
                      "date_of_birth": datetime.date(1985 + i % 15, 1 + i % 12, 1 + i % 27)},
        )
        people.append(person)
    return people


def seed_resettlement(*, size: int, stdout) -> None:
    rng = random.Random(2016)
    partners = {pathway: (_organisation(name), _partner_user(username, _organisation(name)))
                for name, pathway, username in SUPPLY_CHAIN}
    ttg, oms = _staff(rng)
    men_prisons = list(Prison.objects.filter(population=Prison.Population.MEN))
    women_prisons = list(Prison.objects.filter(population=Prison.Population.WOMEN))
    now = timezone.now()
    today = timezone.localdate()
    people = _people(max(6, min(size // 8, 60)))
    created = 0
    for i, person in enumerate(people):
        if person.custody_episodes.exists():
            continue
        stage = i % 6  # 0 new, 1 BCST2 done, 2 pre-release (long), 3 pre-release late, 4 released, 5 remand
        prisons = women_prisons if person.gender == Gender.FEMALE else men_prisons
        non_resettlement = [p for p in prisons if not p.is_resettlement_prison] or prisons
        prison = rng.choice(non_resettlement if stage in (2, 3) else prisons)
        reception_days = {0: 1, 1: 20, 2: 300, 3: 330, 4: 200, 5: 3}[stage]
        reception_at = now - datetime.timedelta(days=reception_days, hours=rng.randint(1, 8))
        release = {
            0: today + datetime.timedelta(days=rng.randint(60, 400)),
            1: today + datetime.timedelta(days=rng.randint(120, 300)),
            2: today + datetime.timedelta(weeks=11),
            3: today + datetime.timedelta(weeks=6),
            4: today - datetime.timedelta(days=14),
            5: None,
        }[stage]
        episode = services.episode_record(
            person=person, prison=prison,
            custody_type=CustodyEpisode.CustodyType.REMAND if stage == 5 else CustodyEpisode.CustodyType.SENTENCED,
            reception_at=reception_at,
            sentence_length_months=None if stage == 5 else (rng.choice([6, 9]) if stage in (0, 1, 4) else 24),
            expected_release_date=release, ttg_worker=ttg, by=ttg,
        )
        created += 1
        if stage == 0:
            continue
        bcst1 = episode.screenings.get(part="bcst1")
        services.screening_complete(screening=bcst1, completed_at=reception_at + datetime.timedelta(hours=30), by=ttg)
        if stage == 5:
            continue
        needs = {p: NeedStatus.SUPPORT_NOT_REQUIRED for p in Pathway.values}
        needs.update({Pathway.ACCOMMODATION: NeedStatus.SUPPORT_REQUIRED, Pathway.FINANCE: NeedStatus.SUPPORT_REQUIRED,
                      Pathway.HEALTH: rng.choice([NeedStatus.SUPPORT_REQUIRED, NeedStatus.SUPPORT_NOT_REQUIRED])})
        if person.gender != Gender.FEMALE:
            needs[Pathway.SEX_WORK] = NeedStatus.SUPPORT_NOT_REQUIRED
        plan = services.bcst2_complete(episode=episode, needs=needs, by=ttg)
        accommodation_partner = partners[Pathway.ACCOMMODATION][0]
        services.action_create(
            plan=plan, pathway=Pathway.ACCOMMODATION, description="Find accommodation for release day",
            due_on=(release or today) - datetime.timedelta(days=7), owner_organisation=accommodation_partner,
            consent=Consent.GIVEN, by=ttg,
        )
        second = partners[Pathway.FAMILY if person.gender == Gender.FEMALE else Pathway.EDUCATION_WORK][0]
        services.action_create(
            plan=plan, pathway=Pathway.FAMILY if person.gender == Gender.FEMALE else Pathway.EDUCATION_WORK,
            description="Referral for support on release", due_on=(release or today) + datetime.timedelta(days=14),
            owner_organisation=second, consent=Consent.GIVEN, by=ttg,
        )
        services.action_create(
            plan=plan, pathway=Pathway.FINANCE, description="Open a bank account and apply for ID",
            due_on=(release or today) - datetime.timedelta(days=21), owner_user=ttg, by=ttg,
        )
        if stage == 2:
            services.plan_review(plan=plan, notes="", by=ttg)
        if stage == 4 and person.offender_manager_id:
            try:
                released_on = release
                if episode.sentence is not None:  # a seeded sentence: release within its custodial term
                    released_on = max(episode.reception_date, min(release, episode.sentence.end_date))
                services.episode_release(episode=episode, released_on=released_on, by=ttg)
            except ValidationError as exc:  # e.g. a seeded sentence whose term ends before this release date
                stdout.write(f"  resettlement: left {person.crn} in custody ({'; '.join(exc.messages)})")
                continue
            finance = plan.actions.get(pathway=Pathway.FINANCE)
            services.action_update(action=finance, status=ActionStatus.DONE, outcome="Bank account opened.", by=ttg)
    _seed_programmes(rng, ttg, today)
    stdout.write(f"  resettlement: {created} custody episodes created")


def _seed_programmes(rng: random.Random, by: User, today: datetime.date) -> None:
    getting_it_right = programmes().programme("getting-it-right")
    healing_trauma = programmes().programme("healing-trauma")
    if any(row["enrolled"] for row in programmes().completion()):
        return
    prison = Prison.objects.filter(is_resettlement_prison=True, population=Prison.Population.MEN).first()
    women_prison = Prison.objects.filter(population=Prison.Population.WOMEN).first()
    for i, person in enumerate(Person.objects.order_by("pk")[:24]):
        programme = healing_trauma if person.gender == Gender.FEMALE else getting_it_right
        setting = Setting.PRISON if i % 2 else Setting.COMMUNITY
        starts_on = today - datetime.timedelta(weeks=programme.sessions + 1)
        enrolment = services.enrolment_create(
            programme=programme, person=person, setting=setting, starts_on=starts_on, by=by,
            prison=(women_prison if programme.women_only else prison) if setting == Setting.PRISON else None,
        )
        outcome = i % 4  # 0, 1 complete; 2 withdrawn; 3 still going
        for module in range(1, programme.sessions + 1):
            attended = outcome in (0, 1) or module < 3
            if outcome == 2 and module >= 3:
                break
            services.attendance_record(enrolment=enrolment, module_number=module, attended=attended, by=by)
        if outcome in (0, 1) and programme.requires_change_plan_journal:
            services.journal_complete(enrolment=enrolment, completed_on=today - datetime.timedelta(days=3), by=by)
        if outcome == 2:
            services.enrolment_withdraw(enrolment=enrolment, withdrawn_on=today - datetime.timedelta(days=10),
                                        reason="Moved out of area", by=by)
