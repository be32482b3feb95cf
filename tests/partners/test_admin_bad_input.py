import pytest

from partners.models import Contact, Organisation, PartnerMembership
from tests.partners.factories import OrganisationFactory, borough

pytestmark = pytest.mark.django_db


def _organisation_form(name, **extra):
    return {
        "name": name, "kind": "voluntary", "email": "", "phone": "", "website": "", "address": "", "is_active": "on",
        "boroughs": [borough("camden").pk], "contacts-TOTAL_FORMS": "0", "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0", "contacts-MAX_NUM_FORMS": "1000", **extra,
    }


def test_a_duplicate_organisation_name_in_another_case_is_refused_with_a_message(client, admin_user):
    OrganisationFactory(name="St Mungo's")
    client.force_login(admin_user)
    response = client.post("/admin/partners/organisation/add/", _organisation_form("ST MUNGO'S"))
    assert response.status_code == 200
    assert "An organisation with this name already exists." in response.content.decode()
    assert Organisation.objects.filter(name__iexact="st mungo's").count() == 1


def test_invalid_contact_email_and_phone_are_refused_and_nothing_is_half_saved(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/admin/partners/organisation/add/", _organisation_form(
        "Penrose",
        **{"contacts-TOTAL_FORMS": "1", "contacts-0-name": "Sam Jones", "contacts-0-job_title": "",
           "contacts-0-email": "not-an-email", "contacts-0-phone": "12345"},
    ))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "Enter a UK phone number" in html
    assert not Organisation.objects.filter(name="Penrose").exists()
    assert not Contact.objects.exists()


def test_an_organisation_phone_must_be_a_uk_number(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/admin/partners/organisation/add/", _organisation_form("Novus", phone="+1 555 0100"))
    assert response.status_code == 200 and "Enter a UK phone number" in response.content.decode()
    ok = client.post("/admin/partners/organisation/add/", _organisation_form("Novus", phone="+44 20 7946 0000"))
    assert ok.status_code == 302 and Organisation.objects.filter(name="Novus").exists()


def test_only_partner_users_can_be_made_members_of_an_organisation(client, admin_user, hub_user):
    organisation = OrganisationFactory()
    client.force_login(admin_user)
    response = client.post("/admin/partners/partnermembership/add/",
                           {"user": hub_user.pk, "organisation": organisation.pk})
    assert response.status_code == 200
    assert "Only partner agency users can belong to a partner organisation." in response.content.decode()
    assert not PartnerMembership.objects.exists()


@pytest.mark.parametrize("path", [
    "/admin/partners/boroughreport/", "/admin/partners/apitoken/", "/admin/partners/organisation/",
    "/admin/partners/hosparea/", "/admin/partners/contact/", "/admin/partners/partnermembership/",
])
def test_partner_admin_lists_open(client, admin_user, path):
    client.force_login(admin_user)
    assert client.get(path).status_code == 200
