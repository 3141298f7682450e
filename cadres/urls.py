from django.urls import path

from . import views

app_name = "cadres"

urlpatterns = [
    path("", views.home, name="home"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("leaders/", views.leader_list, name="leader_list"),
    path("allowances/", views.allowance_sheet, name="allowance_sheet"),
    path("allowances.xlsx", views.allowance_sheet_xlsx, name="allowance_sheet_xlsx"),
    path("reserve/", views.reserve_list, name="reserve_list"),
    path("reserve/<int:pk>/", views.reserve_detail, name="reserve_detail"),
    path("pairings/", views.pairing_list, name="pairing_list"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing_detail"),
    path("pairings/<int:pk>/log/", views.pairing_log_add, name="pairing_log_add"),
]
