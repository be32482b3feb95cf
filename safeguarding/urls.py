from django.urls import path

from safeguarding import views

app_name = "safeguarding"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.new_request, name="new"),
    path("mine/", views.mine, name="mine"),
    path("team/", views.team, name="team"),
    path("compliance/", views.compliance, name="compliance"),
    path("<str:reference>/", views.detail, name="detail"),
    path("<str:reference>/triage/", views.triage, name="triage"),
    path("<str:reference>/rating/", views.change_rating, name="rating"),
    path("<str:reference>/assign/", views.assign, name="assign"),
    path("<str:reference>/respond/", views.respond, name="respond"),
    path("<str:reference>/withdraw/", views.withdraw, name="withdraw"),
    path("<str:reference>/close/", views.close, name="close"),
]
