"""Sentence dates: term end, release, licence and Post Sentence Supervision (PSS). Pure functions: no database, no
clock, so the rules can be tested against worked examples and an independent reference.

The authority staff compare against is the MoJ's public `calculate-release-dates-api` (CRDS). Each step below names
the rule it implements and where CRDS implements it:
- `model/Duration.kt` `getEndDate` / `getLengthInDays` ("PSI 5.5 Converting a Sentence in to Days").
- `service/SentenceCalculationService.kt` `getInitialCalculation` (release point: ceil(days x multiplier) counted
  from the start day) and `calculateNPD` (two thirds).
- `service/TusedCalculator.kt` `doesTopUpSentenceExpiryDateApply`, `sentenceMatchesTusedCriteria` and
  `calculateTused` (the top-up supervision expiry date, TUSED, which is our PSS end).
- `model/SentenceTimeline.kt` `durationIsLessThan` (how "under two years" is measured).

Only standard determinate sentences (SDS) are matched date for date, without adjustments (remand, UAL, added days);
extended determinate sentences (EDS) follow the release points of the Criminal Justice Act 2003 s.246A. Not modelled:
the 2024 SDS40 early release, consecutive and concurrent sentences, recalls.
"""

import calendar
import datetime
import math
from dataclasses import dataclass

ORA_COMMENCEMENT = datetime.date(2015, 2, 1)  # Offender Rehabilitation Act 2014: offences on or after this day
# EDS sentenced on or after this day are released by the Parole Board from two thirds (CJA 2003 s.246A as amended by
# the Criminal Justice and Courts Act 2015, s.4, in force 13 April 2015); before it, automatically at two thirds.
EDS_PAROLE_BOARD_FROM = datetime.date(2015, 4, 13)
PSS_TERM_LIMIT_MONTHS = 24  # TUSED applies to terms under two years (TusedCalculator: durationIsLessThan(2, YEARS))
TUSED_MONTHS = 12  # TUSED = unadjusted release date plus 12 months (TusedCalculator.calculateTused)
YEAR_IN_DAYS = 365  # "licence period under one year" (SentenceCalculationService: ... < YEAR_IN_DAYS)
PSS_MINIMUM_AGE = 18  # TusedCalculator.sentenceMatchesTusedCriteria: age on the release date >= 18
ONE_DAY = datetime.timedelta(days=1)


class Unit:
    MONTHS = "months"
    WEEKS = "weeks"
    DAYS = "days"


@dataclass(frozen=True)
class Term:
    """A sentence or order length as the court gives it: months, weeks and days together (CRDS `Duration`, where a
    year is 12 calendar months: "Policy confirmed that the years work exactly the same one year = 12 calendar
    months")."""

    months: int = 0
    weeks: int = 0
    days: int = 0

    def __post_init__(self):
        if min(self.months, self.weeks, self.days) < 0:
            raise ValueError("A sentence length cannot be negative.")
        if self.months == self.weeks == self.days == 0:
            raise ValueError("Enter the sentence length.")

    def __add__(self, other: "Term") -> "Term":  # Duration.appendAll: like units add up
        return Term(self.months + other.months, self.weeks + other.weeks, self.days + other.days)

    def __str__(self) -> str:
        parts = [(self.months, "month"), (self.weeks, "week"), (self.days, "day")]
        return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n) or "0 days"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """java.time LocalDate.plusMonths: the same day of the month `months` later, clamped to that month's last day
    (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _end_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])  # util plusDaysUntilEndOfMonth


def term_end(start: datetime.date, term: Term) -> datetime.date:
    """The last day of a term starting on `start` (PSI 5.5; Duration.getEndDate).

    - A start on the 1st with months in the term: the term ends on the last day of the Nth month
      (`startDate.plusMonths(months - 1).plusDaysUntilEndOfMonth()`).
    - Otherwise: (start - 1 day) + N months, clamped to the month's end (`minusDays(1)` then `plusMonths`); so one
      month from 31 Jan 2021 ends 28 Feb 2021 and one month from 31 Mar ends 30 Apr.
    - Then weeks, then days are added (`plusWeeks`, `plusDays`): 14 days from 1 Jan end on 14 Jan.
    """
    first_of_month = start.day == 1 and term.months != 0  # isDateAdjustedForFirstDayOfMonth
    if first_of_month:
        end = _end_of_month(add_months(start, term.months - 1))
    else:
        end = add_months(start - ONE_DAY, term.months)
    return end + datetime.timedelta(weeks=term.weeks, days=term.days)


def term_days(start: datetime.date, term: Term) -> int:
    """The term in days, counting the start day (Duration.getLengthInDays: DAYS.between(start, end) + 1)."""
    return (term_end(start, term) - start).days + 1


def is_shorter_than(start: datetime.date, term: Term, months: int) -> bool:
    """SentenceTimeline.durationIsLessThan: the term's days against the days from start to start + `months`."""
    return term_days(start, term) < (add_months(start, months) - start).days


def release_point(start: datetime.date, days: int, numerator: int, denominator: int) -> datetime.date:
    """start + ceil(days x fraction) - 1 (SentenceCalculationService.getInitialCalculation for the half,
    calculateNPD for two thirds). Integer ceiling, so no floating point."""
    return start + datetime.timedelta(days=-(-days * numerator // denominator) - 1)


def age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


@dataclass(frozen=True)
class SentenceDates:
    sentence_expiry: datetime.date  # last day of the custodial term (SED)
    conditional_release: datetime.date  # the unadjusted automatic release date (CRD; EDS: its automatic release)
    release_date: datetime.date  # the actual release date if given, else the automatic one
    licence_end: datetime.date | None  # None when there is no licence (pre-ORA terms under 12 months, one day)
    pss_start: datetime.date | None
    pss_end: datetime.date | None  # TUSED
    parole_eligibility: datetime.date | None = None  # EDS sentenced from 13 April 2015: the two-thirds point
    reason: str = ""  # why there is no PSS (or no licence), in plain words; "" when PSS applies

    @property
    def supervision_end(self) -> datetime.date | None:
        return self.pss_end or self.licence_end

    @property
    def has_pss(self) -> bool:
        return self.pss_end is not None


def custodial_dates(
    *,
    sentence_date: datetime.date,
    term: Term,
    offence_date: datetime.date,
    date_of_birth: datetime.date,
    release_date: datetime.date | None = None,
    is_extended: bool = False,
    extension_months: int = 0,
) -> SentenceDates:
    """Release, licence and PSS dates for a custodial term starting on `sentence_date`.

    `release_date` is the actual release (early on HDC, by the Parole Board, or late): the licence runs from it, but
    it never moves the release points or the PSS end, which come from the unadjusted dates (TusedCalculator uses
    `unadjustedDeterminateReleaseDate`). Raises ValueError for a negative extension or a release date outside the
    custodial term.
    """
    if extension_months < 0:
        raise ValueError("The extension period cannot be negative.")
    days = term_days(sentence_date, term)  # PSI 5.5
    sentence_expiry = term_end(sentence_date, term)  # SED = start + days - 1
    if release_date is not None and release_date < sentence_date:
        raise ValueError("The release date cannot be before the date of sentence.")
    if release_date is not None and release_date > sentence_expiry + ONE_DAY:
        raise ValueError("The release date cannot be after the end of the custodial term.")

    if is_extended:
        # EDS (CJA 2003 s.226A/s.246A): the licence runs to the end of the extended sentence, custodial term plus
        # extension counted as one Duration from the start (ExtendedDeterminateSentence.combinedDuration).
        licence_end = term_end(sentence_date, term + Term(months=extension_months)) if extension_months else sentence_expiry
        two_thirds = release_point(sentence_date, days, 2, 3)  # calculateNPD: ceil(days x 2/3), from the start day
        if sentence_date >= EDS_PAROLE_BOARD_FROM:
            # Release by the Parole Board from two thirds (PED); automatic only at the end of the custodial term.
            crd, ped = sentence_expiry, two_thirds
            note = (f"Extended sentence: Parole Board release from {two_thirds:%d %b %Y}, automatic at the end of the "
                    "custodial term; no PSS.")
        else:
            crd, ped = two_thirds, None
            note = "Extended sentence: automatic release at two thirds; no PSS."
        return SentenceDates(sentence_expiry, crd, release_date or crd, licence_end, None, None, ped, note)

    crd = release_point(sentence_date, days, 1, 2)  # SDS: CRD = start + ceil(days / 2) - 1
    released = release_date or crd
    if days <= 1:
        # TusedCalculator: getLengthInDays() > 1; a one-day term is served on the day, with no licence.
        return SentenceDates(sentence_expiry, crd, released, None, None, None, None,
                             "A one-day term has no licence or PSS.")
    if offence_date < ORA_COMMENCEMENT:  # Sentence.isOraSentence: offence on or after 1 February 2015
        if is_shorter_than(sentence_date, term, 12):
            return SentenceDates(sentence_expiry, crd, released, None, None, None, None,
                                 "Offence before 1 February 2015: no licence for a term under 12 months.")
        return SentenceDates(sentence_expiry, crd, released, sentence_expiry, None, None, None,
                             "PSS does not apply to offences before 1 February 2015.")
    if not is_shorter_than(sentence_date, term, PSS_TERM_LIMIT_MONTHS):  # durationIsLessThan(TWO, YEARS)
        return SentenceDates(sentence_expiry, crd, released, sentence_expiry, None, None, None,
                             "PSS applies only to custodial terms under two years.")
    if (sentence_expiry - crd).days >= YEAR_IN_DAYS:
        # PSI 03/2015 P53 (SentenceCalculationService): a licence of at least a year needs no top-up.
        return SentenceDates(sentence_expiry, crd, released, sentence_expiry, None, None, None,
                             "The licence already lasts twelve months.")
    if age_on(date_of_birth, crd) < PSS_MINIMUM_AGE:  # sentenceMatchesTusedCriteria: age on the release date
        return SentenceDates(sentence_expiry, crd, released, sentence_expiry, None, None, None,
                             "PSS does not apply to people under 18 on the conditional release date.")
    pss_end = add_months(crd, TUSED_MONTHS)  # calculateTused: unadjustedDeterminateReleaseDate.plusMonths(12)
    return SentenceDates(sentence_expiry, crd, released, sentence_expiry, sentence_expiry + ONE_DAY, pss_end)


def order_end(start: datetime.date, term: Term) -> datetime.date:
    """Community orders, suspended sentence orders and requirements: the same PSI 5.5 term arithmetic."""
    return term_end(start, term)


def months_rounded_up(start: datetime.date, term: Term) -> int:
    """The smallest whole number of months from `start` that covers the term (16 weeks -> 4; 12 months 1 day -> 13),
    for rules stated in months ("serving over 12 months")."""
    end = term_end(start, term)
    months = max(1, term.months)
    while term_end(start, Term(months=months)) < end:
        months += 1
    return months
