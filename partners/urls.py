from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("hosp-areas/<int:pk>/", views.hosp_area_detail, name="hosp_area"),
    path("reports/", views.report_index, name="report_index"),
    path("reports/<slug:code>/<str:month>/", views.borough_report, name="borough_report"),
    path("reports/<slug:code>/<str:month>/report.csv", views.borough_report_csv, name="borough_report_csv"),
    path("reports/<slug:code>/<str:month>/report.pdf", views.borough_report_pdf, name="borough_report_pdf"),
]
