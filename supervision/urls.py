from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("diary/", views.my_day, name="my_day"),
    path("team/", views.team, name="team"),
    path("cases/<str:crn>/book/", views.book, name="book"),
    path("cases/<str:crn>/reminders/", views.reminders, name="reminders"),
    path("appointments/<int:pk>/move/", views.move, name="move"),
    path("appointments/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("appointments/<int:pk>/outcome/", views.outcome, name="outcome"),
    path("appointments/<int:pk>/evidence/", views.evidence, name="evidence"),
    path("appointments/<int:pk>/letter/", views.appointment_letter, name="appointment_letter"),
    path("failures/<int:pk>/judge/", views.judge, name="judge"),
    path("enforcement/<int:pk>/", views.enforcement, name="enforcement"),
    path("letters/<int:pk>/", views.letter, name="letter"),
]
