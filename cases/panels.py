"""Landing-panel context builders (registered in CasesConfig.ready)."""

from cases.models import Person
from cases.selectors import unallocated_queue_for


def caseload(request) -> dict:
    return {"count": Person.objects.crc().filter(offender_manager=request.user).count()}


def unallocated(request) -> dict:
    return {"count": unallocated_queue_for(request.user).count()}


# --- Registries for apps above `cases` ------------------------------------------------------------------------------
# Apps that depend on cases (supervision, interventions...) add sections to the case page and columns to the
# caseload here, in their AppConfig.ready(), so cases never imports them.
#
#   register_case_panel(key, template, builder, order, title=)
#                                                           builder(request, person) -> dict | None (None: not shown);
#                                                           with a title the case page wraps the template in a
#                                                           headed section, without one the template brings its own
#   register_caseload_column(key, header, template, builder, order)
#                                                           builder(request, people: list[Person]) -> {person.pk: value}
#
# Each builder must run a fixed number of queries (the caseload builder gets the whole page of people at once).

from dataclasses import dataclass, field  # noqa: E402
from typing import Callable  # noqa: E402


@dataclass(order=True)
class CaseSection:
    order: int
    key: str
    template: str = field(compare=False, default="")
    builder: Callable | None = field(compare=False, default=None)
    header: str = field(compare=False, default="")
    title: str = field(compare=False, default="")


_case_panels: dict[str, CaseSection] = {}
_caseload_columns: dict[str, CaseSection] = {}


def register_case_panel(key: str, template: str, builder: Callable, order: int = 100, title: str = "") -> None:
    _case_panels[key] = CaseSection(order, key, template, builder, title=title)


def register_caseload_column(key: str, header: str, template: str, builder: Callable, order: int = 100) -> None:
    _caseload_columns[key] = CaseSection(order, key, template, builder, header)


def case_panels(request, person) -> list[dict]:
    panels = []
    for section in sorted(_case_panels.values()):
        context = section.builder(request, person)
        if context is not None:
            panels.append({"key": section.key, "title": section.title, "template": section.template,
                           "context": context})
    return panels


def caseload_columns(request, people) -> list[dict]:
    """The registered columns' headers; each person gets `registry_cells` (template and value per column)."""
    columns = sorted(_caseload_columns.values())
    values = [s.builder(request, people) for s in columns]
    for person in people:
        person.registry_cells = [{"template": s.template, "value": v.get(person.pk)} for s, v in zip(columns, values)]
    return [{"key": s.key, "header": s.header} for s in columns]
