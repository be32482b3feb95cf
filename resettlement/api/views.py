"""Partner API: a supply-chain partner lists, reads and updates the resettlement actions assigned to its
organisation. Another organisation's action is a 404. Every read and change is audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from partners.scoping import get_scoped_object_or_404
from probation.audit import Action, audit_record
from probation.policy import HasPolicyPermission, IsPartnerUser
from resettlement import services
from resettlement.api.serializers import ActionUpdateSerializer, PartnerActionSerializer
from resettlement.audit import audit_views
from resettlement.models import PlanAction
from resettlement.selectors import organisation_id_for


@extend_schema_view(
    list=extend_schema(summary="List your organisation's resettlement actions",
                       description="Open and closed actions assigned to your organisation, soonest due first."),
    retrieve=extend_schema(summary="Read one of your organisation's actions"),
    partial_update=extend_schema(
        summary="Update an action's status and outcome",
        request=ActionUpdateSerializer,
        responses={200: PartnerActionSerializer},
    ),
)
class PartnerActionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PartnerActionSerializer
    permission_classes = [IsPartnerUser, HasPolicyPermission]
    policy_permission = "resettlement.list_partner_actions"
    policy_object_permission = "resettlement.update_action"
    http_method_names = ["get", "patch", "head", "options"]
    filterset_fields = ["status", "pathway"]
    lookup_value_regex = r"[0-9]+"

    def get_object(self):
        # Another organisation's action (or a CRC-owned one) is a 404, audited as DENIED.
        action = get_scoped_object_or_404(
            self.request, PlanAction.objects.with_person(), organisation_field="owner_organisation", pk=self.kwargs["pk"]
        )
        self.check_object_permissions(self.request, action)
        return action

    def get_queryset(self):
        organisation_id = organisation_id_for(self.request.user)
        if organisation_id is None:
            return PlanAction.objects.none()
        return PlanAction.objects.with_person().for_organisation(organisation_id).order_by("due_on", "pk")

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        audit_views(request, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        action = self.get_object()
        audit_record(action=Action.VIEW, request=request, obj=action, detail={"via": "api"})
        return Response(self.get_serializer(action).data)

    def partial_update(self, request, *args, **kwargs):
        action = self.get_object()
        payload = ActionUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            action = services.action_update(action=action, by=request.user, request=request, **payload.validated_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None
        action = self.get_queryset().get(pk=action.pk)
        return Response(self.get_serializer(action).data)
