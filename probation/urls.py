from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from probation import views
from probation.forms import SignInForm

api_v1 = [
    path("cases/", include("cases.api.urls")),
    path("partners/", include("partners.api.urls")),
    path("safeguarding/", include("safeguarding.api.urls")),
    path("resettlement/", include("resettlement.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(template_name="registration/login.html", authentication_form=SignInForm),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("cases/", include("cases.urls")),
    path("partners/", include("partners.urls")),
    path("safeguarding/", include("safeguarding.urls")),
    path("resettlement/", include("resettlement.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler403 = "probation.views.permission_denied"
handler404 = "probation.views.page_not_found"
handler500 = "probation.views.server_error"
