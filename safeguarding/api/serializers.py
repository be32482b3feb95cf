"""Partner API shapes. Input serializers validate and shape; the services hold the rules. Text fields are strict
(a number where text belongs is a 400) through probation/api/strict_types.py, for every API alike."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partners.london import BOROUGHS
from partners.models import Borough
from safeguarding.models import ConcernedPerson, Rag, Response, SafeguardingRequest, State


def _not_future(value):
    if value and value > timezone.localdate():
        raise serializers.ValidationError("Date of birth must be in the past.")
    return value


class SubjectSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=80)
    last_name = serializers.CharField(max_length=80)
    aliases = serializers.ListField(child=serializers.CharField(max_length=160), required=False, default=list, max_length=20)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None, validators=[_not_future])
    address = serializers.CharField(required=False, allow_blank=True, default="")
    pnc = serializers.CharField(max_length=13, required=False, allow_blank=True, default="")


class RequesterSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    email = serializers.EmailField()
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class ConcernedSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=160)
    relationship = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None, validators=[_not_future])

    class Meta:
        model = ConcernedPerson
        fields = ["age_group", "name", "date_of_birth", "relationship"]


class RequestSubmitSerializer(serializers.Serializer):
    """A new request. The requesting organisation is always the caller's own: naming another is refused."""

    subject = SubjectSerializer()
    concerned = ConcernedSerializer(
        many=True, required=False, default=list, max_length=ConcernedPerson.MAX_PER_REQUEST,
        error_messages={"max_length": f"A request names at most {ConcernedPerson.MAX_PER_REQUEST} concerned people."},
    )
    reason = serializers.CharField()
    rating = serializers.ChoiceField(choices=Rag.choices, help_text="The RAG rating you propose; it sets the deadline.")
    requester = RequesterSerializer()
    borough = serializers.ChoiceField(
        choices=sorted(code for _, code, _, _ in BOROUGHS), required=False, allow_null=True, default=None,
        help_text="Borough code, e.g. camden. Defaults to your organisation's borough.",
    )

    # Requests are always made as the caller's own organisation. A body naming an organisation (under any of these
    # keys) that is not the caller's is refused with a field error, never silently re-pointed.
    ORGANISATION_KEYS = ("organisation", "organisation_id", "requesting_organisation")

    def validate(self, attrs):
        own = self.context["organisation"]
        data = self.initial_data if isinstance(self.initial_data, dict) else {}
        for key in self.ORGANISATION_KEYS:
            if key in data and str(data[key]) not in (str(own.pk), own.name):
                raise serializers.ValidationError({key: "You can only submit requests for your own organisation."})
        if not own.allows_response_email(attrs["requester"]["email"]):
            raise serializers.ValidationError({"requester": {"email": [own.response_email_refusal()]}})
        if attrs.get("borough"):
            attrs["borough"] = Borough.objects.filter(code=attrs["borough"]).first()
        return attrs


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Response
        fields = ["supervision_status", "risk_level", "conditions", "engagement", "contact_with_named", "professional_view", "responded_at"]


class RequestSerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=State.choices, read_only=True)
    rating_proposed = serializers.CharField(read_only=True, help_text="The rating the partner proposed (red, amber, green or blue).")
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    borough = serializers.SlugRelatedField(slug_field="code", read_only=True)
    subject = serializers.SerializerMethodField()
    requester = serializers.SerializerMethodField()
    concerned = ConcernedSerializer(many=True, read_only=True)
    response = serializers.SerializerMethodField()

    class Meta:
        model = SafeguardingRequest
        fields = [
            "reference", "state", "organisation", "borough", "rating_proposed", "rating", "received_at", "due_at",
            "subject", "concerned", "reason", "requester", "responded_at", "withdrawn_at", "response",
        ]
        read_only_fields = fields

    @extend_schema_field(SubjectSerializer)
    def get_subject(self, obj):
        aliases = [a.strip() for a in obj.subject_aliases.split(",") if a.strip()]
        return {
            "first_name": obj.subject_first_name, "last_name": obj.subject_last_name, "aliases": aliases,
            "date_of_birth": obj.subject_date_of_birth.isoformat() if obj.subject_date_of_birth else None,
            "address": obj.subject_address, "pnc": obj.subject_pnc,
        }

    @extend_schema_field(RequesterSerializer)
    def get_requester(self, obj):
        return {"name": obj.requester_name, "email": obj.requester_email, "phone": obj.requester_phone}

    @extend_schema_field(ResponseSerializer(allow_null=True))
    def get_response(self, obj):
        if obj.responded_at is None:
            return None
        return ResponseSerializer(obj.response).data
