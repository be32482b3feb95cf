"""Forms for supervision pages: they parse input (London wall-clock dates and times) and call services."""

import datetime

from django import forms

from cases.models import Requirement
from probation.models import User
from supervision.models import LONDON, AbsenceReason, AppointmentType, Outcome, Place, RECORDABLE_OUTCOMES, Step

DATE = {"widget": forms.DateInput(attrs={"type": "date"}), "input_formats": ["%Y-%m-%d", "%d/%m/%Y"]}
TIME = {"widget": forms.TimeInput(attrs={"type": "time"}), "input_formats": ["%H:%M"]}


def _at(day, time) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=LONDON)


class WhenForm(forms.Form):
    date = forms.DateField(label="Date", error_messages={"required": "Enter the date.",
                                                         "invalid": "Enter a real date."}, **DATE)
    start_time = forms.TimeField(label="Starts at", error_messages={"required": "Enter the start time.",
                                                                    "invalid": "Enter a time like 14:30."}, **TIME)
    end_time = forms.TimeField(label="Ends at", error_messages={"required": "Enter the end time.",
                                                                "invalid": "Enter a time like 15:30."}, **TIME)
    confirm_clash = forms.BooleanField(label="Book it anyway despite the clash", required=False)

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("start_time") and data.get("end_time"):
            data["starts_at"] = _at(data["date"], data["start_time"])
            data["ends_at"] = _at(data["date"], data["end_time"])
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end_time", "The appointment must end after it starts.")
        return data


class BookingForm(WhenForm):
    type = forms.ChoiceField(label="Type", choices=AppointmentType.choices)
    place = forms.ChoiceField(label="Where", choices=Place.choices)
    officer = forms.ModelChoiceField(label="Run by", queryset=User.objects.none(), required=False,
                                     error_messages={"invalid_choice": "Choose an officer from the list."})
    requirement = forms.ModelChoiceField(label="Counts towards", queryset=Requirement.objects.none(), required=False,
                                         error_messages={"invalid_choice": "Choose one of the person's requirements."})
    notes = forms.CharField(label="Notes", required=False, max_length=500)
    repeat_every = forms.TypedChoiceField(label="Repeat", coerce=int, required=False, empty_value=0,
                                          choices=[(0, "Does not repeat"), (7, "Weekly"), (14, "Fortnightly")])
    repeat_count = forms.IntegerField(label="How many appointments in the series", required=False, min_value=1,
                                      max_value=52, help_text="Bank holidays and closure days are skipped.")

    field_order = ["type", "place", "date", "start_time", "end_time", "officer", "requirement", "notes",
                   "repeat_every", "repeat_count", "confirm_clash"]

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        # Anyone may be posted; the service says when the officer does not hold the case (a field error, not a 500).
        self.fields["officer"].queryset = User.objects.filter(role__in=["offender_manager", "team_manager"])
        self.fields["officer"].choices = [("", "Choose")] + [
            (u.pk, str(u)) for u in User.objects.filter(staff_profile__team_id=person.team_id).order_by("last_name")
        ] if person.team_id else [("", "Choose")]
        self.fields["requirement"].queryset = Requirement.objects.filter(sentence__person=person)
        self.fields["requirement"].choices = [("", "None")] + [
            (r.pk, f"{r} ({r.start_date:%d %b %Y} to {r.end_date:%d %b %Y})")
            for r in Requirement.objects.filter(sentence__person=person).order_by("start_date")]

    def clean(self):
        data = super().clean()
        if data.get("repeat_every") and not data.get("repeat_count"):
            self.add_error("repeat_count", "Say how many appointments to book in the series.")
        return data


class MoveForm(WhenForm):
    reason = forms.CharField(label="Why is it moving", max_length=300,
                             error_messages={"required": "Say why the appointment is moving."})


class CancelForm(forms.Form):
    reason = forms.CharField(label="Why is it cancelled", max_length=300,
                             error_messages={"required": "Say why the appointment is cancelled."})


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="What happened", widget=forms.RadioSelect,
                                choices=[(o.value, o.label) for o in Outcome if o in RECORDABLE_OUTCOMES],
                                error_messages={"required": "Choose what happened."})
    absence_reason = forms.ChoiceField(label="Reason the absence is acceptable", required=False,
                                       choices=[("", "Choose")] + list(AbsenceReason.choices))
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class EvidenceForm(forms.Form):
    action = forms.ChoiceField(choices=[("received", "received"), ("accept", "accept"), ("reject", "reject")])
    note = forms.CharField(label="Evidence received", required=False, max_length=300)
    reason = forms.CharField(label="Reason", required=False, max_length=500)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect, choices=Step.choices,
                                 error_messages={"required": "Choose your decision."})
    reason = forms.CharField(label="Reason (required if you depart from the proposal)", required=False,
                             max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class ResponseForm(forms.Form):
    response = forms.ChoiceField(label="The NPS's response", widget=forms.RadioSelect,
                                 choices=[("accepted", "Accepted"), ("rejected", "Rejected")],
                                 error_messages={"required": "Choose the NPS's response."})
    reason = forms.CharField(label="The NPS's reason", required=False, max_length=500)


class JudgeForm(forms.Form):
    confirm = forms.TypedChoiceField(label="Your judgement", widget=forms.RadioSelect, coerce=lambda v: v == "yes",
                                     choices=[("yes", "A failure to comply"), ("no", "Reasonable excuse: dismiss")],
                                     error_messages={"required": "Choose your judgement."})
    reason = forms.CharField(label="Reason", max_length=500, error_messages={"required": "Give your reason."})


class ReminderConsentForm(forms.Form):
    channel = forms.ChoiceField(label="How the person wants reminders", widget=forms.RadioSelect,
                                choices=[("sms", "Text message"), ("email", "Email")],
                                error_messages={"required": "Choose text message or email."})
    mobile = forms.CharField(label="Mobile number", required=False, max_length=20)
    email = forms.EmailField(label="Email address", required=False, max_length=254,
                             error_messages={"invalid": "Enter an email address like name@example.com."})
