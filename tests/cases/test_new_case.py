"""Hub staff key in a new case: bad input gives clear field errors and saves nothing."""

import datetime
import re

import pytest
from django.urls import reverse

from cases.models import Person, RoshAssessment, Sentence
from partners.models import Borough
from tests.cases.factories import PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db
URL = reverse("cases:person_new")


def _data(**overrides):
    data = {
        "person-crn": "X654321", "person-pnc_number": "15/123456U", "person-prison_number": "",
        "person-first_name": "Amara", "person-middle_names": "", "person-last_name": "Okafor",
        "person-date_of_birth": "1994-02-03", "person-gender": "female",
        "person-home_borough": str(Borough.objects.get(code="camden").pk),
        "person-rosh_level": "medium",
        "sentence-kind": "custody", "sentence-sentence_date": "2026-11-20", "sentence-offence_date": "2026-08-01",
        "sentence-length_months": "6", "sentence-extension_months": "0", "sentence-release_date": "",
        "sentence-court": "Highbury Corner Magistrates' Court",
    }
    data.update(overrides)
    return data


def test_a_new_case_is_saved_with_computed_dates_and_joins_its_teams_queue(client, hub_user):
    team = TeamFactory(cohort="women")
    client.force_login(hub_user)
    response = client.post(URL, _data())
    assert response.status_code == 302
    person = Person.objects.get(crn="X654321")
    assert person.pnc_number == "2015/0123456U"
    assert person.team == team and person.cohort == "women" and person.offender_manager is None
    sentence = Sentence.objects.get(person=person)
    assert sentence.licence_end_date == datetime.date(2027, 5, 19)
    assert sentence.pss_end_date is not None
    assert RoshAssessment.objects.get(person=person).level == "medium"


@pytest.mark.parametrize("overrides, field, message", [
    ({"person-crn": "12345"}, "crn", "Enter a CRN as one capital letter and six digits"),
    ({"person-pnc_number": "2015/0123456A"}, "pnc_number", "check letter is wrong"),
    ({"person-pnc_number": "not a pnc"}, "pnc_number", "Enter a PNC number"),
    ({"person-prison_number": "1234"}, "prison_number", "Enter a prison number"),
    ({"sentence-offence_date": "2026-12-01"}, "offence_date", "cannot be after the date of sentence"),
    ({"sentence-release_date": "2026-01-01"}, "release_date", "cannot be before the date of sentence"),
    ({"sentence-length_months": "0"}, "length_months", "Enter the length in months, weeks or days"),
    ({"person-predictor_score": "101"}, "predictor_score", "less than or equal to 100"),
])
def test_bad_input_is_a_field_error_and_nothing_is_saved(client, hub_user, overrides, field, message):
    client.force_login(hub_user)
    response = client.post(URL, _data(**overrides))
    assert response.status_code == 400
    html = response.content.decode().replace("&#x27;", "'")
    assert "There is a problem" in html and message in html
    assert not Person.objects.filter(last_name="Okafor").exists() and not Sentence.objects.exists()


def test_a_duplicate_crn_is_refused(client, hub_user):
    PersonFactory(crn="X654321")
    client.force_login(hub_user)
    response = client.post(URL, _data())
    assert response.status_code == 400
    assert "A person with this CRN already exists" in response.content.decode()
    assert Person.objects.filter(crn="X654321").count() == 1


def test_a_release_date_after_the_custodial_term_saves_nothing(client, hub_user):
    client.force_login(hub_user)
    response = client.post(URL, _data(**{"sentence-release_date": "2028-01-01"}))
    assert response.status_code == 400
    assert "after the end of the custodial term" in response.content.decode()
    assert not Person.objects.filter(crn="X654321").exists()


def test_offender_managers_cannot_add_cases(client, offender_manager):
    client.force_login(offender_manager)
    assert client.get(URL).status_code == 403


def test_the_add_case_form_offers_tier_as_a_choice_and_says_what_length_means(client, hub_user):
    client.force_login(hub_user)
    text = client.get(URL).content.decode()
    assert re.search(r'<select[^>]*name="person-tier"', text) and '<option value="B2">B2</option>' in text
    assert "Length: months" in text and "Length months" not in text
    assert "govuk-input--width-10" in text  # a CRN box as wide as a CRN, not the whole page


def test_a_sixteen_week_sentence_is_keyed_in_on_the_new_case_page(client, hub_user):
    TeamFactory(cohort="women")
    client.force_login(hub_user)
    response = client.post(URL, _data(**{"sentence-length_months": "", "sentence-length_weeks": "16"}))
    assert response.status_code == 302
    from cases.models import Sentence

    sentence = Sentence.objects.get(person__crn="X654321")
    assert (sentence.length_months, sentence.length_weeks, sentence.length_days) == (0, 16, 0)
    assert sentence.end_date == datetime.date(2027, 3, 11)
    assert sentence.conditional_release_date == datetime.date(2027, 1, 14)  # the 56th of 112 days
