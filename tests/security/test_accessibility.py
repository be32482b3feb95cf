"""axe-core (npm `axe-core`, pinned in package.json) checks every staff page the authorization matrix knows, for every
role the matrix allows, at WCAG 2.2 AA: 0 violations. The page list comes from `MATRIX`, so a new URL is checked as
soon as it joins the matrix (which `test_every_url_has_a_row` makes it do).

One browser, one context per persona (signed in once through a session cookie with both factors verified), realistic
data: the matrix's world (one of everything, owned so each persona may see it) plus requests in every state, a
caseload, notifications and partner organisations. A full-page screenshot of every page per persona is written
under `test-results/accessibility/<persona>/` for a reviewer.
"""

import datetime
import json
import pathlib

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.security.test_authorization_matrix import MATRIX, PERSONAS, world  # noqa: F401 (world is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = pathlib.Path(settings.BASE_DIR)
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-results" / "accessibility"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Not pages a person reads: machine-readable answers, files and the third-party API explorer.
NOT_PAGES = {"healthz", "api-schema", "api-docs", "partners:borough_report_csv", "partners:borough_report_pdf",
             "interventions:session_roster", "supervision:letter"}  # CSV and PDF downloads


def staff_pages():
    """(url name, persona) for every GET page of the matrix that a signed-in persona may see."""
    for name, (method, who) in sorted(MATRIX.items()):
        if method != "get" or name in NOT_PAGES or "-api:" in name:
            continue
        for persona in PERSONAS:
            if persona != "anonymous" and who[persona] == "allow":
                yield name, persona


def test_the_page_list_follows_the_matrix():
    pages = set(staff_pages())
    assert ("safeguarding:queue", "hub") in pages
    assert ("resettlement:action_update", "partner_a") in pages
    assert ("safeguarding:queue", "om") not in pages  # denied by the matrix, so not visited
    assert len(pages) > 60


def realistic_data(world):
    """Volume and variety on top of the matrix's world: requests in every state for the hub and the officer."""
    from probation.services import notification_send
    from safeguarding.models import MatchOutcome, Rag
    from safeguarding.services import request_assign, request_respond, request_triage
    from tests.cases.factories import AllocatedPersonFactory
    from tests.partners.factories import OrganisationFactory
    from tests.safeguarding.factories import mash_request

    users = world["users"]
    om, hub = users["om"], users["hub"]
    team = om.staff_profile.team
    people = [AllocatedPersonFactory(team=team, offender_manager=om) for _ in range(4)]
    AllocatedPersonFactory(team=team, offender_manager=None)
    mash = OrganisationFactory(kind="mash", borough_codes=["islington"])
    now = timezone.now()
    for i, (rating, hours_ago) in enumerate([(Rag.RED, 1), (Rag.AMBER, 30), (Rag.GREEN, 5), (Rag.BLUE, 2), (Rag.RED, 6)]):
        request = mash_request(organisation=mash, rating=rating, received_at=now - datetime.timedelta(hours=hours_ago),
                               subject_first_name=people[i % 4].first_name, subject_last_name=people[i % 4].last_name)
        if i == 0:
            continue
        request_triage(request=request, outcome=MatchOutcome.KNOWN_CRC, person=people[i % 4], by=hub)
        request.refresh_from_db()
        if request.assignee_id != om.pk:
            request_assign(request=request, assignee=om, by=hub, reason="Responsible officer")
        if i == 2:
            request_respond(request=request, by=om, supervision_status="current_crc", risk_level="medium",
                            conditions="Community order", engagement="good", contact_with_named="None known.",
                            professional_view="No current concerns.")
    for persona, user in users.items():
        notification_send(recipient=user, key=f"a11y-{persona}", subject="A MASH request is due soon",
                          body="Request due in 1 hour.")


@pytest.fixture
def contexts(browser, live_server, world):
    """One signed-in browser context per persona, reused for all of that persona's pages."""
    from tests.conftest import SignedInClient

    realistic_data(world)
    opened = {}

    def context_for(persona):
        if persona not in opened:
            client = SignedInClient()
            client.force_login(world["users"][persona])
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                          timezone_id="Europe/London")
            context.add_init_script(path=str(AXE))
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                                  "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                                  "url": live_server.url}])
            opened[persona] = context.new_page()
            opened[persona].set_default_timeout(20000)
        return opened[persona]

    yield context_for
    for page in opened.values():
        page.context.close()


def axe_violations(page) -> list[dict]:
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
        WCAG_22_AA,
    )
    return [{"rule": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result]


LAYOUT_DEFECTS = """() => {
  const main = document.querySelector('main');
  const found = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  // Every text in the GOV.UK font stack ("GDS Transport", arial, sans-serif), never the browser's serif default.
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg, canvas, pre, code, script, style, dialog:not([open])')) continue;
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (ownText && !/arial/i.test(getComputedStyle(el).fontFamily)) {
      found.push('font ' + getComputedStyle(el).fontFamily + ': ' + describe(el));
    }
  }
  // Nothing spills out of the box (a filter bar wider than its panel); grid rows reach 15px past theirs.
  for (const el of main.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    const parent = el.parentElement.getBoundingClientRect();
    if (box.width && box.right > parent.right + 16 && !el.closest('.app-scroll')) {
      found.push('overflow ' + describe(el) + ' out of ' + describe(el.parentElement));
    }
  }
  if (document.documentElement.scrollWidth > window.innerWidth) found.push('page scrolls sideways');
  // A banner is as wide as the text it carries, not squeezed into a narrow column.
  for (const el of document.querySelectorAll('.govuk-notification-banner__content, .moj-alert__content')) {
    if (el.getBoundingClientRect().width < 300) found.push('squeezed banner ' + describe(el));
  }
  return found.slice(0, 10);
}"""


def test_every_staff_page_has_no_wcag_22_aa_violation_for_every_role_that_may_see_it(contexts, live_server, world):
    found = {}
    visited = 0
    for name, persona in staff_pages():
        page = contexts(persona)
        url = live_server.url + reverse(name, kwargs=world["kwargs"].get(name))
        response = page.goto(url)
        assert response.status == 200, f"{persona} {name}: {response.status}"
        assert "text/html" in response.headers["content-type"], f"{name} is not a page; add it to NOT_PAGES"
        visited += 1
        shot = SHOTS / persona / f"{name.replace(':', '__')}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        violations = axe_violations(page)
        if violations:
            found[f"{persona} {url}"] = violations
        if defects := page.evaluate(LAYOUT_DEFECTS):
            found[f"{persona} {url} layout"] = defects
    # The service's own error pages and a form showing its errors are pages too.
    page = contexts("hub")
    for path in ["/no-such-page/", reverse("safeguarding:team")]:
        page.goto(live_server.url + path)
        violations = axe_violations(page)
        if violations:
            found[f"hub {path}"] = violations
    page.goto(live_server.url + reverse("safeguarding:new"))
    page.click("main form button[type=submit]")
    page.wait_for_selector(".govuk-error-summary")
    page.screenshot(path=str(SHOTS / "hub" / "safeguarding__new_with_errors.png"), full_page=True)
    if violations := axe_violations(page):
        found["hub safeguarding:new with errors"] = violations
    assert visited > 60
    assert not found, json.dumps(found, indent=1)
