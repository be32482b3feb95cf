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
