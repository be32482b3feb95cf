from rest_framework.routers import SimpleRouter

from resettlement.api.views import PartnerActionViewSet

app_name = "resettlement-api"

router = SimpleRouter()
router.register("actions", PartnerActionViewSet, basename="action")

urlpatterns = router.urls
