from django.urls import path

from interventions.api import views

app_name = "interventions-api"

urlpatterns = [
    path("bookings/", views.BookingList.as_view(), name="booking-list"),
    path("bookings/<int:pk>/attendance/", views.BookingAttendance.as_view(), name="booking-attendance"),
]
