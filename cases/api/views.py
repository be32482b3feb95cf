import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from cases.api.serializers import IomNominalSerializer
from cases.models import Person, RoshLevel
from probation.audit import audit_view_many
from probation.policy import HasPolicyPermission, IsPartnerUser


class IomNominalFilter(django_filters.FilterSet):
    borough = django_filters.CharFilter(field_name="home_borough__code", label="Borough code, e.g. camden")
    is_iom = django_filters.BooleanFilter()
    is_gto = django_filters.BooleanFilter(label="Gripping the Offender")
    rosh_level = django_filters.ChoiceFilter(choices=RoshLevel.choices)
    crn = django_filters.CharFilter(field_name="crn", lookup_expr="iexact")

    class Meta:
        model = Person
        fields = ["borough", "is_iom", "is_gto", "rosh_level", "crn"]


@extend_schema(
    summary="IOM and Gripping the Offender nominals in your organisation's boroughs",
    description="For partner users allowed to track IOM. Lists CRC cases flagged IOM or GtO whose home borough is "
    "one of your organisation's boroughs. Every record returned is logged as viewed.",
    tags=["cases"],
)
class IomNominalList(generics.ListAPIView):
    serializer_class = IomNominalSerializer
    permission_classes = [IsPartnerUser, HasPolicyPermission]
    policy_permission = "cases.track_iom"
    filterset_class = IomNominalFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return Person.objects.none()
        membership = self.request.user.partner_membership
        return (
            Person.objects.iom_or_gto_nominals()
            .filter(home_borough__in=membership.organisation.boroughs.all())
            .select_related("home_borough", "team", "offender_manager")
            .order_by("last_name", "first_name", "crn")
        )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        audit_view_many(request, getattr(self, "_page_objects", []))
        return response

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._page_objects = page if page is not None else list(queryset)
        return page
