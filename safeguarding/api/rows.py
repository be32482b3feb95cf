"""The partner API's representation of MASH requests, rendered from plain rows: one query for a whole page (the
concerned people and rating changes come as JSON arrays from correlated subqueries), no model instances built.
The shape is documented by safeguarding.api.serializers.RequestSerializer."""

from __future__ import annotations

import functools
from datetime import date, datetime

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.db.models.functions import JSONObject
from django.utils import timezone

from safeguarding.models import ConcernedPerson, RatingChange, SafeguardingRequest, State

COLUMNS = (
    "pk", "reference", "organisation__name", "borough__code", "rating_proposed", "rating", "received_at", "due_at",
    "updated_at", "subject_first_name", "subject_last_name", "subject_aliases", "subject_date_of_birth",
    "subject_address", "subject_pnc", "reason", "requester_name", "requester_email", "requester_phone", "triaged_at",
    "assigned_at", "responded_at", "withdrawn_at", "response__supervision_status", "response__risk_level",
    "response__conditions", "response__engagement", "response__contact_with_named", "response__professional_view",
    "response__responded_at",
)


def every_row():
    """Every request as plain rows: filter it (a filter clones it). The values() and subqueries are set up once per
    process; setting them up for each call cost about as much as the rest of a read."""
    return _every_row().all()


@functools.cache
def _every_row():
    return with_rows(SafeguardingRequest.objects.all())  # never evaluated itself: every_row() hands out clones


def with_rows(queryset):
    """`queryset` as plain rows carrying everything the representation needs."""
    concerned = ConcernedPerson.objects.filter(request=OuterRef("pk")).order_by("id").values(
        json=JSONObject(age_group="age_group", name="name", date_of_birth="date_of_birth", relationship="relationship")
    )
    changes = RatingChange.objects.filter(request=OuterRef("pk")).order_by("changed_at", "id").values(
        json=JSONObject(from_rating="from_rating", to_rating="to_rating", rationale="rationale", changed_at="changed_at")
    )
    return queryset.values(*COLUMNS, concerned_json=ArraySubquery(concerned), changes_json=ArraySubquery(changes))


def iso(value, tz=None) -> str | None:
    """Datetimes as DRF renders them: ISO 8601 in the current time zone (Europe/London), `Z` for UTC. Pass `tz`
    (timezone.get_current_timezone()) when rendering many: looking it up costs more than the conversion."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    text = value.astimezone(tz or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def state_of(row: dict) -> str:
    if row["withdrawn_at"] is not None:
        return State.WITHDRAWN
    if row["responded_at"] is not None:
        return State.RESPONDED
    if row["assigned_at"] is not None:
        return State.ASSIGNED
    if row["triaged_at"] is not None:
        return State.TRIAGED
    return State.RECEIVED


def render(row: dict, tz=None) -> dict:
    """The representation of one row; `tz` as for iso() (a list passes it once for the page)."""
    tz = tz or timezone.get_current_timezone()
    answered = row["responded_at"] is not None and row["response__responded_at"] is not None
    return {
        "reference": row["reference"],
        "state": str(state_of(row)),
        "organisation": row["organisation__name"],
        "borough": row["borough__code"],
        "rating_proposed": row["rating_proposed"],
        "rating": row["rating"],
        "rating_changes": [
            {"from_rating": c["from_rating"], "to_rating": c["to_rating"], "rationale": c["rationale"],
             "changed_at": iso(c["changed_at"], tz)}
            for c in row["changes_json"] or []
        ],
        "received_at": iso(row["received_at"], tz),
        "due_at": iso(row["due_at"], tz),
        "updated_at": iso(row["updated_at"], tz),
        "subject": {
            "first_name": row["subject_first_name"],
            "last_name": row["subject_last_name"],
            "aliases": [a.strip() for a in row["subject_aliases"].split(",") if a.strip()],
            "date_of_birth": _date(row["subject_date_of_birth"]),
            "address": row["subject_address"],
            "pnc": row["subject_pnc"],
        },
        "concerned": [
            {"age_group": c["age_group"], "name": c["name"], "date_of_birth": _date(c["date_of_birth"]),
             "relationship": c["relationship"]}
            for c in row["concerned_json"] or []
        ],
        "reason": row["reason"],
        "requester": {"name": row["requester_name"], "email": row["requester_email"], "phone": row["requester_phone"]},
        "responded_at": iso(row["responded_at"], tz),
        "withdrawn_at": iso(row["withdrawn_at"], tz),
        "response": {
            "supervision_status": row["response__supervision_status"],
            "risk_level": row["response__risk_level"],
            "conditions": row["response__conditions"],
            "engagement": row["response__engagement"],
            "contact_with_named": row["response__contact_with_named"],
            "professional_view": row["response__professional_view"],
            "responded_at": iso(row["response__responded_at"], tz),
        } if answered else None,
    }


def row_from_new(request, concerned: list) -> dict:
    """The row of a request just created (submit answers from what it wrote, without reading it back)."""
    row = {column: None for column in COLUMNS}
    for column in COLUMNS:
        if "__" not in column and column != "pk":
            row[column] = getattr(request, column)
    row["organisation__name"] = request.organisation.name
    row["borough__code"] = request.borough.code if request.borough is not None else None
    row["concerned_json"] = [
        {"age_group": c.age_group, "name": c.name.strip(), "date_of_birth": c.date_of_birth,
         "relationship": c.relationship.strip()}
        for c in concerned
    ]
    row["changes_json"] = []
    return row
