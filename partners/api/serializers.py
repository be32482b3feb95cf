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


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.CharField()
    organisation = OrganisationSummarySerializer(allow_null=True)
    can_track_iom = serializers.BooleanField()
    token = TokenInfoSerializer(allow_null=True, help_text="The credential used for this call (null in a session).")
