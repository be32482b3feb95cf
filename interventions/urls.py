from django.urls import path

from interventions import views

app_name = "interventions"

urlpatterns = [
    path("unpaid-work/", views.unpaid_work_index, name="unpaid_work_index"),
    path("unpaid-work/boroughs/<slug:code>/", views.unpaid_work_borough, name="unpaid_work_borough"),
    path("unpaid-work/sessions/<int:pk>/", views.session_attendance, name="session"),
    path("unpaid-work/sessions/<int:pk>/roster.pdf", views.session_roster_pdf, name="session_roster"),
    path("cases/<str:crn>/unpaid-work/book/", views.book, name="book"),
    path("cases/<str:crn>/budgets/", views.budget_statement, name="budget_statement"),
    path("cases/<str:crn>/budgets/new/", views.budget_new, name="budget_new"),
    path("budgets/<int:pk>/spend/", views.budget_spend, name="budget_spend"),
    path("programmes/waiting-lists/<slug:code>/", views.waiting_list, name="waiting_list"),
    path("programmes/groups/<int:pk>/", views.group, name="group"),
    path("programmes/sessions/<int:pk>/", views.group_session_attendance, name="group_session"),
    path("programmes/completion-rates/", views.programme_rates, name="programme_rates"),
    path("cases/<str:crn>/programmes/refer/", views.referral_new, name="referral_new"),
    path("programmes/referrals/<int:pk>/", views.referral, name="referral"),
    path("womens-hubs/<int:pk>/", views.womens_hub, name="womens_hub"),
]
