"""Partner API for supervision: a supply-chain partner lists the appointments it runs for its referrals and records
their outcomes (another organisation's appointment is a 404); the alcohol monitoring provider sends AAMR readings
for the requirements it monitors. Every read and change is audited."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Requirement
from partners.scoping import deny_as_not_found, get_scoped_object_or_404
from partners.selectors import organisation_for
from probation.api.errors import service_validation_error
from probation.audit import Action, audit_record, audit_view_many
from probation.policy import IsPartnerUser
from supervision import services
from supervision.api.serializers import (
    AamrReadingInputSerializer,
    AamrReadingSerializer,
    OutcomeInputSerializer,
    PartnerAppointmentSerializer,
)
from supervision.models import Appointment


def _appointments(user):
    organisation = organisation_for(user)
    if organisation is None:
        return Appointment.objects.none()
    return Appointment.objects.filter(partner_organisation=organisation).select_related("person")


@extend_schema_view(get=extend_schema(summary="List the appointments your organisation runs",
                                      description="Soonest first; live and past, with outcomes recorded."))
class AppointmentList(generics.ListAPIView):
    serializer_class = PartnerAppointmentSerializer
    permission_classes = [IsPartnerUser]
    filterset_fields = ["outcome", "type"]

    def get_queryset(self):
        return _appointments(self.request.user).order_by("starts_at", "pk")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_view_many(request, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(get=extend_schema(summary="Read one of your organisation's appointments"))
class AppointmentDetail(generics.RetrieveAPIView):
    serializer_class = PartnerAppointmentSerializer
    permission_classes = [IsPartnerUser]

    def get_object(self):
        appointment = get_scoped_object_or_404(self.request, Appointment.objects.select_related("person"),
                                               organisation_field="partner_organisation", pk=self.kwargs["pk"])
        audit_record(action=Action.VIEW, request=self.request, obj=appointment, detail={"via": "api"})
        return appointment


class AppointmentOutcome(APIView):
    permission_classes = [IsPartnerUser]

    @extend_schema(summary="Record the outcome of an appointment your organisation ran",
                   request=OutcomeInputSerializer, responses={200: PartnerAppointmentSerializer})
    def post(self, request, pk):
        appointment = get_scoped_object_or_404(request, Appointment.objects.select_related("person"),
                                               organisation_field="partner_organisation", pk=pk)
        payload = OutcomeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            appointment = services.appointment_record_outcome(
                appointment=appointment, by=request.user, outcome=payload.validated_data["outcome"],
                absence_reason=payload.validated_data.get("absence_reason", ""),
                notes=payload.validated_data.get("notes", ""))
        except ValidationError as exc:
            raise service_validation_error(exc) from None
        audit_record(action=Action.UPDATE, request=request, obj=appointment, detail={"changed": ["outcome"], "via": "api"})
        return Response(PartnerAppointmentSerializer(appointment).data)


class AamrReadingCreate(APIView):
    permission_classes = [IsPartnerUser]

    @extend_schema(summary="Send a day's alcohol monitoring reading",
                   description="For a requirement your organisation monitors. An alert (alcohol detected, tamper) "
                               "goes to the offender manager to judge. The same reading sent twice is stored once "
                               "(200 the second time).",
                   request=AamrReadingInputSerializer, responses={201: AamrReadingSerializer, 200: AamrReadingSerializer})
    def post(self, request):
        payload = AamrReadingInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        organisation = organisation_for(request.user)
        requirement = (Requirement.objects.select_related("sentence__person", "provider")
                       .filter(pk=payload.validated_data["requirement"]).first())
        if requirement is None:
            raise Http404
        provider = getattr(requirement, "provider", None)
        if organisation is None or provider is None or provider.organisation_id != organisation.pk:
            deny_as_not_found(request, requirement)
        try:
            reading, created = services.aamr_reading_record(
                requirement=requirement, organisation=organisation, day=payload.validated_data["day"],
                result=payload.validated_data["result"], by=request.user, now=timezone.now())
        except ValidationError as exc:
            raise service_validation_error(exc) from None
        audit_record(action=Action.CREATE, request=request, obj=reading, detail={"via": "api"})
        return Response(AamrReadingSerializer(reading).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
