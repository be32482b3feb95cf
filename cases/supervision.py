"""Supervision end dates for custodial sentences under the Offender Rehabilitation Act 2014. Pure functions: no
database, no clock, so the rules can be tested against the Act's own worked examples.

The rules (Criminal Justice Act 2003 ss.244, 256AA, as amended by the ORA 2014; in force for offences committed on or
after 1 February 2015):
- A standard determinate sentence of more than one day is served half in custody: the person is released
  automatically at the halfway point (the "conditional release date") unless a release date is given.
- The licence runs from release to the sentence expiry date (the last day of the custodial term).
- A custodial term under two years is followed by Post Sentence Supervision (PSS) from the day after the sentence
  expiry date to twelve months after release, so that licence plus PSS make twelve months: 6 months' custody gives
  3 months' licence and 9 months' PSS; 18 months gives 9 and 3; under 12 months is twelve months' supervision
  on release in all.
- PSS does not apply to extended sentences (whose licence runs to the end of the extension period), to offences
  committed before 1 February 2015, or to people under 18 on the halfway point.
- Before the ORA, a custodial term under 12 months had no licence at all.
"""

import calendar
import datetime
from dataclasses import dataclass

ORA_COMMENCEMENT = datetime.date(2015, 2, 1)
PSS_TERM_LIMIT_MONTHS = 24  # PSS applies to custodial terms under two years
SUPERVISION_MONTHS = 12  # licence + PSS together, counted from release


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month `months` later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


@dataclass(frozen=True)
class SupervisionDates:
    sentence_expiry: datetime.date  # last day of the custodial term
    release_date: datetime.date  # the given release date, or the automatic-release halfway point
    licence_end: datetime.date | None  # None when there is no licence (pre-ORA terms under 12 months)
    pss_start: datetime.date | None
    pss_end: datetime.date | None
    reason: str = ""  # why there is no PSS (or no licence), in plain words; "" when PSS applies

    @property
    def supervision_end(self) -> datetime.date | None:
        return self.pss_end or self.licence_end

    @property
    def has_pss(self) -> bool:
        return self.pss_end is not None


def custodial_supervision(
    *,
    sentence_date: datetime.date,
    custodial_term_months: int,
    offence_date: datetime.date,
    date_of_birth: datetime.date,
    release_date: datetime.date | None = None,
    is_extended: bool = False,
    extension_months: int = 0,
) -> SupervisionDates:
    """Licence and PSS dates for a custodial sentence starting on `sentence_date`.

    `release_date` overrides the automatic halfway point (e.g. the actual release). Raises ValueError for a term
    shorter than one month, a negative extension, or a release date outside the custodial term.
    """
    if custodial_term_months < 1:
        raise ValueError("The custodial term must be at least one month.")
    if extension_months < 0:
        raise ValueError("The extension period cannot be negative.")
    sentence_expiry = add_months(sentence_date, custodial_term_months) - datetime.timedelta(days=1)
    term_days = (sentence_expiry - sentence_date).days + 1
    halfway = sentence_date + datetime.timedelta(days=(term_days + 1) // 2)  # half the term, rounded up
    if release_date is None:
        release_date = halfway
    elif release_date < sentence_date:
        raise ValueError("The release date cannot be before the date of sentence.")
    elif release_date > sentence_expiry + datetime.timedelta(days=1):
        raise ValueError("The release date cannot be after the end of the custodial term.")

    if is_extended:
        licence_end = add_months(sentence_expiry, extension_months) if extension_months else sentence_expiry
        return SupervisionDates(sentence_expiry, release_date, licence_end, None, None,
                                "PSS does not apply to extended sentences.")
    if offence_date < ORA_COMMENCEMENT:
        if custodial_term_months < 12:
            return SupervisionDates(sentence_expiry, release_date, None, None, None,
                                    "Offence before 1 February 2015: no licence for a term under 12 months.")
        return SupervisionDates(sentence_expiry, release_date, sentence_expiry, None, None,
                                "PSS does not apply to offences before 1 February 2015.")
    if custodial_term_months >= PSS_TERM_LIMIT_MONTHS:
        return SupervisionDates(sentence_expiry, release_date, sentence_expiry, None, None,
                                "PSS applies only to custodial terms under two years.")
    if age_on(date_of_birth, halfway) < 18:
        return SupervisionDates(sentence_expiry, release_date, sentence_expiry, None, None,
                                "PSS does not apply to people under 18 at the halfway point.")
    pss_end = add_months(release_date, SUPERVISION_MONTHS) - datetime.timedelta(days=1)
    pss_start = sentence_expiry + datetime.timedelta(days=1)
    if pss_end < pss_start:
        # Released so late that the licence already covers twelve months: nothing left for PSS.
        return SupervisionDates(sentence_expiry, release_date, sentence_expiry, None, None,
                                "The licence already covers twelve months from release.")
    return SupervisionDates(sentence_expiry, release_date, sentence_expiry, pss_start, pss_end, "")
