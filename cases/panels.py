"""Landing-panel context builders (registered in CasesConfig.ready)."""

from cases.models import Person
from cases.selectors import unallocated_queue_for


def caseload(request) -> dict:
    return {"count": Person.objects.crc().filter(offender_manager=request.user).count()}


def unallocated(request) -> dict:
    return {"count": unallocated_queue_for(request.user).count()}
