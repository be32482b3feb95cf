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


def test_every_admin_list_of_our_apps_opens_searched_and_filtered(admin_client):
    """Each changelist renders, and again with a search when it has search fields (a wrong lookup path is a 500
    only when someone searches)."""
    from django.contrib import admin
    from django.urls import reverse

    ours = {"probation", "cases", "partners", "safeguarding", "resettlement", "supervision", "interventions"}
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ours:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url
        if model_admin.search_fields:
            assert admin_client.get(url, {"q": "Smith"}).status_code == 200, f"{url}?q="
