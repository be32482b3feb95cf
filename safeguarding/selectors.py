"""Reads for MASH requests: queues, timelines and compliance. Every list here runs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from time import time_ns

from django.core.cache import cache
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from probation.cache import bump
from probation.calendar import LONDON
from safeguarding.models import Assignment, Rag, RatingChange, RequestEvent, SafeguardingRequest, State

LIST_SELECT = ("organisation", "borough", "assignee")


@dataclass
class QueueFilters:
    rating: str = ""
    borough: str = ""  # Borough.code
    state: str = ""
    assignee: str = ""  # user pk, or "none"


def queue(filters: QueueFilters | None = None):
    """The hub queue: open requests, least time left first."""
    filters = filters or QueueFilters()
    qs = SafeguardingRequest.objects.open().select_related(*LIST_SELECT)
    if filters.rating:
        qs = qs.filter(rating=filters.rating)
    if filters.borough:
        qs = qs.filter(borough__code=filters.borough)
    if filters.state:
        qs = qs.in_state(filters.state)
    if filters.assignee == "none":
        qs = qs.filter(assignee=None)
    elif filters.assignee.isdigit():
        qs = qs.filter(assignee_id=int(filters.assignee))
    return qs.queue_order()


def queue_counts(filters: QueueFilters | None = None) -> dict:
    """Counts per RAG rating and per state for the open queue (with filters other than the one counted), in one query.

    Cached per filter for QUEUE_COUNTS_SECONDS, under a version that every change to a request's queue state bumps
    (`queue_changed`), so the figures are exact after a change and at most that old for "overdue"."""
    filters = filters or QueueFilters()
    key = f"mash:queue-counts:{_queue_version()}:{filters.borough}:{filters.assignee}"
    counts = cache.get(key)
    if counts is None:
        counts = _queue_counts(filters)
        cache.set(key, counts, QUEUE_COUNTS_SECONDS)
    return counts


QUEUE_COUNTS_SECONDS = 30
QUEUE_VERSION_KEY = "mash:queue-version"


def _queue_version() -> int:
    version = cache.get(QUEUE_VERSION_KEY)
    if version is None:
        version = int(time_ns())  # a fresh start never reuses an old version's figures
        cache.add(QUEUE_VERSION_KEY, version, None)
    return version


def queue_changed() -> None:
    """A request entered, moved within or left the open queue: the cached counts are stale. Call it on commit."""
    # Nothing if not in the cache (evicted, or never read): the next read starts a fresh version. One round trip.
    bump(cache, QUEUE_VERSION_KEY)


def _queue_counts(filters: QueueFilters) -> dict:
    qs = SafeguardingRequest.objects.open()
    if filters.borough:
        qs = qs.filter(borough__code=filters.borough)
    if filters.assignee == "none":
        qs = qs.filter(assignee=None)
    elif filters.assignee.isdigit():
        qs = qs.filter(assignee_id=int(filters.assignee))
    now = timezone.now()
    aggregates = {f"rating_{r}": Count("pk", filter=Q(rating=r)) for r in Rag.values}
    aggregates.update(
        state_assigned=Count("pk", filter=Q(assignee__isnull=False)),
        state_triaged=Count("pk", filter=Q(assignee=None, triaged_at__isnull=False)),
        state_received=Count("pk", filter=Q(assignee=None, triaged_at=None)),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        total=Count("pk"),
    )
    return qs.aggregate(**aggregates)


@dataclass(slots=True)
class QueueRow:
    """One line of the hub queue, formatted once in Python (the template only prints it)."""

    pk: int
    reference: str
    url: str
    subject_name: str
    rating: str
    rating_label: str
    due_iso: str
    due_display: str
    state_label: str
    organisation: str
    borough: str
    assignee: str
    received_display: str


@dataclass
class QueuePage:
    """A page of the queue without a total: no COUNT over the open requests, just whether there is a next page."""

    object_list: list[QueueRow]
    number: int
    has_next: bool
    size: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.object_list else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.size + len(self.object_list)


_QUEUE_ROW_FIELDS = (
    "id", "reference", "subject_first_name", "subject_last_name", "rating", "due_at", "triaged_at", "assigned_at",
    "received_at", "organisation__name", "borough__name", "assignee_id", "assignee__first_name", "assignee__last_name",
    "assignee__username",
)
_RATING_LABELS = dict(Rag.choices)
_STATE_LABELS = dict(State.choices)


def queue_page(filters: QueueFilters | None, number: int, size: int) -> QueuePage:
    """Page `number` of the hub queue: one query for size + 1 rows (the extra one says whether there is a next page)."""
    from django.urls import reverse

    offset = (number - 1) * size
    rows = list(queue(filters).values(*_QUEUE_ROW_FIELDS)[offset:offset + size + 1])
    placeholder = "MASH-0000-000000"
    url = reverse("safeguarding:detail", args=[placeholder]).replace(placeholder, "{}")
    page = []
    for r in rows[:size]:
        due, received = r["due_at"], r["received_at"].astimezone(LONDON)
        state = State.ASSIGNED if r["assigned_at"] else State.TRIAGED if r["triaged_at"] else State.RECEIVED
        assignee = "Hub"
        if r["assignee_id"]:
            assignee = f"{r['assignee__first_name']} {r['assignee__last_name']}".strip() or r["assignee__username"]
        local_due = due.astimezone(LONDON) if due else None
        page.append(QueueRow(
            pk=r["id"], reference=r["reference"], url=url.format(r["reference"]),
            subject_name=f"{r['subject_first_name']} {r['subject_last_name']}", rating=r["rating"],
            rating_label=_RATING_LABELS[r["rating"]], due_iso=due.isoformat() if due else "",
            due_display=f"due {local_due.day} {local_due:%b %H:%M}" if due else "No deadline",
            state_label=_STATE_LABELS[state], organisation=r["organisation__name"], borough=r["borough__name"] or "–",
            assignee=assignee, received_display=f"{received.day} {received:%b %Y %H:%M}",
        ))
    return QueuePage(object_list=page, number=number, has_next=len(rows) > size, size=size)


def assigned_to(user):
    return SafeguardingRequest.objects.open().filter(assignee=user).select_related(*LIST_SELECT).queue_order()


def answered_by(user, limit: int = 20):
    return (
        SafeguardingRequest.objects.filter(responded_by=user)
        .select_related(*LIST_SELECT)
        .order_by("-responded_at")[:limit]
    )


def team_requests(manager):
    """Open requests assigned to members of the teams `manager` manages, or to the manager."""
    return (
        SafeguardingRequest.objects.open()
        .filter(Q(assignee__staff_profile__team__manager=manager) | Q(assignee=manager))
        .select_related(*LIST_SELECT)
        .queue_order()
    )


def request_detail(reference: str):
    return (
        SafeguardingRequest.objects.select_related(
            "organisation", "borough", "assignee__staff_profile__team", "person__offender_manager", "received_by",
            "triaged_by", "responded_by", "withdrawn_by", "tier",
        )
        .filter(reference=reference)
        .first()
    )


def timeline(request: SafeguardingRequest) -> list[RequestEvent]:
    return list(request.events.select_related("by").order_by("at", "id"))


# --- Compliance ----------------------------------------------------------------------------------------------------


def end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=LONDON)


def _as_of_queryset(as_of: datetime, since: datetime | None = None):
    """Requests received by `as_of`, annotated with what was true at `as_of`: the rating and deadline then in
    force (from the rating-change history), whether and when they had been answered, and who held them."""
    changes = RatingChange.objects.filter(request=OuterRef("pk"), changed_at__lte=as_of).order_by("-changed_at", "-id")
    holder = (
        Assignment.objects.filter(request=OuterRef("pk"), assigned_at__lte=as_of)
        .filter(Q(superseded_at=None) | Q(superseded_at__gt=as_of))
        .order_by("-assigned_at", "-id")
    )
    qs = SafeguardingRequest.objects.filter(received_at__lt=as_of).exclude(withdrawn_at__lt=as_of)
    if since is not None:
        qs = qs.filter(received_at__gte=since)
    return qs.annotate(
        changed=Exists(changes),
        rating_then=Coalesce(Subquery(changes.values("to_rating")[:1]), F("rating_proposed")),
        due_then=Case(When(changed=True, then=Subquery(changes.values("due_at_after")[:1])), default=F("initial_due_at")),
        team_then=Coalesce(
            Subquery(holder.values("assignee__staff_profile__team__name")[:1]),
            Value("Hub (answered directly)"),
            output_field=CharField(),
        ),
        month=TruncMonth("received_at", tzinfo=LONDON),
    ).filter(due_then__isnull=False)


def _outcomes(as_of: datetime) -> dict:
    answered = Q(responded_at__lt=as_of)
    unanswered = Q(responded_at=None) | Q(responded_at__gte=as_of)
    return {
        "on_time": Count("pk", filter=answered & Q(responded_at__lte=F("due_then"))),
        "late": Count("pk", filter=answered & Q(responded_at__gt=F("due_then"))),
        "overdue": Count("pk", filter=unanswered & Q(due_then__lt=as_of)),
        "pending": Count("pk", filter=unanswered & Q(due_then__gte=as_of)),
    }


@dataclass
class ComplianceRow:
    label: str
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    pending: int = 0

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.overdue

    @property
    def percent(self) -> float | None:
        return round(100 * self.on_time / self.due, 1) if self.due else None


@dataclass
class Compliance:
    as_of: date
    since: date
    total: ComplianceRow
    by_rating: list[ComplianceRow] = field(default_factory=list)
    by_borough: list[ComplianceRow] = field(default_factory=list)
    by_team: list[ComplianceRow] = field(default_factory=list)
    by_month: list[ComplianceRow] = field(default_factory=list)


def _rows(qs, dimension: str, as_of: datetime, label=lambda v: v or "Not recorded") -> list[ComplianceRow]:
    rows = qs.values(dimension).annotate(**_outcomes(as_of)).order_by(dimension)
    return [
        ComplianceRow(label(r[dimension]), r["on_time"], r["late"], r["overdue"], r["pending"]) for r in rows
    ]


def compliance(*, as_of: date | None = None, months: int = 12, borough: str = "", organisation_id: int | None = None) -> Compliance:
    """On-time percentage by RAG, borough, team and month as it stood at the end of `as_of` (default today).

    Computed from receipt, response and withdrawal times and the rating-change and assignment histories, so the
    figures for a past date do not move when a request is later answered, re-rated or reassigned."""
    as_of = as_of or timezone.localdate()
    # The figure is for a moment: the end of a past day, or now for today (a request due later today is not overdue).
    cutoff = min(end_of_day(as_of), timezone.now())
    first_month = as_of.replace(day=1)
    for _ in range(months - 1):
        first_month = (first_month - timedelta(days=1)).replace(day=1)
    since = datetime.combine(first_month, time.min, tzinfo=LONDON)
    qs = _as_of_queryset(cutoff, since)
    if borough:
        qs = qs.filter(borough__code=borough)
    if organisation_id:
        qs = qs.filter(organisation_id=organisation_id)
    total = qs.aggregate(**_outcomes(cutoff))
    rating_labels = dict(Rag.choices)
    result = Compliance(
        as_of=as_of,
        since=first_month,
        total=ComplianceRow("All", total["on_time"], total["late"], total["overdue"], total["pending"]),
        by_rating=_rows(qs, "rating_then", cutoff, lambda v: rating_labels.get(v, v)),
        by_borough=_rows(qs, "borough__name", cutoff),
        by_team=_rows(qs, "team_then", cutoff),
        by_month=_rows(qs, "month", cutoff, lambda v: timezone.localtime(v, LONDON).strftime("%b %Y") if v else ""),
    )
    order = {label: i for i, label in enumerate(rating_labels.values())}
    result.by_rating.sort(key=lambda r: order.get(r.label, 99))
    return result


def borough_report_section(borough, month: date) -> dict:
    """Borough report (shape in probation.registry): MASH response performance by RAG for requests received in
    `month` in `borough`, as it stood at the end of that month (or now, for the current month). Counts only."""
    code = getattr(borough, "code", borough)
    start = datetime.combine(month.replace(day=1), time.min, tzinfo=LONDON)
    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = datetime.combine(next_month, time.min, tzinfo=LONDON)
    as_of = min(end, timezone.now())
    qs = _as_of_queryset(as_of, start).filter(received_at__lt=end, borough__code=code)
    rating_labels = dict(Rag.choices)
    rows = {r.label: r for r in _rows(qs, "rating_then", as_of, lambda v: rating_labels.get(v, v))}
    table_rows, on_time, late = [], [], []
    total = ComplianceRow("All")
    for rating in (Rag.RED, Rag.AMBER, Rag.GREEN):
        row = rows.get(rating.label, ComplianceRow(rating.label))
        for attr in ("on_time", "late", "overdue", "pending"):
            setattr(total, attr, getattr(total, attr) + getattr(row, attr))
        table_rows.append([row.label, row.due, row.on_time, row.late + row.overdue, row.pending, row.percent])
        on_time.append(row.on_time)
        late.append(row.late + row.overdue)
    received = SafeguardingRequest.objects.filter(borough__code=code, received_at__gte=start, received_at__lt=end).count()
    return {
        "summary": [
            ("MASH requests received", received),
            ("Responses due", total.due),
            ("Answered on time (%)", total.percent),
        ],
        "table": {
            "headers": ["RAG rating", "Due", "On time", "Late or overdue", "Not yet due", "On time %"],
            "rows": table_rows,
        },
        "chart": {
            "type": "bar",
            "labels": [r[0] for r in table_rows],
            "datasets": [
                {"label": "On time", "data": on_time, "colours": ["green"] * 3},
                {"label": "Late or overdue", "data": late, "colours": ["red"] * 3},
            ],
        },
        "notes": ["Deadlines are counted from receipt on each partner MASH's agreed clock; blue requests need no response."],
    }


STATE_CHOICES = [(s.value, s.label) for s in State if s not in (State.RESPONDED, State.WITHDRAWN)]
