"""Landing-panel context builders and the borough report section, registered in ResettlementConfig.ready()."""

import datetime

from resettlement import selectors
from resettlement.models import london_today


def staff_panel(request) -> dict:
    counts = selectors.screening_counts(user=request.user)
    picture = selectors.pre_release(user=request.user)
    return {**counts, "pre_release_due": len(picture.due), "pre_release_late": len(picture.late)}


def partner_panel(request) -> dict:
    organisation_id = selectors.organisation_id_for(request.user)
    if organisation_id is None:
        return {"open": 0, "overdue": 0}
    actions = selectors.partner_actions(organisation_id)
    return {"open": actions.count(), "overdue": actions.overdue(london_today()).count()}


def borough_report_section(borough, month: datetime.date) -> dict:
    return selectors.borough_outcomes(borough, month)
