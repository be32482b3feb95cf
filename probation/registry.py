"""Small registries that let business apps contribute to cross-cutting features without the arrows turning round.

Apps register in their AppConfig.ready():
- report sections: `register_report_section(key, title, builder, order)`; the borough report renders whatever is
  registered. `builder(borough_code: str, month: date) -> dict` returns {"rows": [...], "summary": {...}} or similar.
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
