"""Forms validate input shape; the rules are in resettlement.services, whose ValidationErrors are added back to the
form so they show in the GOV.UK error summary beside their fields."""

from django import forms
from django.core.exceptions import ValidationError

from cases.forms import StaffChoiceField
from cases.models import Person
from cases.programmes import programmes
from partners.models import Organisation
from probation.forms import GovukFormMixin
from probation.models import STAFF_ROLES, User
from resettlement.models import (
    ActionStatus,
    Consent,
    CustodyEpisode,
    NeedStatus,
    Pathway,
    Prison,
    Setting,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


def staff_users():
    return User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("last_name", "first_name")


class GovukForm(GovukFormMixin, forms.Form):
    """Errors name their field and text inputs get GOV.UK classes and widths (probation.forms.GovukFormMixin);
    radios, selects and textareas are drawn by resettlement/_field.html."""


def add_service_errors(form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form's fields (or to the form if the field is not on it)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class CrnField(forms.CharField):
    def clean(self, value):
        value = (super().clean(value) or "").strip().upper()
        person = Person.objects.filter(crn=value).first()
        if person is None:
            raise ValidationError("No person on probation has that CRN.")
        return person


class EpisodeForm(GovukForm):
    crn = CrnField(label="CRN", max_length=7)
    prison = forms.ModelChoiceField(Prison.objects.filter(is_active=True), empty_label="Choose a prison")
    custody_type = forms.ChoiceField(choices=CustodyEpisode.CustodyType.choices, widget=forms.RadioSelect)
    reception_at = forms.DateTimeField(
        label="Reception date and time", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    sentence_length_months = forms.IntegerField(label="Sentence length (months)", required=False, min_value=1, max_value=1200)
    expected_release_date = forms.DateField(required=False, widget=DATE_WIDGET)
    ttg_worker = StaffChoiceField(staff_users(), required=False, label="Through the Gate worker")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ttg_worker"].queryset = staff_users()


class Bcst2Form(GovukForm):
    """One need status per pathway."""

    CHOICES = [
        (NeedStatus.SUPPORT_REQUIRED, NeedStatus.SUPPORT_REQUIRED.label),
        (NeedStatus.SUPPORT_NOT_REQUIRED, NeedStatus.SUPPORT_NOT_REQUIRED.label),
        (NeedStatus.SUPPORT_DECLINED, NeedStatus.SUPPORT_DECLINED.label),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in Pathway.choices:
            self.fields[value] = forms.ChoiceField(
                label=label, choices=self.CHOICES, widget=forms.RadioSelect,
                error_messages={"required": f"Choose the need for {label.lower()}."},
            )


class Bcst1Form(GovukForm):
    completed_at = forms.DateTimeField(
        label="When the prison completed part 1", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )


class NeedForm(GovukForm):
    status = forms.ChoiceField(choices=NeedStatus.choices)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


# The partners' services (partners.london.SERVICES) that serve each resettlement pathway.
PATHWAY_SERVICES = {
    Pathway.ACCOMMODATION: "accommodation", Pathway.ATTITUDES: "attitudes", Pathway.FAMILY: "family",
    Pathway.DRUGS_ALCOHOL: "substance-misuse", Pathway.EDUCATION_WORK: "employment", Pathway.FINANCE: "finance",
    Pathway.HEALTH: "health", Pathway.SEX_WORK: "sex-work", Pathway.DOMESTIC_VIOLENCE: "domestic-abuse",
}


def supply_chain_choices(organisations) -> list:
    """Choices grouped by pathway: each partner under every pathway it serves; others under "Other services"."""
    groups = {pathway: [] for pathway in PATHWAY_SERVICES}
    other = []
    for organisation in organisations:
        codes = {service.code for service in organisation.services.all()}
        served = [pathway for pathway, code in PATHWAY_SERVICES.items() if code in codes]
        for pathway in served:
            groups[pathway].append((organisation.pk, organisation.name))
        if not served:
            other.append((organisation.pk, organisation.name))
    choices = [("", "Not a partner referral")]
    choices += [(pathway.label, members) for pathway, members in groups.items() if members]
    if other:
        choices.append(("Other services", other))
    return choices


class ActionForm(GovukForm):
    pathway = forms.ChoiceField(choices=[("", "Choose a pathway")] + list(Pathway.choices))
    description = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label="Due date", widget=DATE_WIDGET)
    owner_user = StaffChoiceField(staff_users(), required=False, label="CRC staff owner",
                                        empty_label="Not owned by CRC staff")
    owner_organisation = forms.ModelChoiceField(
        Organisation.objects.filter(is_active=True), required=False, label="Supply-chain partner",
        empty_label="Not a partner referral",
        help_text="A referral to a supply-chain partner needs the person's consent or a recorded override.",
    )
    consent = forms.ChoiceField(
        choices=[("", "Not a referral")] + list(Consent.choices), required=False, widget=forms.RadioSelect
    )
    consent_override_reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                              label="Why refer without consent")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_user"].queryset = staff_users()
        # Only active supply-chain partners, grouped by the pathway they serve (St Mungo's under Accommodation); a
        # MASH or a Community Safety Partnership is not offered, and one posted anyway gets a field error.
        partners = self.fields["owner_organisation"]
        partners.queryset = Organisation.objects.filter(
            is_active=True, kind=Organisation.Kind.SUPPLY_CHAIN).prefetch_related("services").order_by("name")
        partners.error_messages["invalid_choice"] = (
            "That organisation is not an active supply-chain partner: select one from the list.")
        partners.choices = supply_chain_choices(partners.queryset)
        partners.grouped = True
        partners.widget.attrs["class"] = "govuk-select"


class ActionUpdateForm(GovukForm):
    status = forms.ChoiceField(choices=ActionStatus.choices)
    outcome = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, allowed=None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed is not None:
            self.fields["status"].choices = [(v, ActionStatus(v).label) for v in allowed]


class ReviewForm(GovukForm):
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class TransferForm(GovukForm):
    to_prison = forms.ModelChoiceField(Prison.objects.filter(is_active=True), empty_label="Choose a prison",
                                       label="Transferred to")
    transferred_on = forms.DateField(label="Date of transfer", widget=DATE_WIDGET)
    reason = forms.CharField(required=False, max_length=200)


class ReleaseDateForm(GovukForm):
    expected_release_date = forms.DateField(widget=DATE_WIDGET)


class ReleaseForm(GovukForm):
    released_on = forms.DateField(label="Date of release", widget=DATE_WIDGET)
    community_offender_manager = StaffChoiceField(
        staff_users(), required=False, help_text="Leave blank to keep the person's current offender manager."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community_offender_manager"].queryset = staff_users()


class PlanLookupForm(GovukForm):
    crn = CrnField(label="CRN", max_length=7)


class EnrolmentForm(GovukForm):
    crn = CrnField(label="CRN", max_length=7)
    programme = forms.ModelChoiceField(None, empty_label="Choose a programme")
    setting = forms.ChoiceField(choices=Setting.choices, widget=forms.RadioSelect)
    prison = forms.ModelChoiceField(Prison.objects.filter(is_active=True), required=False)
    starts_on = forms.DateField(label="First module", widget=DATE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes().catalogue()  # interventions' catalogue, through the port


class AttendanceForm(GovukForm):
    module_number = forms.IntegerField(min_value=1)
    attended = forms.TypedChoiceField(choices=[("yes", "Attended"), ("no", "Did not attend")],
                                      coerce=lambda v: v == "yes", widget=forms.RadioSelect)


class JournalForm(GovukForm):
    completed_on = forms.DateField(label="Change Plan Journal completed on", widget=DATE_WIDGET)


class WithdrawForm(GovukForm):
    withdrawn_on = forms.DateField(widget=DATE_WIDGET)
    reason = forms.CharField(max_length=200, required=False)
