"""The ORA 2014 supervision rules, tested against the Act's own examples (6 months: 3 + 9; 18 months: 9 + 3)."""

import datetime

import pytest

from cases.supervision import add_months, custodial_supervision

D = datetime.date
ADULT = D(1980, 1, 1)
AFTER_ORA = D(2016, 1, 1)


def months_between(a: datetime.date, b_inclusive: datetime.date) -> int:
    """Whole calendar months from a to the day after b (so 1 Jan..31 Mar is 3)."""
    b = b_inclusive + datetime.timedelta(days=1)
    return (b.year - a.year) * 12 + b.month - a.month


def test_six_months_custody_gives_three_months_licence_and_nine_months_pss():
    dates = custodial_supervision(sentence_date=D(2016, 1, 1), custodial_term_months=6, offence_date=AFTER_ORA,
                                  date_of_birth=ADULT)
    assert dates.release_date == D(2016, 4, 1)
    assert dates.licence_end == D(2016, 6, 30)
    assert months_between(dates.release_date, dates.licence_end) == 3
    assert dates.pss_start == D(2016, 7, 1)
    assert dates.pss_end == D(2017, 3, 31)
    assert months_between(dates.pss_start, dates.pss_end) == 9
    assert dates.reason == ""


def test_eighteen_months_custody_gives_nine_months_licence_and_three_months_pss():
    dates = custodial_supervision(sentence_date=D(2016, 1, 1), custodial_term_months=18, offence_date=AFTER_ORA,
                                  date_of_birth=ADULT)
    assert dates.release_date == D(2016, 10, 1)
    assert months_between(dates.release_date, dates.licence_end) == 9
    assert months_between(dates.pss_start, dates.pss_end) == 3
    assert dates.supervision_end == D(2017, 9, 30)


@pytest.mark.parametrize("months", [1, 3, 6, 9, 11, 12, 13, 18, 23])
def test_licence_and_pss_make_twelve_months_from_release_for_terms_under_two_years(months):
    dates = custodial_supervision(sentence_date=D(2017, 3, 15), custodial_term_months=months, offence_date=AFTER_ORA,
                                  date_of_birth=ADULT)
    assert dates.pss_end == add_months(dates.release_date, 12) - datetime.timedelta(days=1)
    assert dates.pss_start == dates.licence_end + datetime.timedelta(days=1)


def test_two_years_or_more_has_licence_to_sentence_expiry_and_no_pss():
    dates = custodial_supervision(sentence_date=D(2016, 1, 1), custodial_term_months=24, offence_date=AFTER_ORA,
                                  date_of_birth=ADULT)
    assert dates.licence_end == D(2017, 12, 31)
    assert dates.pss_end is None and dates.pss_start is None
    assert "under two years" in dates.reason


def test_pss_does_not_apply_to_extended_sentences():
    dates = custodial_supervision(sentence_date=D(2016, 1, 1), custodial_term_months=12, offence_date=AFTER_ORA,
                                  date_of_birth=ADULT, is_extended=True, extension_months=24)
    assert dates.pss_end is None
    assert dates.licence_end == D(2018, 12, 31)
    assert "extended" in dates.reason


def test_pss_does_not_apply_to_offences_before_1_february_2015():
    dates = custodial_supervision(sentence_date=D(2015, 3, 1), custodial_term_months=18, offence_date=D(2015, 1, 31),
                                  date_of_birth=ADULT)
    assert dates.pss_end is None
    assert dates.licence_end == D(2016, 8, 31)
    assert "1 February 2015" in dates.reason


def test_offence_on_1_february_2015_gets_pss():
    dates = custodial_supervision(sentence_date=D(2015, 3, 1), custodial_term_months=6, offence_date=D(2015, 2, 1),
                                  date_of_birth=ADULT)
    assert dates.pss_end is not None


def test_pre_ora_short_sentence_has_no_licence():
    dates = custodial_supervision(sentence_date=D(2015, 3, 1), custodial_term_months=6, offence_date=D(2014, 12, 1),
                                  date_of_birth=ADULT)
    assert dates.licence_end is None and dates.pss_end is None


def test_pss_does_not_apply_to_someone_under_18_at_the_halfway_point():
    # Sentenced at 17 to 6 months: halfway on 1 April 2016; eighteenth birthday on 2 April 2016.
    dates = custodial_supervision(sentence_date=D(2016, 1, 1), custodial_term_months=6, offence_date=AFTER_ORA,
                                  date_of_birth=D(1998, 4, 2))
    assert dates.pss_end is None
    assert "under 18" in dates.reason


def test_someone_18_on_the_halfway_point_gets_pss():
    dates = custodial_supervision(sentence_date=D(2016, 1, 1), custodial_term_months=6, offence_date=AFTER_ORA,
                                  date_of_birth=D(1998, 4, 1))
    assert dates.pss_end is not None


def test_a_given_release_date_moves_the_twelve_months():
    dates = custodial_supervision(sentence_date=D(2016, 1, 1), custodial_term_months=6, offence_date=AFTER_ORA,
                                  date_of_birth=ADULT, release_date=D(2016, 5, 1))
    assert dates.pss_end == D(2017, 4, 30)


@pytest.mark.parametrize("kwargs", [{"custodial_term_months": 0}, {"release_date": D(2015, 12, 31)},
                                    {"release_date": D(2017, 1, 1)}, {"extension_months": -1}])
def test_impossible_inputs_are_refused(kwargs):
    base = dict(sentence_date=D(2016, 1, 1), custodial_term_months=6, offence_date=AFTER_ORA, date_of_birth=ADULT)
    with pytest.raises(ValueError):
        custodial_supervision(**(base | kwargs))


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(D(2016, 1, 31), 1) == D(2016, 2, 29)
    assert add_months(D(2016, 11, 30), 3) == D(2017, 2, 28)
