"""Who may use the partner directory, HOSP area pages and borough reports (asked through probation.policy.can)."""

import rules

from probation.policy import is_hosp, is_hub_or_admin, is_staff_member

# The directory (organisations, contacts, HOSP areas): every member of staff; partner agencies use the API.
rules.add_perm("partners.view_directory", is_staff_member)
# Borough reports for Community Safety Partnerships: the HOSPs who send them, the hub and administrators.
rules.add_perm("partners.view_borough_report", is_hosp | is_hub_or_admin)
