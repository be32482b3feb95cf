"""Who may do what in Through the Gate.

The TtG worker: there is no separate role. Through the Gate work is done by offender managers, senior probation
officers (team managers) and the Allocations Hub, organisation-wide (custody caseloads cross borough teams, and a
TtG worker covers a prison, not a borough); administrators too. So `is_ttg_staff` = offender manager, team manager,
hub or administrator. An episode's `ttg_worker` names who is responsible; their caseload page lists those episodes.
HOSPs see the pre-release dashboard, programme figures and the borough report, not individual plans.

Supply-chain partners see and update only the actions assigned to their own organisation, through their pages and
the API; they never see a plan, and may not cancel or reopen an action (resettlement.services.action_update).
"""

import rules

from probation.policy import is_admin, is_hosp, is_hub, is_offender_manager, is_partner, is_team_manager

is_ttg_staff = is_offender_manager | is_team_manager | is_hub | is_admin


@rules.predicate
def action_is_for_users_organisation(user, action):
    from resettlement.selectors import organisation_id_for

    if action is None:
        return False
    organisation_id = organisation_id_for(user)
    return organisation_id is not None and action.owner_organisation_id == organisation_id


rules.add_perm("resettlement.use_ttg", is_ttg_staff)
rules.add_perm("resettlement.view_plan", is_ttg_staff)
rules.add_perm("resettlement.change_plan", is_ttg_staff)
rules.add_perm("resettlement.view_pre_release", is_ttg_staff | is_hosp)
rules.add_perm("resettlement.view_pre_release_people", is_ttg_staff)  # names, CRNs, prisons: HOSPs see figures only
rules.add_perm("resettlement.view_programmes", is_ttg_staff | is_hosp)
rules.add_perm("resettlement.view_enrolments", is_ttg_staff)  # named people: not for HOSPs
rules.add_perm("resettlement.change_programmes", is_ttg_staff)
rules.add_perm("resettlement.list_partner_actions", is_partner)
rules.add_perm("resettlement.view_action", is_ttg_staff | (is_partner & action_is_for_users_organisation))
rules.add_perm("resettlement.update_action", is_ttg_staff | (is_partner & action_is_for_users_organisation))
