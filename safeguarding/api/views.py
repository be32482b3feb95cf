"""Partner API for MASH requests: submit (idempotently), list and poll for changes, read, withdraw, add information.

A partner never sees another organisation's request: it answers 404 exactly as if it did not exist (audited as
DENIED). Each call writes one audit row, in the same transaction as its change. Lists and reads answer with JSON
text made by the database (safeguarding.api.rows): a list page is two queries (the keyset page, then its JSON), a
read one; a submit writes and answers from what it wrote, without reading back."""

import json

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from partners.scoping import deny_as_not_found
from partners.selectors import organisation_for
from probation.api.errors import Unprocessable
from probation.api.pagination import KeysetPagination
from probation.audit import Action, audit_record
from probation.policy import HasPolicyPermission
from safeguarding import services
from safeguarding.api import rows
from safeguarding.api.serializers import (
    AddInformationSerializer,
    RequestPageSerializer,
    RequestSerializer,
    RequestSubmitSerializer,
    WithdrawSerializer,
)
from safeguarding.models import Channel, SafeguardingRequest, State

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Any unique string up to 255 printable characters (a UUID is ideal). The same key with the same body "
    "returns the request the first call made (201, same reference) instead of making another; the same key with a "
    "different body is a 422. Keys are kept for 7 days (at least 24 hours is promised).",
)

# Service field names as paths in the API body, for errors raised by the services.
SERVICE_FIELD_PATHS = {
    "subject_first_name": "subject.first_name", "subject_last_name": "subject.last_name",
    "subject_date_of_birth": "subject.date_of_birth", "subject_aliases": "subject.aliases",
    "subject_address": "subject.address", "subject_pnc": "subject.pnc", "requester_name": "requester.name",
    "requester_email": "requester.email", "requester_phone": "requester.phone", "__all__": "non_field_errors",
}


class RequestFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=State.choices + [("open", "Open")], method="filter_state")
    received_after = django_filters.DateFilter(field_name="received_at", lookup_expr="date__gte", label="Received on or after (YYYY-MM-DD)")
    received_before = django_filters.DateFilter(field_name="received_at", lookup_expr="date__lte", label="Received on or before (YYYY-MM-DD)")
    updated_after = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gt",
        label="Changed after this time (ISO 8601, e.g. 2026-12-01T09:00:00Z): any state change, answer, rating change "
        "or information added. Pages then run oldest change first; keep the `updated_at` of the last row you saw.",
    )

    class Meta:
        model = SafeguardingRequest
        fields = ["state", "received_after", "received_before", "updated_after"]

    def filter_state(self, queryset, name, value):
        return queryset.in_state(value)


def _raise_api_errors(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        detail = {
            SERVICE_FIELD_PATHS.get(field, field): [ErrorDetail(m, code=getattr(e, "code", None) or "invalid")
                                                    for e in errors for m in e.messages]
            for field, errors in exc.error_dict.items()
        }
    else:
        detail = {"non_field_errors": exc.messages}
    raise ValidationError(detail)


def _clean_reference(reference: str) -> str:
    """References are case-insensitive on read: stored upper case (MASH-2026-000123)."""
    if "\x00" in reference or len(reference) > 20:
        raise Http404
    return reference.strip().upper()


class DocumentResponse(HttpResponse):
    """An answer whose JSON text is already made (safeguarding.api.rows): DRF passes a plain HttpResponse through
    unrendered. `.data` decodes it on demand, as a DRF Response carries its data (tests and middleware read it)."""

    @property
    def data(self):
        return json.loads(self.content)


def document_response(text: str, status: int = 200) -> DocumentResponse:
    return DocumentResponse(text, content_type="application/json", status=status)


class PartnerApiMixin:
    permission_classes = [IsAuthenticated, HasPolicyPermission]
    policy_permission = "safeguarding.use_partner_api"

    def organisation(self):
        return organisation_for(self.request.user)

    def scoped_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return SafeguardingRequest.objects.none()
        return SafeguardingRequest.objects.filter(organisation_id=self.organisation().pk)

    def scoped_rows(self, queryset=None):
        """The caller's requests (or those of `queryset`, already scoped) as rows carrying their representation as
        JSON text (safeguarding.api.rows.with_documents)."""
        return rows.with_documents(self.scoped_queryset() if queryset is None else queryset)

    def get_row(self, reference: str) -> dict:
        """One of the caller's requests as a row with its `document` (found and rendered in one statement); another
        organisation's answers 404 (audited as DENIED)."""
        reference = _clean_reference(reference)
        row = rows.document_by_reference(self.organisation().pk, reference)
        if row is None:
            other = SafeguardingRequest.objects.filter(reference=reference).only("pk", "reference").first()
            if other is not None:
                deny_as_not_found(self.request, other)
            raise Http404
        return row

    def get_locked_target(self, reference: str) -> SafeguardingRequest:
        reference = _clean_reference(reference)
        found = list(self.scoped_queryset().filter(reference=reference).order_by()[:1])
        obj = found[0] if found else None
        if obj is None:
            other = SafeguardingRequest.objects.filter(reference=reference).only("pk", "reference").first()
            if other is not None:
                deny_as_not_found(self.request, other)
            raise Http404
        return obj


class RequestListCreate(PartnerApiMixin, generics.GenericAPIView):
    filterset_class = RequestFilter
    pagination_class = None  # keyset pages, below
    serializer_class = RequestSerializer

    @extend_schema(
        operation_id="safeguarding_requests_list",
        summary="List your organisation's MASH requests, newest first; or, with `updated_after`, those changed since a "
        "time, oldest change first (poll this for answers)",
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From the previous page's `next` link."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Rows a page, 1 to 200 (default 50)."),
        ],
        responses=RequestPageSerializer,
    )
    def get(self, request, *args, **kwargs):
        queryset = self.scoped_rows(self.filter_queryset(self.scoped_queryset()))
        polling = "updated_after" in request.query_params
        page, next_url = KeysetPagination().paginate(
            queryset, request, mode="updated" if polling else "received",
            field="updated_at" if polling else "received_at", descending=not polling,
        )
        audit_record(action=Action.VIEW, request=request,
                     detail={"list": "safeguarding.requests", "references": [r["reference"] for r in page]})
        # The rows' JSON texts as they came from the database, joined: nothing decoded and encoded again.
        return document_response(f'{{"next":{json.dumps(next_url)},"results":[{",".join(rows.documents(page))}]}}')

    @extend_schema(
        operation_id="safeguarding_requests_create",
        summary="Submit a MASH request",
        request=RequestSubmitSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: RequestSerializer, 422: OpenApiResponse(description="Idempotency-Key reused with another body")},
    )
    def post(self, request, *args, **kwargs):
        organisation = self.organisation()
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (1 <= len(key) <= 255 and key.isascii() and key.isprintable()):
            raise ValidationError({"Idempotency-Key": ErrorDetail("Send 1 to 255 printable ASCII characters.", code="invalid")})
        serializer = RequestSubmitSerializer(data=request.data, context={"organisation": organisation, "request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subject, requester = data["subject"], data["requester"]
        concerned = [services.ConcernedInput(**c) for c in data["concerned"]]
        body_hash = services.idempotency_body_hash(request.data) if key is not None else ""
        try:
            with transaction.atomic():
                mash = services.request_receive(
                    organisation=organisation,
                    channel=Channel.API,
                    received_at=timezone.now(),
                    received_by=request.user,
                    subject_first_name=subject["first_name"],
                    subject_last_name=subject["last_name"],
                    subject_aliases=", ".join(a.strip() for a in subject["aliases"]),
                    subject_date_of_birth=subject["date_of_birth"],
                    subject_address=subject["address"],
                    subject_pnc=subject["pnc"],
                    reason=data["reason"],
                    rating=data["rating"],
                    requester_name=requester["name"],
                    requester_email=requester["email"],
                    requester_phone=requester["phone"],
                    # None when not named: the service files a one-borough partner's request under its borough
                    # and refuses a multi-borough partner's (never the alphabetically first).
                    borough_code=data["borough"],
                    concerned=concerned,
                    idempotency=services.IdempotencyClaim(key=key, body_hash=body_hash) if key is not None else None,
                )
                audit_record(action=Action.CREATE, request=request, obj=mash, detail={"channel": "api"})
        except DjangoValidationError as exc:
            _raise_api_errors(exc)
        except services.IdempotencyReplay as replay:
            return self._replay(replay.existing, body_hash)
        return ApiResponse(rows.render(rows.row_from_new(mash, concerned)), status=status.HTTP_201_CREATED)

    def _replay(self, existing, body_hash: str):
        if existing.body_hash != body_hash:
            raise Unprocessable(
                "This Idempotency-Key was used with a different body. Use a new key for a new request.",
                code="idempotency_key_reused",
            )
        row = self.scoped_rows().filter(pk=existing.request_id).get()
        audit_record(action=Action.VIEW, request=self.request, detail={"idempotent_replay": row["reference"]})
        response = document_response(rows.documents([row])[0], status=status.HTTP_201_CREATED)
        response["Idempotent-Replayed"] = "true"
        return response


class RequestDetail(PartnerApiMixin, APIView):
    @extend_schema(
        summary="Read one of your organisation's MASH requests: its state, current rating (and why the hub changed "
        "it) and the response once answered. References are case-insensitive.",
        responses={200: RequestSerializer},
    )
    def get(self, request, reference):
        row = self.get_row(reference)
        audit_record(action=Action.VIEW, request=request, label="", detail={"reference": row["reference"]},
                     obj=_Ref(row))
        return document_response(row["document"])


class _Ref:
    """Enough of a request for the audit row (type, id, text), without loading the model."""

    class _meta:
        label_lower = "safeguarding.safeguardingrequest"
        verbose_name = SafeguardingRequest._meta.verbose_name

    def __init__(self, row):
        self.pk, self.reference = row["pk"], row["reference"]

    def __str__(self):
        return self.reference


class RequestWithdraw(PartnerApiMixin, APIView):
    @extend_schema(
        summary="Withdraw one of your organisation's MASH requests",
        request=WithdrawSerializer,
        responses={200: RequestSerializer},
    )
    def post(self, request, reference):
        obj = self.get_locked_target(reference)
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                services.request_withdraw(request=obj, by=request.user, reason=serializer.validated_data["reason"])
                audit_record(action=Action.UPDATE, request=request, obj=obj, detail={"step": "withdraw"})
        except services.RefusedChange as exc:
            services.request_refusal_record(request=obj, action="withdraw", by=request.user, why=exc.why)
            _raise_api_errors(exc)
        except DjangoValidationError as exc:
            _raise_api_errors(exc)
        return document_response(self.get_row(obj.reference)["document"])


class RequestAddInformation(PartnerApiMixin, APIView):
    @extend_schema(
        summary="Add information to one of your organisation's open MASH requests: a note, a named person, or both",
        request=AddInformationSerializer,
        responses={201: RequestSerializer},
    )
    def post(self, request, reference):
        obj = self.get_locked_target(reference)
        serializer = AddInformationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        person = services.ConcernedInput(**data["person"]) if data["person"] else None
        try:
            with transaction.atomic():
                services.request_add_information(request=obj, by=request.user, note=data["note"], person=person)
                audit_record(action=Action.UPDATE, request=request, obj=obj, detail={"step": "add_information"})
        except services.RefusedChange as exc:
            services.request_refusal_record(request=obj, action="add_information", by=request.user, why=exc.why)
            _raise_api_errors(exc)
        except DjangoValidationError as exc:
            _raise_api_errors(exc)
        return document_response(self.get_row(obj.reference)["document"], status=status.HTTP_201_CREATED)
