from rest_framework import serializers

from resettlement.models import ActionStatus, Pathway, PlanAction


class ActionPersonSerializer(serializers.Serializer):
    crn = serializers.CharField(read_only=True, help_text="Case reference number, like X123456.")
    name = serializers.CharField(source="full_name", read_only=True)
    prison_number = serializers.CharField(read_only=True)


class PartnerActionSerializer(serializers.ModelSerializer):
    """A resettlement action assigned to the caller's organisation."""

    person = ActionPersonSerializer(source="plan.episode.person", read_only=True)
    prison = serializers.CharField(source="plan.episode.current_prison.name", read_only=True)
    expected_release_date = serializers.DateField(source="plan.episode.expected_release_date", read_only=True,
                                                  allow_null=True)
    released_on = serializers.DateField(source="plan.episode.released_on", read_only=True, allow_null=True)
    pathway = serializers.ChoiceField(choices=Pathway.choices, read_only=True)
    status = serializers.ChoiceField(choices=ActionStatus.choices, read_only=True)

    class Meta:
        model = PlanAction
        fields = [
            "id", "person", "prison", "expected_release_date", "released_on", "pathway", "description", "due_on",
            "status", "outcome", "consent", "updated_at",
        ]
        read_only_fields = fields


class ActionUpdateSerializer(serializers.Serializer):
    """Move an action on: in progress, done or could not be achieved (with an outcome). Partners cannot cancel or
    reopen an action."""

    status = serializers.ChoiceField(choices=ActionStatus.choices)
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=5000)
