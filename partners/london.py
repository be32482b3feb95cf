"""Reference data: London's 33 local authority areas (ONS GSS codes) and the default HOSP areas grouping them.
An administrator can regroup boroughs afterwards; these are only the defaults loaded by the data migration."""

BOROUGHS = [
    ("E09000001", "city-of-london", "City of London", "North East London"),
    ("E09000002", "barking-and-dagenham", "Barking and Dagenham", "North East London"),
    ("E09000003", "barnet", "Barnet", "North West London"),
    ("E09000004", "bexley", "Bexley", "South East London"),
    ("E09000005", "brent", "Brent", "North West London"),
    ("E09000006", "bromley", "Bromley", "South East London"),
    ("E09000007", "camden", "Camden", "North West London"),
    ("E09000008", "croydon", "Croydon", "South West London"),
    ("E09000009", "ealing", "Ealing", "North West London"),
    ("E09000010", "enfield", "Enfield", "North East London"),
    ("E09000011", "greenwich", "Greenwich", "South East London"),
    ("E09000012", "hackney", "Hackney", "North East London"),
    ("E09000013", "hammersmith-and-fulham", "Hammersmith and Fulham", "North West London"),
    ("E09000014", "haringey", "Haringey", "North East London"),
    ("E09000015", "harrow", "Harrow", "North West London"),
    ("E09000016", "havering", "Havering", "North East London"),
    ("E09000017", "hillingdon", "Hillingdon", "North West London"),
    ("E09000018", "hounslow", "Hounslow", "North West London"),
    ("E09000019", "islington", "Islington", "North East London"),
    ("E09000020", "kensington-and-chelsea", "Kensington and Chelsea", "North West London"),
    ("E09000021", "kingston-upon-thames", "Kingston upon Thames", "South West London"),
    ("E09000022", "lambeth", "Lambeth", "South East London"),
    ("E09000023", "lewisham", "Lewisham", "South East London"),
    ("E09000024", "merton", "Merton", "South West London"),
    ("E09000025", "newham", "Newham", "North East London"),
    ("E09000026", "redbridge", "Redbridge", "North East London"),
    ("E09000027", "richmond-upon-thames", "Richmond upon Thames", "South West London"),
    ("E09000028", "southwark", "Southwark", "South East London"),
    ("E09000029", "sutton", "Sutton", "South West London"),
    ("E09000030", "tower-hamlets", "Tower Hamlets", "North East London"),
    ("E09000031", "waltham-forest", "Waltham Forest", "North East London"),
    ("E09000032", "wandsworth", "Wandsworth", "South West London"),
    ("E09000033", "westminster", "Westminster", "North West London"),
]

HOSP_AREAS = ["North West London", "North East London", "South West London", "South East London"]

# Boroughs of the Gripping the Offender IOM pilot (April 2016).
GTO_BOROUGHS = {"camden", "enfield", "hackney", "haringey", "islington", "newham", "tower-hamlets", "waltham-forest"}

SERVICES = [
    ("accommodation", "Accommodation"),
    ("employment", "Employment, training and education"),
    ("finance", "Finance, benefit and debt"),
    ("substance-misuse", "Drugs and alcohol"),
    ("health", "Health and mental health"),
    ("family", "Children, families and communities"),
    ("attitudes", "Attitudes, thinking and behaviour"),
    ("sex-work", "Support for sex workers"),
    ("domestic-abuse", "Support for victims of domestic and sexual violence"),
    ("safeguarding", "Safeguarding"),
    ("women", "Services for women"),
]


def load_reference_data(*, HospArea, Borough, Service) -> None:
    """Create or update the boroughs, default HOSP areas and services. Takes the model classes so the data migration
    (historical models) and the test suite (after a transactional test's flush) share one loader."""
    areas = {name: HospArea.objects.get_or_create(name=name)[0] for name in HOSP_AREAS}
    for gss, code, name, area in BOROUGHS:
        Borough.objects.get_or_create(code=code, defaults={"name": name, "gss_code": gss, "hosp_area": areas[area]})
    for code, name in SERVICES:
        Service.objects.get_or_create(code=code, defaults={"name": name})
