"""Who may see and do what with MASH requests. Views, the API and admin all ask `probation.policy.can()`."""

import rules

from partners.selectors import organisation_for

from probation.policy import is_admin, is_hosp, is_hub, is_hub_or_admin, is_offender_manager, is_partner, is_team_manager


@rules.predicate
def is_assignee(user, request):
    return request is not None and request.assignee_id == user.pk


@rules.predicate
def manages_assignee(user, request):
    """The team manager of the team the current assignee belongs to."""
    if request is None or request.assignee_id is None:
        return False
    profile = getattr(request.assignee, "staff_profile", None)
    team = profile.team if profile is not None else None
    return team is not None and team.manager_id == user.pk


@rules.predicate
def in_requesting_organisation(user, request):
    organisation = organisation_for(user)
    return request is not None and organisation is not None and organisation.pk == request.organisation_id


@rules.predicate
def has_organisation(user):
    return organisation_for(user) is not None


@rules.predicate
def is_open(user, request):
    return request is not None and request.is_open


rules.add_perm("safeguarding.view_queue", is_hub_or_admin)
rules.add_perm("safeguarding.receive_request", is_hub)
rules.add_perm("safeguarding.view_request", is_hub_or_admin | is_assignee | (is_team_manager & manages_assignee))
rules.add_perm("safeguarding.triage_request", is_hub)
rules.add_perm("safeguarding.assign_request", is_hub | (is_team_manager & manages_assignee))
rules.add_perm("safeguarding.close_request", is_hub)  # blue requests: no probation response needed
rules.add_perm("safeguarding.respond_request", is_open & (is_hub | is_assignee))
rules.add_perm("safeguarding.view_my_requests", is_offender_manager | is_team_manager)
rules.add_perm("safeguarding.view_team_requests", is_team_manager)
rules.add_perm("safeguarding.view_compliance", is_hub | is_admin | is_hosp | is_team_manager)
rules.add_perm("safeguarding.use_partner_api", is_partner & has_organisation)
rules.add_perm("safeguarding.partner_view_request", is_partner & in_requesting_organisation)
