"""The hub's all-teams allocation queue (#12, #16 "Performance"): it loads the workloads of the officers of the
page's teams only, cached per team until a caseload changes, in the same number of queries however many teams and
officers there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from probation.calendar import get_calendar
from tests.cases.factories import (
    AllocatedPersonFactory,
    SentenceFactory,
    StaffProfileFactory,
    TeamFactory,
    UnallocatedPersonFactory,
)
from tests.probation.factories import HubUserFactory

pytestmark = pytest.mark.django_db


def _teams_with_queues(count: int, officers: int) -> list:
    teams = []
    for _ in range(count):
        team = TeamFactory()
        for profile in StaffProfileFactory.create_batch(officers, team=team):
            AllocatedPersonFactory(team=team, offender_manager=profile.user)
        SentenceFactory(person=UnallocatedPersonFactory(team=team))
        teams.append(team)
    return teams


def _queue_sql(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:unallocated"))
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_the_hubs_all_teams_queue_runs_in_the_same_queries_at_two_sizes(client):
    from django.core.cache import cache

    get_calendar()  # cached for a minute across requests: not a per-page cost
    client.force_login(HubUserFactory())
    _teams_with_queues(2, officers=2)
    small = _queue_sql(client)
    cache.clear()
    get_calendar()
    _teams_with_queues(8, officers=5)
    large = _queue_sql(client)
    assert len(small) == len(large), "\n".join(sql[:160] for sql in large)
    # Seen again, the teams' officers' workloads come from the cache: no officer or caseload query at all.
    warm = _queue_sql(client)
    assert len(warm) < len(large)
    assert not [sql for sql in warm if "cases_staffprofile" in sql or '"offender_manager_id" AS' in sql], warm


def test_an_allocation_moves_the_suggestion_at_once(client, django_capture_on_commit_callbacks):
    """The cached workloads are dropped when a case is allocated: the next view suggests the officer now least
    loaded, not the one the cache held."""
    team = TeamFactory()
    first, second = StaffProfileFactory(team=team).user, StaffProfileFactory(team=team).user
    AllocatedPersonFactory(team=team, offender_manager=second)
    queued = UnallocatedPersonFactory.create_batch(3, team=team)
    client.force_login(HubUserFactory())
    rows = client.get(reverse("cases:unallocated")).context["rows"]
    assert {r["suggested"].user_id for r in rows} == {first.pk}
    for person in queued[:2]:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("cases:case_allocate", args=[person.crn]),
                                   {"officer": first.pk, "from": "queue", "reason": "Suggested"})
        assert response.status_code == 302
    rows = client.get(reverse("cases:unallocated")).context["rows"]
    assert [r["suggested"].user_id for r in rows] == [second.pk]


def test_an_absence_takes_the_officer_off_the_queues_suggestions_at_once(client, django_capture_on_commit_callbacks):
    import datetime

    from django.utils import timezone

    from cases.services import absence_record

    team = TeamFactory()
    away, other = StaffProfileFactory(team=team).user, StaffProfileFactory(team=team).user
    AllocatedPersonFactory(team=team, offender_manager=other)
    UnallocatedPersonFactory(team=team)
    hub = HubUserFactory()
    client.force_login(hub)
    assert client.get(reverse("cases:unallocated")).context["rows"][0]["suggested"].user_id == away.pk
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        absence_record(officer=away, kind="leave", start_date=today, end_date=today + datetime.timedelta(days=14),
                       by=hub)
    assert client.get(reverse("cases:unallocated")).context["rows"][0]["suggested"].user_id == other.pk

