import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

BOOLEAN_VALUES = {"true", "false", "1", "0"}


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, except that a yes/no filter with any value but true/false (or 1/0) is a 400 with the field
    named, rather than being ignored (which would return unfiltered, possibly wider, results)."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            errors = {}
            for name, filter_ in filterset.filters.items():
                if isinstance(filter_, django_filters.BooleanFilter) and name in request.query_params:
                    values = request.query_params.getlist(name)
                    if any(value.lower() not in BOOLEAN_VALUES for value in values):
                        errors[name] = ["Enter true or false."]
            if errors:
                raise ValidationError(errors)
        return filterset
