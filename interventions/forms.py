"""Forms for interventions pages: they parse input and call services."""

from decimal import Decimal

from django import forms

from interventions.models import Behaviour, Session, SpendPurpose
from probation.models import User
from supervision.models import AbsenceReason, Outcome, RECORDABLE_OUTCOMES

DATE = {"widget": forms.DateInput(attrs={"type": "date"}), "input_formats": ["%Y-%m-%d", "%d/%m/%Y"]}


class AttendanceForm(forms.Form):
    """One booked person's row on the session attendance page (blank outcome: not recorded yet)."""

    booking = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label="Outcome", required=False,
                                choices=[("", "Not recorded")] + [(o.value, o.label) for o in RECORDABLE_OUTCOMES])
    minutes_worked = forms.IntegerField(label="Minutes worked", required=False, min_value=0, max_value=600,
                                        error_messages={"invalid": "Enter the minutes as a whole number."})
    minutes_stood_down = forms.IntegerField(label="Minutes stood down", required=False, min_value=0, max_value=600,
                                            error_messages={"invalid": "Enter the minutes as a whole number."})
    behaviour = forms.ChoiceField(label="Behaviour", required=False, choices=[("", "Choose")] + Behaviour.choices)
    absence_reason = forms.ChoiceField(label="Absence reason", required=False,
                                       choices=[("", "None")] + AbsenceReason.choices)
    notes = forms.CharField(label="Notes", required=False, max_length=500)


AttendanceFormSet = forms.formset_factory(AttendanceForm, extra=0, max_num=30, absolute_max=30)


class GroupAttendanceForm(forms.Form):
    """One participant's row on a programme session's attendance page (blank outcome: not recorded yet)."""

    place = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label="Outcome", required=False,
                                choices=[("", "Not recorded")] + [(o.value, o.label) for o in RECORDABLE_OUTCOMES])
    absence_reason = forms.ChoiceField(label="Absence reason", required=False,
                                       choices=[("", "None")] + AbsenceReason.choices)


GroupAttendanceFormSet = forms.formset_factory(GroupAttendanceForm, extra=0)


class SessionBookingForm(forms.Form):
    session = forms.ModelChoiceField(label="Session", queryset=Session.objects.none(),
                                     error_messages={"required": "Choose a session.",
                                                     "invalid_choice": "Choose a session from the list."})

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = Session.objects.all()  # any may be posted; the service decides
        self.fields["session"].choices = [("", "Choose")] + [
            (s.pk, f"{s.project.name} ({s.project.borough.name}), {s.starts_at:%a %d %b %Y}") for s in sessions]


class BudgetForm(forms.Form):
    amount = forms.DecimalField(label="Amount (£)", min_value=Decimal("0.01"), max_digits=8, decimal_places=2,
                                error_messages={"required": "Enter the amount.", "invalid": "Enter an amount like 250.00."})
    starts_on = forms.DateField(label="Starts on", error_messages={"required": "Enter the start date.",
                                                                   "invalid": "Enter a real date."}, **DATE)
    ends_on = forms.DateField(label="Ends on", error_messages={"required": "Enter the end date.",
                                                               "invalid": "Enter a real date."}, **DATE)


class SpendForm(forms.Form):
    amount = forms.DecimalField(label="Amount (£)", min_value=Decimal("0.01"), max_digits=8, decimal_places=2,
                                error_messages={"required": "Enter the amount.", "invalid": "Enter an amount like 45.00."})
    purpose = forms.ChoiceField(label="What it is for", choices=[("", "Choose")] + SpendPurpose.choices,
                                error_messages={"required": "Choose what the money is for."})
    supplier = forms.CharField(label="Supplier", max_length=150, error_messages={"required": "Enter who is paid."})
    approver = forms.ModelChoiceField(label="Approved by", queryset=User.objects.none(),
                                      error_messages={"required": "Choose who approved the spend.",
                                                      "invalid_choice": "Choose a team manager from the list."})
    spent_on = forms.DateField(label="Date", error_messages={"required": "Enter the date.",
                                                             "invalid": "Enter a real date."}, **DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = User.objects.filter(role="team_manager", is_active=True).order_by("last_name")


class ReferralForm(forms.Form):
    programme = forms.ModelChoiceField(label="Programme", queryset=None,
                                       error_messages={"required": "Choose a programme.",
                                                       "invalid_choice": "Choose a programme from the list."})
    reason = forms.CharField(label="Why refer", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Say why the person is referred."})
    override_reason = forms.CharField(label="If not eligible: why refer anyway", required=False, max_length=500,
                                      widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        from interventions.models import Programme

        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(is_active=True)


class ReferralMoveForm(forms.Form):
    to = forms.ChoiceField(label="Move to", error_messages={"required": "Choose a status."})
    group = forms.ModelChoiceField(label="Group (when allocating)", queryset=None, required=False,
                                   error_messages={"invalid_choice": "Choose a group from the list."})
    reason = forms.CharField(label="Why", max_length=500, error_messages={"required": "Say why."})

    def __init__(self, *args, referral, **kwargs):
        from interventions.models import ProgrammeGroup, ReferralStatus

        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [("", "Choose")] + ReferralStatus.choices  # the service says which are allowed
        self.fields["group"].queryset = ProgrammeGroup.objects.filter(programme_id=referral.programme_id)
