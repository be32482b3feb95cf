"""Audit gaps closed: list pages that show people or MASH requests, and every refused staff access, write audit rows
and a security log line; neither ever holds a query string or a person's name."""

import json
import logging

import pytest
from django.urls import reverse

from probation.models import AuditEvent
from safeguarding.services import request_assign
from tests.cases.factories import AllocatedPersonFactory, TeamFactory, UnallocatedPersonFactory
from tests.safeguarding.factories import mash_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="probation.security")
    return caplog


def _security_lines(caplog, event):
    return [r for r in caplog.records if r.name == "probation.security" and getattr(r, "event", None) == event]


def _views_of(model_label, path):
    return AuditEvent.objects.filter(action="view", object_type=model_label, path=path)


def test_the_mash_queue_audits_each_request_shown_and_logs_one_security_line(client, hub_user, security_log):
    shown = [mash_request(), mash_request()]
    client.force_login(hub_user)
    assert client.get(reverse("safeguarding:queue"), {"rating": "amber"}).status_code == 200
    rows = _views_of("safeguarding.safeguardingrequest", "/safeguarding/")
    assert {r.object_id for r in rows} == {str(m.pk) for m in shown}
    assert all(r.actor == hub_user and r.detail["list"] == "safeguarding:queue" for r in rows)
    [line] = _security_lines(security_log, "list_viewed")
    assert line.count == 2 and line.user_id == hub_user.pk and line.path == "/safeguarding/"


def test_my_mash_requests_page_audits_the_requests_shown(client, hub_user, offender_manager, security_log):
    mash = mash_request()
    request_assign(request=mash, assignee=offender_manager, by=hub_user, reason="Known to the CRC")
    client.force_login(offender_manager)
    assert client.get(reverse("safeguarding:mine")).status_code == 200
    assert list(_views_of("safeguarding.safeguardingrequest", "/safeguarding/mine/").values_list("object_id", flat=True)) == [str(mash.pk)]
    assert _security_lines(security_log, "list_viewed")


def test_the_caseload_and_unallocated_queue_and_allocation_page_audit_the_people_shown(client, team_manager, security_log):
    team = TeamFactory(manager=team_manager)
    waiting = UnallocatedPersonFactory(team=team, home_borough=team.borough)
    client.force_login(team_manager)
    assert client.get(reverse("cases:unallocated")).status_code == 200
    assert list(_views_of("cases.person", "/cases/unallocated/").values_list("object_id", flat=True)) == [str(waiting.pk)]
    assert client.get(reverse("cases:case_allocate", args=[waiting.crn])).status_code == 200
    assert _views_of("cases.person", f"/cases/{waiting.crn}/allocate/").count() == 1
    assert len(_security_lines(security_log, "list_viewed")) == 2


def test_the_caseload_audits_the_people_shown(client, offender_manager):
    mine = AllocatedPersonFactory(offender_manager=offender_manager)
    client.force_login(offender_manager)
    assert client.get(reverse("cases:caseload")).status_code == 200
    [row] = _views_of("cases.person", "/cases/")
    assert row.object_id == str(mine.pk) and row.object_repr == f"person {mine.crn}"
    assert mine.last_name not in row.object_repr


def test_a_refused_staff_page_is_audited_once_and_logged(client, partner_user, offender_manager, security_log):
    client.force_login(offender_manager)
    assert client.get(reverse("safeguarding:queue"), {"q": "Smith"}).status_code == 403
    [denied] = AuditEvent.objects.filter(action="denied", actor=offender_manager)
    assert denied.path == "/safeguarding/"
    [line] = _security_lines(security_log, "denied")
    assert line.path == "/safeguarding/" and line.user_id == offender_manager.pk
    client.force_login(partner_user)
    assert client.get(reverse("partners:directory")).status_code == 403  # audited by its own decorator, once
    assert AuditEvent.objects.filter(action="denied", actor=partner_user).count() == 1


def test_a_failed_sign_in_never_stores_the_searched_name_from_next(client, hub_user, security_log):
    next_url = "/cases/search/?q=Jane+Smith&date_of_birth=1981-04-12"
    response = client.post(f"{reverse('login')}?next={next_url}", {"username": hub_user.username, "password": "wrong-password-1"})
    assert response.status_code == 200
    [failed] = AuditEvent.objects.filter(action="login_failed")
    stored = json.dumps([failed.path, failed.detail, failed.object_repr])
    assert "Smith" not in stored and "1981" not in stored and "?" not in failed.path
    for record in security_log.records:
        assert "Smith" not in record.getMessage() and "Smith" not in str(getattr(record, "path", ""))
        assert "1981" not in str(getattr(record, "path", ""))
