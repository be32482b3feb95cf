from datetime import date, datetime

from django import forms
from django.utils import timezone

from cases.forms import StaffChoiceField
from cases.models import Person
from cases.selectors import staff_label, staff_with_teams
from partners.models import Borough, Organisation
from probation.calendar import LONDON
from probation.forms import GovukFormMixin
from probation.models import Role, User
from safeguarding.models import ADDRESS_MAX, ALIASES_MAX, REASON_MAX, ConcernedPerson, MatchOutcome, Rag, Response
from safeguarding.selectors import STATE_CHOICES


def _date_widget():
    return forms.DateInput(attrs={"type": "date", "class": "govuk-input govuk-input--width-10"})


class GovukMixin(GovukFormMixin):
    """Adds GOV.UK classes to widgets so templates can render fields plainly; errors name their field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            css = widget.attrs.get("class", "")
            if isinstance(widget, forms.Textarea):
                css = css or "govuk-textarea"
                widget.attrs.setdefault("rows", 4)
            elif isinstance(widget, forms.RadioSelect):
                continue
            elif isinstance(widget, forms.Select):
                css = css or "govuk-select"
            elif isinstance(widget, forms.CheckboxInput):
                continue
            else:
                css = css or "govuk-input"
            widget.attrs["class"] = css


class IntakeForm(GovukMixin, forms.Form):
    """A request received by secure email, keyed in by the hub. The time received is the email's."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(is_active=True, kind__in=Organisation.STATUTORY_KINDS),
        label="Requesting organisation",
    )
    borough = forms.ModelChoiceField(
        queryset=Borough.objects.all(), required=False,
        help_text="Required when the organisation covers several boroughs; otherwise its one borough.",
    )
    received_date = forms.DateField(label="Date the email was received", widget=_date_widget())
    received_time = forms.TimeField(label="Time the email was received", widget=forms.TimeInput(attrs={"type": "time", "class": "govuk-input govuk-input--width-5"}))
    subject_first_name = forms.CharField(max_length=80, label="Subject's first name")
    subject_last_name = forms.CharField(max_length=80, label="Subject's last name")
    subject_aliases = forms.CharField(max_length=ALIASES_MAX, required=False, label="Other names (aliases)", help_text="Separate names with commas.")
    subject_date_of_birth = forms.DateField(required=False, label="Subject's date of birth", widget=_date_widget())
    subject_pnc = forms.CharField(max_length=13, required=False, label="Subject's PNC number")
    subject_address = forms.CharField(max_length=ADDRESS_MAX, required=False, label="Subject's address", widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(max_length=REASON_MAX, label="Reason for the request", widget=forms.Textarea, help_text=f"At most {REASON_MAX} characters.")
    rating = forms.ChoiceField(choices=Rag.choices, label="RAG rating proposed by the partner")
    requester_name = forms.CharField(max_length=120, label="Requester's name")
    requester_email = forms.EmailField(label="Requester's email")
    requester_phone = forms.CharField(max_length=20, required=False, label="Requester's phone")

    def clean_subject_date_of_birth(self):
        dob = self.cleaned_data.get("subject_date_of_birth")
        if dob and dob > timezone.localdate():
            raise forms.ValidationError("Date of birth must be in the past.")
        return dob

    def clean(self):
        data = super().clean()
        if data.get("received_date") and data.get("received_time"):
            received = datetime.combine(data["received_date"], data["received_time"], tzinfo=LONDON)
            if received > timezone.now():
                self.add_error("received_time", "The time received cannot be in the future.")
            data["received_at"] = received
        return data


class ConcernedForm(GovukMixin, forms.ModelForm):
    class Meta:
        model = ConcernedPerson
        fields = ["age_group", "name", "date_of_birth", "relationship"]
        widgets = {"date_of_birth": _date_widget()}

    def clean_date_of_birth(self):
        dob = self.cleaned_data.get("date_of_birth")
        if dob and dob > timezone.localdate():
            raise forms.ValidationError("Date of birth must be in the past.")
        return dob


class _ConcernedBaseFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": f"A request names at most {ConcernedPerson.MAX_PER_REQUEST} concerned people.",
    }


ConcernedFormSet = forms.formset_factory(ConcernedForm, formset=_ConcernedBaseFormSet, extra=3,
                                         max_num=ConcernedPerson.MAX_PER_REQUEST, validate_max=True)


class RatingChangeForm(GovukMixin, forms.Form):
    rating = forms.ChoiceField(choices=Rag.choices, label="New RAG rating")
    rationale = forms.CharField(max_length=REASON_MAX, widget=forms.Textarea, label="Rationale for the change", error_messages={"required": "Explain why the rating is changing."})


class SearchForm(GovukMixin, forms.Form):
    text = forms.CharField(required=False, label="Name or alias")
    date_of_birth = forms.DateField(required=False, widget=_date_widget())
    pnc = forms.CharField(required=False, label="PNC number")
    crn = forms.CharField(required=False, label="CRN")


class TriageForm(GovukFormMixin, forms.Form):
    outcome = forms.ChoiceField(choices=MatchOutcome.choices, widget=forms.RadioSelect, label="Match outcome")
    person = forms.ModelChoiceField(queryset=Person.objects.all(), required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("outcome") in (MatchOutcome.KNOWN_CRC, MatchOutcome.NPS) and not data.get("person"):
            self.add_error("person", "Choose the matching person on probation.")
        return data


class AssignForm(GovukMixin, forms.Form):
    assignee = StaffChoiceField(
        queryset=User.objects.filter(is_active=True, role__in=[Role.OFFENDER_MANAGER, Role.TEAM_MANAGER, Role.HUB]).order_by("last_name", "first_name"),
        label="Assign to",
    )
    reason = forms.CharField(max_length=200, required=False, label="Reason")


class ResponseForm(GovukMixin, forms.ModelForm):
    class Meta:
        model = Response
        fields = ["supervision_status", "risk_level", "conditions", "engagement", "contact_with_named", "professional_view"]


class WithdrawForm(GovukMixin, forms.Form):
    reason = forms.CharField(max_length=300, required=False, label="Reason given by the partner")


class CloseForm(GovukMixin, forms.Form):
    reason = forms.CharField(max_length=300, label="Why no probation response is needed",
                             error_messages={"required": "Say why the request can be closed without a response."})


class PlainSelect(forms.Select):
    """A select of flat choices rendered in Python: Django's template-rendered options cost ~0.5 ms each, most of the
    hub queue page's time with a long staff list. Same markup as forms.Select."""

    def render(self, name, value, attrs=None, renderer=None):
        from django.forms.utils import flatatt
        from django.utils.html import format_html, format_html_join

        current = "" if value is None else str(value)
        options = format_html_join("", '<option value="{}"{}>{}</option>', (
            (v, " selected" if str(v) == current else "", label) for v, label in self.choices
        ))
        return format_html("<select{}>{}</select>", flatatt(self.build_attrs(self.attrs, {**(attrs or {}), "name": name})),
                           options)


class QueueFilterForm(GovukMixin, forms.Form):
    rating = forms.ChoiceField(choices=[("", "Any")] + list(Rag.choices), required=False, widget=PlainSelect)
    borough = forms.ChoiceField(choices=(), required=False, widget=PlainSelect)
    state = forms.ChoiceField(choices=[("", "Any")] + STATE_CHOICES, required=False, widget=PlainSelect)
    assignee = forms.ChoiceField(choices=(), required=False, widget=PlainSelect)

    CHOICES_SECONDS = 60  # boroughs and staff change rarely; the queue page should not read them every time

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.core.cache import cache

        choices = cache.get("mash:queue-filter-choices")
        if choices is None:
            boroughs = list(Borough.objects.values_list("code", "name"))
            # Staff named with their team, so two people of the same name can be told apart.
            staff = staff_with_teams(User.objects.filter(
                is_active=True, role__in=[Role.OFFENDER_MANAGER, Role.TEAM_MANAGER, Role.HUB]).order_by("last_name", "first_name"))
            choices = (boroughs, [(str(u.pk), staff_label(u)) for u in staff])
            cache.set("mash:queue-filter-choices", choices, self.CHOICES_SECONDS)
        self.fields["borough"].choices = [("", "Any")] + choices[0]
        self.fields["assignee"].choices = [("", "Anyone"), ("none", "Not assigned")] + choices[1]


class ComplianceForm(GovukFormMixin, forms.Form):
    # Figures exist from the service's first requests; a date outside this range is refused, not computed.
    EARLIEST = date(2000, 1, 1)

    as_of = forms.DateField(required=False, label="As it stood at the end of",
                            error_messages={"invalid": "Enter the date as YYYY-MM-DD."})
    borough = forms.ModelChoiceField(
        queryset=Borough.objects.order_by("name"), to_field_name="code", required=False, empty_label="All of London",
        error_messages={"invalid_choice": "Select a London borough from the list."},
    )

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of is not None and not (self.EARLIEST <= as_of <= timezone.localdate()):
            raise forms.ValidationError(f"Enter a date between {self.EARLIEST:%-d %B %Y} and today.")
        return as_of
