import datetime

import pytest

from partners.models import Borough
from partners.reports import normalise_section
from probation.registry import report_sections

pytestmark = pytest.mark.django_db


def test_cases_mash_and_resettlement_each_contribute_a_borough_report_section():
    assert {"cases", "mash", "resettlement"} <= {entry.key for entry in report_sections()}


@pytest.mark.parametrize("key", [entry.key for entry in report_sections()])
def test_every_registered_section_has_the_shared_shape_on_an_empty_month(key):
    entry = next(e for e in report_sections() if e.key == key)
    data = entry.callable(Borough.objects.get(code="camden"), datetime.date(2026, 10, 1))
    normalise_section(data)  # raises SectionShapeError if the section does not follow probation/registry.py
