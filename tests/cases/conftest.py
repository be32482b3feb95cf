import importlib

import pytest


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests run on a database another transactional test may have flushed: put back the reference
    data the migrations load (boroughs, HOSP areas, services, cohort rules, tier weights, grade capacities).
    Both loaders are idempotent. (serialized_rollback cannot be used here: it clashes with content types that
    post_migrate recreates after other tests' flushes.)"""
    from django.apps import apps

    importlib.import_module("partners.migrations.0002_london_reference_data").load(apps, None)
    importlib.import_module("cases.migrations.0003_trigram_search_and_defaults").load_defaults(apps, None)
