from django.urls import path

from resettlement import views

app_name = "resettlement"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("receptions/new/", views.episode_new, name="episode_new"),
    path("plans/find/", views.plan_lookup, name="plan_lookup"),
    path("episodes/<int:pk>/", views.plan, name="plan"),
    path("episodes/<int:pk>/bcst1/", views.bcst1_complete, name="bcst1"),
    path("episodes/<int:pk>/bcst2/", views.bcst2_complete, name="bcst2"),
    path("episodes/<int:pk>/needs/<slug:pathway>/", views.need_update, name="need"),
    path("episodes/<int:pk>/actions/new/", views.action_new, name="action_new"),
    path("episodes/<int:pk>/review/", views.plan_review, name="review"),
    path("episodes/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("episodes/<int:pk>/release-date/", views.release_date, name="release_date"),
    path("episodes/<int:pk>/release/", views.release, name="release"),
    path("actions/<int:pk>/", views.action_update, name="action_update"),
    path("pre-release/", views.pre_release, name="pre_release"),
    path("partner/actions/", views.partner_actions, name="partner_actions"),
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/enrol/", views.enrolment_new, name="enrolment_new"),
    path("programmes/<slug:code>/", views.programme_detail, name="programme"),
    path("enrolments/<int:pk>/", views.enrolment, name="enrolment"),
]
