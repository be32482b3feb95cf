from django import template

register = template.Library()

TAGS = {
    # need statuses
    "not_started": "govuk-tag--grey",
    "in_progress": "govuk-tag--blue",
    "support_required": "govuk-tag--orange",
    "support_not_required": "govuk-tag--green",
    "support_declined": "govuk-tag--yellow",
    "done": "govuk-tag--green",
    # action statuses
    "not_achieved": "govuk-tag--red",
    "cancelled": "govuk-tag--grey",
}


@register.filter
def status_tag(value) -> str:
    return TAGS.get(str(value), "govuk-tag--grey")


@register.filter
def widget_type(bound_field) -> str:
    widget = bound_field.field.widget
    if getattr(widget, "input_type", "") == "radio":
        return "radio"
    if widget.__class__.__name__ == "Textarea":
        return "textarea"
    if widget.__class__.__name__ in ("Select",):
        return "select"
    if getattr(widget, "input_type", "") == "checkbox":
        return "checkbox"
    return "input"


@register.filter
def may_view_case(user, person) -> bool:
    """Whether to link a plan to the person's case page (only for those the case policy lets in)."""
    from probation.policy import can

    return can(user, "cases.view_person", person)
