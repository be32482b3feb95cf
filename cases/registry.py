"""Registries other apps fill in their AppConfig.ready(), so that `cases` can show and move what they hold about a
case without importing them (the arrows in STYLE.md point towards `cases`, never away from it).

Open work (for the hand-over page, reallocation and the long-absence flag):

    register_open_work(key, title, lister, follow=None, order=100)

    lister(person_ids: list[int]) -> dict[int, list[OpenItem]]
        Everything still open for those people (appointments to come, MASH requests to answer, enforcement to
        start, resettlement actions to do), in one or a few queries for the whole list.
    follow(*, person, from_user, to_user, by) -> int
        Optional: move what `from_user` holds for `person` to `to_user` (None: back to the team), atomically,
        and return how many items moved. Called inside the reallocation's transaction.

Case changes other apps' deadlines depend on (a tier, an allocation, a new sentence or an order's end):

    register_case_changed(key, listener)

    listener(person_ids: list[int]) -> None
        Called inside the transaction that made the change, after it (so the listener reads the new state), with
        the people changed; e.g. supervision moves their next-contact-due deadlines. A failing listener fails the
        change (its deadlines would otherwise be wrong): keep listeners to a few set-based statements.

People held elsewhere (kept out of the community allocation queue):

    register_held_elsewhere(key, title, person_ids)

    person_ids() -> QuerySet of person ids (a values_list) used as a subquery; e.g. resettlement registers the
    people in custody on the Through the Gate caseload, who wait for a community team nearer their release.
"""

import datetime
import logging
from dataclasses import dataclass
from typing import Callable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenItem:
    kind: str  # the registering app's title, e.g. "MASH requests"
    title: str
    due: datetime.date | datetime.datetime | None = None
    url: str = ""
    holder_id: int | None = None  # the user who holds it, if anyone


@dataclass(order=True)
class _Entry:
    order: int
    key: str
    title: str = ""
    lister: Callable | None = None
    follow: Callable | None = None


_open_work: dict[str, _Entry] = {}
_case_changed: dict[str, Callable] = {}
_held_elsewhere: dict[str, _Entry] = {}


def register_open_work(key: str, title: str, lister: Callable, follow: Callable | None = None,
                       order: int = 100) -> None:
    _open_work[key] = _Entry(order, key, title, lister, follow)


def register_case_changed(key: str, listener: Callable) -> None:
    _case_changed[key] = listener


def case_changed(person_ids) -> None:
    """Tell every registered listener that these people's tier, allocation or sentence changed."""
    ids = [pk for pk in person_ids if pk is not None]
    if not ids:
        return
    for key in sorted(_case_changed):
        _case_changed[key](ids)


def register_held_elsewhere(key: str, title: str, person_ids: Callable) -> None:
    _held_elsewhere[key] = _Entry(100, key, title, person_ids)


def open_work_for(person_ids: list[int]) -> dict[int, list[OpenItem]]:
    """Every registered app's open work for these people. An app whose lister fails is logged and skipped: the
    hand-over page still shows the rest."""
    found: dict[int, list[OpenItem]] = {pk: [] for pk in person_ids}
    if not person_ids:
        return found
    for entry in sorted(_open_work.values()):
        try:
            for pk, items in entry.lister(list(person_ids)).items():
                found.setdefault(pk, []).extend(items)
        except Exception:
            logger.exception("open work lister %s failed", entry.key)
    return found


def open_work_follow(*, person, from_user, to_user, by) -> int:
    """Move open work to the new holder. Runs inside the caller's transaction: a failure undoes the move."""
    moved = 0
    for entry in sorted(_open_work.values()):
        if entry.follow is not None and from_user is not None:
            moved += entry.follow(person=person, from_user=from_user, to_user=to_user, by=by) or 0
    return moved


def held_elsewhere_subqueries() -> list:
    return [entry.lister() for entry in sorted(_held_elsewhere.values())]
