from django import template

from probation.forms import width_class

register = template.Library()


@register.filter
def govuk_width(bound_field) -> str:
    """The GOV.UK width class for a field's input (templates that draw their own <input>)."""
    return width_class(bound_field.field)


@register.filter
def duration_words(value) -> str:
    """A timedelta in words, as people say it: "15 minutes", "1 hour 30 minutes", never "0:15:00"."""
    if value in (None, ""):
        return ""
    minutes = round(value.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)
