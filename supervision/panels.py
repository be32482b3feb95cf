"""What supervision adds to other apps' pages (registered in apps.py): the case page panel, the caseload's
compliance column and the officer's landing panel. Each runs a fixed number of queries."""

from django.utils import timezone

from probation.policy import can
from supervision import selectors
from supervision.models import ContactPreference, Letter, Reminder


def case_panel(request, person):
    if not can(request.user, "supervision.view_supervision", person):
        return None
    upcoming, past = selectors.person_appointments(person)
    # The case page has prefetched the sentences and their requirements: no query here.
    requirements = [r for sentence in person.sentences.all() for r in sentence.requirements.all()]
    return {
        "person": person,
        "compliance": selectors.compliance_for([person.pk])[person.pk],
        "upcoming": upcoming,
        "past": past,
        "enforcements": list(selectors.open_enforcements(person)),
        "rar": selectors.rar_days(requirements),
        "letters": list(Letter.objects.filter(person=person).defer("pdf").order_by("-created_at")[:10]),
        "can_manage": can(request.user, "supervision.manage_appointments", person),
        "preference": ContactPreference.objects.filter(person=person).first(),
        "reminders": list(Reminder.objects.filter(appointment__person=person).select_related("appointment")
                          .order_by("-created_at")[:5]),
        "now": timezone.now(),
    }


def caseload_cells(request, people):
    return selectors.compliance_for([p.pk for p in people]) if people else {}


def landing_today(request):
    today = timezone.localdate()
    day = selectors.diary(request.user, today, 1)[today]
    return {
        "today": [a for a in day if a.cancelled_at is None and a.outcome != "rescheduled"],
        "outcomes_needed": selectors.outcomes_needed(request.user).count(),
        "decisions": selectors.decisions_waiting(officer=request.user).count(),
    }
