from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("classes/<int:pk>/sessions/new/", views.session_book, name="session_book"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session_attendance"),
]
