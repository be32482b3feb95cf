"""Demo data for partners: London's partnership landscape, the four HOSPs, and the demo partner's MASH membership.

Idempotent: organisations are matched by name (case-insensitive), contacts by organisation and name, HOSP areas
keep any HOSP an administrator has already set. Addresses, emails and phone numbers are fictitious (.example domains,
Ofcom's drama number range 020 7946 0xxx)."""

import random

from django.db import transaction
from faker import Faker

from partners.london import GTO_BOROUGHS, SERVICES
from partners.models import Borough, Contact, HospArea, Organisation, PartnerMembership, Service
from probation.demo import demo_password
from probation.models import Role, User

Kind = Organisation.Kind

# Metropolitan Police Basic Command Units and the boroughs each covers.
MET_BCUS = {
    "Central North": ["camden", "islington"],
    "Central West": ["westminster", "kensington-and-chelsea", "hammersmith-and-fulham"],
    "Central South": ["lambeth", "southwark"],
    "Central East": ["hackney", "tower-hamlets"],
    "North Area": ["enfield", "haringey"],
    "East Area": ["barking-and-dagenham", "havering", "redbridge"],
    "North East": ["newham", "waltham-forest"],
    "North West": ["barnet", "brent", "harrow"],
    "South East": ["bexley", "greenwich", "lewisham"],
    "South Area": ["bromley", "croydon", "sutton"],
    "South West": ["kingston-upon-thames", "merton", "richmond-upon-thames", "wandsworth"],
    "West Area": ["ealing", "hillingdon", "hounslow"],
}

# (name, kind, services, boroughs ("*" = all London), website). St Mungo's, Novus, Penrose and Women in Prison are
# the CRC's Through the Gate supply chain (accommodation; education and employability; men with complex needs; women).
PROVIDERS = [
    ("St Mungo's", Kind.SUPPLY_CHAIN, ["accommodation", "health", "substance-misuse"], "*", "https://www.mungos.example"),
    ("Novus", Kind.SUPPLY_CHAIN, ["employment"], "*", "https://www.novus.example"),
    ("Penrose", Kind.SUPPLY_CHAIN, ["accommodation", "health", "attitudes"], "*", "https://www.penrose.example"),
    ("Women in Prison", Kind.SUPPLY_CHAIN, ["women", "accommodation", "domestic-abuse", "finance"], "*",
     "https://www.womeninprison.example"),
    ("Sutton Women's Hub", Kind.WOMENS_HUB, ["women", "domestic-abuse", "family", "health"], ["sutton"],
     "https://www.sutton.example/womens-hub"),
    ("Change Grow Live London", Kind.SUPPLY_CHAIN, ["substance-misuse", "health"], "*", "https://www.cgl.example"),
    ("Citizens Advice London", Kind.VOLUNTARY, ["finance"], "*", "https://www.citizensadvice.example"),
    ("Working Chance", Kind.VOLUNTARY, ["employment", "women"], "*", "https://www.workingchance.example"),
    ("Beyond the Streets", Kind.VOLUNTARY, ["sex-work", "women"], ["lambeth", "southwark", "newham", "tower-hamlets"],
     "https://www.beyondthestreets.example"),
]

HOSP_USERS = [
    # area, username, first, last (the foundation `hosp` demo user takes North West London)
    ("North East London", "hosp-ne", "Kwame", "Asante"),
    ("South West London", "hosp-sw", "Fiona", "McAllister"),
    ("South East London", "hosp-se", "Rajesh", "Patel"),
]
FOUNDATION_HOSP_AREA = "North West London"
MASH_LEAD_AREA = "North West London"
DEMO_PARTNER_ORGANISATION = "Camden MASH"


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-").replace("--", "-")


def _organisation(name, kind, *, boroughs, services=(), website="", email="", phone="") -> Organisation:
    organisation = Organisation.objects.filter(name__iexact=name).first()
    if organisation is None:
        organisation = Organisation.objects.create(
            name=name, kind=kind, website=website, email=email or f"{_slug(name)}@partner.example", phone=phone
        )
    organisation.boroughs.add(*boroughs)
    if services:
        organisation.services.add(*services)
    return organisation


def _contacts(organisation, fake, rng, titles) -> None:
    if organisation.contacts.exists():
        return
    for index, title in enumerate(titles):
        first, last = fake.first_name(), fake.last_name()
        Contact.objects.create(
            organisation=organisation,
            name=f"{first} {last}",
            job_title=title,
            email=f"{first}.{last}@{_slug(organisation.name)}.example".lower().replace("'", ""),
            phone=f"020 7946 0{rng.randint(0, 999):03d}",
            is_primary=index == 0,
        )


def _hosp_users(stdout) -> None:
    password = demo_password()
    areas = {area.name: area for area in HospArea.objects.all()}
    foundation = User.objects.filter(username="hosp", role=Role.HOSP).first()
    if foundation and FOUNDATION_HOSP_AREA in areas and areas[FOUNDATION_HOSP_AREA].hosp_id is None:
        areas[FOUNDATION_HOSP_AREA].hosp = foundation
        areas[FOUNDATION_HOSP_AREA].save(update_fields=["hosp"])
    for area_name, username, first, last in HOSP_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"role": Role.HOSP, "first_name": first, "last_name": last, "email": f"{username}@probation-ops.example",
                      "job_title": "Head of Stakeholders and Partnerships"},
        )
        if created:
            user.set_password(password)
            user.save()
        area = areas.get(area_name)
        if area is not None and area.hosp_id is None:
            area.hosp = user
            area.save(update_fields=["hosp"])
    if not HospArea.objects.filter(is_mash_lead=True).exists():
        HospArea.objects.filter(name=MASH_LEAD_AREA).update(is_mash_lead=True)


@transaction.atomic
def seed_partners(*, size: int, stdout) -> None:
    fake = Faker("en_GB")
    fake.seed_instance(4242)
    rng = random.Random(4242)
    for code, name in SERVICES:
        Service.objects.get_or_create(code=code, defaults={"name": name})
    services = {s.code: s for s in Service.objects.all()}
    boroughs = {b.code: b for b in Borough.objects.all()}
    everywhere = list(boroughs.values())

    for bcu, codes in MET_BCUS.items():
        organisation = _organisation(
            f"Metropolitan Police {bcu} BCU", Kind.POLICE, boroughs=[boroughs[c] for c in codes],
            services=[services["safeguarding"]], website="https://www.met.police.example",
        )
        _contacts(organisation, fake, rng, ["Detective Inspector, Integrated Offender Management", "IOM police lead"])
    city_police = _organisation("City of London Police", Kind.POLICE, boroughs=[boroughs["city-of-london"]],
                                services=[services["safeguarding"]])
    _contacts(city_police, fake, rng, ["IOM lead"])

    for code, borough in boroughs.items():
        children = _organisation(f"{borough.name} Children's Services", Kind.CHILDRENS_SERVICES, boroughs=[borough],
                                 services=[services["family"], services["safeguarding"]],
                                 website=f"https://www.{code}.gov.example/children")
        _contacts(children, fake, rng, ["Head of Children's Social Care"])
        mash = _organisation(f"{borough.name} MASH", Kind.MASH, boroughs=[borough], services=[services["safeguarding"]],
                             phone=f"020 7946 0{rng.randint(0, 999):03d}")
        _contacts(mash, fake, rng, ["MASH manager", "MASH social worker"])
        csp = _organisation(f"{borough.name} Community Safety Partnership", Kind.CSP, boroughs=[borough],
                            website=f"https://www.{code}.gov.example/community-safety")
        _contacts(csp, fake, rng, ["Community Safety Manager"])
        council = _organisation(f"{borough.name} Council Housing Options", Kind.LOCAL_AUTHORITY, boroughs=[borough],
                                services=[services["accommodation"]])
        _contacts(council, fake, rng, ["Housing options team leader"])

    for area in HospArea.objects.all():
        rrb = _organisation(f"{area.name} Reducing Reoffending Board", Kind.RRB, boroughs=list(area.boroughs.all()))
        _contacts(rrb, fake, rng, ["Board chair", "Board secretary"])
    gto = [boroughs[c] for c in GTO_BOROUGHS if c in boroughs]
    _contacts(_organisation("London Reducing Reoffending Board", Kind.RRB, boroughs=everywhere), fake, rng, ["Chair"])

    for name, kind, service_codes, borough_codes, website in PROVIDERS:
        organisation = _organisation(
            name, kind, boroughs=everywhere if borough_codes == "*" else [boroughs[c] for c in borough_codes],
            services=[services[c] for c in service_codes], website=website,
        )
        _contacts(organisation, fake, rng, ["Partnerships manager", "Referrals coordinator"])
    # Gripping the Offender pilot boroughs have an IOM police partner flagged by name.
    gto_org = _organisation("Gripping the Offender IOM Partnership", Kind.POLICE, boroughs=gto,
                            services=[services["attitudes"], services["safeguarding"]])
    _contacts(gto_org, fake, rng, ["IOM coordinator"])

    _hosp_users(stdout)

    partner = User.objects.filter(username="partner", role=Role.PARTNER).first()
    if partner is not None and not PartnerMembership.objects.filter(user=partner).exists():
        PartnerMembership.objects.create(
            user=partner, organisation=Organisation.objects.get(name__iexact=DEMO_PARTNER_ORGANISATION),
            can_track_iom=True,
        )
    stdout.write(
        f"partners: {Organisation.objects.count()} organisations, {Contact.objects.count()} contacts, "
        f"{HospArea.objects.exclude(hosp=None).count()} HOSP areas staffed\n"
    )
