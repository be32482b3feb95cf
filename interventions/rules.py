"""Who may see and do what in interventions. Views, the API and admin ask `probation.policy.can()`."""

import rules

from cases.rules import is_case_offender_manager, is_in_case_team, manages_case_team
from probation.policy import is_admin, is_hosp, is_offender_manager, is_partner, is_team_manager


def _on_person(predicate):
    @rules.predicate(name=f"interventions on person: {predicate.name}")
    def lifted(user, obj):
        return obj is not None and predicate.test(user, getattr(obj, "person", obj))

    return lifted


@rules.predicate
def supervises_session(user, session):
    return session is not None and user.id in (session.supervisor_id, session.project.supervisor_id)


@rules.predicate
def partner_runs_session(user, session):
    membership = getattr(user, "partner_membership", None)
    return session is not None and membership is not None and session.project.partner_id == membership.organisation_id


@rules.predicate
def facilitates_group_session(user, session):
    return session is not None and session.group.facilitators.filter(pk=user.pk).exists()


case_worker = (is_offender_manager & (_on_person(is_case_offender_manager) | _on_person(is_in_case_team))) | (
    is_team_manager & _on_person(manages_case_team))

# A borough's projects and sessions: the staff who book people onto them and supervise them.
rules.add_perm("interventions.view_unpaid_work", is_offender_manager | is_team_manager | is_admin)
# A session's attendance page and roster: its supervisor, team managers (unpaid work managers) and administrators.
rules.add_perm("interventions.record_attendance", (is_offender_manager & supervises_session) | is_team_manager | is_admin)
# A programme group session's attendance page: the group's facilitators, team managers and administrators.
rules.add_perm("interventions.record_programme_attendance",
               (is_offender_manager & facilitates_group_session) | is_team_manager | is_admin)
rules.add_perm("interventions.record_partner_attendance", is_partner & partner_runs_session)
# A person's ledger, bookings and budget: the case's officers and their SPO.
rules.add_perm("interventions.view_case", case_worker | is_admin)
rules.add_perm("interventions.book", case_worker | is_admin)
rules.add_perm("interventions.spend_budget", case_worker)

# Programmes: the waiting lists and groups are for the officers and SPOs who refer and run them; completion rates
# (no names) also for HOSPs.
rules.add_perm("interventions.view_programmes", is_offender_manager | is_team_manager | is_admin)
rules.add_perm("interventions.view_programme_rates", is_offender_manager | is_team_manager | is_hosp | is_admin)
rules.add_perm("interventions.refer", case_worker | is_admin)
