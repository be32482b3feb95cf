from django.urls import path

from partners.api import views

app_name = "partners-api"

urlpatterns = [
    path("me/", views.me, name="me"),
    path("organisations/", views.OrganisationList.as_view(), name="organisation-list"),
    path("organisations/<int:pk>/", views.OrganisationDetail.as_view(), name="organisation-detail"),
]
