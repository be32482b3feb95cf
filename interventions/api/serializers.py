from rest_framework import serializers

from interventions.models import Behaviour, Booking, GroupPlace
from supervision.models import AbsenceReason, Outcome, RECORDABLE_OUTCOMES


# The outcomes a partner may record (named RecordableOutcomeEnum in the schema: settings.ENUM_NAME_OVERRIDES).
RECORDABLE_OUTCOME_CHOICES = [(o.value, o.label) for o in RECORDABLE_OUTCOMES]


class BookingPersonSerializer(serializers.Serializer):
    crn = serializers.CharField(read_only=True, help_text="Case reference number, like X123456.")
    name = serializers.CharField(source="full_name", read_only=True)


class PartnerBookingSerializer(serializers.ModelSerializer):
    """A person booked onto a Community Payback session at one of your projects, with attendance once recorded."""

    person = BookingPersonSerializer(read_only=True)
    project = serializers.CharField(source="session.project.name", read_only=True)
    session = serializers.IntegerField(source="session_id", read_only=True)
    outcome = serializers.ChoiceField(source="appointment.outcome", choices=Outcome.choices, read_only=True,
                                      allow_blank=True)
    behaviour = serializers.ChoiceField(choices=Behaviour.choices, read_only=True, allow_blank=True)

    class Meta:
        model = Booking
        fields = ["id", "session", "project", "person", "starts_at", "ends_at", "outcome", "minutes_worked",
                  "minutes_stood_down", "credited_minutes", "behaviour", "attendance_recorded_at"]
        read_only_fields = fields


class AttendanceInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=RECORDABLE_OUTCOME_CHOICES)
    minutes_worked = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=600)
    minutes_stood_down = serializers.IntegerField(required=False, min_value=0, max_value=600, default=0)
    behaviour = serializers.ChoiceField(choices=Behaviour.choices, required=False, allow_blank=True, default="")
    absence_reason = serializers.ChoiceField(choices=AbsenceReason.choices, required=False, allow_blank=True,
                                             default="")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class PartnerGroupPlaceSerializer(serializers.ModelSerializer):
    """A participant's place at a session of an accredited programme group your organisation delivers, with the
    attendance once recorded."""

    person = BookingPersonSerializer(source="referral.person", read_only=True)
    programme = serializers.CharField(source="session.group.programme.name", read_only=True)
    group = serializers.IntegerField(source="session.group_id", read_only=True)
    session_number = serializers.IntegerField(source="session.number", read_only=True)
    catch_up = serializers.SerializerMethodField()
    starts_at = serializers.DateTimeField(source="session.starts_at", read_only=True)
    ends_at = serializers.DateTimeField(source="session.ends_at", read_only=True)
    outcome = serializers.ChoiceField(source="appointment.outcome", choices=Outcome.choices, read_only=True,
                                      allow_blank=True)
    absence_reason = serializers.ChoiceField(source="appointment.absence_reason", choices=AbsenceReason.choices,
                                             read_only=True, allow_blank=True)

    class Meta:
        model = GroupPlace
        fields = ["id", "group", "programme", "session_number", "catch_up", "person", "starts_at", "ends_at",
                  "outcome", "absence_reason"]
        read_only_fields = fields

    def get_catch_up(self, place) -> bool:
        return place.session.catch_up_for_id is not None


class ProgrammeAttendanceInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=RECORDABLE_OUTCOME_CHOICES)
    absence_reason = serializers.ChoiceField(choices=AbsenceReason.choices, required=False, allow_blank=True,
                                             default="")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
