from django import forms

from cases.models import Cohort, Person, RoshLevel, Sentence, StaffProfile
from cases.selectors import staff_label, staff_with_teams
from probation.forms import GovukFormMixin


class PersonSearchForm(GovukFormMixin, forms.Form):
    q = forms.CharField(
        label="Name, CRN or PNC number", required=False, max_length=200,
        help_text="For example John Smith, X123456 or 2015/0123456U. Misspellings and aliases are found too.",
    )
    date_of_birth = forms.DateField(
        label="Date of birth", required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        data = super().clean()
        if not data.get("q", "").strip() and not data.get("date_of_birth") and not self.errors:
            raise forms.ValidationError("Enter a name, CRN, PNC number or date of birth.")
        return data


class AllocateForm(GovukFormMixin, forms.Form):
    officer = forms.ModelChoiceField(
        label="Offender manager", queryset=StaffProfile.objects.none(), to_field_name="user_id",
        error_messages={"required": "Choose an offender manager.",
                        "invalid_choice": "Choose an offender manager in the case's team."},
    )
    reason = forms.CharField(label="Why this offender manager", required=False, max_length=300,
                             widget=forms.TextInput())

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Anyone may be posted; the service checks the team, so an outsider gets a field error, not a 500.
        self.fields["officer"].queryset = StaffProfile.objects.select_related("user")
        self.team = team


class RoshForm(GovukFormMixin, forms.Form):
    level = forms.ChoiceField(label="RoSH level", choices=RoshLevel.choices,
                              error_messages={"required": "Choose a RoSH level."})
    reason = forms.CharField(label="Reason", max_length=300, error_messages={"required": "Give a reason."})


# Tiers as nDelius writes them: a letter for risk of harm (A highest) and a digit for need (3 highest).
TIER_CHOICES = [("", "Select a tier")] + [(f"{letter}{digit}", f"{letter}{digit}") for letter in "ABCD" for digit in "3210"]


class NewPersonForm(GovukFormMixin, forms.ModelForm):
    """A new case allocated to the CRC by the NPS on the day of sentence: who they are."""

    class Meta:
        model = Person
        fields = ["crn", "pnc_number", "prison_number", "first_name", "middle_names", "last_name", "date_of_birth",
                  "gender", "home_borough", "tier", "rosh_level"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}
        error_messages = {
            "crn": {"unique": "A person with this CRN already exists: search for them instead."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="person", **kwargs)
        self.fields["home_borough"].required = True
        self.fields["tier"] = forms.ChoiceField(
            label="Tier", choices=TIER_CHOICES, help_text="From the NPS allocation: risk of harm A to D, need 3 to 0.",
            error_messages={"required": "Select the tier.", "invalid_choice": "Select a tier from the list, like B2."},
        )
        self.fields["rosh_level"].choices = [(RoshLevel.LOW, "Low"), (RoshLevel.MEDIUM, "Medium")]
        self.fields["rosh_level"].help_text = "High and very high risk cases are supervised by the NPS."


class NewSentenceForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = Sentence
        fields = ["kind", "sentence_date", "offence_date", "length_months", "length_weeks", "length_days", "is_extended",
                  "extension_months",
                  "release_date", "court"]
        widgets = {f: forms.DateInput(attrs={"type": "date"}) for f in ["sentence_date", "offence_date", "release_date"]}
        labels = {"extension_months": "Extension period, in months", "release_date": "Release date"}

    LENGTH_FIELDS = ("length_months", "length_weeks", "length_days")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="sentence", **kwargs)
        # A length in months, weeks, days or a mix (a 14-day or 16-week sentence): blank counts as zero; the model
        # says when all three are zero.
        for name, label in zip(self.LENGTH_FIELDS, ("Length: months", "Length: weeks", "Length: days")):
            self.fields[name].required = False
            self.fields[name].label = label
        self.fields["length_months"].help_text = "The order's length or the custodial term. A year is 12 months."

    def _zero_if_blank(self, name):
        return self.cleaned_data.get(name) or 0

    def clean_length_months(self):
        return self._zero_if_blank("length_months")

    def clean_length_weeks(self):
        return self._zero_if_blank("length_weeks")

    def clean_length_days(self):
        return self._zero_if_blank("length_days")


class CohortChoiceForm(forms.Form):
    cohort = forms.ChoiceField(label="Cohort", choices=[("", "Choose a cohort")] + list(Cohort.choices),
                               error_messages={"required": "Choose a cohort.", "invalid_choice": "Choose a cohort."})
    reason = forms.CharField(label="Why this cohort", max_length=300, widget=forms.TextInput(),
                             error_messages={"required": "Say why this cohort: it is recorded with your name."})


class StaffChoiceField(forms.ModelChoiceField):
    """A choice of staff, each named with their team (cases.selectors.staff_label)."""

    def __init__(self, queryset, **kwargs):
        super().__init__(staff_with_teams(queryset), **kwargs)

    def _set_queryset(self, queryset):
        super()._set_queryset(None if queryset is None else staff_with_teams(queryset))

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def label_from_instance(self, obj):
        return staff_label(obj)
