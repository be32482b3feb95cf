"""What supervision contributes to case continuity (registered in SupervisionConfig.ready with cases.registry): the
hand-over page lists the case's appointments to come and its enforcement in progress, and on reallocation the
appointments the outgoing officer would have run pass to the new one. Enforcement has no holder of its own: its
notices go to whoever holds the case when they are sent, so it follows the case without a move."""

from django.urls import reverse
from django.utils import timezone


def open_supervision(person_ids: list[int]) -> dict:
    from cases.registry import OpenItem
    from supervision.models import Appointment, Enforcement

    found: dict[int, list] = {}
    upcoming = (Appointment.objects.live().filter(person_id__in=person_ids, outcome="", starts_at__gte=timezone.now())
                .order_by("starts_at", "id"))
    for appointment in upcoming:
        found.setdefault(appointment.person_id, []).append(OpenItem(
            kind="Appointment", title=f"{appointment.get_type_display()}, {appointment.get_place_display().lower()}",
            due=appointment.starts_at, url=reverse("supervision:move", args=[appointment.pk]),
            holder_id=appointment.officer_id))
    for enforcement in Enforcement.objects.open().filter(person_id__in=person_ids).order_by("proposed_at", "id"):
        found.setdefault(enforcement.person_id, []).append(OpenItem(
            kind="Enforcement", title=f"{enforcement.get_proposed_display()} proposed: {enforcement.stage.lower()}",
            due=enforcement.referral_due_at or enforcement.decision_due_at,
            url=reverse("supervision:enforcement", args=[enforcement.pk])))
    return found


def follow_case(*, person, from_user, to_user, by) -> int:
    """The outgoing officer's appointments to come are run by the new one (their times stand, so the person is not
    told of a move). Back to the team queue (to_user None): they stay booked with their officer until allocation."""
    from supervision.models import Appointment

    if to_user is None or from_user is None:
        return 0
    return (Appointment.objects.live()
            .filter(person=person, officer=from_user, outcome="", starts_at__gte=timezone.now())
            .update(officer=to_user))
