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


class NewPersonForm(GovukFormMixin, forms.ModelForm):
    """A new case allocated to the CRC by the NPS on the day of sentence: who they are."""

    class Meta:
        model = Person
        fields = ["crn", "pnc_number", "prison_number", "first_name", "middle_names", "last_name", "date_of_birth",
                  "gender", "home_borough", "rosh_level", "predictor_score"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}
        error_messages = {
            "crn": {"unique": "A person with this CRN already exists: search for them instead."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="person", **kwargs)
        self.fields["home_borough"].required = True
        # The tier is computed from RoSH, registers and the predictor score (cases.services.person_recompute_tier).
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


class _DateInput(forms.DateInput):
    input_type = "date"


class ReallocateForm(forms.Form):
    officer = forms.ModelChoiceField(
        label="New offender manager", queryset=StaffProfile.objects.none(), to_field_name="user_id",
        error_messages={"required": "Choose the new offender manager.",
                        "invalid_choice": "Choose an offender manager in the case's team."})
    reason = forms.CharField(label="Reason for the reallocation", max_length=300,
                             error_messages={"required": "Enter the reason for the reallocation."})
    handover_note = forms.CharField(label="Hand-over note", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                    help_text="What the new offender manager needs to know.")
    effective_from = forms.DateField(label="Takes effect on", widget=_DateInput(),
                                     input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                                     error_messages={"required": "Enter the date the reallocation takes effect.",
                                                     "invalid": "Enter the date the reallocation takes effect as a real date."})
    expected_officer = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Anyone may be posted; the service checks the team, absence and capacity and answers with a field error.
        self.fields["officer"].queryset = StaffProfile.objects.select_related("user")


class TransferForm(forms.Form):
    to_team = forms.ModelChoiceField(label="Receiving team", queryset=None,
                                     error_messages={"required": "Choose the receiving team.",
                                                     "invalid_choice": "Choose a team from the list."})
    reason = forms.CharField(label="Reason for the transfer", max_length=300,
                             error_messages={"required": "Enter the reason for the transfer."})
    handover_note = forms.CharField(label="Hand-over note", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        from cases.models import Team

        super().__init__(*args, **kwargs)
        self.fields["to_team"].queryset = Team.objects.select_related("borough")


class TransferRefuseForm(forms.Form):
    reason = forms.CharField(label="Reason for refusing", max_length=300,
                             error_messages={"required": "Enter the reason for refusing the transfer."})


class BulkReallocateForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=300, initial="Offender manager leaving",
                             error_messages={"required": "Enter the reason for moving the caseload."})
    handover_note = forms.CharField(label="Hand-over note for every case", required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}))


class AbsenceForm(forms.Form):
    from cases.models import Absence as _Absence

    officer = forms.ModelChoiceField(label="Offender manager", queryset=StaffProfile.objects.none(),
                                     to_field_name="user_id",
                                     error_messages={"required": "Choose the offender manager who is away.",
                                                     "invalid_choice": "Choose an offender manager in your team."})
    kind = forms.ChoiceField(label="Type of absence", choices=_Absence.Kind.choices,
                             error_messages={"required": "Choose the type of absence."})
    start_date = forms.DateField(label="First day away", widget=_DateInput(), input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                                 error_messages={"required": "Enter the first day away.",
                                                 "invalid": "Enter the first day away as a real date."})
    end_date = forms.DateField(label="Last day away", widget=_DateInput(), input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                               error_messages={"required": "Enter the last day away.",
                                               "invalid": "Enter the last day away as a real date."})

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = StaffProfile.objects.filter(team__in=teams).select_related("user")

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "The last day away cannot be before the first.")
        return data


class AllocationFiguresForm(forms.Form):
    as_at = forms.DateField(label="Figures as at", required=False, widget=_DateInput(),
                            input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                            error_messages={"invalid": "Enter the 'figures as at' date as a real date."})

    def clean_as_at(self):
        import datetime

        from django.utils import timezone

        value = self.cleaned_data.get("as_at")
        if value and value > timezone.localdate():
            raise forms.ValidationError("The 'figures as at' date cannot be in the future.")
        if value and value < datetime.date(2000, 1, 1):
            raise forms.ValidationError("The 'figures as at' date must be after 2000.")
        return value


class OrderEndForm(forms.Form):
    from cases.models import OrderEnding as _OrderEnding

    reason = forms.ChoiceField(label="How the order ended", choices=_OrderEnding.Reason.choices,
                               error_messages={"required": "Choose how the order ended."})
    ended_on = forms.DateField(label="Date the order ended", widget=_DateInput(), input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                               error_messages={"required": "Enter the date the order ended.",
                                               "invalid": "Enter the date the order ended as a real date."})
    rar_days_completed = forms.IntegerField(label="RAR days completed", min_value=0, initial=0,
                                            error_messages={"required": "Enter the RAR days completed (0 if none).",
                                                            "min_value": "RAR days completed cannot be negative."})
    hours_completed = forms.IntegerField(label="Unpaid work hours completed", min_value=0, initial=0,
                                         error_messages={"required": "Enter the unpaid work hours completed (0 if none).",
                                                         "min_value": "Unpaid work hours cannot be negative."})
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PlanObjectiveForm(forms.Form):
    text = forms.CharField(label="Objective", max_length=300, error_messages={"required": "Describe the objective."})
    target_date = forms.DateField(label="Target date", widget=_DateInput(), input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                                  error_messages={"required": "Enter the objective's target date.",
                                                  "invalid": "Enter the objective's target date as a real date."})


class PlanDateForm(forms.Form):
    on = forms.DateField(label="Date", widget=_DateInput(), input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                         error_messages={"required": "Enter the date.", "invalid": "Enter the date as a real date."})
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))
