"""Fixtures shared by every app's tests: personas, a real Celery worker, and a real headless browser."""

import os
import shutil

import pytest
from django.test import Client

from tests.probation.factories import (
    AdminUserFactory,
    HospUserFactory,
    HubUserFactory,
    OffenderManagerFactory,
    PartnerUserFactory,
    TeamManagerFactory,
)

CHROMIUM = "/usr/bin/chromium"


def confirmed_totp_device(user):
    """The persona's authenticator app: a confirmed TOTP device (created once)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)


def current_totp(device) -> str:
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


class SignedInClient(Client):
    """Django's test client whose force_login also completes two-factor verification, as a real sign-in would
    (password, then a TOTP code). Sign-in itself, with both factors, is tested through the real pages."""

    def force_login(self, user, backend=None):
        from django_otp import DEVICE_ID_SESSION_KEY

        super().force_login(user, backend)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = confirmed_totp_device(user).persistent_id
        session.save()


@pytest.fixture
def client():
    return SignedInClient()


@pytest.fixture
def admin_client(admin_user):
    signed_in = SignedInClient()
    signed_in.force_login(admin_user)
    return signed_in


@pytest.fixture
def redis_rate_limits(settings, monkeypatch):
    """Rate-limit counters on the suite's Redis (CACHE_URL, as in production), with a fresh client; returns the URL.
    Skips where there is no Redis."""
    import os

    from probation import ratelimit

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if not url.startswith("redis"):
        pytest.skip("needs Redis")
    settings.CACHE_URL = url
    monkeypatch.setattr(ratelimit, "_client", None)
    return url


@pytest.fixture
def hub_user(db):
    return HubUserFactory()


@pytest.fixture
def offender_manager(db):
    return OffenderManagerFactory()


@pytest.fixture
def team_manager(db):
    return TeamManagerFactory()


@pytest.fixture
def hosp_user(db):
    return HospUserFactory()


@pytest.fixture
def partner_user(db):
    return PartnerUserFactory()


@pytest.fixture
def admin_user(db):
    return AdminUserFactory()


@pytest.fixture(autouse=True)
def _london_reference_data(request):
    """Reference data (boroughs, HOSP areas, services, cohort rules, tier weights, grade capacities, prisons,
    programmes, deadline tiers) comes from data
    migrations; a transactional test (live server, real Celery worker) ends by emptying every table, so put it back
    for the tests that follow. The loaders are the migrations' own, and idempotent."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not ({"db", "transactional_db", "live_server", "live_celery_worker"} & names):
        return
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server", "live_celery_worker"} & names
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from partners.london import BOROUGHS, load_reference_data
    from partners.models import Borough, HospArea, Service

    if Borough.objects.count() < len(BOROUGHS):
        import importlib

        from django.apps import apps

        load_reference_data(HospArea=HospArea, Borough=Borough, Service=Service)
        # The other apps' reference data (prisons, programmes, BCST rules, default MASH deadline tiers) went too.
        importlib.import_module("cases.migrations.0003_trigram_search_and_defaults").load_defaults(apps, None)
        importlib.import_module(
            "cases.migrations.0008_continuity_absences_reallocation_tier_plans_endings").load_defaults(apps, None)
        importlib.import_module("resettlement.migrations.0002_reference_data").load(apps, None)
        importlib.import_module("safeguarding.migrations.0002_default_deadline_tiers").create(apps, None)
        importlib.import_module("supervision.migrations.0001_appointments_outcomes_enforcement").load_contact_standards(
            apps, None)
        importlib.import_module("interventions.migrations.0001_community_payback_programmes_hubs_budgets").add_catalogue(apps, None)
        importlib.import_module(
            "interventions.migrations.0003_through_the_gate_programmes").add_through_the_gate_programmes(apps, None)


@pytest.fixture(autouse=True)
def _isolated_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def celery_worker_queue(worker_id):
    """A queue of this test process's own, so parallel test processes never take each other's tasks."""
    return f"probation-test-{worker_id}"


@pytest.fixture
def live_celery_worker(transactional_db, celery_worker_queue):
    """A real Celery worker thread consuming from the configured broker (Redis in CI).

    Tasks queued by the test go through the broker and run in the worker, against the test database. Uses
    transactional_db because the worker has its own database connection and only sees committed rows.
    """
    from celery.contrib.testing.worker import start_worker

    from probation.celery import app

    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = celery_worker_queue
    try:
        with start_worker(
            app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            shutdown_timeout=30,
            loglevel="WARNING",
            queues=[celery_worker_queue, f"{celery_worker_queue}-slow"],  # the default and the slow queue
        ) as worker:
            yield worker
    finally:
        app.conf.task_default_queue = previous_queue


def _chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. CI sets REQUIRE_BROWSER=1 so a missing browser fails there."""
    if not _chromium_available():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("Chromium is required for browser tests (apt-get install chromium)")
        pytest.skip("Chromium is not installed; .ci/run installs it")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def sign_in(live_server):
    """Sign a persona in through the real sign-in page: `sign_in(page, user)`."""
    from tests.probation.factories import TEST_PASSWORD

    def _sign_in(page, user, password=TEST_PASSWORD):
        device = confirmed_totp_device(user)
        page.goto(f"{live_server.url}/sign-in/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.fill("#id_code", current_totp(device))
        page.click("main button:has-text('Continue')")
        page.wait_for_selector("[data-testid=signed-in-as]")
        return page

    return _sign_in


@pytest.fixture(scope="session", autouse=True)
def _test_flush_may_empty_the_audit_log():
    """A transactional test ends with Django's flush, which TRUNCATEs every table, and the database refuses TRUNCATE
    on the audit log (probation 0004). Between tests only, the flush switches that one trigger off around its own
    TRUNCATE, as the table's owner (the test database's superuser); the application role never could."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush
    trigger = "ALTER TABLE probation_auditevent {} TRIGGER probation_auditevent_no_truncate"

    def execute_sql_flush(self, sql_list):
        from django.db import transaction

        if not any("probation_auditevent" in sql for sql in sql_list):
            return original(self, sql_list)
        with transaction.atomic(using=self.connection.alias):
            with self.connection.cursor() as cursor:
                cursor.execute(trigger.format("DISABLE"))
            original(self, sql_list)
            with self.connection.cursor() as cursor:
                cursor.execute(trigger.format("ENABLE"))

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original
