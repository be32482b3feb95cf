from django.urls import path

from cases.api import views

app_name = "cases-api"

urlpatterns = [
    path("iom-nominals/", views.IomNominalList.as_view(), name="iom-nominals"),
]
