"""The partner API's representation of MASH requests. The shape is documented by
safeguarding.api.serializers.RequestSerializer; `render()` below is its definition in Python.

Lists and reads come as JSON text made by PostgreSQL (`documents()`, by a function of migration 0009 whose plan each
connection keeps): no model instance, no Python dict a row, nothing decoded and encoded again; the view joins the
texts into its answer. Rendering in Python cost a list page of 50 about 5 ms of CPU (compiling a 30-column query,
converting, rendering and encoding). A test holds the database's text equal to `render()` for every kind of request.
On another database (SQLite, for the `make run` demo) the rows are rendered here from model instances."""

from __future__ import annotations

import json
from datetime import date, datetime

from django.conf import settings
from django.db import connections, router
from django.utils import timezone

from safeguarding.models import SafeguardingRequest, State

COLUMNS = (
    "pk", "reference", "organisation__name", "borough__code", "rating_proposed", "rating", "received_at", "due_at",
    "updated_at", "subject_first_name", "subject_last_name", "subject_aliases", "subject_date_of_birth",
    "subject_address", "subject_pnc", "reason", "requester_name", "requester_email", "requester_phone", "triaged_at",
    "assigned_at", "responded_at", "withdrawn_at", "response__supervision_status", "response__risk_level",
    "response__conditions", "response__engagement", "response__contact_with_named", "response__professional_view",
    "response__responded_at",
)


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


def row_from_instance(request) -> dict:
    """The row of a request loaded as a model instance (with its organisation, borough and response selected and its
    concerned people and rating changes prefetched)."""
    row = row_from_new(request, [])
    row["pk"] = request.pk
    row["concerned_json"] = [
        {"age_group": c.age_group, "name": c.name, "date_of_birth": c.date_of_birth, "relationship": c.relationship}
        for c in request.concerned.all()
    ]
    row["changes_json"] = [
        {"from_rating": c.from_rating, "to_rating": c.to_rating, "rationale": c.rationale, "changed_at": c.changed_at}
        for c in request.rating_changes.all()
    ]
    response = getattr(request, "response", None)
    for column in COLUMNS:
        if column.startswith("response__"):
            row[column] = getattr(response, column.removeprefix("response__")) if response is not None else None
    return row


# --- The representation as JSON text, made by PostgreSQL ----------------------------------------------------------

DOCUMENT_KEYS = ("pk", "reference", "received_at", "updated_at")  # beside the text: for keyset cursors and the audit


def with_documents(queryset):
    """`queryset` (filtered, not yet ordered or sliced) as rows of DOCUMENT_KEYS: page or pick them, then documents()
    gives each row's JSON text."""
    return queryset.values(*DOCUMENT_KEYS)


DOCUMENTS_SQL = "SELECT id, document FROM safeguarding_request_documents(%s, %s)"  # safeguarding migration 0009


def documents(found: list[dict]) -> list[str]:
    """The representation of each row of with_documents() as JSON text, in order: on PostgreSQL made by the
    database in one query (safeguarding_request_documents, migration 0009), elsewhere rendered here from model
    instances (two more queries for the page)."""
    if not found:
        return []
    pks = [row["pk"] for row in found]
    connection = connections[router.db_for_read(SafeguardingRequest)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(DOCUMENTS_SQL, [pks, settings.TIME_ZONE])
            texts = dict(cursor.fetchall())
    else:
        texts = documents_in_python(pks)
    return [texts[pk] for pk in pks]


DOCUMENT_BY_REFERENCE_SQL = (
    "SELECT id, document FROM safeguarding_request_documents(ARRAY(SELECT id FROM safeguarding_safeguardingrequest"
    " WHERE organisation_id = %s AND reference = %s), %s)"
)


def document_by_reference(organisation_id: int, reference: str) -> dict | None:
    """The organisation's request with this (upper-case) reference as a row of DOCUMENT_KEYS' pk and reference plus
    its `document`, or None: on PostgreSQL one statement finds it and renders it."""
    connection = connections[router.db_for_read(SafeguardingRequest)]
    if connection.vendor != "postgresql":
        found = list(with_documents(SafeguardingRequest.objects.filter(organisation_id=organisation_id,
                                                                       reference=reference)).order_by()[:1])
        if not found:
            return None
        return {**found[0], "document": documents(found)[0]}
    with connection.cursor() as cursor:
        cursor.execute(DOCUMENT_BY_REFERENCE_SQL, [organisation_id, reference, settings.TIME_ZONE])
        found = cursor.fetchone()
    return {"pk": found[0], "reference": reference, "document": found[1]} if found else None


def documents_in_python(pks: list[int]) -> dict[int, str]:
    """{pk: JSON text} rendered here from model instances: documents() on a database other than PostgreSQL."""
    instances = SafeguardingRequest.objects.select_related("organisation", "borough", "response").prefetch_related(
        "concerned", "rating_changes").in_bulk(pks)
    tz = timezone.get_current_timezone()
    return {pk: json.dumps(render(row_from_instance(instance), tz), ensure_ascii=False)
            for pk, instance in instances.items()}
