"""The admin reads well: apps under readable names, MASH requests found by the subject's name, and the API-token
filter offering only the organisations that hold tokens."""

import pytest

from tests.partners.factories import ApiTokenFactory, OrganisationFactory
from tests.safeguarding.factories import mash_request

pytestmark = pytest.mark.django_db


def test_the_admin_index_names_every_app_readably(admin_client):
    page = admin_client.get("/admin/").content.decode()
    for raw in ("Otp_Static", "Otp_Totp", "OTP_STATIC", "OTP_TOTP", ">Axes<"):
        assert raw not in page
    assert "Two-factor: recovery codes" in page and "Sign-in attempts and lockouts" in page


def test_admin_finds_a_mash_request_by_the_subjects_name(admin_client):
    wanted = mash_request(subject_first_name="Marcus", subject_last_name="Reid")
    other = mash_request(subject_first_name="Kyle", subject_last_name="Bennett")
    page = admin_client.get("/admin/safeguarding/safeguardingrequest/", {"q": "Reid"}).content.decode()
    assert wanted.reference in page and other.reference not in page


def test_the_api_token_filter_lists_only_organisations_holding_tokens(admin_client):
    token = ApiTokenFactory()
    holder = token.user.partner_membership.organisation
    bystander = OrganisationFactory(name="Bystander Borough MASH")
    page = admin_client.get("/admin/partners/apitoken/").content.decode()
    assert holder.name in page and bystander.name not in page
