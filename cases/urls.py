from django.urls import path

from cases import continuity_views, views

app_name = "cases"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("search/", views.search, name="search"),
    path("new/", views.person_new, name="person_new"),
    path("unallocated/", views.unallocated, name="unallocated"),
    path("workload/", views.team_workload, name="team_workload"),
    path("workload/absences/new/", continuity_views.absence_new_view, name="absence_new"),
    path("workload/officers/<int:user_id>/reallocate/", continuity_views.caseload_reallocate_view,
         name="caseload_reallocate"),
    path("allocation-figures/", continuity_views.allocation_figures_view, name="allocation_figures"),
    path("transfers/<int:pk>/", continuity_views.transfer_decide_view, name="transfer_decide"),
    path("<str:crn>/", views.case_detail, name="case_detail"),
    path("<str:crn>/allocate/", views.case_allocate_view, name="case_allocate"),
    path("<str:crn>/reallocate/", continuity_views.case_reallocate_view, name="case_reallocate"),
    path("<str:crn>/transfer/", continuity_views.case_transfer_view, name="case_transfer"),
    path("<str:crn>/sentences/<int:pk>/plan/", continuity_views.sentence_plan_view, name="sentence_plan"),
    path("<str:crn>/sentences/<int:pk>/end/", continuity_views.order_end_view, name="order_end"),
    path("<str:crn>/cohort/", views.case_cohort_view, name="case_cohort"),
]
