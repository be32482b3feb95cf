import datetime

import pytest
from django.utils import timezone

from cases.selectors import borough_report
from cases.services import case_allocate, person_escalate_to_nps
from probation.registry import report_sections
from tests.cases.factories import AllocatedPersonFactory, PersonFactory, StaffProfileFactory, UnallocatedPersonFactory

pytestmark = pytest.mark.django_db


def test_cases_section_is_registered():
    assert "cases" in [entry.key for entry in report_sections()]


def test_borough_report_counts_caseload_cohorts_allocations_and_escalations(team_manager):
    AllocatedPersonFactory.create_batch(2, is_iom=True)
    PersonFactory(gender="female", cohort="women")
    queued = UnallocatedPersonFactory()
    case_allocate(person=queued, officer=StaffProfileFactory(team=queued.team).user, by=team_manager)
    person_escalate_to_nps(person=AllocatedPersonFactory(), by=team_manager, reason="RoSH high")
    section = borough_report("camden", timezone.localdate())
    assert section["summary"]["caseload"] == 4
    assert section["summary"]["iom"] == 2
    assert section["summary"]["allocated_in_month"] == 1
    assert section["summary"]["escalated_to_nps_in_month"] == 1
    assert {r["cohort"]: r["cases"] for r in section["rows"]}["Women"] == 1
    last_year = borough_report("camden", timezone.localdate() - datetime.timedelta(days=400))
    assert last_year["summary"]["allocated_in_month"] == 0
