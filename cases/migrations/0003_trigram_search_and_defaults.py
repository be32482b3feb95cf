"""pg_trgm for person search (GIN trigram indexes on names and aliases), and the default Cohort Model rules,
tier weights and grade capacities that administrators can then change in admin.

The GIN indexes are PostgreSQL-only: on SQLite (the demo) they are skipped and `person_search` uses its fallback.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

TRIGRAM_INDEXES = [
    # Used by cases.selectors.person_search (`first_name % 'jon'` etc.) and so by the MASH triage.
    ("person_first_trgm", "cases_person", "first_name"),
    ("person_last_trgm", "cases_person", "last_name"),
    ("alias_first_trgm", "cases_alias", "first_name"),
    ("alias_last_trgm", "cases_alias", "last_name"),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


DEFAULT_COHORT_RULES = [
    # cohort, priority, gender, min_age, max_age. Every rule names its gender (migration 0007): people whose gender
    # is "other" or "not stated" fit no default rule and wait for a manager's choice, never falling into the men's
    # cohorts by accident.
    ("women", 10, "female", None, None),
    ("young_adult_men", 20, "male", 18, 25),
    ("working_age_men", 30, "male", 26, 49),
    ("men_50_plus", 40, "male", 50, None),
]
DEFAULT_TIER_WEIGHTS = {"A": 206, "B": 158, "C": 101, "D": 51}
DEFAULT_GRADE_CAPACITIES = {"po": 6500, "pso": 7500, "spo": 0}


def load_defaults(apps, schema_editor):
    CohortRule = apps.get_model("cases", "CohortRule")
    try:
        TierWeight = apps.get_model("cases", "TierWeight")
    except LookupError:  # replaced by WorkloadPoints (0007); tests/conftest.py reloads with today's models
        TierWeight = None
    GradeCapacity = apps.get_model("cases", "GradeCapacity")
    if not CohortRule.objects.exists():
        for cohort, priority, gender, min_age, max_age in DEFAULT_COHORT_RULES:
            CohortRule.objects.create(cohort=cohort, priority=priority, gender=gender, min_age=min_age, max_age=max_age)
    for tier, points in DEFAULT_TIER_WEIGHTS.items() if TierWeight is not None else []:
        TierWeight.objects.get_or_create(tier=tier, defaults={"points": points})
    for grade, points in DEFAULT_GRADE_CAPACITIES.items():
        GradeCapacity.objects.get_or_create(grade=grade, defaults={"full_time_points": points})


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_allocation_cohortrecalculation_cohortrule_and_more")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
        migrations.RunPython(load_defaults, migrations.RunPython.noop),
    ]
