from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from safeguarding.models import Rag, SafeguardingRequest
from safeguarding.selectors import borough_report_section, compliance
from safeguarding.services import request_change_rating, request_respond
from tests.partners.factories import OrganisationFactory, borough
from tests.safeguarding.factories import mash_request
from tests.safeguarding.test_triage_and_response import ANSWER

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db

MON = datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)


def _answer(request, by, at):
    request_respond(request=request, by=by, **ANSWER)
    SafeguardingRequest.objects.filter(pk=request.pk).update(responded_at=at)
    request.response.__class__.objects.filter(request=request).update(responded_at=at)


def test_on_time_percentage_by_rating(hub_user):
    on_time = mash_request(received_at=MON, rating=Rag.RED)
    late = mash_request(received_at=MON, rating=Rag.RED)
    overdue = mash_request(received_at=MON, rating=Rag.AMBER)
    _answer(on_time, hub_user, MON + timedelta(hours=3))
    _answer(late, hub_user, MON + timedelta(hours=6))
    result = compliance(as_of=datetime(2026, 3, 31).date())
    red = next(r for r in result.by_rating if r.label == "Red")
    amber = next(r for r in result.by_rating if r.label == "Amber")
    assert (red.on_time, red.late, red.percent) == (1, 1, 50.0)
    assert (amber.overdue, amber.percent) == (1, 0.0)
    assert result.total.due == 3 and result.total.percent == pytest.approx(33.3)
    for request in (on_time, late, overdue):
        request.refresh_from_db()
    assert overdue.responded_at is None  # as stored, not as the test left it in memory
    assert on_time.responded_at == MON + timedelta(hours=3) and late.responded_at == MON + timedelta(hours=6)


def test_a_past_date_is_not_changed_by_what_happened_later(hub_user):
    request = mash_request(received_at=MON, rating=Rag.RED)
    # On 2 March it was overdue and unanswered.
    before = compliance(as_of=datetime(2026, 3, 2).date())
    _answer(request, hub_user, datetime(2026, 3, 5, 12, tzinfo=LONDON))
    after_answer = compliance(as_of=datetime(2026, 3, 2).date())
    assert (before.total.overdue, before.total.late) == (after_answer.total.overdue, after_answer.total.late) == (1, 0)
    assert compliance(as_of=datetime(2026, 3, 6).date()).total.late == 1


def test_a_later_rating_change_does_not_rewrite_the_past(hub_user):
    request = mash_request(received_at=timezone.now() - timedelta(days=3), rating=Rag.RED)
    two_days_ago = timezone.localdate() - timedelta(days=2)
    assert compliance(as_of=two_days_ago).total.overdue == 1
    request_change_rating(request=request, rating=Rag.BLUE, rationale="No probation involvement needed", by=hub_user)
    assert compliance(as_of=two_days_ago).total.overdue == 1  # still red then
    assert compliance().total.due == 0  # blue now: no response due


def test_withdrawn_requests_leave_the_figures_from_their_withdrawal(partner_user):
    from safeguarding.services import request_withdraw

    request = mash_request(received_at=timezone.now() - timedelta(days=3), rating=Rag.RED)
    request_withdraw(request=request, by=partner_user)
    assert compliance().total.due == 0
    assert compliance(as_of=timezone.localdate() - timedelta(days=1)).total.overdue == 1


def test_the_dashboard_page_shows_figures_for_a_past_date(client, hub_user):
    request = mash_request(received_at=MON, rating=Rag.RED)
    _answer(request, hub_user, MON + timedelta(hours=2))
    client.force_login(hub_user)
    page = client.get("/safeguarding/compliance/", {"as_of": "2026-03-31"})
    assert page.status_code == 200
    assert page.context["result"].total.percent == 100.0
    assert b"chart.umd.min.js" in page.content and b"compliance-data" in page.content
    refused = client.get("/safeguarding/compliance/", {"as_of": "not-a-date"})
    assert refused.status_code == 400 and b"Enter the date as YYYY-MM-DD." in refused.content


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_a_date_out_of_range_is_a_400_with_a_message(client, hub_user, as_of):
    client.force_login(hub_user)
    response = client.get("/safeguarding/compliance/", {"as_of": as_of})
    assert response.status_code == 400
    assert b"Enter a date between 1 January 2000 and today." in response.content


def test_the_borough_report_section(hub_user):
    camden_mash = OrganisationFactory(borough_codes=["camden"])
    a = mash_request(organisation=camden_mash, received_at=MON, rating=Rag.RED)
    mash_request(organisation=camden_mash, received_at=MON, rating=Rag.GREEN)
    _answer(a, hub_user, MON + timedelta(hours=1))
    section = borough_report_section(borough("camden"), datetime(2026, 3, 1).date())
    assert dict(section["summary"])["MASH requests received"] == 2
    red_row = section["table"]["rows"][0]
    assert red_row[0] == "Red" and red_row[1:3] == [1, 1] and red_row[-1] == 100.0
    assert borough_report_section(borough("hackney"), datetime(2026, 3, 1).date())["summary"][0] == ("MASH requests received", 0)
    from partners.reports import build_report

    report = build_report(borough("camden"), datetime(2026, 3, 1).date())
    mash = next(s for s in report["sections"] if s["key"] == "mash")
    assert mash["error"] == "" and mash["data"]["chart"]["datasets"][0]["data"] == [1, 0, 0]


def test_the_dashboard_offers_boroughs_as_a_choice_and_refuses_a_name_typed_in_their_place(client, hub_user):
    request = mash_request(organisation=OrganisationFactory(borough_codes=["camden"]), received_at=MON, rating=Rag.RED)
    _answer(request, hub_user, MON + timedelta(hours=2))
    client.force_login(hub_user)
    page = client.get("/safeguarding/compliance/", {"as_of": "2026-03-31"}).content.decode()
    assert '<select class="govuk-select" name="borough" id="id_borough">' in page and '<option value="camden">Camden</option>' in page
    camden = client.get("/safeguarding/compliance/", {"as_of": "2026-03-31", "borough": "camden"})
    assert camden.context["result"].total.on_time == 1 and "MASH response performance: Camden" in camden.content.decode()
    typed = client.get("/safeguarding/compliance/", {"as_of": "2026-03-31", "borough": "Camden"}, follow=True)
    assert "Select a London borough from the list." in typed.content.decode()  # not silently zeros
