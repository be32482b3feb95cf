"""Build MASH requests through the real intake service, so tests see what production sees."""

from datetime import date, timedelta

from django.utils import timezone

from safeguarding.models import Channel, Rag
from safeguarding.services import ConcernedInput, request_receive
from tests.partners.factories import OrganisationFactory


def mash_request(*, organisation=None, received_at=None, rating=Rag.AMBER, received_by=None, channel=Channel.API, **overrides):
    """A request as a partner MASH would send it. Any field of `request_receive` can be overridden."""
    fields = {
        "subject_first_name": "Daniel",
        "subject_last_name": "Okafor",
        "subject_aliases": "Danny Oak",
        "subject_date_of_birth": date(1988, 3, 14),
        "subject_address": "12 Hillside Road, London NW5 1AA",
        "reason": "Section 47 enquiry: new partner of the mother of two children.",
        "requester_name": "Sam Social-Worker",
        "requester_email": "sam@camden-mash.example",
        "requester_phone": "020 7946 0000",
        "concerned": [ConcernedInput(age_group="child", name="Amara Lewis", date_of_birth=date(2017, 6, 1), relationship="Partner's daughter")],
    }
    fields.update(overrides)
    return request_receive(
        organisation=organisation or OrganisationFactory(),
        channel=channel,
        received_at=received_at or timezone.now() - timedelta(minutes=5),
        received_by=received_by,
        rating=rating,
        **fields,
    )
