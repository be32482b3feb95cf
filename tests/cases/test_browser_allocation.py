import pytest

from cases.models import Allocation
from tests.cases.factories import StaffProfileFactory, TeamFactory, UnallocatedPersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_team_manager_allocates_from_the_queue_with_one_click(page, live_server, sign_in, team_manager):
    team = TeamFactory(manager=team_manager)
    officer = StaffProfileFactory(team=team).user
    person = UnallocatedPersonFactory(team=team)
    sign_in(page, team_manager)
    page.click("text=Unallocated cases")
    row = page.locator(f"[data-testid=queue-row-{person.crn}]")
    assert str(officer) in row.inner_text()
    page.screenshot(path="test-results/cases-unallocated-queue.png", full_page=True)
    row.locator("button", has_text="Allocate").click()
    page.wait_for_selector("[data-testid=unallocated-count]")
    assert "0 cases waiting" in page.inner_text("[data-testid=unallocated-count]")
    assert Allocation.objects.get(person=person).offender_manager == officer


def test_staff_find_a_person_despite_a_typo(page, live_server, sign_in, hub_user):
    person = UnallocatedPersonFactory(first_name="Winston", last_name="Okonkwo")
    sign_in(page, hub_user)
    page.click("text=Find a person")
    page.fill("#id_q", "Winston Okonkow")
    page.click("button:has-text('Search')")
    page.wait_for_selector("[data-testid=result-count]")
    page.click(f"text=OKONKWO, Winston")
    page.wait_for_selector(f"text={person.crn}")
    assert "Winston" in page.inner_text("h1")
