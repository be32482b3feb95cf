"""Reads for partners: a partner user's organisation, credentials by key, the directory search, HOSP areas."""

from partners.models import ApiToken, Organisation, PartnerMembership
from probation.models import Role


def organisation_for(user) -> Organisation | None:
    """The organisation a partner agency user belongs to, or None (staff, anonymous, or a partner not yet placed).

    Cached on the user object for the length of the request."""
    if user is None or not getattr(user, "is_authenticated", False) or user.role != Role.PARTNER:
        return None
    cached = getattr(user, "_partner_organisation_cache", False)
    if cached is not False:
        return cached
    membership = PartnerMembership.objects.select_related("organisation").filter(user=user).first()
    organisation = membership.organisation if membership else None
    user._partner_organisation_cache = organisation
    return organisation


def membership_for(user) -> PartnerMembership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return PartnerMembership.objects.select_related("organisation").filter(user=user).first()


def api_token_for_key(key: str) -> ApiToken | None:
    """The credential a presented key belongs to, or None. Found by its clear prefix, confirmed by the digest."""
    prefix, dot, secret = key.partition(".")
    if not dot or not secret or len(prefix) != ApiToken.PREFIX_LENGTH:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not token.matches(key):
        return None
    return token


def directory_search(*, borough=None, service=None, kind: str = "", text: str = ""):
    """Organisations matching the directory filters: borough and service (instances), kind, and free text (name,
    contact names, service names)."""
    from django.db.models import Q

    queryset = Organisation.objects.filter(is_active=True)
    if borough is not None:
        queryset = queryset.filter(boroughs=borough)
    if service is not None:
        queryset = queryset.filter(services=service)
    if kind:
        queryset = queryset.filter(kind=kind)
    text = text.strip()
    if text:
        matches = Q(name__icontains=text) | Q(contacts__name__icontains=text) | Q(services__name__icontains=text)
        queryset = queryset.filter(pk__in=Organisation.objects.filter(matches).values("pk"))
    return queryset.prefetch_related("boroughs", "services").order_by("name").distinct()


def hosp_areas_for(user):
    """The HOSP areas a HOSP user covers."""
    from partners.models import HospArea

    if user is None or not getattr(user, "is_authenticated", False):
        return HospArea.objects.none()
    return HospArea.objects.filter(hosp=user)


def latest_reports(boroughs):
    """The most recent stored report of each borough given, as {borough_id: BoroughReport}."""
    from partners.models import BoroughReport

    reports = {}
    for report in BoroughReport.objects.filter(borough__in=boroughs).defer("pdf", "data").order_by("borough_id", "-month"):
        reports.setdefault(report.borough_id, report)
    return reports


BOROUGHS_CACHE_KEY = "partners:boroughs"


def boroughs_by_code() -> dict:
    """London's boroughs (reference data) by code, cached for five minutes."""
    from django.core.cache import cache

    boroughs = cache.get(BOROUGHS_CACHE_KEY)
    if boroughs is None:
        boroughs = boroughs_by_code_build()
        cache.set(BOROUGHS_CACHE_KEY, boroughs, BOROUGHS_CACHE_SECONDS)
    return boroughs


BOROUGHS_CACHE_SECONDS = 300
ORGANISATION_BOROUGHS_CACHE_SECONDS = 60


def boroughs_by_code_build() -> dict:
    from partners.models import Borough

    return {b.code: b for b in Borough.objects.all()}


def organisation_boroughs_key(organisation) -> str:
    return f"partners:organisation-boroughs:{organisation.pk}"


def organisation_borough_codes_build(organisation) -> list:
    return list(organisation.boroughs.order_by("name").values_list("code", flat=True))


def organisation_boroughs_from(codes: list, by_code: dict) -> list:
    """The boroughs of `codes` (organisation_borough_codes_build) found in `by_code` (boroughs_by_code)."""
    return [by_code[code] for code in codes if code in by_code]


def organisation_boroughs(organisation) -> list:
    """The boroughs `organisation` covers, by name. Cached for a minute: MASH intake checks them on every submit
    (a partner covering several must name one; one covering a single borough files under it)."""
    from django.core.cache import cache

    key = organisation_boroughs_key(organisation)
    codes = cache.get(key)
    if codes is None:
        codes = organisation_borough_codes_build(organisation)
        cache.set(key, codes, ORGANISATION_BOROUGHS_CACHE_SECONDS)
    return organisation_boroughs_from(codes, boroughs_by_code())
