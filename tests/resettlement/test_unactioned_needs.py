"""After release, pathway needs marked "support required" with no action are shown to the community offender
manager and chased on the deadline engine, once a working day, until an action is added or the need changes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from probation.deadlines import deadlines_run
from probation.models import Notification
from resettlement import services
from resettlement.deadlines import UNACTIONED_NEED
from resettlement.models import NeedStatus
from tests.resettlement.factories import record_episode, staff_action

pytestmark = pytest.mark.django_db


def _released_with_needs():
    episode = record_episode(reception_at=timezone.now() - datetime.timedelta(days=60))
    services.bcst2_complete(episode=episode, needs={"accommodation": NeedStatus.SUPPORT_REQUIRED,
                                                    "health": NeedStatus.SUPPORT_REQUIRED,
                                                    "finance": NeedStatus.SUPPORT_REQUIRED},
                            by=episode.recorded_by)
    staff_action(episode=episode, pathway="health")  # health has an action: not chased
    services.episode_release(episode=episode, released_on=timezone.localdate(), by=episode.recorded_by)
    episode.refresh_from_db()
    return episode


def _chases():
    return Notification.objects.filter(dedupe_key__contains=":unactioned:")


def test_the_community_offender_manager_is_chased_once_per_working_day_for_each_unactioned_need():
    episode = _released_with_needs()
    com = episode.community_offender_manager
    result = deadlines_run(steps=[UNACTIONED_NEED])
    assert result[UNACTIONED_NEED]["chased"] == 2
    assert sorted(n.subject.split(f"{episode.person.crn}, ")[-1] for n in _chases()) == [
        "accommodation", "finance, benefit and debt, and id"]
    assert {n.recipient for n in _chases()} == {com}
    assert deadlines_run(steps=[UNACTIONED_NEED])[UNACTIONED_NEED].get("chased", 0) == 0  # safe to run again
    # Next working day: chased again, once.
    later = timezone.now() + datetime.timedelta(days=4)
    assert deadlines_run(steps=[UNACTIONED_NEED], now=later)[UNACTIONED_NEED]["chased"] == 2
    assert _chases().count() == 4


def test_adding_an_action_stops_the_chase():
    episode = _released_with_needs()
    staff_action(episode=episode, pathway="accommodation")
    staff_action(episode=episode, pathway="finance")
    result = deadlines_run(steps=[UNACTIONED_NEED])[UNACTIONED_NEED]
    assert result.get("chased", 0) == 0 and result["skipped"] == 2
    assert not _chases().exists()


def test_a_need_set_to_support_required_after_release_is_chased():
    episode = record_episode(reception_at=timezone.now() - datetime.timedelta(days=60))
    services.episode_release(episode=episode, released_on=timezone.localdate(), by=episode.recorded_by)
    need = episode.plan.needs.get(pathway="drugs_alcohol")
    services.need_update(need=need, status=NeedStatus.SUPPORT_REQUIRED, by=episode.recorded_by)
    assert deadlines_run(steps=[UNACTIONED_NEED])[UNACTIONED_NEED]["chased"] == 1


def test_the_unactioned_needs_are_shown_on_the_pre_release_dashboard(client):
    episode = _released_with_needs()
    client.force_login(episode.community_offender_manager)
    html = client.get(reverse("resettlement:pre_release") + "?scope=mine").content.decode()
    assert 'data-testid="unactioned-needs"' in html
    assert "Accommodation" in html and episode.person.crn in html
