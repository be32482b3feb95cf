from django import template

from probation.forms import width_class

register = template.Library()


@register.filter
def govuk_width(bound_field) -> str:
    """The GOV.UK width class for a field's input (templates that draw their own <input>)."""
    return width_class(bound_field.field)
