"""Property-based fuzzing of the whole partner API from its own OpenAPI schema (schemathesis), in-process over
WSGI, with a real partner credential: no response is a 500, and every response matches the schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from probation.wsgi import application
from tests.partners.factories import PartnerMembershipFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def in_process_wsgi():
    """Calls go straight to Django's WSGI handler, which closes the database connection after each request; inside
    a test transaction that must not happen (Django's own test client disconnects the same handlers)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def partner_token(db, in_process_wsgi):
    from partners.services import api_token_issue

    membership = PartnerMembershipFactory(can_track_iom=True)
    _, key = api_token_issue(user=membership.user)
    return key


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_never_errors_and_always_matches_its_schema(case, partner_token):
    # Every default check but "schema-valid data is accepted": the schema cannot express business rules (a due date
    # after reception, a borough your organisation covers), and refusing such input with a 400 is right.
    case.call_and_validate(
        headers={"Authorization": f"Token {partner_token}"}, excluded_checks=[positive_data_acceptance]
    )
