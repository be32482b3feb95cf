from rest_framework import serializers

from supervision.models import AamrReading, AbsenceReason, Appointment, AppointmentType, Outcome, Place, RECORDABLE_OUTCOMES


class AppointmentPersonSerializer(serializers.Serializer):
    crn = serializers.CharField(read_only=True, help_text="Case reference number, like X123456.")
    name = serializers.CharField(source="full_name", read_only=True)


class PartnerAppointmentSerializer(serializers.ModelSerializer):
    """An appointment your organisation runs for one of its referrals."""

    person = AppointmentPersonSerializer(read_only=True)
    type = serializers.ChoiceField(choices=AppointmentType.choices, read_only=True)
    place = serializers.ChoiceField(choices=Place.choices, read_only=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, read_only=True, allow_blank=True)
    absence_reason = serializers.ChoiceField(choices=AbsenceReason.choices, read_only=True, allow_blank=True)

    class Meta:
        model = Appointment
        fields = ["id", "person", "type", "place", "starts_at", "ends_at", "outcome", "outcome_recorded_at",
                  "absence_reason"]
        read_only_fields = fields


class OutcomeInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[(o.value, o.label) for o in Outcome if o in RECORDABLE_OUTCOMES])
    absence_reason = serializers.ChoiceField(choices=AbsenceReason.choices, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class AamrReadingInputSerializer(serializers.Serializer):
    requirement = serializers.IntegerField(min_value=1, help_text="The AAMR requirement's id, as referred to you.")
    day = serializers.DateField()
    result = serializers.ChoiceField(choices=AamrReading.Result.choices)


class AamrReadingSerializer(serializers.ModelSerializer):
    result = serializers.ChoiceField(choices=AamrReading.Result.choices, read_only=True)

    class Meta:
        model = AamrReading
        fields = ["id", "requirement", "day", "result", "received_at"]
        read_only_fields = fields
