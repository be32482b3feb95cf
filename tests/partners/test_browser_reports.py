import pytest
from django.utils import timezone

from partners.models import HospArea, Service
from tests.partners.factories import OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_hosp_finds_a_boroughs_partners_and_opens_its_report_with_a_drawn_chart(page, live_server, sign_in, hosp_user):
    area = HospArea.objects.get(name="North East London")
    area.hosp = hosp_user
    area.save()
    OrganisationFactory(name="St Mungo's", kind="voluntary", borough_codes=["hackney"]).services.add(
        Service.objects.get(code="accommodation")
    )
    sign_in(page, hosp_user)
    assert "Hackney" in page.inner_text("[data-testid=hosp-panel]")
    page.click("[data-testid=hosp-panel] >> text=Partners in Hackney")
    assert hosp_user.get_full_name() in page.inner_text("[data-testid=borough-hosp]")
    page.select_option("#id_service", "accommodation")
    page.click("[data-testid=directory-search] button")
    assert "St Mungo's" in page.inner_text("[data-testid=directory-results]")

    page.goto(f"{live_server.url}/partners/reports/hackney/{timezone.localdate():%Y-%m}/")
    page.wait_for_selector("canvas[data-chart-ready=true]")
    assert "Partner organisations and services" in page.inner_text("main")
