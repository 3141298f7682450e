from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views

admin.site.site_header = _("Chengjiang Party-building portal")
admin.site.site_title = _("Chengjiang Party-building portal")
admin.site.index_title = _("Records administration")

# The portal's own pages in Chinese (and, through PortalErrorPagesMiddleware, also under DEBUG).
handler403 = "chengjiang.error_pages.permission_denied"
handler404 = "chengjiang.error_pages.page_not_found"
handler500 = "chengjiang.error_pages.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("qr.svg", views.qr_code, name="qr_code"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("cadres/", include("cadres.urls")),
    path("training/", include("training.urls")),
    path("", include("chengjiang.jobs.urls")),
    path("", include("chengjiang.worktasks.urls")),
    path("", include("branches.urls")),
]
