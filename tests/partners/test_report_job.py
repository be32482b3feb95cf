import time
from datetime import date

import pytest
from django.utils import timezone

from partners import reports as reports_module
from partners.models import Borough, BoroughReport
from partners.reports import previous_month
from partners.tasks import produce_monthly_borough_reports
from probation.celery import BEAT_SCHEDULE
from probation.models import Notification
from tests.partners.factories import hosp_area
from tests.probation.factories import HospUserFactory

LAST_MONTH = previous_month(timezone.localdate())


@pytest.fixture
def north_west_hosp(db):
    area = hosp_area("North West London")
    area.hosp = HospUserFactory()
    area.save()
    return area.hosp


@pytest.mark.django_db
def test_the_job_produces_last_months_report_for_every_borough_and_tells_each_hosp_once(north_west_hosp):
    in_area = hosp_area("North West London").boroughs.count()
    counts = produce_monthly_borough_reports()
    assert counts == {"month": LAST_MONTH.isoformat(), "created": 33, "existing": 0, "notified": in_area, "failed": 0}
    assert BoroughReport.objects.filter(month=LAST_MONTH).count() == Borough.objects.count() == 33
    camden = BoroughReport.objects.get(borough__code="camden", month=LAST_MONTH)
    assert bytes(camden.pdf).startswith(b"%PDF") and camden.data["borough"]["code"] == "camden"
    notes = Notification.objects.filter(recipient=north_west_hosp)
    assert notes.count() == in_area
    note = notes.get(dedupe_key=f"borough-report:camden:{LAST_MONTH:%Y-%m}")
    assert note.url == f"/partners/reports/camden/{LAST_MONTH:%Y-%m}/"
    assert "Camden" in note.subject


@pytest.mark.django_db
def test_running_the_job_again_creates_and_notifies_nothing_more(north_west_hosp):
    produce_monthly_borough_reports()
    again = produce_monthly_borough_reports()
    assert again["created"] == 0 and again["existing"] == 33 and again["notified"] == 0
    assert BoroughReport.objects.count() == 33
    assert Notification.objects.count() == hosp_area("North West London").boroughs.count()


@pytest.mark.django_db
def test_a_hosp_assigned_after_the_first_run_is_told_on_the_next(north_west_hosp):
    produce_monthly_borough_reports()
    south = hosp_area("South West London")
    south.hosp = HospUserFactory()
    south.save()
    again = produce_monthly_borough_reports()
    assert again["notified"] == south.boroughs.count()
    assert Notification.objects.filter(recipient=south.hosp).count() == south.boroughs.count()


@pytest.mark.django_db
def test_one_failing_borough_does_not_stop_the_others(monkeypatch):
    real = reports_module.report_pdf

    def flaky_pdf(data):
        if data["borough"]["code"] == "camden":
            raise OSError("disk full")
        return real(data)

    monkeypatch.setattr("partners.services.report_pdf", flaky_pdf)
    counts = produce_monthly_borough_reports(month="2026-03-01")
    assert counts["failed"] == 1 and counts["created"] == 32
    assert not BoroughReport.objects.filter(borough__code="camden").exists()
    monkeypatch.setattr("partners.services.report_pdf", real)
    assert produce_monthly_borough_reports(month="2026-03-01")["created"] == 1


@pytest.mark.django_db
def test_a_given_month_is_produced_for_its_first_day():
    produce_monthly_borough_reports(month="2026-02-01")
    assert set(BoroughReport.objects.values_list("month", flat=True)) == {date(2026, 2, 1)}


def test_the_beat_schedule_runs_the_job_early_each_month():
    entry = BEAT_SCHEDULE["partners-monthly-borough-reports"]
    assert entry["task"] == "partners.tasks.produce_monthly_borough_reports"
    assert entry["schedule"].day_of_month == {1, 2, 3}


@pytest.mark.celery_worker
def test_a_real_worker_produces_the_reports(live_celery_worker):
    area = hosp_area("South East London")
    area.hosp = HospUserFactory()
    area.save()
    produce_monthly_borough_reports.delay(month="2026-04-01")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and BoroughReport.objects.filter(month=date(2026, 4, 1)).count() < 33:
        time.sleep(0.5)
    assert BoroughReport.objects.filter(month=date(2026, 4, 1)).count() == 33
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Notification.objects.filter(recipient=area.hosp).count() < area.boroughs.count():
        time.sleep(0.2)
    assert Notification.objects.filter(recipient=area.hosp).count() == area.boroughs.count()
