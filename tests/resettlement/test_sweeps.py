import datetime

import pytest
from django.utils import timezone

from probation.calendar import LONDON
from probation.celery import BEAT_SCHEDULE
from probation.deadlines import registered_steps
from probation.models import Deadline, Notification
from resettlement import services, sweeps
from resettlement.models import CustodyEpisode, Screening
from resettlement.selectors import pre_release
from tests.cases.factories import StaffProfileFactory
from tests.resettlement.factories import partner_action, partner_member, record_episode, staff_action, supply_chain_partner

pytestmark = pytest.mark.django_db


def keys():
    return sorted(Notification.objects.values_list("dedupe_key", flat=True))


def _fired(step, owner_ids):
    return Deadline.objects.filter(step=step, owner_id__in=owner_ids, fired_count__gt=0).count()


def _at(day, hour=9):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON)


def test_the_resettlement_deadlines_are_steps_of_the_engine_on_the_beat_schedule():
    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert "probation.tasks.deadlines_sweep" in tasks
    assert {"resettlement.screening_remind", "resettlement.screening_breach", "resettlement.review_due",
            "resettlement.review_late", "resettlement.transfer_due", "resettlement.transfer_late",
            "resettlement.action_chase"} <= set(registered_steps())


def test_a_bcst2_reminder_goes_to_the_ttg_worker_once():
    worker = StaffProfileFactory().user
    episode = record_episode(ttg_worker=worker, reception_at=timezone.now() - datetime.timedelta(hours=1))
    bcst2 = episode.screenings.get(part="bcst2")
    assert sweeps.screening_deadlines(now=bcst2.remind_at - datetime.timedelta(minutes=1))["reminded"] == 0
    assert sweeps.screening_deadlines(now=bcst2.remind_at)["reminded"] == 1
    assert sweeps.screening_deadlines(now=bcst2.remind_at + datetime.timedelta(minutes=5))["reminded"] == 0
    reminders = Notification.objects.filter(dedupe_key__contains=f"screening:{bcst2.pk}:reminder")
    assert [n.recipient for n in reminders] == [worker]


def test_a_breach_notifies_the_ttg_worker_and_their_manager_once_each():
    profile = StaffProfileFactory()
    episode = record_episode(ttg_worker=profile.user, reception_at=timezone.now() - datetime.timedelta(days=10))
    now = timezone.now()
    first = sweeps.screening_deadlines(now=now)
    second = sweeps.screening_deadlines(now=now)
    # Both parts are overdue: a breach for each to the worker and the team manager; no reminder once past due.
    assert (first["breached"], first["notified"], second["breached"]) == (2, 4, 0)
    recipients = set(Notification.objects.filter(dedupe_key__contains=":breach:").values_list("recipient", flat=True))
    assert recipients == {profile.user.pk, profile.team.manager.pk}
    assert not Notification.objects.filter(dedupe_key__contains=":reminder:").exists()
    assert _fired(sweeps.SCREENING_BREACH, episode.screenings.values("pk")) == 2


def test_a_completed_screening_is_never_chased():
    episode = record_episode(reception_at=timezone.now() - datetime.timedelta(days=10))
    services.bcst2_complete(episode=episode, needs={}, by=episode.recorded_by)
    services.screening_complete(screening=episode.screenings.get(part="bcst1"), by=episode.recorded_by)
    assert sweeps.screening_deadlines() == {"reminded": 0, "breached": 0, "notified": 0, "failed": 0}


def test_one_bad_row_does_not_stall_the_sweep(monkeypatch):
    bad = record_episode(reception_at=timezone.now() - datetime.timedelta(days=10))
    good = record_episode(reception_at=timezone.now() - datetime.timedelta(days=9))
    bad_bcst2 = bad.screenings.get(part="bcst2").pk
    real = sweeps.ScreeningBreachStep.fire

    def flaky(self, owner, fired, ctx):
        if owner["id"] == bad_bcst2:
            raise RuntimeError("template broke")
        return real(self, owner, fired, ctx)

    monkeypatch.setattr(sweeps.ScreeningBreachStep, "fire", flaky)
    result = sweeps.screening_deadlines()
    assert result["failed"] == 1
    assert _fired(sweeps.SCREENING_BREACH, [good.screenings.get(part="bcst2").pk]) == 1
    # The failed row was put back, so the next run tries it again.
    assert _fired(sweeps.SCREENING_BREACH, [bad_bcst2]) == 0
    monkeypatch.setattr(sweeps.ScreeningBreachStep, "fire", real)
    assert sweeps.screening_deadlines()["breached"] == 1


def test_pre_release_lists_due_and_late_and_notifies_once_per_step():
    today = timezone.localdate()
    due = record_episode(prison_code="BAI", months=24, release=today + datetime.timedelta(weeks=11),
                         reception_at=timezone.now() - datetime.timedelta(days=300))
    late = record_episode(prison_code="BAI", months=24, release=today + datetime.timedelta(weeks=6),
                          reception_at=timezone.now() - datetime.timedelta(days=300))
    short = record_episode(prison_code="BAI", months=6, release=today + datetime.timedelta(weeks=6),
                           reception_at=timezone.now() - datetime.timedelta(days=60))
    far = record_episode(prison_code="BAI", months=24, release=today + datetime.timedelta(weeks=20),
                         reception_at=timezone.now() - datetime.timedelta(days=300))
    noon = _at(today, 12)
    result = sweeps.pre_release_steps(now=noon)
    # `far`'s move to a resettlement prison is planned 8 weeks before its window opens (today); `due` is in the
    # window, so its move is already late; `late` and `short` are 6 weeks into the window.
    assert (result["review_due"], result["review_late"], result["transfer_due"], result["transfer_late"]) == (3, 2, 3, 2)
    assert sweeps.pre_release_steps(now=noon)["notified"] == 0
    assert keys() == sorted(f"resettlement:episode:{e.pk}:{step}:{e.expected_release_date.isoformat()}" for e, step in [
        (due, "review-due"), (due, "transfer-due"), (due, "transfer-late"),
        (late, "review-due"), (late, "review-late"), (late, "transfer-due"), (late, "transfer-late"),
        # A short sentence needs no transfer, but its plan is still reviewed before release.
        (short, "review-due"), (short, "review-late"),
        (far, "transfer-due"),
    ])


def test_the_move_to_a_resettlement_prison_is_planned_before_the_window_opens_and_late_once_it_opens():
    today = timezone.localdate()
    episode = record_episode(prison_code="BAI", months=24, release=today + datetime.timedelta(weeks=16),
                             reception_at=timezone.now() - datetime.timedelta(days=300))
    assert episode.transfer_due_by == today + datetime.timedelta(weeks=4)
    picture = pre_release(today=today)
    assert [e.pk for e in picture.due] == [episode.pk] and picture.due[0].transfer_outstanding
    assert not picture.due[0].review_outstanding  # the review waits for the window
    sweeps.pre_release_steps(now=_at(today, 12))
    assert keys() == [f"resettlement:episode:{episode.pk}:transfer-due:{episode.expected_release_date.isoformat()}"]
    assert "should be done by" in Notification.objects.get().body
    opening_day = episode.transfer_due_by
    picture = pre_release(today=opening_day)
    assert [e.pk for e in picture.late] == [episode.pk] and picture.late[0].transfer_late
    sweeps.pre_release_steps(now=_at(opening_day, 7))
    assert f"resettlement:episode:{episode.pk}:transfer-late:{episode.expected_release_date.isoformat()}" in keys()


def test_a_new_release_date_opens_a_new_window_with_its_own_notices():
    today = timezone.localdate()
    episode = record_episode(prison_code="PVI", months=6, release=today + datetime.timedelta(weeks=10),
                             reception_at=timezone.now() - datetime.timedelta(days=60))
    assert sweeps.pre_release_steps()["notified"] == 1  # review due
    services.episode_update_release_date(episode=episode, expected_release_date=today + datetime.timedelta(weeks=30),
                                         by=episode.recorded_by)
    assert sweeps.pre_release_steps()["notified"] == 0
    # The new window opens 18 weeks from today, at 07:00.
    opens = today + datetime.timedelta(weeks=18)
    assert sweeps.pre_release_steps(now=_at(opens, 6))["notified"] == 0
    assert sweeps.pre_release_steps(now=_at(opens, 7))["notified"] == 1
    assert Notification.objects.count() == 2


def test_a_review_and_a_transfer_clear_the_pre_release_steps():
    today = timezone.localdate()
    episode = record_episode(prison_code="BAI", months=24, release=today + datetime.timedelta(weeks=6),
                             reception_at=timezone.now() - datetime.timedelta(days=300))
    services.plan_review(plan=episode.plan, by=episode.recorded_by)
    from tests.resettlement.factories import prison

    services.transfer_record(episode=episode, to_prison=prison("PVI"), transferred_on=today, by=episode.recorded_by)
    result = sweeps.pre_release_steps()
    assert (result["notified"], result["failed"]) == (0, 0)


def test_overdue_post_release_actions_are_chased_once_per_action_per_day():
    org = supply_chain_partner()
    member = partner_member(org)
    episode = record_episode(reception_at=timezone.now() - datetime.timedelta(days=100))
    today = timezone.localdate()
    theirs = partner_action(episode=episode, organisation=org, due_on=today - datetime.timedelta(days=10))
    ours = staff_action(episode=episode, due_on=today - datetime.timedelta(days=3))
    not_yet = staff_action(episode=episode, due_on=today + datetime.timedelta(days=3))
    # Still in custody: not chased by this job.
    assert sweeps.chase_overdue_actions()["chased"] == 0
    services.episode_release(episode=episode, released_on=today - datetime.timedelta(days=1), by=episode.recorded_by)
    assert sweeps.chase_overdue_actions() == {"chased": 2, "notified": 2, "failed": 0}
    assert sweeps.chase_overdue_actions()["chased"] == 0
    tomorrow = today + datetime.timedelta(days=1)
    assert sweeps.chase_overdue_actions(now=_at(tomorrow, 7))["chased"] == 0  # daily, at 08:00
    assert sweeps.chase_overdue_actions(now=_at(tomorrow, 8))["chased"] == 2
    recipients = set(Notification.objects.values_list("recipient", flat=True))
    assert recipients == {member.pk, ours.owner_user_id}
    assert _fired(sweeps.ACTION_CHASE, [not_yet.pk]) == 0
    assert Deadline.objects.get(step=sweeps.ACTION_CHASE, owner_id=theirs.pk).fired_count == 2


def test_a_closed_action_is_not_chased():
    episode = record_episode(reception_at=timezone.now() - datetime.timedelta(days=100))
    action = staff_action(episode=episode, due_on=timezone.localdate() - datetime.timedelta(days=3))
    services.action_update(action=action, status="done", outcome="Done", by=episode.recorded_by)
    services.episode_release(episode=episode, released_on=timezone.localdate(), by=episode.recorded_by)
    assert sweeps.chase_overdue_actions()["chased"] == 0


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_screening_sweep_runs_in_a_real_celery_worker(live_celery_worker):
    import time

    from resettlement.tasks import screening_deadline_sweep
    episode = record_episode(reception_at=timezone.now() - datetime.timedelta(days=10))
    screening_deadline_sweep.delay()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if _fired(sweeps.SCREENING_BREACH, episode.screenings.values("pk")) == 2:
            break
        time.sleep(0.2)
    assert _fired(sweeps.SCREENING_BREACH, episode.screenings.values("pk")) == 2
    assert CustodyEpisode.objects.filter(pk=episode.pk).exists()
