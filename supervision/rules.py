"""Who may see and do what in supervision. Views, the API and admin ask `probation.policy.can()`."""

import rules

from cases.rules import is_case_offender_manager, is_in_case_team, manages_case_team
from probation.policy import is_admin, is_offender_manager, is_partner, is_team_manager


def _on_person(predicate):
    """Lift a predicate about a person to one about a record that has `.person`."""

    @rules.predicate(name=f"on person: {predicate.name}")
    def lifted(user, obj):
        return obj is not None and predicate.test(user, getattr(obj, "person", obj))

    return lifted


@rules.predicate
def runs_appointment(user, appointment):
    return appointment is not None and appointment.officer_id == user.id


@rules.predicate
def partner_runs_appointment(user, appointment):
    membership = getattr(user, "partner_membership", None)
    return (appointment is not None and membership is not None
            and appointment.partner_organisation_id == membership.organisation_id)


case_worker = (is_offender_manager & (_on_person(is_case_offender_manager) | _on_person(is_in_case_team))) | (
    is_team_manager & _on_person(manages_case_team))

rules.add_perm("supervision.view_diary", is_offender_manager | is_team_manager | is_admin)
rules.add_perm("supervision.view_team", is_team_manager | is_admin)
rules.add_perm("supervision.view_supervision", case_worker | is_admin)
rules.add_perm("supervision.manage_appointments", case_worker | is_admin)
# Whoever ran it records the outcome; the case's officers and SPO may too (e.g. a colleague's appointment).
rules.add_perm("supervision.record_outcome", case_worker | (is_offender_manager & runs_appointment) | is_admin)
rules.add_perm("supervision.record_partner_outcome", is_partner & partner_runs_appointment)
rules.add_perm("supervision.decide_enforcement", case_worker)
rules.add_perm("supervision.countersign", (is_team_manager & _on_person(manages_case_team)) | is_admin)
