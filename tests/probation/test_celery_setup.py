from django.conf import settings

from probation.celery import BEAT_SCHEDULE, app


def test_celery_loses_no_task():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_redis_redelivery_waits_longer_than_the_longest_task():
    assert settings.CELERY_BROKER_URL.startswith("redis")  # the suite always runs on Redis (scripts/test.sh)
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit


def test_every_scheduled_job_is_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"{name} schedules unknown task {entry['task']}"


def test_the_tests_run_against_the_real_broker_and_database():
    """The suite runs on PostgreSQL and Redis, locally as in CI (scripts/test.sh); this catches a test command that
    silently fell back to SQLite or the filesystem broker."""
    from django.db import connection

    assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
