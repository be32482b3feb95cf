import importlib

import pytest


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests run after another's flush find the migration-loaded reference data gone: reload it with
    the data migrations' own functions (both idempotent)."""
    from django.apps import apps

    importlib.import_module("partners.migrations.0002_london_reference_data").load(apps, None)
    importlib.import_module("safeguarding.migrations.0002_default_deadline_tiers").create(apps, None)
