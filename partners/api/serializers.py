from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partners.models import ApiToken, Contact, Organisation


class OrganisationSummarySerializer(serializers.ModelSerializer):
    boroughs = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    services = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "boroughs", "services"]


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "job_title", "email", "phone", "is_primary"]


class OrganisationSerializer(OrganisationSummarySerializer):
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta(OrganisationSummarySerializer.Meta):
        fields = OrganisationSummarySerializer.Meta.fields + ["email", "phone", "website", "is_active", "contacts"]


class TokenInfoSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["prefix", "name", "created_at", "expires_at", "last_used_at", "status"]

    def get_status(self, obj) -> str:
        return obj.status()


class HospContactSerializer(serializers.Serializer):
    borough = serializers.CharField(source="code")
    borough_name = serializers.CharField(source="name")
    hosp_area = serializers.CharField(source="hosp_area.name", default=None, allow_null=True)
    hosp_name = serializers.SerializerMethodField()
    hosp_email = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_hosp_name(self, borough) -> str | None:
        hosp = borough.hosp_area.hosp if borough.hosp_area else None
        return (hosp.get_full_name() or hosp.username) if hosp else None

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_hosp_email(self, borough) -> str | None:
        hosp = borough.hosp_area.hosp if borough.hosp_area else None
        return (hosp.email or None) if hosp else None


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.CharField()
    organisation = OrganisationSummarySerializer(allow_null=True)
    can_track_iom = serializers.BooleanField()
    token = TokenInfoSerializer(allow_null=True, help_text="The credential used for this call (null in a session).")
    hosp_contacts = HospContactSerializer(
        many=True, help_text="Your first point of contact in each of your organisation's boroughs: its HOSP."
    )
