"""The service's own look everywhere: error pages (also with DEBUG on in the demo), a favicon, no traceback for an
ordinary 403, nothing of the service before both factors pass, and error messages that name their field."""

import logging

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.html import escape

from probation.services import notification_send
from tests.conftest import confirmed_totp_device
from tests.probation.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_a_missing_page_shows_the_services_404_even_with_debug_on(client, hub_user):
    client.force_login(hub_user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "Page not found" in text and "moj-header" in text
    assert "URLconf" not in text and "probation.urls" not in text  # not Django's debug page listing every URL


@override_settings(DEBUG=True)
def test_a_missing_record_shows_the_services_404_even_with_debug_on(client, hub_user):
    client.force_login(hub_user)
    response = client.get(reverse("safeguarding:detail", kwargs={"reference": "MASH-2026-999999"}))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Http404" not in response.content.decode()


@override_settings(DEBUG=True)
def test_a_server_error_shows_the_services_500_even_with_debug_on(client, hub_user, monkeypatch):
    from probation import views

    monkeypatch.setattr(views, "landing_panels", lambda role: (_ for _ in ()).throw(RuntimeError("boom")))
    client.force_login(hub_user)
    client.raise_request_exception = False
    response = client.get(reverse("home"))
    assert response.status_code == 500
    text = response.content.decode()
    assert "Sorry, there is a problem with the service" in text and "govuk-frontend.min.css" in text
    assert "Traceback" not in text and "boom" not in text


def test_every_page_names_a_favicon(client, hub_user):
    client.force_login(hub_user)
    text = client.get(reverse("home")).content.decode()
    assert 'rel="icon"' in text and "favicon.ico" in text


def test_an_ordinary_403_is_logged_in_one_line_without_a_traceback(client, offender_manager, caplog):
    client.force_login(offender_manager)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("safeguarding:queue"))
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and "Forbidden" in records[0].getMessage()
    handler = logging.getLogger().handlers[0]
    assert all("Traceback" not in handler.format(r) for r in records)


def test_the_security_code_step_shows_nothing_of_the_service(hub_user):
    confirmed_totp_device(hub_user)
    notification_send(recipient=hub_user, key="secret", subject="Red request overdue", body="x")
    browser = Client()
    browser.post(reverse("login"), {"username": hub_user.username, "password": TEST_PASSWORD})
    text = browser.get(reverse("two_factor")).content.decode()
    assert "Enter your security code" in text
    assert escape(hub_user.get_full_name()) not in text and hub_user.username not in text.split("<main")[0]
    assert "Notifications" not in text and "MASH queue" not in text and "moj-primary-navigation__link" not in text


def test_signed_in_pages_show_the_name_navigation_and_notification_count(client, hub_user):
    notification_send(recipient=hub_user, key="count", subject="Red request overdue", body="x")
    client.force_login(hub_user)
    text = client.get(reverse("home")).content.decode()
    assert escape(hub_user.get_full_name()) in text and "moj-notification-badge" in text and "MASH queue" in text


def test_selects_invite_a_choice_instead_of_dashes(client, hub_user):
    client.force_login(hub_user)
    page = client.get(reverse("cases:person_new")).content.decode()
    assert "---------" not in page and ">Select one</option>" in page
