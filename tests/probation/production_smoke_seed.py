"""Data for the production smoke test, written into its scratch database by a separate process with the production
settings (`python -m tests.probation.production_smoke_seed <run>`): a hub worker with a password and an authenticator,
a partner MASH with an API token, and a red MASH request received two days ago, so overdue and not yet escalated.
Prints one JSON line with what the test needs (the password, the TOTP key, the API key, the reference)."""

import json
import secrets
import sys
from datetime import timedelta

import django


def seed(run: str) -> dict:
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from partners.services import api_token_issue
    from safeguarding.models import Rag
    from tests.partners.factories import OrganisationFactory, PartnerMembershipFactory
    from tests.probation.factories import HubUserFactory, PartnerUserFactory
    from tests.safeguarding.factories import mash_request

    password = secrets.token_urlsafe(18)
    hub = HubUserFactory(username=f"smoke-hub-{run}", password=password)
    device = TOTPDevice.objects.create(user=hub, name="Smoke test authenticator", confirmed=True)
    organisation = OrganisationFactory(name=f"Smoke test MASH {run}")
    partner = PartnerMembershipFactory(user=PartnerUserFactory(username=f"smoke-partner-{run}"),
                                       organisation=organisation).user
    _, api_key = api_token_issue(user=partner, name="Smoke test")
    overdue = mash_request(organisation=organisation, rating=Rag.RED, received_at=timezone.now() - timedelta(days=2),
                           reason=f"Smoke test request {run}")
    from probation.models import Deadline

    breach = Deadline.objects.get(step="safeguarding.overdue", owner_id=overdue.pk)
    assert overdue.due_at < timezone.now() and breach.fired_count == 0 and breach.due_at == overdue.due_at
    return {
        "username": hub.username,
        "password": password,
        "totp_key": device.key,
        "api_key": api_key,
        "organisation": organisation.name,
        "reference": overdue.reference,
    }


if __name__ == "__main__":
    django.setup()
    print(json.dumps(seed(sys.argv[1])))
