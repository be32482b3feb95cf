from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from probation import account_views, views

api_v1 = [
    path("cases/", include("cases.api.urls")),
    path("partners/", include("partners.api.urls")),
    path("safeguarding/", include("safeguarding.api.urls")),
    path("resettlement/", include("resettlement.api.urls")),
    path("supervision/", include("supervision.api.urls")),
    path("interventions/", include("interventions.api.urls")),
]

urlpatterns = [
    # The partner API first: partner systems make most calls, and URLs are tried in order (no other URL starts so).
    path("api/v1/", include(api_v1)),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("sign-in/", account_views.SignInView.as_view(), name="login"),
    path("sign-out/", account_views.sign_out, name="logout"),
    path("account/two-factor/", account_views.two_factor, name="two_factor"),
    path("account/recovery-codes/", account_views.recovery_codes_renew, name="recovery_codes_renew"),
    path("account/password/", account_views.PasswordChange.as_view(), name="password_change"),
    path("account/keep-alive/", account_views.keep_alive, name="keep_alive"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("cases/", include("cases.urls")),
    path("partners/", include("partners.urls")),
    path("safeguarding/", include("safeguarding.urls")),
    path("resettlement/", include("resettlement.urls")),
    path("supervision/", include("supervision.urls")),
    path("interventions/", include("interventions.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler400 = "probation.views.bad_request"
handler403 = "probation.views.permission_denied"
handler404 = "probation.views.page_not_found"
handler500 = "probation.views.server_error"
