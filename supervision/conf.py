"""Supervision settings with their DOMAIN.md defaults (override in Django settings; no deploy needed for the contact
standards, which live in admin)."""

from django.conf import settings


def get(name: str, default):
    return getattr(settings, name, default)


def evidence_working_days() -> int:
    """An absence waiting for evidence becomes a decision for the officer after this many working days."""
    return get("SUPERVISION_EVIDENCE_WORKING_DAYS", 5)


def breach_working_days() -> int:
    """National Standards: breach proceedings start within 10 working days of the failure."""
    return get("SUPERVISION_BREACH_WORKING_DAYS", 10)


def decision_working_days() -> int:
    """The officer decides on a proposed warning or breach within this many working days of the failure."""
    return get("SUPERVISION_DECISION_WORKING_DAYS", 3)


def countersign_working_days() -> int:
    """The SPO countersigns a breach or recall within this many working days of the officer's decision."""
    return get("SUPERVISION_COUNTERSIGN_WORKING_DAYS", 2)


def contact_escalation_working_days() -> int:
    """A case still overdue for contact this many working days after its officer was told goes to the SPO."""
    return get("SUPERVISION_CONTACT_ESCALATION_WORKING_DAYS", 5)


def booking_past_limit_days() -> int:
    """A new booking may be entered after the event up to this many days back (recording a contact late)."""
    return get("SUPERVISION_BOOKING_PAST_LIMIT_DAYS", 7)


def warning_months() -> int:
    return 12
