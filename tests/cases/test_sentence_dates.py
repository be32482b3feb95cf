"""Sentence dates against the MoJ's calculate-release-dates-api rules: the issue's worked examples, the ORA's own
examples (6 months: 3 + 9; 18 months: 9 + 3), and a property test against an independent reference written here
with dateutil over thousands of generated sentences."""

import datetime
import math

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cases.sentence_dates import (
    Term,
    add_months,
    custodial_dates,
    months_rounded_up,
    order_end,
    term_days,
    term_end,
)

D = datetime.date
ADULT = D(1980, 1, 1)
AFTER_ORA = D(2016, 1, 1)


# --- worked examples ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "term", "end"), [
    (D(2021, 1, 31), Term(months=1), D(2021, 2, 28)),  # the issue: today's code said 27 Feb
    (D(2021, 3, 31), Term(months=1), D(2021, 4, 30)),  # the issue: today's code said 29 Apr
    (D(2020, 1, 1), Term(months=6), D(2020, 6, 30)),  # from the 1st: the last day of the 6th month
    (D(2020, 2, 1), Term(months=1), D(2020, 2, 29)),
    (D(2021, 2, 28), Term(months=1), D(2021, 3, 27)),
    (D(2020, 1, 1), Term(days=14), D(2020, 1, 14)),  # days count the start day
    (D(2020, 1, 1), Term(weeks=16), D(2020, 4, 21)),
    (D(2020, 1, 15), Term(months=1, weeks=2, days=3), D(2020, 3, 2)),
])
def test_term_ends_as_psi_5_5_counts_it(start, term, end):
    assert term_end(start, term) == end
    assert order_end(start, term) == end


def test_six_months_from_1_january_2020_is_182_days_and_releases_on_31_march():
    assert term_days(D(2020, 1, 1), Term(months=6)) == 182
    dates = custodial_dates(sentence_date=D(2020, 1, 1), term=Term(months=6), offence_date=D(2019, 12, 1),
                            date_of_birth=ADULT)
    assert dates.conditional_release == D(2020, 3, 31)  # today's code said 1 Apr
    assert dates.release_date == D(2020, 3, 31)
    assert dates.pss_end == D(2021, 3, 31)


def test_someone_17_on_the_conditional_release_date_gets_no_pss():
    dates = custodial_dates(sentence_date=D(2020, 1, 1), term=Term(months=6), offence_date=D(2019, 12, 1),
                            date_of_birth=D(2002, 4, 1))
    assert dates.pss_end is None and dates.pss_start is None
    assert "under 18" in dates.reason
    eighteen_on_the_day = custodial_dates(sentence_date=D(2020, 1, 1), term=Term(months=6),
                                          offence_date=D(2019, 12, 1), date_of_birth=D(2002, 3, 31))
    assert eighteen_on_the_day.has_pss


def test_six_months_custody_gives_three_months_licence_and_nine_months_pss():
    dates = custodial_dates(sentence_date=D(2016, 1, 1), term=Term(months=6), offence_date=AFTER_ORA,
                            date_of_birth=ADULT)
    assert dates.conditional_release == D(2016, 3, 31)
    assert dates.licence_end == D(2016, 6, 30)
    assert dates.pss_start == D(2016, 7, 1)
    assert dates.pss_end == D(2017, 3, 31)
    assert dates.reason == ""


def test_eighteen_months_custody_gives_nine_months_licence_and_three_months_pss():
    dates = custodial_dates(sentence_date=D(2016, 1, 1), term=Term(months=18), offence_date=AFTER_ORA,
                            date_of_birth=ADULT)
    assert dates.conditional_release == D(2016, 9, 30)  # 547 days: ceil(273.5) = 274th day
    assert dates.licence_end == D(2017, 6, 30)
    assert dates.pss_start == D(2017, 7, 1)
    assert dates.pss_end == D(2017, 9, 30)
    assert dates.supervision_end == D(2017, 9, 30)


def test_an_early_hdc_release_or_a_late_one_does_not_move_the_pss_end():
    kwargs = dict(sentence_date=D(2020, 1, 1), term=Term(months=6), offence_date=D(2019, 12, 1), date_of_birth=ADULT)
    on_time = custodial_dates(**kwargs)
    early = custodial_dates(**kwargs, release_date=D(2020, 2, 15))
    late = custodial_dates(**kwargs, release_date=D(2020, 4, 20))
    assert early.release_date == D(2020, 2, 15) and late.release_date == D(2020, 4, 20)
    assert early.pss_end == late.pss_end == on_time.pss_end == D(2021, 3, 31)
    assert early.conditional_release == late.conditional_release == D(2020, 3, 31)


def test_sentences_in_weeks_and_days_get_dates():
    fourteen_days = custodial_dates(sentence_date=D(2020, 1, 1), term=Term(days=14), offence_date=D(2019, 12, 1),
                                    date_of_birth=ADULT)
    assert fourteen_days.sentence_expiry == D(2020, 1, 14)
    assert fourteen_days.conditional_release == D(2020, 1, 7)
    assert fourteen_days.pss_end == D(2021, 1, 7)
    sixteen_weeks = custodial_dates(sentence_date=D(2020, 1, 1), term=Term(weeks=16), offence_date=D(2019, 12, 1),
                                    date_of_birth=ADULT)
    assert sixteen_weeks.conditional_release == D(2020, 2, 25)  # 112 days: the 56th
    assert months_rounded_up(D(2020, 1, 1), Term(weeks=16)) == 4


def test_extended_sentence_released_by_the_parole_board_from_two_thirds_with_licence_to_the_extension_end():
    dates = custodial_dates(sentence_date=D(2020, 1, 1), term=Term(months=48), offence_date=D(2019, 6, 1),
                            date_of_birth=ADULT, is_extended=True, extension_months=36)
    days = term_days(D(2020, 1, 1), Term(months=48))  # 1,461
    assert dates.parole_eligibility == D(2020, 1, 1) + datetime.timedelta(days=math.ceil(days * 2 / 3) - 1)
    assert dates.conditional_release == D(2023, 12, 31)  # automatic only at the end of the custodial term
    assert dates.licence_end == D(2026, 12, 31)
    assert dates.pss_end is None
    before_2015 = custodial_dates(sentence_date=D(2014, 1, 1), term=Term(months=48), offence_date=D(2013, 6, 1),
                                  date_of_birth=ADULT, is_extended=True, extension_months=36)
    assert before_2015.parole_eligibility is None
    assert before_2015.conditional_release == D(2014, 1, 1) + datetime.timedelta(days=math.ceil(1461 * 2 / 3) - 1)


def test_two_years_or_more_has_licence_to_sentence_expiry_and_no_pss():
    dates = custodial_dates(sentence_date=D(2016, 1, 1), term=Term(months=24), offence_date=AFTER_ORA,
                            date_of_birth=ADULT)
    assert dates.licence_end == D(2017, 12, 31)
    assert dates.pss_end is None
    assert "under two years" in dates.reason


def test_pre_ora_offences_get_no_pss_and_no_licence_under_twelve_months():
    short = custodial_dates(sentence_date=D(2016, 1, 1), term=Term(months=6), offence_date=D(2014, 12, 1),
                            date_of_birth=ADULT)
    assert short.licence_end is None and short.pss_end is None
    longer = custodial_dates(sentence_date=D(2016, 1, 1), term=Term(months=12), offence_date=D(2014, 12, 1),
                             date_of_birth=ADULT)
    assert longer.licence_end == D(2016, 12, 31) and longer.pss_end is None


@pytest.mark.parametrize("bad", [{"release_date": D(2015, 12, 31)}, {"release_date": D(2017, 1, 1)},
                                 {"extension_months": -1}])
def test_impossible_inputs_raise_value_error(bad):
    kwargs = dict(sentence_date=D(2016, 1, 1), term=Term(months=6), offence_date=AFTER_ORA, date_of_birth=ADULT)
    with pytest.raises(ValueError):
        custodial_dates(**(kwargs | bad))


def test_a_term_needs_a_length():
    with pytest.raises(ValueError):
        Term()


def test_add_months_clamps_like_java_plus_months():
    assert add_months(D(2020, 1, 31), 1) == D(2020, 2, 29)
    assert add_months(D(2020, 2, 29), 12) == D(2021, 2, 28)


# --- property test: an independent reference ---------------------------------------------------------------------

def reference(start, months, weeks, days, offence, dob):
    """The rules written again from the issue's wording with dateutil, not from the implementation."""
    if months and start.day == 1:
        end = start + relativedelta(months=months) - datetime.timedelta(days=1)  # last day of the Nth month
    else:
        end = start - datetime.timedelta(days=1) + relativedelta(months=months)
    end = end + datetime.timedelta(days=7 * weeks + days)
    length = (end - start).days + 1
    crd = start + datetime.timedelta(days=math.ceil(length / 2) - 1)
    two_years = (start + relativedelta(years=2) - start).days
    pss = (
        offence >= D(2015, 2, 1)
        and length > 1
        and length < two_years
        and (end - crd).days < 365
        and relativedelta(crd, dob).years >= 18
    )
    return end, crd, (crd + relativedelta(months=12) if pss else None)


SPECIAL_STARTS = [D(y, m, d) for y in (2019, 2020, 2023, 2024) for m, d in
                  [(1, 1), (1, 31), (2, 28), (2, 29), (3, 1), (3, 31), (4, 30), (8, 31), (12, 31), (11, 30)]
                  if not (m == 2 and d == 29 and y % 4)]
starts = st.one_of(st.dates(D(2015, 2, 1), D(2032, 12, 31)), st.sampled_from(SPECIAL_STARTS))
terms = st.one_of(
    st.tuples(st.integers(1, 48), st.just(0), st.just(0)),  # months
    st.tuples(st.just(0), st.integers(1, 208), st.just(0)),  # weeks
    st.tuples(st.just(0), st.just(0), st.integers(1, 1461)),  # days: 1 day to 4 years
    st.tuples(st.integers(0, 36), st.integers(0, 52), st.integers(0, 31)).filter(lambda t: any(t)),
)


@settings(max_examples=4000, deadline=None)
@given(start=starts, term=terms, age_offset=st.integers(-500, 500), before_ora=st.booleans())
@example(start=D(2020, 1, 1), term=(6, 0, 0), age_offset=0, before_ora=False)
@example(start=D(2021, 1, 31), term=(1, 0, 0), age_offset=-1, before_ora=False)
def test_dates_match_an_independent_reference(start, term, age_offset, before_ora):
    months, weeks, days = term
    offence = D(2015, 1, 31) if before_ora else D(2015, 2, 1)
    # Ages around 18 on the release date: born 18 years before the start, give or take 500 days.
    dob = start - relativedelta(years=18) + datetime.timedelta(days=age_offset)
    end, crd, tused = reference(start, months, weeks, days, offence, dob)
    dates = custodial_dates(sentence_date=start, term=Term(months, weeks, days), offence_date=offence,
                            date_of_birth=dob)
    assert dates.sentence_expiry == end
    assert dates.conditional_release == crd
    assert dates.pss_end == tused
    if tused is not None:
        assert dates.pss_start == end + datetime.timedelta(days=1) <= tused
