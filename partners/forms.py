from django import forms

from probation.forms import GovukFormMixin
from partners.models import Borough, Organisation, Service


class DirectorySearchForm(GovukFormMixin, forms.Form):
    """The one search for "who is the HOSP here" and "which partners work here on X"."""

    borough = forms.ModelChoiceField(
        queryset=Borough.objects.select_related("hosp_area__hosp"), to_field_name="code", required=False,
        empty_label="Any borough", error_messages={"invalid_choice": "Choose a London borough from the list."},
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.all(), to_field_name="code", required=False, empty_label="Any service",
        error_messages={"invalid_choice": "Choose a service from the list."},
    )
    kind = forms.ChoiceField(
        choices=[("", "Any kind")] + list(Organisation.Kind.choices), required=False, label="Kind of organisation",
        error_messages={"invalid_choice": "Choose a kind of organisation from the list."},
    )
    q = forms.CharField(required=False, max_length=100, label="Name, contact or service",
                        widget=forms.TextInput(attrs={"class": "govuk-input", "type": "search"}))
