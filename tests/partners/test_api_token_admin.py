import pytest
from django.contrib.messages import get_messages

from partners.models import ApiToken
from partners.selectors import api_token_for_key
from tests.partners.factories import ApiTokenFactory, PartnerMembershipFactory

pytestmark = pytest.mark.django_db


def test_an_administrator_issues_a_token_in_admin_and_sees_the_key_once(client, admin_user):
    membership = PartnerMembershipFactory()
    client.force_login(admin_user)
    response = client.post(
        "/admin/partners/apitoken/add/", {"user": membership.user.pk, "name": "Case system"}, follow=True
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=membership.user)
    shown = [str(m) for m in get_messages(response.wsgi_request)] + [response.content.decode()]
    key = next(word for text in shown for word in text.split() if word.startswith(token.prefix + "."))
    key = key.split("<")[0]
    assert api_token_for_key(key) == token
    assert token.created_by == admin_user


def test_admin_refuses_to_issue_a_token_to_a_staff_user(client, admin_user, hub_user):
    client.force_login(admin_user)
    response = client.post("/admin/partners/apitoken/add/", {"user": hub_user.pk, "name": "x"})
    assert response.status_code == 200  # the form again, with an error
    assert not ApiToken.objects.exists()


def test_admin_actions_revoke_and_rotate_tokens(client, admin_user):
    first, second = ApiTokenFactory(), ApiTokenFactory()
    client.force_login(admin_user)
    client.post("/admin/partners/apitoken/", {"action": "revoke_selected", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.is_revoked
    client.post("/admin/partners/apitoken/", {"action": "rotate_selected", "_selected_action": [second.pk]})
    second.refresh_from_db()
    assert second.is_revoked and second.replaced_by.user == second.user
    assert client.get("/admin/partners/apitoken/").status_code == 200


def test_the_token_form_says_what_a_blank_expiry_does_and_never_expires_is_a_choice(client, admin_user):
    membership = PartnerMembershipFactory()
    client.force_login(admin_user)
    form = client.get("/admin/partners/apitoken/add/").content.decode()
    assert "Blank: never expires" not in form and "Blank: expires 90 days from today." in form
    client.post("/admin/partners/apitoken/add/", {"user": membership.user.pk, "name": "Standard"})
    assert ApiToken.objects.get(name="Standard").expires_at is not None
    client.post("/admin/partners/apitoken/add/", {"user": membership.user.pk, "name": "Forever", "never_expires": "on"})
    assert ApiToken.objects.get(name="Forever").expires_at is None
