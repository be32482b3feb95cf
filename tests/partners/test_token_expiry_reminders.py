from datetime import timedelta

import pytest
from django.utils import timezone

from partners.models import ApiToken, HospArea
from partners.services import api_token_revoke
from partners.tasks import remind_expiring_api_tokens
from probation.celery import BEAT_SCHEDULE
from probation.deadlines import registered_steps
from probation.models import Notification
from tests.partners.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db


def _expiring_in(days):
    if days > 0:
        return ApiTokenFactory(expires_at=timezone.now() + timedelta(days=days))
    token = ApiTokenFactory(expires_at=timezone.now() + timedelta(days=1))
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


def test_the_reminder_is_a_deadline_step_run_every_minute():
    assert "partners.token_expiry" in registered_steps()
    assert BEAT_SCHEDULE["deadlines-sweep"]["task"] == "probation.tasks.deadlines_sweep"


def test_a_rotated_credential_is_warned_about_before_its_own_expiry_and_the_old_one_never(admin_user):
    from partners.deadlines import token_expiry_reminders
    from partners.services import api_token_rotate

    old = _expiring_in(30)
    assert remind_expiring_api_tokens()["reminded"] == 0
    new, _ = api_token_rotate(token=old)
    assert token_expiry_reminders(now=new.expires_at - timedelta(days=15))["reminded"] == 0
    assert token_expiry_reminders(now=new.expires_at - timedelta(days=13))["reminded"] == 1  # the new one only
    assert not Notification.objects.filter(subject__contains=old.prefix).exists()  # the old one is revoked
    assert set(Notification.objects.filter(recipient=new.user).values_list("subject", flat=True)) == {
        f"Your Probation Ops API credential {new.prefix}… expires on {timezone.localtime(new.expires_at):%d %b %Y %H:%M}"}


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
