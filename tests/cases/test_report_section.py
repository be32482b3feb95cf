import datetime

import pytest
from django.utils import timezone

from cases.selectors import borough_report
from partners.models import Borough
from partners.reports import normalise_section
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
    section = borough_report(Borough.objects.get(code="camden"), timezone.localdate().replace(day=1))
    normalise_section(section)  # the shape partners.reports documents and checks
    summary = dict(section["summary"])
    assert summary["CRC caseload"] == 4
    assert summary["IOM nominals"] == 2
    assert summary["Cases allocated in the month"] == 1
    assert summary["Cases escalated to the NPS in the month"] == 1
    assert dict(section["table"]["rows"])["Women"] == 1
    last_year = dict(borough_report("camden", timezone.localdate() - datetime.timedelta(days=400))["summary"])
    assert last_year["Cases allocated in the month"] == 0
