from django.urls import path

from . import views

app_name = "worktasks"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/measure/<str:key>/", views.drilldown, name="drilldown"),
    path("dashboard/organizations/", views.organization_search, name="organization_search"),
    path("dashboard/import/", views.checklist_import, name="import"),
    path("dashboard/task/<int:pk>/", views.task_manual, name="task_manual"),
    path("dashboard/evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("reports/", views.report, name="report_current"),
    path("reports/<int:year>/", views.report, name="report"),
    path("reports/<int:year>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:year>/summary.docx", views.report_docx_download, name="report_docx"),
    path("reports/<int:year>/progress.xlsx", views.progress_xlsx_download, name="progress_xlsx"),
]
