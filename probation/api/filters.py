import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

BOOLEAN_VALUES = {"true", "false", "1", "0"}


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, except that malformed filters are a 400 naming the parameter rather than being ignored (which
    would quietly return unfiltered, wider results): a yes/no filter with anything but true/false (or 1/0), and an
    empty value for any filter but free text (`?received_before=`)."""

    def filter_queryset(self, request, queryset, view):
        """No filter asked for: the queryset as it is, without building the FilterSet and its form (a deep copy of
        every filter and its choices, a tenth of a list call's CPU). django-filter would apply nothing either: a
        filter without a value leaves the queryset alone."""
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            parameter.startswith(name) for parameter in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            errors = {}
            for name, filter_ in filterset.filters.items():
                if name not in request.query_params:
                    continue
                values = request.query_params.getlist(name)
                if isinstance(filter_, django_filters.BooleanFilter):
                    if any(value.lower() not in BOOLEAN_VALUES for value in values):
                        errors[name] = ["Enter true or false."]
                elif type(filter_) is not django_filters.CharFilter and any(value == "" for value in values):
                    errors[name] = ["Enter a value, or leave this filter out."]
            if errors:
                raise ValidationError(errors)
        return filterset
