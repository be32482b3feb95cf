from rest_framework import serializers

from cases.models import Person


class IomNominalSerializer(serializers.ModelSerializer):
    """What a partner tracking IOM needs to know: identity, flags, risk and who supervises. Nothing more."""

    home_borough = serializers.SlugRelatedField(slug_field="code", read_only=True)
    offender_manager = serializers.SerializerMethodField()
    team = serializers.CharField(source="team.name", default=None, read_only=True)

    class Meta:
        model = Person
        fields = ["crn", "pnc_number", "first_name", "last_name", "date_of_birth", "home_borough", "is_iom", "is_gto",
                  "rosh_level", "tier", "team", "offender_manager"]
        read_only_fields = fields

    def get_offender_manager(self, person) -> str | None:
        return person.offender_manager.get_full_name() if person.offender_manager else None
