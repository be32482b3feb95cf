"""Who may see and do what with cases. Views, the API and admin ask `probation.policy.can()`."""

import rules

from probation.policy import is_admin, is_hub, is_hub_or_admin, is_offender_manager, is_partner, is_team_manager


@rules.predicate
def is_case_offender_manager(user, person):
    return person is not None and person.offender_manager_id == user.id


@rules.predicate
def is_in_case_team(user, person):
    """A colleague in the case's team (cover during leave)."""
    if person is None or person.team_id is None:
        return False
    profile = getattr(user, "staff_profile", None)
    return profile is not None and profile.team_id == person.team_id


@rules.predicate
def manages_case_team(user, person):
    return person is not None and person.team_id is not None and person.team.manager_id == user.id


@rules.predicate
def manages_team(user, team):
    return team is not None and team.manager_id == user.id


@rules.predicate
def can_track_iom(user):
    membership = getattr(user, "partner_membership", None)
    return membership is not None and membership.can_track_iom


# A person's record: the hub (MASH triage, allocation) and administrators see every case; offender managers their
# own and their team's; team managers their teams'. HOSPs and partners see no case page.
rules.add_perm(
    "cases.view_person",
    is_hub_or_admin | (is_offender_manager & (is_case_offender_manager | is_in_case_team)) | (is_team_manager & manages_case_team),
)
rules.add_perm("cases.create_person", is_hub_or_admin)
rules.add_perm("cases.search_people", is_hub | is_offender_manager | is_team_manager | is_admin)
rules.add_perm("cases.view_caseload", is_offender_manager | is_team_manager)
rules.add_perm("cases.view_unallocated", is_team_manager | is_hub_or_admin)
rules.add_perm("cases.allocate_person", (is_team_manager & manages_case_team) | is_hub_or_admin)
# A cohort no rule decides (gender other or not stated): the hub, which keys cases in, or the case team's manager.
rules.add_perm("cases.choose_cohort", (is_team_manager & manages_case_team) | is_hub_or_admin)
rules.add_perm("cases.view_team_workload", (is_team_manager & manages_team) | is_hub_or_admin)
rules.add_perm(
    "cases.record_rosh",
    is_admin | (is_offender_manager & is_case_offender_manager) | (is_team_manager & manages_case_team),
)
rules.add_perm("cases.track_iom", is_partner & can_track_iom)


@rules.predicate
def manages_transfer_team(user, transfer):
    return transfer is not None and user.pk in (transfer.from_team.manager_id, transfer.to_team.manager_id)


@rules.predicate
def manages_officer_team(user, profile):
    return profile is not None and profile.team_id is not None and profile.team.manager_id == user.id


# Reallocation and transfer: the hub (which allocates) and the SPO of the case's team.
rules.add_perm("cases.reallocate_person", (is_team_manager & manages_case_team) | is_hub_or_admin)
rules.add_perm("cases.transfer_person", (is_team_manager & manages_case_team) | is_hub_or_admin)
rules.add_perm("cases.decide_transfer", (is_team_manager & manages_transfer_team) | is_admin)
rules.add_perm("cases.reallocate_caseload", (is_team_manager & manages_officer_team) | is_hub_or_admin)
# The hub allocates, so it sees every team's capacity (read-only); SPOs their own teams.
rules.add_perm("cases.view_any_team_workload", is_hub_or_admin)
rules.add_perm("cases.record_absence", (is_team_manager & manages_team) | is_admin)
rules.add_perm("cases.view_allocation_figures", is_team_manager | is_hub_or_admin)
# Sentence plans and order endings: the case's offender manager, the team's SPO, administrators.
rules.add_perm(
    "cases.manage_sentence",
    is_admin | (is_offender_manager & is_case_offender_manager) | (is_team_manager & manages_case_team),
)
