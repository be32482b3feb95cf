from datetime import timedelta

import pytest
from django.utils import timezone

from partners.models import ApiToken, HospArea
from partners.services import api_token_revoke
from partners.tasks import remind_expiring_api_tokens
from probation.celery import BEAT_SCHEDULE
from probation.models import Notification
from tests.partners.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db


def _expiring_in(days):
    token = ApiTokenFactory()
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + timedelta(days=days))
    return token


def test_a_credential_expiring_within_two_weeks_is_warned_about_once(admin_user):
    soon = _expiring_in(10)
    _expiring_in(30)  # not yet
    assert remind_expiring_api_tokens() == {"reminded": 1, "failed": 0}
    assert remind_expiring_api_tokens() == {"reminded": 0, "failed": 0}
    to_holder = Notification.objects.get(recipient=soon.user)
    assert soon.prefix in to_holder.subject and "rotate" in to_holder.body
    to_admin = Notification.objects.get(recipient=admin_user)
    assert to_admin.url == f"/admin/partners/apitoken/{soon.pk}/change/"


def test_revoked_and_already_expired_credentials_are_not_warned_about(admin_user):
    revoked = _expiring_in(5)
    api_token_revoke(token=revoked)
    _expiring_in(-1)
    assert remind_expiring_api_tokens()["reminded"] == 0
    assert not Notification.objects.exists()


def test_the_reminder_job_runs_daily():
    from celery.schedules import crontab

    from probation.celery import app

    entry = BEAT_SCHEDULE["partners-api-token-expiry-reminders"]
    assert entry["task"] == "partners.tasks.remind_expiring_api_tokens" and entry["task"] in app.tasks
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    # Exactly one run a day: one hour and one minute, on every day of every week and month.
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1
    assert schedule.day_of_week == set(range(7)) and schedule.day_of_month == set(range(1, 32))
    assert schedule.month_of_year == set(range(1, 13))


def test_a_second_mash_lead_is_refused_with_a_clear_message(client, admin_user):
    HospArea.objects.filter(name="North West London").update(is_mash_lead=True)
    other = HospArea.objects.get(name="South East London")
    client.force_login(admin_user)
    data = {"name": other.name, "hosp": "", "is_mash_lead": "on", "boroughs-TOTAL_FORMS": "0",
            "boroughs-INITIAL_FORMS": "0", "boroughs-MIN_NUM_FORMS": "0", "boroughs-MAX_NUM_FORMS": "1000"}
    response = client.post(f"/admin/partners/hosparea/{other.pk}/change/", data)
    assert response.status_code == 200
    assert "Another HOSP area is already the MASH lead." in response.content.decode()
    assert HospArea.objects.filter(is_mash_lead=True).count() == 1
