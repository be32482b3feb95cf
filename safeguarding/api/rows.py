"""The partner API's representation of MASH requests. The shape is documented by
safeguarding.api.serializers.RequestSerializer; `render()` below is its definition in Python.

Lists and reads come as JSON text made by PostgreSQL (`with_documents()`): one query a page, no model instance, no
Python dict a row, nothing decoded and encoded again; the view joins the texts into its answer. Rendering in Python
cost a list page of 50 about 5 ms of CPU (compiling a 30-column query, converting, rendering and encoding). A test
holds the database's text equal to `render()` for every kind of request. On another database (SQLite, for the
`make run` demo) the same rows are rendered here from model instances (`documents()`)."""

from __future__ import annotations

import functools
import json
import re
from datetime import date, datetime

from django.conf import settings
from django.db import connections
from django.db.models.expressions import RawSQL
from django.utils import timezone

from partners.models import Borough, Organisation
from safeguarding.models import ConcernedPerson, RatingChange, Response, SafeguardingRequest, State

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


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _iso_sql(column: str, zone: str) -> str:
    """SQL for iso(): ISO 8601 in `zone`, fractions only when there are any (as Python's isoformat), `Z` for UTC.
    Written for few evaluations a value (one to_char, the offset worked out only when there is one): this is most of
    what rendering a row costs PostgreSQL."""
    local, utc = f"({column} AT TIME ZONE {zone})", f"({column} AT TIME ZONE 'UTC')"
    offset = f"({local} - {utc})"
    return (
        f"CASE WHEN {column} IS NULL THEN NULL ELSE to_char({local}, CASE WHEN date_trunc('second', {column}) = {column}"
        f" THEN 'YYYY-MM-DD\"T\"HH24:MI:SS' ELSE 'YYYY-MM-DD\"T\"HH24:MI:SS.US' END)"
        f" || CASE WHEN {local} = {utc} THEN 'Z' WHEN {local} > {utc} THEN '+' || to_char({offset}, 'HH24:MI')"
        f" ELSE '-' || to_char(-{offset}, 'HH24:MI') END END"
    )


def _date_sql(column: str) -> str:
    return f"to_char({column}, 'YYYY-MM-DD')"


@functools.cache
def document_sql() -> str:
    """The representation of the request in the outer query's row, as one json_build_object (keys in render()'s
    order). Names come from the models; the only value written into the text is the configured time zone's name."""
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", settings.TIME_ZONE):
        raise ValueError(f"Unexpected TIME_ZONE {settings.TIME_ZONE!r}")
    zone = f"'{settings.TIME_ZONE}'"
    r = _q(SafeguardingRequest._meta.db_table)

    def col(name):
        return f"{r}.{_q(SafeguardingRequest._meta.get_field(name).column)}"

    def iso(name):
        return _iso_sql(col(name), zone)

    organisation, borough = _q(Organisation._meta.db_table), _q(Borough._meta.db_table)
    change, concerned, response = (_q(RatingChange._meta.db_table), _q(ConcernedPerson._meta.db_table),
                                   _q(Response._meta.db_table))
    state = (f"CASE WHEN {col('withdrawn_at')} IS NOT NULL THEN '{State.WITHDRAWN.value}'"
             f" WHEN {col('responded_at')} IS NOT NULL THEN '{State.RESPONDED.value}'"
             f" WHEN {col('assigned_at')} IS NOT NULL THEN '{State.ASSIGNED.value}'"
             f" WHEN {col('triaged_at')} IS NOT NULL THEN '{State.TRIAGED.value}' ELSE '{State.RECEIVED.value}' END")
    # The nosec marks below: every name in this SQL comes from the models, and no value is written into it.
    changes = (
        f"COALESCE((SELECT json_agg(json_build_object('from_rating', c.from_rating, 'to_rating', c.to_rating,"  # nosec B608
        f" 'rationale', c.rationale, 'changed_at', {_iso_sql('c.changed_at', zone)}) ORDER BY c.changed_at, c.id)"
        f" FROM {change} c WHERE c.request_id = {r}.id), '[]'::json)"
    )
    aliases = (
        f"COALESCE((SELECT json_agg(a.trimmed ORDER BY a.n) FROM (SELECT btrim(part, E' \\t\\n\\r\\f\\v') AS trimmed, n"  # nosec B608
        f" FROM unnest(string_to_array({col('subject_aliases')}, ',')) WITH ORDINALITY AS parts(part, n)) a"
        f" WHERE a.trimmed <> ''), '[]'::json)"
    )
    people = (
        f"COALESCE((SELECT json_agg(json_build_object('age_group', p.age_group, 'name', p.name, 'date_of_birth',"  # nosec B608
        f" {_date_sql('p.date_of_birth')}, 'relationship', p.relationship) ORDER BY p.id) FROM {concerned} p"
        f" WHERE p.request_id = {r}.id), '[]'::json)"
    )
    answer = (
        f"(SELECT json_build_object('supervision_status', s.supervision_status, 'risk_level', s.risk_level,"  # nosec B608
        f" 'conditions', s.conditions, 'engagement', s.engagement, 'contact_with_named', s.contact_with_named,"
        f" 'professional_view', s.professional_view, 'responded_at', {_iso_sql('s.responded_at', zone)})"
        f" FROM {response} s WHERE s.request_id = {r}.id AND {col('responded_at')} IS NOT NULL)"
    )
    return (
        "json_build_object("  # nosec B608
        f"'reference', {col('reference')}, 'state', {state},"
        f" 'organisation', (SELECT o.name FROM {organisation} o WHERE o.id = {col('organisation')}),"
        f" 'borough', (SELECT b.code FROM {borough} b WHERE b.id = {col('borough')}),"
        f" 'rating_proposed', {col('rating_proposed')}, 'rating', {col('rating')}, 'rating_changes', {changes},"
        f" 'received_at', {iso('received_at')}, 'due_at', {iso('due_at')}, 'updated_at', {iso('updated_at')},"
        f" 'subject', json_build_object('first_name', {col('subject_first_name')}, 'last_name', {col('subject_last_name')},"
        f" 'aliases', {aliases}, 'date_of_birth', {_date_sql(col('subject_date_of_birth'))},"
        f" 'address', {col('subject_address')}, 'pnc', {col('subject_pnc')}),"
        f" 'concerned', {people}, 'reason', {col('reason')},"
        f" 'requester', json_build_object('name', {col('requester_name')}, 'email', {col('requester_email')},"
        f" 'phone', {col('requester_phone')}),"
        f" 'responded_at', {iso('responded_at')}, 'withdrawn_at', {iso('withdrawn_at')}, 'response', {answer}"
        ")::text"
    )


def with_documents(queryset):
    """`queryset` (filtered, not yet ordered or sliced) as rows of DOCUMENT_KEYS plus `document`: the request's
    representation as JSON text, made by PostgreSQL in the same query. Elsewhere `document` is filled in by
    documents()."""
    queryset = queryset.values(*DOCUMENT_KEYS)
    if connections[queryset.db].vendor == "postgresql":
        queryset = queryset.annotate(document=RawSQL(document_sql(), ()))  # nosec B611: no value in the SQL
    return queryset


def documents(found: list[dict]) -> list[str]:
    """The JSON text of each row of with_documents(), in order: the database's own where it made one, else rendered
    here from model instances (two more queries for the page)."""
    missing = [row["pk"] for row in found if row.get("document") is None]
    if missing:
        instances = SafeguardingRequest.objects.select_related("organisation", "borough", "response").prefetch_related(
            "concerned", "rating_changes").in_bulk(missing)
        tz = timezone.get_current_timezone()
        for row in found:
            if row.get("document") is None:
                row["document"] = json.dumps(render(row_from_instance(instances[row["pk"]]), tz), ensure_ascii=False)
    return [row["document"] for row in found]
