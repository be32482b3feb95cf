"""Reads for cases: finding a person, caseloads, the unallocated queue, workloads, the case page.

`person_search` is the one way to find a person; the MASH triage uses it to decide "known to us". The database finds
candidates (PostgreSQL: pg_trgm `%` on GIN trigram indexes; SQLite: a broad bigram filter for the demo), and
`_score` ranks them the same way on both, so the ranking never depends on the backend.
"""

import datetime
import functools
import re
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, F, Q, Value

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

DEFAULT_TIER_POINTS = {"A": 206, "B": 158, "C": 101, "D": 51}  # hmpps-workload-style defaults; TierWeight overrides
DEFAULT_UNTIERED_POINTS = 51
DEFAULT_GRADE_CAPACITY = {"po": 6500, "pso": 7500, "spo": 0}  # points at 37 hours; GradeCapacity overrides
FULL_TIME_HOURS = 37


def tier_points() -> dict[str, int]:
    from cases.models import TierWeight

    points = dict(DEFAULT_TIER_POINTS)
    points.update(TierWeight.objects.values_list("tier", "points"))
    return points


def grade_capacities() -> dict[str, int]:
    from cases.models import GradeCapacity

    capacities = dict(DEFAULT_GRADE_CAPACITY)
    capacities.update(GradeCapacity.objects.values_list("grade", "full_time_points"))
    return capacities


def points_expression(points: dict[str, int], prefix: str = ""):
    """SQL for one case's workload points by its tier letter, e.g. Sum(points_expression(...)) over a caseload."""
    from django.db.models import Case, IntegerField, When

    return Case(
        *[When(**{f"{prefix}tier__startswith": letter, "then": Value(value)}) for letter, value in points.items()],
        default=Value(DEFAULT_UNTIERED_POINTS),
        output_field=IntegerField(),
    )


def case_points(person: Person, points: dict[str, int] | None = None) -> int:
    points = points if points is not None else tier_points()
    return points.get((person.tier or "")[:1], DEFAULT_UNTIERED_POINTS)


@dataclass
class OfficerWorkload:
    profile: object  # StaffProfile, with user and team
    cases: int
    points: int
    capacity: int

    @property
    def user(self):
        return self.profile.user

    @property
    def percent(self) -> int:
        return round(100 * self.points / self.capacity) if self.capacity else 100

    @property
    def headroom(self) -> int:
        return self.capacity - self.points

    @property
    def rag(self) -> str:
        return "red" if self.percent > 100 else "amber" if self.percent >= 85 else "green"


def capacity_for(profile, capacities: dict[str, int]) -> int:
    return int(capacities.get(profile.grade, 0) * float(profile.contracted_hours) / FULL_TIME_HOURS)


def officer_workloads(profiles_qs, *, points=None, capacities=None) -> list[OfficerWorkload]:
    """Each officer's current CRC caseload and tier-weighted points against capacity: two queries whatever the
    number of officers (their profiles, then one GROUP BY on the caseload's offender_manager_id index)."""
    from django.db.models import Sum

    points = points if points is not None else tier_points()
    capacities = capacities if capacities is not None else grade_capacities()
    profiles = list(profiles_qs.select_related("user", "team", "team__borough"))
    totals = {
        row["offender_manager_id"]: row
        for row in Person.objects.crc()
        .filter(offender_manager_id__in=[p.user_id for p in profiles])
        .values("offender_manager_id")
        .annotate(cases=Count("id"), points=Sum(points_expression(points)))
        .order_by()
    } if profiles else {}
    return [
        OfficerWorkload(p, totals.get(p.user_id, {}).get("cases", 0), totals.get(p.user_id, {}).get("points") or 0,
                        capacity_for(p, capacities))
        for p in profiles
    ]


def allocation_suggestions(person: Person, *, workloads: list[OfficerWorkload] | None = None,
                           points=None) -> list[OfficerWorkload]:
    """Available officers in the case's team (right borough and cohort) who can take it, least loaded first."""
    from cases.models import StaffProfile

    if workloads is None:
        team = person.team
        if team is None:
            return []
        workloads = officer_workloads(
            StaffProfile.objects.filter(team=team, is_available=True, grade__in=["po", "pso"]), points=points
        )
    needed = case_points(person, points)
    fits = [w for w in workloads if w.profile.team_id == person.team_id and w.profile.is_available
            and w.profile.grade != "spo" and w.headroom >= needed]
    return sorted(fits, key=lambda w: (w.points / w.capacity if w.capacity else 9, w.cases, w.user.last_name))


# --- pages -------------------------------------------------------------------------------------------------------

def caseload_for(user):
    return (
        Person.objects.crc().filter(offender_manager=user)
        .select_related("home_borough", "team")
        .annotate(active_registers=Count("registers", filter=Q(registers__end_date__isnull=True)))
        .order_by("last_name", "first_name")
    )


def unallocated_queue_for(user):
    """Unallocated CRC cases in the teams `user` manages (administrators and hub staff: every team), oldest first."""
    queryset = Person.objects.unallocated().filter(team__isnull=False)
    if user.role == "team_manager":
        queryset = queryset.filter(team__manager=user)
    return queryset.select_related("team", "team__borough", "home_borough").order_by(
        F("allocation_due_since").asc(nulls_last=True), "id"
    )


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
