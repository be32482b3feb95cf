import pytest
from django.core.management import call_command

from partners.models import HospArea, Organisation, PartnerMembership
from partners.selectors import organisation_for
from probation.models import Role, User

pytestmark = pytest.mark.django_db


def test_the_demo_seeder_builds_londons_partnerships_once(capsys):
    call_command("seed_demo", "--people", "0", "--quiet-logins")
    counts = (Organisation.objects.count(), HospArea.objects.exclude(hosp=None).count())
    call_command("seed_demo", "--people", "0", "--quiet-logins")
    assert (Organisation.objects.count(), HospArea.objects.exclude(hosp=None).count()) == counts
    names = set(Organisation.objects.values_list("name", flat=True))
    for expected in ["Metropolitan Police Central North BCU", "Camden MASH", "Camden Children's Services",
                     "St Mungo's", "Novus", "Penrose", "Women in Prison", "Sutton Women's Hub",
                     "Camden Community Safety Partnership", "North West London Reducing Reoffending Board"]:
        assert expected in names
    assert Organisation.objects.get(name="St Mungo's").services.filter(code="accommodation").exists()
    assert Organisation.objects.get(name="Sutton Women's Hub").kind == Organisation.Kind.WOMENS_HUB
    assert HospArea.objects.filter(hosp__role=Role.HOSP).count() == 4
    assert HospArea.objects.get(hosp__username="hosp").is_mash_lead
    assert HospArea.objects.filter(is_mash_lead=True).count() == 1
    partner = User.objects.get(username="partner")
    membership = PartnerMembership.objects.get(user=partner)
    assert membership.can_track_iom and organisation_for(partner).kind == Organisation.Kind.MASH
    assert all(c.organisation_id for c in Organisation.objects.get(name="Camden MASH").contacts.all())


def test_a_hosps_home_shows_their_areas_boroughs(client, hosp_user):
    area = HospArea.objects.get(name="South East London")
    area.hosp = hosp_user
    area.save()
    client.force_login(hosp_user)
    html = client.get("/").content.decode()
    assert 'data-testid="hosp-panel"' in html and "South East London" in html and "Lewisham" in html
    assert "Camden" not in html.split('data-testid="hosp-panel"')[1]


def test_navigation_offers_the_directory_to_staff_and_reports_to_hosps(client, offender_manager, hosp_user):
    client.force_login(offender_manager)
    html = client.get("/").content.decode()
    assert 'href="/partners/"' in html and 'href="/partners/reports/"' not in html
    client.force_login(hosp_user)
    html = client.get("/").content.decode()
    assert 'href="/partners/"' in html and 'href="/partners/reports/"' in html
