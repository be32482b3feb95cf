from celery import shared_task

from resettlement import sweeps


@shared_task(acks_late=True)
def screening_deadline_sweep():
    """Beat, every 5 minutes: BCST part 1 and BCST2 reminders and breach notices, once per step."""
    return sweeps.screening_deadlines()


@shared_task(acks_late=True)
def pre_release_sweep():
    """Beat, daily: who is due a pre-release review or resettlement-prison transfer, and who is late."""
    return sweeps.pre_release_steps()


@shared_task(acks_late=True)
def chase_overdue_actions():
    """Beat, daily: chase owners of overdue post-release actions, once per action per day."""
    return sweeps.chase_overdue_actions()
