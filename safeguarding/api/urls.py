from django.urls import path

from safeguarding.api import views

app_name = "safeguarding-api"

urlpatterns = [
    path("requests/", views.RequestListCreate.as_view(), name="request-list"),
    path("requests/<str:reference>/", views.RequestDetail.as_view(), name="request-detail"),
    path("requests/<str:reference>/withdraw/", views.RequestWithdraw.as_view(), name="request-withdraw"),
    path("requests/<str:reference>/information/", views.RequestAddInformation.as_view(), name="request-information"),
]
