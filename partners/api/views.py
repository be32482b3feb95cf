from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from partners.api.serializers import MeSerializer, OrganisationSerializer
from partners.models import ApiToken, Organisation
from partners.scoping import get_scoped_object_or_404, scope_to_organisation
from partners.selectors import membership_for
from probation.policy import IsPartnerUser


@extend_schema(responses=MeSerializer, summary="Who am I: my account, organisation and this credential's expiry")
@api_view(["GET"])
@permission_classes([IsPartnerUser])
def me(request):
    membership = membership_for(request.user)
    token = request.auth if isinstance(request.auth, ApiToken) else None
    data = {
        "username": request.user.get_username(),
        "name": request.user.get_full_name(),
        "email": request.user.email,
        "role": request.user.role,
        "organisation": membership.organisation if membership else None,
        "can_track_iom": bool(membership and membership.can_track_iom),
        "token": token,
        "hosp_contacts": (
            membership.organisation.boroughs.select_related("hosp_area__hosp").order_by("name") if membership else []
        ),
    }
    return Response(MeSerializer(data).data)


class OrganisationList(generics.ListAPIView):
    """Partner organisations. A partner agency sees only its own."""

    serializer_class = OrganisationSerializer

    def get_queryset(self):
        queryset = Organisation.objects.prefetch_related("boroughs", "services", "contacts")
        return scope_to_organisation(self.request.user, queryset, organisation_field="pk")


class OrganisationDetail(generics.RetrieveAPIView):
    """One organisation. A partner asking for another organisation gets 404 (audited)."""

    serializer_class = OrganisationSerializer
    queryset = Organisation.objects.prefetch_related("boroughs", "services", "contacts")

    def get_object(self):
        return get_scoped_object_or_404(self.request, self.get_queryset(), organisation_field="pk", pk=self.kwargs["pk"])
