"""Landing-page panels the partners app contributes to role home pages."""

from partners.models import Borough
from partners.selectors import hosp_areas_for, latest_reports


def hosp_panel(request) -> dict:
    """A HOSP's home: their area(s), its boroughs and each borough's latest report."""
    areas = list(hosp_areas_for(request.user))
    boroughs = list(Borough.objects.filter(hosp_area__in=areas).select_related("hosp_area").order_by("name"))
    reports = latest_reports(boroughs)
    for borough in boroughs:
        borough.latest_report = reports.get(borough.pk)
    return {"areas": areas, "boroughs": boroughs}
