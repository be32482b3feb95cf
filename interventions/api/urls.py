from django.urls import path

from interventions.api import views

app_name = "interventions-api"

urlpatterns = [
    path("bookings/", views.BookingList.as_view(), name="booking-list"),
    path("bookings/<int:pk>/attendance/", views.BookingAttendance.as_view(), name="booking-attendance"),
    path("programme-places/", views.GroupPlaceList.as_view(), name="programme-place-list"),
    path("programme-places/<int:pk>/attendance/", views.GroupPlaceAttendance.as_view(),
         name="programme-place-attendance"),
]
