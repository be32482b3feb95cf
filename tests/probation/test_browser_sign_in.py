import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_hub_worker_signs_in_and_out_in_a_real_browser(page, live_server, sign_in, hub_user):
    sign_in(page, hub_user)
    assert "Welcome" in page.inner_text("h1")
    # GOV.UK Frontend's stylesheet really loaded: the header uses its typeface stack.
    assert "GDS Transport" in page.evaluate("getComputedStyle(document.body).fontFamily") or page.evaluate(
        "document.styleSheets.length"
    ) >= 3
    page.click("text=Sign out")
    page.wait_for_url(f"{live_server.url}/sign-in/")


def test_a_wrong_password_shows_the_error_summary(page, live_server, hub_user):
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", hub_user.username)
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert "Enter a correct user name and password" in page.inner_text(".govuk-error-summary")
