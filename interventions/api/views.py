"""Partner API for Community Payback: a placement partner lists the bookings on its own projects' sessions and
records attendance for them (another organisation's booking is a 404). Every read and change is audited;
attendance goes through the same service as the supervisor's page (and so through supervision's enforcement)."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from interventions import services
from interventions.api.serializers import (
    AttendanceInputSerializer,
    PartnerBookingSerializer,
    PartnerGroupPlaceSerializer,
    ProgrammeAttendanceInputSerializer,
)
from interventions.models import Booking, GroupPlace
from supervision import services as supervision
from partners.scoping import get_scoped_object_or_404
from partners.selectors import organisation_for
from probation.api.errors import service_validation_error
from probation.audit import Action, audit_record, audit_view_many
from probation.policy import IsPartnerUser

BOOKINGS = Booking.objects.live().select_related("person", "session__project", "appointment")
PLACES = GroupPlace.objects.select_related("referral__person", "session__group__programme", "appointment")


@extend_schema_view(get=extend_schema(summary="List the Community Payback bookings at your projects",
                                      description="Soonest first, with attendance once recorded."))
class BookingList(generics.ListAPIView):
    serializer_class = PartnerBookingSerializer
    permission_classes = [IsPartnerUser]

    def get_queryset(self):
        organisation = organisation_for(self.request.user)
        if organisation is None:
            return Booking.objects.none()
        return BOOKINGS.filter(session__project__partner=organisation).order_by("starts_at", "pk")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        audit_view_many(request, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class BookingAttendance(APIView):
    permission_classes = [IsPartnerUser]

    @extend_schema(summary="Record attendance at a session your organisation runs",
                   description="Credited time is minutes worked less minutes stood down, never negative; an absence "
                               "credits nothing. Sending the same attendance again changes nothing; a different one "
                               "is refused (400).",
                   request=AttendanceInputSerializer, responses={200: PartnerBookingSerializer})
    def post(self, request, pk):
        booking = get_scoped_object_or_404(request, BOOKINGS, organisation_field="session__project__partner", pk=pk)
        payload = AttendanceInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            booking = services.attendance_record(booking=booking, by=request.user, **payload.validated_data)
        except ValidationError as exc:
            raise service_validation_error(exc) from None
        audit_record(action=Action.UPDATE, request=request, obj=booking, detail={"changed": ["attendance"], "via": "api"})
        booking = BOOKINGS.get(pk=booking.pk)
        return Response(PartnerBookingSerializer(booking).data)


@extend_schema_view(get=extend_schema(summary="List the participants' places at programme groups you deliver",
                                      description="Soonest session first, with attendance once recorded."))
class GroupPlaceList(generics.ListAPIView):
    serializer_class = PartnerGroupPlaceSerializer
    permission_classes = [IsPartnerUser]

    def get_queryset(self):
        organisation = organisation_for(self.request.user)
        if organisation is None:
            return GroupPlace.objects.none()
        return PLACES.filter(session__group__partner=organisation).order_by("session__starts_at", "pk")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        audit_view_many(request, [place.referral.person for place in page])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class GroupPlaceAttendance(APIView):
    permission_classes = [IsPartnerUser]

    @extend_schema(summary="Record attendance at a programme session your organisation delivers",
                   description="The participant's appointment outcome, through supervision: an unacceptable absence "
                               "is one failure for enforcement. Sending the same outcome again changes nothing; a "
                               "different one is refused (400). Another organisation's place is a 404.",
                   request=ProgrammeAttendanceInputSerializer, responses={200: PartnerGroupPlaceSerializer})
    def post(self, request, pk):
        place = get_scoped_object_or_404(request, PLACES, organisation_field="session__group__partner", pk=pk)
        payload = ProgrammeAttendanceInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            supervision.appointment_record_outcome(appointment=place.appointment, by=request.user,
                                                   **payload.validated_data)
        except ValidationError as exc:
            raise service_validation_error(exc) from None
        audit_record(action=Action.UPDATE, request=request, obj=place.appointment,
                     detail={"changed": ["outcome"], "via": "api"})
        return Response(PartnerGroupPlaceSerializer(PLACES.get(pk=place.pk)).data)
