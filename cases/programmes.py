"""The programme port: what a programme is lives in one place, `interventions` (its catalogue, referrals with their
status history, module attendance). Resettlement enrols people on Through the Gate programmes (Getting it Right,
Healing Trauma) and shows them on its own screens, but the arrows in STYLE.md keep it from importing interventions;
it calls this port, and interventions registers the provider in its AppConfig.ready():

    register_programme_provider(provider)

The provider (interventions/through_the_gate.py) offers, for Through the Gate programmes only:

    catalogue() -> QuerySet of programmes (each with code, name, sessions, women_only,
                   requires_change_plan_journal)
    programme(code) -> a programme or None
    completion() -> [{programme, setting, enrolled, active, completed, withdrawn, rate}]
    enrolments(programme) -> QuerySet of enrolments, each with `attended` (modules attended)
    enrolment(pk) -> an enrolment (with person, programme) or None
    modules(enrolment) -> [{number, date, record}] one per module, record None until recorded
    enrol(*, programme, person, setting, starts_on, prison_code, by, request=None) -> enrolment
    attendance_record(*, enrolment, module_number, attended, by, request=None)
    journal_complete(*, enrolment, completed_on, by, request=None)
    withdraw(*, enrolment, withdrawn_on, reason, by, request=None)

An enrolment has `status` (on programme, completed, terminated: shown as withdrawn), `ended_on`, `is_open`,
`setting`, `prison_code`, `starts_on`, `change_plan_journal_completed_on` and `module_date(n)`. Writes raise
ValidationError with field errors and audit themselves.
"""

from django.core.exceptions import ImproperlyConfigured

_provider = None


def register_programme_provider(provider) -> None:
    global _provider
    _provider = provider


def programmes():
    """The registered provider; a configuration error (not a silent empty list) if no app provides programmes."""
    if _provider is None:
        raise ImproperlyConfigured("No app provides programmes: add `interventions` to INSTALLED_APPS.")
    return _provider
