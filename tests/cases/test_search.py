"""person_search: typos, aliases, transposed names, date of birth, CRN and PNC, ranked by match strength."""

import datetime

import pytest
from django.db import connection

from cases.selectors import PersonMatch, person_search, similarity
from tests.cases.factories import AliasFactory, AllocatedPersonFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "john": PersonFactory(first_name="John", last_name="Smithson", date_of_birth=datetime.date(1985, 3, 12),
                              pnc_number="2015/0123456U", crn="A111111"),
        "jane": PersonFactory(first_name="Jane", last_name="Smithers", date_of_birth=datetime.date(1990, 7, 1),
                              crn="A222222"),
        "mo": PersonFactory(first_name="Mohammed", last_name="Rahman", date_of_birth=datetime.date(1979, 11, 30),
                            crn="A333333"),
        "other": PersonFactory(first_name="Zebedee", last_name="Quill", crn="A444444"),
    }


def test_similarity_matches_pg_trgm():
    if connection.vendor != "postgresql":
        pytest.skip("compares with PostgreSQL")
    with connection.cursor() as cursor:
        for a, b in [("smith", "smth"), ("Rahman", "Rehman"), ("john", "jon"), ("Smithson", "smithers")]:
            cursor.execute("SELECT similarity(%s, %s)", [a, b])
            assert similarity(a, b) == pytest.approx(cursor.fetchone()[0], abs=1e-6)


def test_exact_name_ranks_first_with_reason(people):
    matches = person_search("John Smithson")
    assert isinstance(matches[0], PersonMatch)
    assert matches[0].person == people["john"]
    assert matches[0].score == pytest.approx(1.0)
    assert "Exact name" in matches[0].reasons


def test_typo_still_finds_the_person(people):
    matches = person_search("Jhon Smithsen")
    assert matches and matches[0].person == people["john"]
    assert "Similar name" in matches[0].reasons
    assert matches[0].score < 1


def test_transposed_first_and_last_names_are_found(people):
    matches = person_search("Rahman Mohammed")
    assert matches[0].person == people["mo"]
    assert "First and last names transposed" in matches[0].reasons


def test_alias_matches(people):
    AliasFactory(person=people["mo"], first_name="Mo", last_name="Khan")
    matches = person_search("Mo Khan")
    assert matches[0].person == people["mo"]
    assert "Alias match" in matches[0].reasons


def test_date_of_birth_raises_the_right_person_above_a_similar_name(people):
    matches = person_search("J Smithers", date_of_birth=datetime.date(1985, 3, 12))
    assert [m.person for m in matches][:1] == [people["john"]] or matches[0].person == people["john"]
    assert "Exact date of birth" in matches[0].reasons


def test_date_of_birth_alone_finds_people_born_that_day(people):
    matches = person_search(date_of_birth=datetime.date(1979, 11, 30))
    assert [m.person for m in matches] == [people["mo"]]


def test_crn_is_an_exact_match(people):
    matches = person_search("a333333")
    assert matches[0].person == people["mo"] and matches[0].score == 1.0
    assert matches[0].reasons == ["CRN match"]
    assert person_search(crn="A222222")[0].person == people["jane"]


def test_pnc_in_short_form_matches(people):
    matches = person_search(pnc="15/123456U")
    assert matches[0].person == people["john"] and matches[0].reasons == ["PNC match"]


def test_results_are_ranked_by_score(people):
    scores = [m.score for m in person_search("Smithson")]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)


def test_unrelated_names_are_not_matched(people):
    assert people["other"] not in [m.person for m in person_search("John Smithson")]


def test_nothing_to_search_returns_nothing(people):
    assert person_search("") == []
    assert person_search("   ") == []


def test_search_selects_related_records_in_a_constant_number_of_queries(people, django_assert_max_num_queries):
    AllocatedPersonFactory(first_name="John", last_name="Smith")
    # candidates (on PostgreSQL inside a savepoint, after two set_config), people, aliases
    with django_assert_max_num_queries(7):
        matches = person_search("John Smith")
        for m in matches:
            (m.person.home_borough, m.person.offender_manager, m.person.team, list(m.person.aliases.all()))


def test_swapped_letters_in_both_names_are_found(people):
    matches = person_search("Mohamemd Rhaman")
    assert matches and matches[0].person == people["mo"]


def test_name_similarity_rewards_a_swap_more_than_trigrams_do():
    from cases.selectors import name_similarity

    assert similarity("rachael", "rcahael") < 0.35
    assert name_similarity("Rachael", "Rcahael") > 0.75
    assert name_similarity("Smith", "smith") == 1.0
    assert name_similarity("Quill", "Smithson") < 0.3
