import threading
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from probation.calendar import Clock
from safeguarding.models import DeadlineTier, Rag, RatingChange, RequestEvent, SafeguardingRequest
from safeguarding.services import reference_next, request_change_rating
from tests.partners.factories import OrganisationFactory
from tests.safeguarding.factories import mash_request

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db

# Wednesday 4 March 2026, 10:00 London (GMT).
WED_10 = datetime(2026, 3, 4, 10, 0, tzinfo=LONDON)


def test_a_request_gets_a_yearly_reference_at_once():
    request = mash_request(received_at=WED_10)
    assert request.reference.startswith("MASH-2026-")
    assert len(request.reference) == len("MASH-2026-000123")
    second = mash_request(received_at=WED_10)
    assert int(second.reference[-6:]) == int(request.reference[-6:]) + 1


def test_references_restart_each_year():
    assert reference_next(year=2031) == "MASH-2031-000001"
    assert reference_next(year=2031) == "MASH-2031-000002"
    assert reference_next(year=2032) == "MASH-2032-000001"


def test_a_draw_older_than_the_years_base_takes_a_new_number_not_a_negative_one():
    """At the start of a year two submits race: one draws a sequence value, the other draws a later one but writes
    the year's base first. The earlier draw is at or below the base and must take a fresh value, never a number < 1."""
    if connection.vendor != "postgresql":
        pytest.skip("the sequence is PostgreSQL's")
    from safeguarding.models import ReferenceCounter

    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM safeguarding_reference_seq")
        last = cursor.fetchone()[0]
    # The other submit's base, from a value drawn after ours: our next draw (last + 1) is below it.
    ReferenceCounter.objects.create(year=2043, base=last + 5)
    number = int(reference_next(year=2043)[-6:])
    assert number >= 1
    assert int(reference_next(year=2043)[-6:]) == number + 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_share_a_reference():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL")
    organisation = OrganisationFactory()
    references, errors = [], []

    def submit():
        try:
            references.append(mash_request(organisation=organisation, received_at=WED_10).reference)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(references)) == 8
    assert SafeguardingRequest.objects.filter(reference__in=references).count() == 8


@pytest.mark.django_db(transaction=True)
def test_a_reference_is_issued_while_another_submits_transaction_is_still_open():
    """Issuing a reference locks nothing until commit: a per-year counter row locked to the end of each submit's
    transaction made every submit wait for the one before it."""
    from django.db import transaction

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    reference_next(year=2041)  # the year's base exists, as all year after its first request
    held, release, issued, errors = threading.Event(), threading.Event(), [], []

    def first_submit():
        try:
            with transaction.atomic():
                issued.append(reference_next(year=2041))
                held.set()
                release.wait(timeout=30)  # the rest of the submit's transaction
        finally:
            connection.close()

    def second_submit():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
                issued.append(reference_next(year=2041))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=first_submit)
    first.start()
    assert held.wait(timeout=30)
    second = threading.Thread(target=second_submit)
    second.start()
    second.join(timeout=30)
    release.set()
    first.join(timeout=30)
    assert errors == []
    assert sorted(issued) == ["MASH-2041-000002", "MASH-2041-000003"]


def test_default_tiers_set_the_deadline_from_receipt():
    red = mash_request(received_at=WED_10, rating=Rag.RED)
    amber = mash_request(received_at=WED_10, rating=Rag.AMBER)
    green = mash_request(received_at=WED_10, rating=Rag.GREEN)
    blue = mash_request(received_at=WED_10, rating=Rag.BLUE)
    assert red.due_at == WED_10 + timedelta(hours=4)
    assert amber.due_at == WED_10 + timedelta(days=1)
    # 72 working-day hours from Wednesday 10:00 skip the weekend: Monday 10:00.
    assert green.due_at == datetime(2026, 3, 9, 10, 0, tzinfo=LONDON)
    assert blue.due_at is None and blue.remind_at is None
    assert red.remind_at == WED_10 + timedelta(hours=3)


def test_a_red_request_keyed_in_later_counts_from_the_email_time(hub_user):
    emailed = timezone.now() - timedelta(hours=3)
    request = mash_request(received_at=emailed, rating=Rag.RED, received_by=hub_user, channel="secure_email")
    assert request.due_at == emailed + timedelta(hours=4)
    assert request.events.get(kind=RequestEvent.Kind.RECEIVED).at == emailed


def test_a_partner_mash_with_its_own_tiers_gets_its_own_deadlines():
    merton = OrganisationFactory(name="Merton MASH", borough_codes=["merton"])
    DeadlineTier.objects.create(organisation=merton, rating=Rag.RED, hours=Decimal("2"), clock=Clock.ELAPSED)
    assert mash_request(organisation=merton, received_at=WED_10, rating=Rag.RED).due_at == WED_10 + timedelta(hours=2)
    # Amber falls back to the default tier.
    assert mash_request(organisation=merton, received_at=WED_10, rating=Rag.AMBER).due_at == WED_10 + timedelta(days=1)


def test_office_hours_tier_starts_at_next_opening():
    surrey = OrganisationFactory(name="Surrey MASH")
    DeadlineTier.objects.create(organisation=surrey, rating=Rag.RED, hours=Decimal("4"), clock=Clock.OFFICE_HOURS)
    friday_evening = datetime(2026, 3, 6, 18, 0, tzinfo=LONDON)
    request = mash_request(organisation=surrey, received_at=friday_evening, rating=Rag.RED)
    assert request.due_at == datetime(2026, 3, 9, 13, 0, tzinfo=LONDON)


def test_a_rating_change_needs_a_rationale(hub_user):
    request = mash_request(received_at=WED_10, rating=Rag.GREEN)
    with pytest.raises(ValidationError) as exc:
        request_change_rating(request=request, rating=Rag.RED, rationale="  ", by=hub_user)
    assert "rationale" in exc.value.message_dict
    assert not RatingChange.objects.exists()


def test_a_rating_change_recomputes_from_the_original_receipt_and_keeps_history(hub_user):
    received = timezone.now() - timedelta(hours=1)
    request = mash_request(received_at=received, rating=Rag.GREEN)
    original_due = request.due_at
    request = request_change_rating(request=request, rating=Rag.RED, rationale="Children at home with the subject", by=hub_user)
    assert request.due_at == received + timedelta(hours=4)
    request = request_change_rating(request=request, rating=Rag.AMBER, rationale="Subject now in custody", by=hub_user)
    changes = list(request.rating_changes.values_list("from_rating", "to_rating", "due_at_before"))
    assert changes == [(Rag.GREEN, Rag.RED, original_due), (Rag.RED, Rag.AMBER, received + timedelta(hours=4))]
    assert request.rating_proposed == Rag.GREEN and request.rating == Rag.AMBER
    assert request.events.filter(kind=RequestEvent.Kind.RATING_CHANGED).count() == 2


def test_bad_intake_is_refused_with_field_errors_and_nothing_saved():
    with pytest.raises(ValidationError) as exc:
        mash_request(subject_first_name="", subject_date_of_birth=timezone.localdate() + timedelta(days=3), rating="purple")
    assert {"subject_first_name", "subject_date_of_birth", "rating"} <= set(exc.value.message_dict)
    assert not SafeguardingRequest.objects.exists()
