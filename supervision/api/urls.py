from django.urls import path

from supervision.api import views

app_name = "supervision-api"

urlpatterns = [
    path("appointments/", views.AppointmentList.as_view(), name="appointment-list"),
    path("appointments/<int:pk>/", views.AppointmentDetail.as_view(), name="appointment-detail"),
    path("appointments/<int:pk>/outcome/", views.AppointmentOutcome.as_view(), name="appointment-outcome"),
    path("aamr-readings/", views.AamrReadingCreate.as_view(), name="aamr-reading-create"),
]
