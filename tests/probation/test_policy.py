import pytest
from django.contrib.auth.models import AnonymousUser

from probation import policy
from probation.models import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "persona, allowed",
    [
        ("hub_user", False),
        ("offender_manager", False),
        ("team_manager", False),
        ("hosp_user", False),
        ("partner_user", False),
        ("admin_user", True),
    ],
)
def test_only_administrators_may_view_the_audit_log(request, persona, allowed):
    user = request.getfixturevalue(persona)
    assert policy.can(user, "probation.view_audit_log") is allowed


@pytest.mark.parametrize(
    "persona, allowed",
    [("hub_user", True), ("offender_manager", True), ("team_manager", True), ("hosp_user", True),
     ("partner_user", False), ("admin_user", True)],
)
def test_staff_pages_are_for_company_staff_not_partner_agencies(request, persona, allowed):
    user = request.getfixturevalue(persona)
    assert policy.can(user, "probation.use_staff_pages") is allowed


def test_anonymous_visitors_may_do_nothing():
    assert policy.can(AnonymousUser(), "probation.use_staff_pages") is False


def test_a_disabled_account_loses_its_role_permissions(hub_user):
    hub_user.is_active = False
    assert policy.is_hub(hub_user) is False


def test_only_administrators_are_django_staff(hub_user, admin_user):
    assert admin_user.is_staff is True
    assert hub_user.is_staff is False
    hub_user.role = Role.ADMIN
    hub_user.save()
    assert hub_user.is_staff is True
