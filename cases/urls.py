from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("search/", views.search, name="search"),
    path("new/", views.person_new, name="person_new"),
    path("unallocated/", views.unallocated, name="unallocated"),
    path("workload/", views.team_workload, name="team_workload"),
    path("<str:crn>/", views.case_detail, name="case_detail"),
    path("<str:crn>/allocate/", views.case_allocate_view, name="case_allocate"),
    path("<str:crn>/cohort/", views.case_cohort_view, name="case_cohort"),
]
