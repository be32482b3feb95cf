"""Reads for cases: finding a person, caseloads, the unallocated queue, workloads, the case page.

`person_search` is the one way to find a person; the MASH triage uses it to decide "known to us". The database finds
candidates (PostgreSQL: pg_trgm `%` on GIN trigram indexes; SQLite: a broad bigram filter for the demo), and
`_score` ranks them the same way on both, so the ranking never depends on the backend.
"""

import datetime
import functools
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Count, F, Q, Value
from django.utils import timezone

from cases.models import CRN_VALIDATOR, Alias, Person, normalise_pnc

CANDIDATES = 200  # candidates fetched from the database before ranking
MIN_SCORE = 0.3
MIN_SCORE_WITH_DOB = 0.2  # a name typed with a date of birth must still look somewhat like the person's
CRN_RE = re.compile(r"^[A-Za-z][0-9]{6}$")
PNC_RE = re.compile(r"^[0-9]{2,4}/[0-9]{1,7}[A-Za-z]$")
DATE_RE = re.compile(r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})$")


@dataclass
class PersonMatch:
    person: Person
    score: float  # 0..1, 1 for an exact CRN or PNC match
    reasons: list[str] = field(default_factory=list)


# --- trigram similarity, the same as pg_trgm's similarity() -------------------------------------------------------

def _trigrams(text: str) -> set[str]:
    grams = set()
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity: shared trigrams over all trigrams of the two words (lower-cased, padded)."""
    ta, tb = _trigrams(a), _trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbouring letters
    (the commonest typing slip in names, which trigrams punish hardest: "Rcahael" for "Rachael")."""
    previous2, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def name_similarity(a: str, b: str) -> float:
    """How alike two names are, 0..1: the better of trigram similarity and (slightly discounted) edit similarity."""
    return _name_similarity(a.lower().strip(), b.lower().strip())


@functools.lru_cache(maxsize=65536)  # names repeat a great deal across candidates and searches
def _name_similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    trigram = similarity(a, b)
    longest = max(len(a), len(b))
    if 0.9 * (1 - abs(len(a) - len(b)) / longest) <= trigram:
        return trigram  # the edit similarity cannot beat it
    return max(trigram, 0.9 * (1 - _edit_distance(a, b) / longest))


def _name_score(tokens: list[str], first: str, last: str) -> tuple[float, bool]:
    """How well the typed name fits (first, last): (score 0..1, matched with first and last names transposed)."""
    if not tokens:
        return 0.0, False
    if len(tokens) == 1:
        token = tokens[0]
        return max(name_similarity(token, last), name_similarity(token, first) * 0.9), False
    typed_first, typed_last = " ".join(tokens[:-1]), tokens[-1]
    direct = 0.55 * name_similarity(typed_last, last) + 0.45 * name_similarity(typed_first, first)
    swapped = 0.55 * name_similarity(typed_first, last) + 0.45 * name_similarity(typed_last, first)
    # A last name typed alone with the first name among middle names etc.: also try the first token as first name.
    if len(tokens) > 2:
        direct = max(direct, 0.55 * name_similarity(typed_last, last) + 0.45 * name_similarity(tokens[0], first))
    if swapped > direct + 0.01:
        return swapped * 0.97, True  # a small discount: the names were the wrong way round
    return direct, False


def _score(person: Person, tokens: list[str], date_of_birth, pnc: str, crn: str) -> PersonMatch | None:
    reasons: list[str] = []
    if crn and person.crn == crn:
        return PersonMatch(person, 1.0, ["CRN match"])
    if pnc and person.pnc_number == pnc:
        return PersonMatch(person, 1.0, ["PNC match"])
    name_score = 0.0
    if tokens:
        name_score, transposed = _name_score(tokens, person.first_name, person.last_name)
        alias_best, alias_transposed = 0.0, False
        for alias in person.aliases.all():
            s, t = _name_score(tokens, alias.first_name, alias.last_name)
            if s > alias_best:
                alias_best, alias_transposed = s, t
        if alias_best > name_score:
            name_score, transposed = alias_best * 0.98, alias_transposed
            reasons.append("Alias match")
        if name_score >= 0.999:
            reasons.insert(0, "Exact name")
        elif name_score >= MIN_SCORE:
            reasons.insert(0, "Similar name")
        if transposed:
            reasons.append("First and last names transposed")
        if name_score < MIN_SCORE_WITH_DOB:
            return None
    if date_of_birth:
        dob = person.date_of_birth
        alias_dobs = {a.date_of_birth for a in person.aliases.all() if a.date_of_birth}
        if dob == date_of_birth or date_of_birth in alias_dobs:
            dob_score = 1.0
            reasons.append("Exact date of birth")
        elif dob.year == date_of_birth.year and dob.month == date_of_birth.day and dob.day == date_of_birth.month:
            dob_score = 0.6
            reasons.append("Date of birth with day and month swapped")
        elif dob.year == date_of_birth.year:
            dob_score = 0.3
            reasons.append("Same year of birth")
        else:
            dob_score = 0.0
            reasons.append("Different date of birth")
        score = 0.7 * name_score + 0.3 * dob_score if tokens else dob_score
    else:
        score = name_score
    if score < MIN_SCORE:
        return None
    return PersonMatch(person, round(min(score, 1.0), 3), reasons)


# --- candidates --------------------------------------------------------------------------------------------------

def _best(scores: dict[int, float], pk: int, score: float) -> None:
    if score > scores.get(pk, -1.0):
        scores[pk] = score


# Fixed statements (only values are parameters). Table and column names match cases.Person and cases.Alias.
FULL_NAME_CANDIDATES_SQL = """
(SELECT id, first_name, last_name FROM cases_person WHERE (first_name || ' ' || last_name) %% %s
 ORDER BY similarity(first_name || ' ' || last_name, %s) DESC LIMIT %s)
UNION ALL
(SELECT person_id, first_name, last_name FROM cases_alias WHERE (first_name || ' ' || last_name) %% %s
 ORDER BY similarity(first_name || ' ' || last_name, %s) DESC LIMIT %s)
"""
ONE_NAME_CANDIDATES_SQL = """
(SELECT id, first_name, last_name FROM cases_person WHERE last_name %% %s
 ORDER BY similarity(last_name, %s) DESC LIMIT %s)
UNION ALL
(SELECT id, first_name, last_name FROM cases_person WHERE first_name %% %s
 ORDER BY similarity(first_name, %s) DESC LIMIT %s)
UNION ALL
(SELECT person_id, first_name, last_name FROM cases_alias WHERE last_name %% %s
 ORDER BY similarity(last_name, %s) DESC LIMIT %s)
UNION ALL
(SELECT person_id, first_name, last_name FROM cases_alias WHERE first_name %% %s
 ORDER BY similarity(first_name, %s) DESC LIMIT %s)
"""


def _candidates_postgres(tokens: list[str]) -> dict[int, float]:
    """pg_trgm candidates from GIN trigram indexes, in one statement. Returns person id -> name score of the
    best-fitting name (own or alias), computed from the fetched values only.

    Two or more words: the typed name against "first last" as one string (person_full_name_trgm,
    alias_full_name_trgm); trigram sets ignore word order, so transposed names match fully. One word: against
    last and first names separately (person_last_trgm, person_first_trgm, alias_*_trgm). The `%` threshold is
    lowered for this transaction only (SET LOCAL semantics) so that a typo in each name still matches.
    """
    if len(tokens) > 1:
        text = " ".join(tokens)
        sql, params, threshold = FULL_NAME_CANDIDATES_SQL, [text, text, CANDIDATES] * 2, "0.2"
    else:
        sql, params, threshold = ONE_NAME_CANDIDATES_SQL, [tokens[0], tokens[0], CANDIDATES] * 4, "0.3"
    scores: dict[int, float] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [threshold])
        # The planner underestimates the cost of `%` per row and may scan a whole table (180 ms for 40,000 aliases)
        # instead of its GIN index (a few ms): for this transaction only, prefer the indexes.
        cursor.execute("SELECT set_config('enable_seqscan', 'off', true)")
        cursor.execute(sql, params)
        for pk, first, last in cursor.fetchall():
            _best(scores, pk, _name_score(tokens, first, last)[0])
    return scores


def _candidates_fallback(tokens: list[str]) -> dict[int, float]:
    """SQLite (the demo): any shared two-letter run, then Python ranks. Fine for demo sizes, not for 200,000."""
    person_q = Q()
    for token in tokens:
        word = token.lower()
        pairs = {word[i : i + 2] for i in range(len(word) - 1)} or {word}
        for pair in pairs:
            person_q |= Q(first_name__icontains=pair) | Q(last_name__icontains=pair)
    scores: dict[int, float] = {}
    for pk, first, last in Person.objects.filter(person_q).values_list("id", "first_name", "last_name").iterator():
        _best(scores, pk, _name_score(tokens, first, last)[0])
    for pk, first, last in Alias.objects.filter(person_q).values_list("person_id", "first_name", "last_name").iterator():
        _best(scores, pk, _name_score(tokens, first, last)[0])
    return scores


def _parse_text(text: str) -> tuple[list[str], str, str, datetime.date | None]:
    """Split free text into name tokens, a CRN, a PNC and a date of birth (dd/mm/yyyy) if typed there."""
    tokens, crn, pnc, dob = [], "", "", None
    for part in text.replace(",", " ").split():
        if CRN_RE.match(part):
            crn = part.upper()
        elif PNC_RE.match(part):
            pnc = normalise_pnc(part)
        elif m := DATE_RE.match(part):
            try:
                dob = datetime.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                pass
        elif re.search(r"[A-Za-z]", part):
            tokens.append(re.sub(r"[^A-Za-z'\-]", "", part))
    return [t for t in tokens if t], crn, pnc, dob


def person_search(
    text: str = "",
    *,
    date_of_birth: datetime.date | None = None,
    pnc: str | None = None,
    crn: str | None = None,
    limit: int = 20,
) -> list[PersonMatch]:
    """People who match, best first. Name matching tolerates typos, aliases and transposed first and last names;
    a CRN or PNC (typed in `text` or given) is an exact match scoring 1. Returns [] when given nothing to search on.
    """
    tokens, text_crn, text_pnc, text_dob = _parse_text(text or "")
    crn = (crn or text_crn or "").strip().upper()
    pnc = normalise_pnc(pnc or text_pnc or "")
    date_of_birth = date_of_birth or text_dob
    if crn:
        try:
            CRN_VALIDATOR(crn)
        except Exception:
            crn = ""
    if not (tokens or crn or pnc or date_of_birth):
        return []

    ids: set[int] = set()
    if crn:
        ids.update(Person.objects.filter(crn=crn).values_list("id", flat=True))
    if pnc:
        ids.update(Person.objects.filter(pnc_number=pnc).values_list("id", flat=True))
    if tokens:
        scores = _candidates_postgres(tokens) if connection.vendor == "postgresql" else _candidates_fallback(tokens)
        # Only the best few by name are loaded in full (with their relations) and scored with everything else.
        best_by_name = sorted(scores, key=scores.get, reverse=True)[: max(limit * 2, 20)]
        ids.update(pk for pk in best_by_name if scores[pk] >= MIN_SCORE_WITH_DOB)
    if date_of_birth:
        # With a name too, people born that day are candidates even if the name is badly misspelt; _score then
        # needs some likeness of name. Two indexed lookups (an OR with a subquery would scan the table).
        ids.update(Person.objects.filter(date_of_birth=date_of_birth).values_list("id", flat=True)[:CANDIDATES])
        ids.update(Alias.objects.filter(date_of_birth=date_of_birth).values_list("person_id", flat=True)[:CANDIDATES])
    if not ids:
        return []
    people = (
        Person.objects.filter(id__in=ids)
        .select_related("home_borough", "offender_manager", "team")
        .prefetch_related("aliases")
    )
    matches = [m for p in people if (m := _score(p, tokens, date_of_birth, pnc, crn)) is not None]
    matches.sort(key=lambda m: (-m.score, m.person.last_name, m.person.first_name, m.person.crn))
    return matches[:limit]


# --- workload ----------------------------------------------------------------------------------------------------
#
# As in hmpps-workload (and the Workload Management Tool before it): each case carries points by its type
# (community, licence, custody) and tier letter, each open court report points by its kind, and an officer's
# capacity is their grade's nominal target for 37 hours, scaled by the hours they are actually available over the
# capacity window (dated working patterns, less leave, sickness and training). Defaults are WMT's; administrators
# change WorkloadPoints and GradeCapacity in admin.

DEFAULT_WORKLOAD_POINTS = {
    "community": {"A": 150, "B": 100, "C": 51, "D": 30},
    "licence": {"A": 150, "B": 95, "C": 45, "D": 25},
    "custody": {"A": 150, "B": 95, "C": 45, "D": 25},
}
DEFAULT_REPORT_POINTS = {"standard_report": 132, "fast_report": 41}
DEFAULT_GRADE_CAPACITY = {"po": 2176, "pso": 2176, "spo": 0}  # WMT nominal targets at 37 hours; SPOs hold no cases
FULL_TIME_HOURS = 37
CASE_TYPES = ("community", "licence", "custody")


@dataclass(frozen=True)
class PointsTable:
    cases: dict  # case type -> tier letter -> points
    reports: dict  # "standard_report"/"fast_report" -> points

    def for_case(self, case_type: str, tier: str) -> int:
        by_letter = self.cases.get(case_type) or self.cases["community"]
        letter = (tier or "")[:1]
        # An untiered case counts as the lowest tier of its type.
        return by_letter.get(letter, by_letter.get("D", 0))

    def get(self, letter, default=None):
        """Community points by tier letter (the shape callers used before case types)."""
        return self.cases["community"].get(letter, default)


def tier_points() -> PointsTable:
    """The points in force (one query)."""
    from cases.models import WorkloadPoints

    cases = {ct: dict(letters) for ct, letters in DEFAULT_WORKLOAD_POINTS.items()}
    reports = dict(DEFAULT_REPORT_POINTS)
    for case_type, tier, points in WorkloadPoints.objects.values_list("case_type", "tier", "points"):
        if case_type in reports:
            reports[case_type] = points
        elif case_type in cases and tier:
            cases[case_type][tier] = points
    return PointsTable(cases, reports)


def grade_capacities() -> dict[str, int]:
    from cases.models import GradeCapacity

    capacities = dict(DEFAULT_GRADE_CAPACITY)
    capacities.update(GradeCapacity.objects.values_list("grade", "full_time_points"))
    return capacities


def case_type_expression(today: datetime.date, outer: str = "pk"):
    """SQL for a case's type from its latest sentence: custody until the (given or automatic) release date, licence
    after it, community otherwise (community and suspended sentence orders, or no sentence recorded yet)."""
    from django.db.models import Case, CharField, OuterRef, Subquery, When
    from django.db.models.functions import Coalesce

    from cases.models import Sentence

    latest = (
        Sentence.objects.filter(person_id=OuterRef(outer)).order_by("-sentence_date", "-id")
        # Sentence.expected_release_date: the actual release date once given, else the conditional release date.
        .annotate(expected_release=Coalesce("release_date", "conditional_release_date"))
        .annotate(case_type=Case(
            When(kind=Sentence.Kind.CUSTODY, expected_release__gt=today, then=Value("custody")),
            When(kind=Sentence.Kind.CUSTODY, then=Value("licence")),
            default=Value("community"), output_field=CharField()))
        .values("case_type")[:1]
    )
    return Coalesce(Subquery(latest, output_field=CharField()), Value("community"), output_field=CharField())


def person_case_type(person: Person, today: datetime.date | None = None) -> str:
    """The same rule as case_type_expression, for one person (uses prefetched sentences if there are any)."""
    today = today or timezone.localdate()
    sentences = sorted(person.sentences.all(), key=lambda s: (s.sentence_date, s.pk), reverse=True)
    if not sentences or sentences[0].kind != "custody":
        return "community"
    release = sentences[0].expected_release_date
    return "custody" if release is not None and release > today else "licence"


def case_points(person: Person, points: PointsTable | None = None, case_type: str | None = None) -> int:
    points = points if points is not None else tier_points()
    return points.for_case(case_type or person_case_type(person), person.tier)


def window_days(start: datetime.date, count: int, calendar=None) -> list[datetime.date]:
    """`count` working days from `start` (included when it is one)."""
    from probation.calendar import get_calendar

    calendar = calendar or get_calendar()
    day = start if calendar.is_working_day(start) else calendar.next_working_day(start)
    days = [day]
    while len(days) < count:
        day = calendar.next_working_day(day)
        days.append(day)
    return days


def hours_on(day: datetime.date, profile, patterns: list) -> float:
    """Contracted weekly hours on `day`: the latest WorkingPattern from on or before it, else the profile's."""
    for pattern in patterns:  # newest first
        if pattern.effective_from <= day:
            return float(pattern.hours_per_week)
    return float(profile.contracted_hours)


def available_capacity(*, grade_points: int, profile, patterns: list, absences: list,
                       days: list[datetime.date]) -> tuple[int, float]:
    """(capacity points, hours available) over `days`: the grade's full-time points scaled by the hours actually
    available on those working days (a day's hours are the week's / 5; an absence removes the whole day) against a
    full-time officer's hours on the same days."""
    available = 0.0
    if not absences and not patterns:  # most officers: the same hours every day (the same sum, added in order)
        per_day = float(profile.contracted_hours) / 5
        for _ in days:
            available += per_day
    else:
        for day in days:
            if any(a.start_date <= day <= a.end_date for a in absences):
                continue
            available += hours_on(day, profile, patterns) / 5
    full_time = FULL_TIME_HOURS / 5 * len(days)
    return int(grade_points * available / full_time) if full_time else 0, round(available, 1)


def capacity_for(profile, capacities: dict[str, int], *, on: datetime.date | None = None) -> int:
    """One officer's capacity from `on` (today): queries their patterns and absences."""
    from cases.models import Absence, CaseworkSettings, WorkingPattern

    on = on or timezone.localdate()
    days = window_days(on, CaseworkSettings.current().capacity_window_working_days)
    patterns = list(WorkingPattern.objects.filter(officer_id=profile.user_id).order_by("-effective_from"))
    absences = list(Absence.objects.filter(officer_id=profile.user_id, cancelled_at__isnull=True,
                                           end_date__gte=days[0], start_date__lte=days[-1]))
    return available_capacity(grade_points=capacities.get(profile.grade, 0), profile=profile, patterns=patterns,
                              absences=absences, days=days)[0]


@dataclass
class OfficerWorkload:
    profile: object  # StaffProfile, with user and team
    cases: int
    points: int
    capacity: int
    available_hours: float = 0.0
    absence: object = None  # the Absence covering the date, if away
    reports: int = 0
    by_type: dict = field(default_factory=dict)  # case type -> number of cases

    @property
    def user(self):
        return self.profile.user

    @property
    def holds_cases(self) -> bool:
        return self.profile.grade != "spo"

    @property
    def is_away(self) -> bool:
        return self.absence is not None

    @property
    def percent(self) -> int | None:
        """Points as a percentage of capacity; None when there is no capacity to measure against (an SPO, or an
        officer away for the whole window)."""
        return round(100 * self.points / self.capacity) if self.capacity else None

    @property
    def bar_percent(self) -> int:
        return min(self.percent or 0, 100)

    @property
    def headroom(self) -> int:
        return self.capacity - self.points

    @property
    def rag(self) -> str:
        if self.percent is None:
            return "grey"
        return "red" if self.percent > 100 else "amber" if self.percent >= 85 else "green"


def caseload_counts_live(user_ids, *, on: datetime.date) -> dict[int, tuple[dict, dict]]:
    """Each officer's CRC cases by "case type:tier letter" (case types as they stand on `on`) and open court reports by
    kind, counted from the cases themselves: two grouped queries over these officers' cases. What OfficerCaseload
    stores; officer_caseloads_refresh and the drift check call it."""
    from django.db.models.functions import Substr

    from cases.models import CourtReport

    counts: dict[int, tuple[dict, dict]] = {uid: ({}, {}) for uid in user_ids}
    if not counts:
        return counts
    rows = (
        Person.objects.crc().filter(offender_manager_id__in=list(counts))
        .annotate(letter=Substr("tier", 1, 1), case_type=case_type_expression(on))
        .values_list("offender_manager_id", "case_type", "letter").annotate(n=Count("id")).order_by()
    )
    for uid, case_type, letter, n in rows:
        key = f"{case_type}:{letter or ''}"
        counts[uid][0][key] = counts[uid][0].get(key, 0) + n
    for uid, kind, n in (CourtReport.objects.filter(author_id__in=list(counts), completed_on__isnull=True)
                         .values_list("author_id", "kind").annotate(n=Count("id")).order_by()):
        counts[uid][1][kind] = n
    return counts


def caseload_counts(user_ids, *, on: datetime.date | None = None, among=None) -> dict[int, tuple[dict, dict]]:
    """Each officer's case and report counts (as caseload_counts_live gives them) for today from the maintained
    OfficerCaseload rows: one query of one row an officer. Rows missing or counted before today (a custody case
    may have reached its release date since) are recounted and stored first, in the refresh's locked transaction,
    for those officers only. Any other day than today is counted live."""
    from cases.models import OfficerCaseload

    today = timezone.localdate()
    on = on or today
    user_ids = list(dict.fromkeys(user_ids))
    if on != today:
        return caseload_counts_live(user_ids, on=on)
    # `among`: the same officers as a subquery (user ids), so a long list of ids is not sent (and prepared) again.
    counts = {
        uid: (cases, reports)
        for uid, cases, reports in OfficerCaseload.objects.filter(
            officer_id__in=among if among is not None else user_ids, counted_on=today)
        .values_list("officer_id", "case_counts", "report_counts")
    }
    stale = [uid for uid in user_ids if uid not in counts]
    if stale:
        from cases.services import officer_caseloads_refresh

        counts.update(officer_caseloads_refresh(officer_ids=stale))
    return counts


def _workload_totals(user_ids, *, points: PointsTable, on: datetime.date, among=None) -> dict[int, dict]:
    """Cases, points, cases by type and open reports of each officer, from the maintained counts (one query)."""
    totals: dict[int, dict] = {uid: {"cases": 0, "points": 0, "by_type": {}, "reports": 0} for uid in user_ids}
    for uid, (case_counts, report_counts) in caseload_counts(user_ids, on=on, among=among).items():
        total = totals[uid]
        for key, n in case_counts.items():
            case_type, _, letter = key.partition(":")
            total["cases"] += n
            total["points"] += n * points.for_case(case_type, letter)
            total["by_type"][case_type] = total["by_type"].get(case_type, 0) + n
        for kind, n in report_counts.items():
            total["reports"] += n
            total["points"] += n * points.reports.get(f"{kind}_report", 0)
    return totals


def officer_workloads(profiles_qs, *, points=None, capacities=None, on: datetime.date | None = None,
                      settings_row=None) -> list[OfficerWorkload]:
    """Each officer's CRC caseload and open reports in points against the capacity their available hours give, in
    a constant number of queries whatever the number of officers or cases: profiles; the officers' maintained
    caseload counts (caseload_counts: one row an officer, never the cases themselves); working patterns;
    absences."""
    from cases.models import Absence, CaseworkSettings, WorkingPattern
    from probation.calendar import get_calendar

    on = on or timezone.localdate()
    points = points if points is not None else tier_points()
    capacities = capacities if capacities is not None else grade_capacities()
    settings_row = settings_row or CaseworkSettings.current()
    profiles = list(profiles_qs.select_related("user", "team", "team__borough"))
    if not profiles:
        return []
    user_ids = [p.user_id for p in profiles]
    totals = _workload_totals(user_ids, points=points, on=on)
    days = window_days(on, settings_row.capacity_window_working_days, get_calendar())
    patterns: dict[int, list] = {}
    for pattern in WorkingPattern.objects.filter(officer_id__in=user_ids).order_by("-effective_from"):
        patterns.setdefault(pattern.officer_id, []).append(pattern)
    absences: dict[int, list] = {}
    for absence in Absence.objects.filter(officer_id__in=user_ids, cancelled_at__isnull=True,
                                          end_date__gte=min(on, days[0]), start_date__lte=days[-1]):
        absences.setdefault(absence.officer_id, []).append(absence)
    result = []
    for p in profiles:
        own = absences.get(p.user_id, [])
        capacity, hours = available_capacity(grade_points=capacities.get(p.grade, 0), profile=p,
                                             patterns=patterns.get(p.user_id, []), absences=own, days=days)
        away = next((a for a in own if a.start_date <= on <= a.end_date), None)
        total = totals[p.user_id]
        result.append(OfficerWorkload(p, total["cases"], total["points"], capacity, hours, away, total["reports"],
                                      total["by_type"]))
    return result


# --- the allocation queue's suggestions: officers' workloads per team, cached --------------------------------------

QUEUE_WORKLOAD_SECONDS = 300  # the services drop a team's entry on each change they make; this bounds the rest


def _candidates_key(team_id: int, on: datetime.date) -> str:
    return f"cases:queue-candidates:{on.isoformat()}:{team_id}"


def workload_changed(*, team_ids=(), officer_ids=()) -> None:
    """Caseloads, absences or working patterns in these teams (or these officers' teams) changed: drop those teams'
    cached queue candidates, so the next view recomputes them (and only them). The allocation, move, absence,
    working-pattern and tier services call it on commit."""
    from django.core.cache import cache

    from cases.models import StaffProfile

    teams = {t for t in team_ids if t is not None}
    if officer_ids:
        teams |= set(StaffProfile.objects.filter(user_id__in=list(officer_ids)).values_list("team_id", flat=True))
    today = timezone.localdate()
    cache.delete_many([_candidates_key(t, today) for t in teams if t is not None])


class QueueCandidate(NamedTuple):
    """An officer who can be offered a case from the queue, as the page shows them (what the cache holds)."""
    user_id: int
    name: str
    percent: int
    headroom: int


def queue_candidates(team_ids, *, points=None, on: datetime.date | None = None) -> dict[int, list[QueueCandidate]]:
    """For the teams of the queue page shown only: the officers who can be offered a case (available, not SPOs,
    not away, with capacity), least loaded first, as allocation_suggestions orders them; a case's suggestion is the
    first with headroom for its points. Each team's list is cached for QUEUE_WORKLOAD_SECONDS and dropped by the
    services on commit of every allocation, move, absence, working pattern or tier change in the team
    (workload_changed), and of points or capacities edited in admin, so the suggestions are exact after those and
    at most that old for anything else (a sentence's case type); case_allocate re-checks the officer's room under a
    lock whatever the page suggested. Teams not cached are computed together by _team_candidates from the
    maintained caseload counts (a constant number of queries, no caseload grouped)."""
    from django.core.cache import cache

    on = on or timezone.localdate()
    team_ids = sorted({t for t in team_ids if t is not None})
    if not team_ids:
        return {}
    cached = cache.get_many([_candidates_key(t, on) for t in team_ids])
    by_team = {t: [QueueCandidate(*row) for row in cached[_candidates_key(t, on)]]
               for t in team_ids if _candidates_key(t, on) in cached}
    missing = [t for t in team_ids if t not in by_team]
    if missing:
        fresh = _team_candidates(missing, points=points if points is not None else tier_points(), on=on)
        _candidates_store(fresh, list(fresh), on)
        by_team.update(fresh)
    return by_team


def queue_candidates_refresh(*, on: datetime.date | None = None) -> int:
    """Refresh ahead: recompute the queue candidates of every team with a case waiting, and store them for another
    QUEUE_WORKLOAD_SECONDS, so the queue pages read them from the cache and no view pays for many teams expiring at
    once (about 10x a bare page at 200,000 people). Run by beat more often than entries expire
    (cases.tasks.refresh_queue_candidates). The services still drop a team's entry on each change, so a view after
    an allocation recomputes that one team; a change landing between this read and its write leaves an entry at
    most QUEUE_WORKLOAD_SECONDS old, as a view's own write can, and case_allocate re-checks the officer under a
    lock whatever the page suggested. Returns the number of teams refreshed."""
    on = on or timezone.localdate()
    team_ids = sorted(set(Person.objects.unallocated().exclude(team_id=None)
                          .values_list("team_id", flat=True).distinct()))
    if not team_ids:
        return 0
    _candidates_store(_team_candidates(team_ids, points=tier_points(), on=on), team_ids, on)
    return len(team_ids)


def _candidates_store(fresh: dict[int, list[QueueCandidate]], team_ids, on: datetime.date) -> None:
    """Cache each team's candidates (an empty list for a team with none) for QUEUE_WORKLOAD_SECONDS."""
    from django.core.cache import cache

    # Plain tuples in the cache: a named tuple pickles some 70 times slower (the class is looked up for each).
    cache.set_many({_candidates_key(t, on): [tuple(c) for c in fresh.get(t, [])] for t in team_ids},
                   QUEUE_WORKLOAD_SECONDS)


def _team_candidates(team_ids: list[int], *, points: PointsTable, on: datetime.date) -> dict[int, list[QueueCandidate]]:
    """queue_candidates for teams not cached: officer_workloads' rules (the same capacity, points and order as
    allocation_suggestions) read as plain rows, not model instances, since the hub's page may need every officer of
    some 45 teams at once. A constant number of queries: profiles, counts, patterns, absences, settings."""
    from cases.models import Absence, CaseworkSettings, StaffProfile, WorkingPattern
    from probation.calendar import get_calendar

    offered = StaffProfile.objects.filter(team_id__in=team_ids, is_available=True).exclude(grade="spo")
    profiles = list(offered.values_list("user_id", "team_id", "grade", "contracted_hours", "user__first_name",
                                        "user__last_name", "user__username", named=True))
    user_ids = [p.user_id for p in profiles]
    among = offered.values("user_id")  # the same officers, as a subquery in the next three queries
    totals = _workload_totals(user_ids, points=points, on=on, among=among)
    capacities = grade_capacities()
    days = window_days(on, CaseworkSettings.current().capacity_window_working_days, get_calendar())
    patterns: dict[int, list] = {}
    for pattern in (WorkingPattern.objects.filter(officer_id__in=among).order_by("-effective_from")
                    .values_list("officer_id", "effective_from", "hours_per_week", named=True)):
        patterns.setdefault(pattern.officer_id, []).append(pattern)
    absences: dict[int, list] = {}
    for absence in (Absence.objects.filter(officer_id__in=among, cancelled_at__isnull=True,
                                           end_date__gte=min(on, days[0]), start_date__lte=days[-1])
                    .values_list("officer_id", "start_date", "end_date", named=True)):
        absences.setdefault(absence.officer_id, []).append(absence)
    fits: dict[int, list] = {t: [] for t in team_ids}
    for p in profiles:
        own = absences.get(p.user_id, [])
        if any(a.start_date <= on <= a.end_date for a in own):
            continue  # away on the day: not offered
        capacity = available_capacity(grade_points=capacities.get(p.grade, 0), profile=p,
                                      patterns=patterns.get(p.user_id, []), absences=own, days=days)[0]
        if not capacity:
            continue
        total = totals[p.user_id]
        name = f"{p.user__first_name} {p.user__last_name}".strip() or p.user__username
        fits[p.team_id].append((total["points"] / capacity, total["cases"], p.user__last_name,
                                QueueCandidate(p.user_id, name, round(100 * total["points"] / capacity),
                                               capacity - total["points"])))
    return {t: [row[-1] for row in sorted(rows, key=lambda row: row[:3])] for t, rows in fits.items()}


def allocation_suggestions(person: Person, *, workloads: list[OfficerWorkload] | None = None,
                           points=None, on: datetime.date | None = None) -> list[OfficerWorkload]:
    """Officers in the case's team (right borough and cohort) who can take it, least loaded first: not SPOs, not
    marked unavailable, not away on the allocation date, and with room for the case's points."""
    from cases.models import StaffProfile

    if workloads is None:
        team = person.team
        if team is None:
            return []
        workloads = officer_workloads(
            StaffProfile.objects.filter(team=team, is_available=True, grade__in=["po", "pso"]), points=points, on=on
        )
    needed = case_points(person, points)
    fits = [w for w in workloads if w.profile.team_id == person.team_id and w.profile.is_available
            and w.holds_cases and not w.is_away and w.capacity and w.headroom >= needed]
    return sorted(fits, key=lambda w: (w.points / w.capacity, w.cases, w.user.last_name, w.user.first_name, w.user.pk))


# --- pages -------------------------------------------------------------------------------------------------------

def caseload_for(user):
    return (
        Person.objects.crc().filter(offender_manager=user)
        .select_related("home_borough", "team")
        .annotate(active_registers=Count("registers", filter=Q(registers__end_date__isnull=True)))
        .order_by("last_name", "first_name", "pk")
    )


def unallocated_queue_for(user):
    """Unallocated CRC cases in the teams `user` manages (administrators and hub staff: every team), oldest first
    (longest waiting since the NPS allocated the case to us). People held elsewhere (in custody on the Through the
    Gate caseload, registered by resettlement) wait there, not in a community team's queue."""
    from cases.registry import held_elsewhere_subqueries

    queryset = Person.objects.unallocated().filter(team__isnull=False)
    for subquery in held_elsewhere_subqueries():
        queryset = queryset.exclude(pk__in=subquery)
    if user.role == "team_manager":
        queryset = queryset.filter(team__manager=user)
    return queryset.select_related("team", "team__borough", "home_borough").order_by(
        F("allocation_due_since").asc(nulls_last=True), "id"
    )


# --- same-day allocation: age in working days, breaches, figures ---------------------------------------------------

def working_days_between(start: datetime.date, end: datetime.date, calendar=None) -> int:
    """Working days after `start` up to and including `end`: a case that arrived today is 0 days old, one that
    arrived on Friday is 1 on Monday (bank holidays and closure days do not count)."""
    from probation.calendar import get_calendar

    calendar = calendar or get_calendar()
    count, day = 0, start
    while True:
        day = calendar.next_working_day(day)
        if day > end:
            return count
        count += 1


@dataclass
class QueueAge:
    working_days: int | None
    breached: bool


def queue_ages(people, *, today: datetime.date | None = None, settings_row=None) -> dict[int, QueueAge]:
    """Each queued case's age in working days since it joined the queue, and whether it is beyond the target."""
    from cases.models import CaseworkSettings
    from probation.calendar import get_calendar

    today = today or timezone.localdate()
    target = (settings_row or CaseworkSettings.current()).allocation_target_working_days
    calendar = get_calendar()
    ages = {}
    for person in people:
        if person.allocation_due_since is None:
            ages[person.pk] = QueueAge(None, False)
            continue
        age = working_days_between(timezone.localtime(person.allocation_due_since).date(), today, calendar)
        ages[person.pk] = QueueAge(age, age > target)
    return ages


def allocation_figures(*, as_at: datetime.date, months: int = 6) -> dict:
    """Same-day allocation by team and month, as it stood at the end of `as_at` (any past date): for each month up
    to as_at's, the first allocations made, how many within the target, the median wait, and the cases still
    waiting at the end of that month (or at as_at for its own month). Read from Allocation rows (queued_at and
    working_days_waited are kept on each first allocation) and Person.allocation_due_since."""
    from django.db.models import Avg

    from cases.models import Allocation, CaseworkSettings, Team
    from cases.sentence_dates import add_months

    target = CaseworkSettings.current().allocation_target_working_days
    first_month = add_months(as_at.replace(day=1), -(months - 1))
    end_of = lambda month: min(add_months(month, 1) - datetime.timedelta(days=1), as_at)  # noqa: E731
    month_starts = [add_months(first_month, i) for i in range(months)]
    tz = timezone.get_current_timezone()
    start_dt = timezone.make_aware(datetime.datetime.combine(first_month, datetime.time()), tz)
    end_dt = timezone.make_aware(datetime.datetime.combine(as_at + datetime.timedelta(days=1), datetime.time()), tz)
    from django.db.models.functions import TruncMonth

    allocated = (
        Allocation.objects.filter(kind=Allocation.Kind.ALLOCATION, allocated_at__gte=start_dt, allocated_at__lt=end_dt)
        .annotate(month=TruncMonth("allocated_at", tzinfo=tz)).values("team_id", "month")
        .annotate(n=Count("id"), within=Count("id", filter=Q(working_days_waited__lte=target)),
                  measured=Count("id", filter=Q(working_days_waited__isnull=False)),
                  mean_wait=Avg("working_days_waited"))
        .order_by()
    )
    cells: dict[tuple[int, datetime.date], dict] = {}
    for row in allocated:
        month = row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"]
        cells[(row["team_id"], month)] = {"allocated": row["n"], "within": row["within"], "measured": row["measured"],
                                          "mean_wait": round(row["mean_wait"], 1) if row["mean_wait"] is not None else None}
    # Still waiting at the end of each month: queued by then and not first-allocated by then (escalated cases left
    # the queue and are not counted once handed to the NPS). One grouped query per month shown.
    for month in month_starts:
        month_end = timezone.make_aware(datetime.datetime.combine(end_of(month) + datetime.timedelta(days=1),
                                                                  datetime.time()), tz)
        waiting = (
            Person.objects.filter(allocation_due_since__lt=month_end, team__isnull=False)
            .exclude(allocations__kind=Allocation.Kind.ALLOCATION, allocations__allocated_at__lt=month_end)
            .exclude(nps_handovers__handed_over_at__lt=month_end)
            .values("team_id").annotate(n=Count("id")).order_by()
        )
        for row in waiting:
            cells.setdefault((row["team_id"], month), {})["waiting"] = row["n"]
    teams = Team.objects.filter(pk__in={team_id for team_id, _ in cells}).select_related("borough")
    rows = []
    for team in teams:
        months_row = []
        for month in month_starts:
            cell = cells.get((team.pk, month), {})
            allocated_n, within = cell.get("allocated", 0), cell.get("within", 0)
            measured = cell.get("measured", 0)
            months_row.append({
                "month": month, "allocated": allocated_n, "within": within,
                "breached": measured - within,
                "percent_within": round(100 * within / measured) if measured else None,
                "mean_wait": cell.get("mean_wait"), "waiting": cell.get("waiting", 0),
            })
        rows.append({"team": team, "months": months_row})
    return {"as_at": as_at, "target": target, "months": month_starts, "rows": rows}


def cases_with_long_absent_officer(*, teams, today: datetime.date | None = None, settings_row=None) -> list[dict]:
    """For an SPO: officers in these teams away today on an absence longer than the configured number of days,
    with each of their cases and its open work (from the registry). Three queries plus the registered listers."""
    from cases.models import Absence, CaseworkSettings
    from cases.registry import open_work_for

    today = today or timezone.localdate()
    limit = (settings_row or CaseworkSettings.current()).absence_flag_days
    absences = [
        a for a in Absence.objects.filter(
            officer__staff_profile__team__in=teams, cancelled_at__isnull=True, start_date__lte=today,
            end_date__gte=today).select_related("officer")
        if a.days > limit
    ]
    if not absences:
        return []
    # Only what the page shows (the CRN) and the order: an officer away long may hold fifty cases.
    people = list(Person.objects.crc().filter(offender_manager_id__in=[a.officer_id for a in absences])
                  .only("id", "crn", "offender_manager_id", "last_name", "first_name")
                  .order_by("last_name", "first_name", "pk"))
    work = open_work_for([p.pk for p in people])
    flagged = []
    for absence in absences:
        cases = [{"person": p, "open_work": work.get(p.pk, [])} for p in people if p.offender_manager_id == absence.officer_id]
        flagged.append({"absence": absence, "cases": cases})
    return flagged


# --- borough report section ---------------------------------------------------------------------------------------

def borough_report(borough, month) -> dict:
    """The cases section of a borough's monthly report for Community Safety Partnerships (probation.registry's
    documented shape; counts only, no personal data): CRC caseload by cohort and flags, allocations and escalations
    to the NPS in the month. `borough` is a Borough (or its code); `month` any day of the month reported."""
    from cases.models import Allocation, Cohort, NpsHandover
    from cases.sentence_dates import add_months

    if isinstance(borough, str):
        from partners.models import Borough

        borough = Borough.objects.get(code=borough)
    start = month.replace(day=1)
    end = add_months(start, 1)
    people = Person.objects.crc().filter(home_borough=borough)
    by_cohort = dict(people.order_by().values_list("cohort").annotate(n=Count("id")).values_list("cohort", "n"))
    totals = people.aggregate(
        caseload=Count("id"),
        unallocated=Count("id", filter=Q(offender_manager__isnull=True)),
        iom=Count("id", filter=Q(is_iom=True)),
        gto=Count("id", filter=Q(is_gto=True)),
    )
    allocated = Allocation.objects.filter(
        person__home_borough=borough, allocated_at__date__gte=start, allocated_at__date__lt=end
    ).count()
    escalated = NpsHandover.objects.filter(
        person__home_borough=borough, handed_over_at__date__gte=start, handed_over_at__date__lt=end
    ).count()
    cohorts = [(label, by_cohort.get(value, 0)) for value, label in Cohort.choices]
    return {
        "summary": [
            ["CRC caseload", totals["caseload"]],
            ["Awaiting allocation", totals["unallocated"]],
            ["IOM nominals", totals["iom"]],
            ["Gripping the Offender nominals", totals["gto"]],
            ["Cases allocated in the month", allocated],
            ["Cases escalated to the NPS in the month", escalated],
        ],
        "table": {"headers": ["Cohort", "People"], "rows": [[label, n] for label, n in cohorts]},
        "chart": {"type": "bar", "labels": [label for label, _ in cohorts],
                  "datasets": [{"label": "People on probation", "data": [n for _, n in cohorts]}]},
        "notes": ["Caseload and cohorts as at the date the report was produced; allocations and escalations in the month."],
    }


def staff_with_teams(users):
    """Users with what `staff_label` needs, in two queries however many there are."""
    return users.select_related("staff_profile__team").prefetch_related("managed_teams")


def staff_label(user) -> str:
    """A member of staff as a dropdown should name them: "Sarah Pryce (Camden working-age men)", so two people with
    the same name (or four "Team Manager Camden"s) can be told apart by their team."""
    name = user.get_full_name() or user.username
    profile = getattr(user, "staff_profile", None) if hasattr(user, "staff_profile") else None
    team = profile.team if profile is not None and profile.team_id else None
    if team is None:
        managed = list(user.managed_teams.all())
        team = managed[0] if managed else None
        if len(managed) > 1:
            return f"{name} ({team.name} and {len(managed) - 1} more)"
    detail = team.name if team else (user.job_title or user.get_role_display())
    return f"{name} ({detail})" if detail else name
