"""Partner API shapes. Input serializers validate and shape (unknown keys are refused); the services hold the rules.
Text fields are strict (a number where text belongs is a 400) through probation/api/strict_types.py, for every API.

Output is rendered from plain rows (safeguarding.api.rows), never from model instances; the output serializers here
describe that shape for the OpenAPI schema and are checked against it by the schemathesis tests."""

from django.utils import timezone
from rest_framework import serializers

from partners.london import BOROUGHS
from probation.api.strict_types import RefuseUnknownFieldsMixin
from safeguarding.models import (
    ADDRESS_MAX,
    ALIASES_MAX,
    NOTE_MAX,
    REASON_MAX,
    RESPONSE_TEXT_MAX,
    ConcernedPerson,
    Rag,
    Response,
    State,
)

def _not_future(value):
    if value and value > timezone.localdate():
        raise serializers.ValidationError("Date of birth must be in the past.", code="future_date")
    return value


def _aliases_fit(value):
    if len(", ".join(a.strip() for a in value)) > ALIASES_MAX:
        raise serializers.ValidationError(f"Aliases together must be at most {ALIASES_MAX} characters.", code="max_length")
    return value


class SubjectSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    first_name = serializers.CharField(max_length=80)
    last_name = serializers.CharField(max_length=80)
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=160), required=False, default=list, max_length=20, validators=[_aliases_fit],
        help_text=f"Other names; at most 20, {ALIASES_MAX} characters together.",
    )
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None, validators=[_not_future])
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=ADDRESS_MAX)
    pnc = serializers.CharField(max_length=13, required=False, allow_blank=True, default="")


class RequesterSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=120)
    email = serializers.EmailField()
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class ConcernedSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    age_group = serializers.ChoiceField(choices=ConcernedPerson.AgeGroup.choices)
    name = serializers.CharField(max_length=160)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None, validators=[_not_future])
    relationship = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class RequestSubmitSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    """A new request. The requesting organisation is always the caller's own: naming another is refused."""

    subject = SubjectSerializer()
    concerned = ConcernedSerializer(
        many=True, required=False, default=list, max_length=ConcernedPerson.MAX_PER_REQUEST,
        error_messages={"max_length": f"A request names at most {ConcernedPerson.MAX_PER_REQUEST} concerned people."},
    )
    reason = serializers.CharField(max_length=REASON_MAX)
    rating = serializers.ChoiceField(choices=Rag.choices, help_text="The RAG rating you propose; it sets the deadline.")
    requester = RequesterSerializer()
    borough = serializers.ChoiceField(
        choices=sorted(code for _, code, _, _ in BOROUGHS), required=False, allow_null=True, default=None,
        help_text="Borough code, e.g. camden. Required when your organisation covers several boroughs (one of "
                  "them); may be left out when it covers one.",
    )

    # Requests are always made as the caller's own organisation. A body naming an organisation (under any of these
    # keys) that is not the caller's is refused with a field error, never silently re-pointed.
    ORGANISATION_KEYS = ("organisation", "organisation_id", "requesting_organisation")
    extra_allowed_fields = ORGANISATION_KEYS

    def validate(self, attrs):
        own = self.context["organisation"]
        data = self.initial_data if isinstance(self.initial_data, dict) else {}
        for key in self.ORGANISATION_KEYS:
            if key in data and str(data[key]) not in (str(own.pk), own.name):
                raise serializers.ValidationError(
                    {key: serializers.ErrorDetail("You can only submit requests for your own organisation.", code="other_organisation")}
                )
        if not own.allows_response_email(attrs["requester"]["email"]):
            raise serializers.ValidationError({"requester": {"email": [
                serializers.ErrorDetail(own.response_email_refusal(), code="domain_not_allowed")]}})
        return attrs


class WithdrawSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class AddInformationSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    """A note, a named person, or both, added to an open request."""

    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")
    person = ConcernedSerializer(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if not attrs["note"].strip() and attrs["person"] is None:
            raise serializers.ValidationError({"note": serializers.ErrorDetail("Add a note or a named person.", code="required")})
        return attrs


# --- Output (documentation of the rows rendered by safeguarding.api.rows) ------------------------------------------


class ResponseSerializer(serializers.Serializer):
    supervision_status = serializers.ChoiceField(choices=Response.SupervisionStatus.choices)
    risk_level = serializers.ChoiceField(choices=Response.RiskLevel.choices)
    conditions = serializers.CharField(max_length=RESPONSE_TEXT_MAX)
    engagement = serializers.ChoiceField(choices=Response.Engagement.choices)
    contact_with_named = serializers.CharField(max_length=RESPONSE_TEXT_MAX)
    professional_view = serializers.CharField(max_length=RESPONSE_TEXT_MAX)
    responded_at = serializers.DateTimeField()


class RatingChangeSerializer(serializers.Serializer):
    from_rating = serializers.ChoiceField(choices=Rag.choices)
    to_rating = serializers.ChoiceField(choices=Rag.choices)
    rationale = serializers.CharField(help_text="Why the hub changed the rating.")
    changed_at = serializers.DateTimeField()


class SubjectOutSerializer(serializers.Serializer):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    aliases = serializers.ListField(child=serializers.CharField())
    date_of_birth = serializers.DateField(allow_null=True)
    address = serializers.CharField()
    pnc = serializers.CharField()


class RequesterOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField()


class ConcernedOutSerializer(serializers.Serializer):
    age_group = serializers.ChoiceField(choices=ConcernedPerson.AgeGroup.choices)
    name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    relationship = serializers.CharField()


class RequestSerializer(serializers.Serializer):
    reference = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    organisation = serializers.CharField()
    borough = serializers.CharField(allow_null=True)
    rating_proposed = serializers.ChoiceField(choices=Rag.choices, help_text="The rating the partner proposed.")
    rating = serializers.ChoiceField(choices=Rag.choices, help_text="The current rating (the hub may change it).")
    rating_changes = RatingChangeSerializer(many=True, help_text="Every change of rating by the hub, oldest first.")
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField(help_text="Last change you can see; filter with `updated_after`.")
    subject = SubjectOutSerializer()
    concerned = ConcernedOutSerializer(many=True)
    reason = serializers.CharField()
    requester = RequesterOutSerializer()
    responded_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    response = ResponseSerializer(allow_null=True)


class RequestPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page (keyset cursor), or null at the end.")
    results = RequestSerializer(many=True)
