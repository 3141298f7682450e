from django.urls import path

from . import views

app_name = "branches"

urlpatterns = [
    path("", views.home, name="home"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/submit/", views.meeting_submit, name="meeting_submit"),
    path("meetings/<int:pk>/approve/", views.meeting_approve, name="meeting_approve"),
    path("meetings/<int:pk>/return/", views.meeting_return, name="meeting_return"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("talks/", views.talk_list, name="talk_list"),
    path("talks/new/", views.talk_create, name="talk_create"),
    path("talks/<int:pk>/", views.talk_detail, name="talk_detail"),
    path("talks/<int:pk>/edit/", views.talk_edit, name="talk_edit"),
    path("talks/<int:pk>/submit/", views.talk_submit, name="talk_submit"),
    path("talks/<int:pk>/approve/", views.talk_approve, name="talk_approve"),
    path("talks/<int:pk>/return/", views.talk_return, name="talk_return"),
]
