"""Small registries that let business apps contribute to cross-cutting features without the arrows turning round.

Apps register in their AppConfig.ready():
- report sections: `register_report_section(key, title, builder, order, template="")`; the monthly borough report
  for Community Safety Partnerships (rendered by `partners.reports`: page with charts, CSV, PDF, stored monthly
  snapshot) shows whatever is registered, in `order`. The builder is

      builder(borough_code: str, month: datetime.date) -> dict

  where `borough_code` is the borough's `partners.models.Borough.code` (e.g. "camden") and `month` is the first day of the reported month (the section covers month .. end of that month). The dict
  must be JSON-serialisable (it is stored in the snapshot) and holds no personal data (no names, no CRNs): counts
  and percentages only. Every key is optional:

      {
          "summary": [["Caseload", 412], ["IOM nominals", 37], ...],   # (label, value) pairs; value str/int/float/None
          "table": {"headers": ["Cohort", "People"], "rows": [["18-25", 80], ["Women", 41]]},   # cells str/int/float/None
          "chart": {                                                  # drawn with Chart.js on the page, and in the PDF
              "type": "bar",                                          # "bar" | "line" | "pie" | "doughnut"
              "labels": ["Red", "Amber", "Green"],
              "datasets": [{"label": "MASH responses", "data": [2, 5, 30],
                            "colours": ["red", "amber", "green"]}],   # optional: red/amber/green/blue/grey/purple
          },
          "notes": ["Figures for October are provisional."],         # paragraphs of plain text
      }

  Also accepted (the first draft of this contract): "summary" as a dict {key: value} and "rows" as a list of dicts;
  labels and headers are then made from the keys. A builder that raises, or returns something not of this shape,
  doesn't stop the report: that section shows "could not be produced" and the others render. `template` (optional)
  replaces the generic section template on the page only (CSV and PDF stay generic); it receives `section`: the
  builder's own dict as returned (so `section.summary`, `section.table`, `section.rows` ...) plus "key", "title" and
  "data" (the normalised form).
- demo seeders: `register_demo_seeder(name, seeder, order)`; `manage.py seed_demo` runs them in order.
  `seeder(*, size: int, stdout) -> None` must be idempotent (running it twice creates no duplicates).
- landing panels: `register_landing_panel(role, template_name, context_builder, order)` fills each role's home page.
"""

from dataclasses import dataclass, field
from typing import Callable


@dataclass(order=True)
class Entry:
    order: int
    key: str
    title: str = field(compare=False, default="")
    callable: Callable | None = field(compare=False, default=None)
    extra: dict = field(compare=False, default_factory=dict)


_report_sections: dict[str, Entry] = {}
_demo_seeders: dict[str, Entry] = {}
_landing_panels: dict[tuple[str, str], Entry] = {}


def register_report_section(key: str, title: str, builder: Callable, order: int = 100, template: str = "") -> None:
    _report_sections[key] = Entry(order, key, title, builder, {"template": template})


def report_sections() -> list[Entry]:
    return sorted(_report_sections.values())


def register_demo_seeder(key: str, seeder: Callable, order: int = 100) -> None:
    _demo_seeders[key] = Entry(order, key, key, seeder)


def demo_seeders() -> list[Entry]:
    return sorted(_demo_seeders.values())


def register_landing_panel(role: str, key: str, template: str, context_builder: Callable, order: int = 100) -> None:
    """`context_builder(request) -> dict` supplies the template's context."""
    _landing_panels[(role, key)] = Entry(order, key, key, context_builder, {"template": template, "role": role})


def landing_panels(role: str) -> list[Entry]:
    return sorted(e for (r, _), e in _landing_panels.items() if r == role)


_nav_items: dict[str, Entry] = {}


def register_nav_item(url_name: str, label: str, roles: set[str] | frozenset[str], order: int = 100) -> None:
    """A link in the service navigation for the given roles."""
    _nav_items[url_name] = Entry(order, url_name, label, None, {"roles": frozenset(roles)})


def nav_items(role: str) -> list[Entry]:
    return sorted(e for e in _nav_items.values() if role in e.extra["roles"])


