from celery import shared_task

from resettlement import sweeps


@shared_task(acks_late=True)
def screening_deadline_sweep():
    """BCST part 1 and BCST2 reminders and breach notices due now (also run by the engine's every-minute sweep)."""
    return sweeps.screening_deadlines()


@shared_task(acks_late=True)
def pre_release_sweep():
    """Pre-release review and transfer notices due now (also run by the engine's every-minute sweep)."""
    return sweeps.pre_release_steps()


@shared_task(acks_late=True)
def chase_overdue_actions():
    """Chase owners of overdue post-release actions, once per action per day (also run by the engine's sweep)."""
    return sweeps.chase_overdue_actions()
