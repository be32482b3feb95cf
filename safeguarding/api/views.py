"""Partner API for MASH requests: submit, list and read your own organisation's requests, withdraw one.

A partner never sees another organisation's request: it answers 404 exactly as if it did not exist. Every read
and every change is audited."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from partners.scoping import deny_as_not_found
from partners.selectors import organisation_for
from probation.audit import Action, audit_record, audit_view
from probation.policy import HasPolicyPermission
from safeguarding import services
from safeguarding.api.serializers import RequestSerializer, RequestSubmitSerializer, WithdrawSerializer
from safeguarding.models import Channel, ConcernedPerson, SafeguardingRequest, State


class RequestFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=State.choices + [("open", "Open")], method="filter_state")
    received_after = django_filters.DateFilter(field_name="received_at", lookup_expr="date__gte", label="Received on or after (YYYY-MM-DD)")
    received_before = django_filters.DateFilter(field_name="received_at", lookup_expr="date__lte", label="Received on or before (YYYY-MM-DD)")

    class Meta:
        model = SafeguardingRequest
        fields = ["state", "received_after", "received_before"]

    def filter_state(self, queryset, name, value):
        return queryset.in_state(value)

    def is_valid(self):
        """Strict: a parameter given with no value (`?received_before=`) is an error, not silently ignored."""
        valid = super().is_valid()
        empty = [name for name in self.filters if name in self.data and not self.data.get(name)]
        for name in empty:
            self.form.add_error(name, "Enter a value, or leave the parameter out.")
        return valid and not empty


class PartnerApiMixin:
    permission_classes = [IsAuthenticated, HasPolicyPermission]
    policy_permission = "safeguarding.use_partner_api"

    def scoped_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return SafeguardingRequest.objects.none()
        organisation = organisation_for(self.request.user)
        return (
            SafeguardingRequest.objects.filter(organisation=organisation)
            .select_related("organisation", "borough", "response")
            .prefetch_related(Prefetch("concerned", queryset=ConcernedPerson.objects.order_by("id")))
        )

    def get_request_object(self, reference):
        obj = self.scoped_queryset().filter(reference=reference).first()
        if obj is None:
            other = SafeguardingRequest.objects.filter(reference=reference).first()
            if other is not None:
                deny_as_not_found(self.request, other)  # audited as DENIED, answered exactly like a missing one
            raise Http404
        return obj


def _raise_api_errors(exc: DjangoValidationError):
    raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})


class RequestListCreate(PartnerApiMixin, generics.ListCreateAPIView):
    serializer_class = RequestSerializer
    filterset_class = RequestFilter

    def get_queryset(self):
        return self.scoped_queryset().order_by("-received_at", "-id")

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        results = response.data.get("results", [])
        audit_record(action=Action.VIEW, request=request, detail={"list": "safeguarding.requests", "references": [r["reference"] for r in results]})
        return response

    @extend_schema(summary="List your organisation's MASH requests", responses=RequestSerializer(many=True))
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    @extend_schema(
        summary="Submit a MASH request",
        request=RequestSubmitSerializer,
        responses={201: RequestSerializer, 400: OpenApiResponse(description="Field errors")},
    )
    def post(self, request, *args, **kwargs):
        return self.create(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        organisation = organisation_for(request.user)
        serializer = RequestSubmitSerializer(data=request.data, context={"organisation": organisation, "request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subject, requester = data["subject"], data["requester"]
        try:
            mash = services.request_receive(
                organisation=organisation,
                channel=Channel.API,
                received_at=timezone.now(),
                received_by=request.user,
                subject_first_name=subject["first_name"],
                subject_last_name=subject["last_name"],
                subject_aliases=", ".join(subject["aliases"]),
                subject_date_of_birth=subject["date_of_birth"],
                subject_address=subject["address"],
                subject_pnc=subject["pnc"],
                reason=data["reason"],
                rating=data["rating"],
                requester_name=requester["name"],
                requester_email=requester["email"],
                requester_phone=requester["phone"],
                borough=data["borough"],
                concerned=[services.ConcernedInput(**c) for c in data["concerned"]],
            )
        except DjangoValidationError as exc:
            _raise_api_errors(exc)
        audit_record(action=Action.CREATE, request=request, obj=mash, detail={"channel": "api"})
        mash = self.get_request_object(mash.reference)
        return ApiResponse(RequestSerializer(mash).data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(
    summary="Read one of your organisation's MASH requests, with its response once answered",
    responses={200: RequestSerializer, 404: OpenApiResponse(description="No such request for your organisation")},
))
class RequestDetail(PartnerApiMixin, generics.RetrieveAPIView):
    serializer_class = RequestSerializer
    lookup_field = "reference"

    def get_queryset(self):
        return self.scoped_queryset()

    def get_object(self):
        obj = self.get_request_object(self.kwargs["reference"])
        audit_view(self.request, obj)
        return obj


class RequestWithdraw(PartnerApiMixin, APIView):
    serializer_class = WithdrawSerializer

    @extend_schema(
        summary="Withdraw one of your organisation's MASH requests",
        request=WithdrawSerializer,
        responses={200: RequestSerializer, 400: OpenApiResponse(description="Already answered or withdrawn"),
                   404: OpenApiResponse(description="No such request for your organisation")},
    )
    def post(self, request, reference):
        obj = self.get_request_object(reference)
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.request_withdraw(request=obj, by=request.user, reason=serializer.validated_data["reason"])
        except DjangoValidationError as exc:
            _raise_api_errors(exc)
        audit_record(action=Action.UPDATE, request=request, obj=obj, detail={"step": "withdraw"})
        return ApiResponse(RequestSerializer(self.get_request_object(reference)).data)
