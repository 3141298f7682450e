from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
@never_cache
def healthz(request):
    """Answers without login; checks that the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


# Where each role lands after login (unless ?next= says otherwise): the first rule whose
# permission the user lacks none of. Office staff (review) and secretaries (record) land on the
# portal's home, which fits itself to them; leadership (read-only) on the dashboard's summary.
LANDINGS = (
    ("branches.review_meeting", "branches:home"),
    ("branches.add_meeting", "branches:home"),
    ("worktasks.view_task", "worktasks:dashboard"),
)


def landing_url(user) -> str:
    from django.conf import settings
    from django.shortcuts import resolve_url

    for perm, name in LANDINGS:
        if user.has_perm(perm):
            return resolve_url(name)
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_success_url(self):
        from django.shortcuts import resolve_url

        wanted = self.get_redirect_url()
        # The login-required middleware sends ?next=/ for the bare address: that is no choice
        # of page, so each role still lands on its own home.
        if wanted and wanted not in ("/", resolve_url("branches:home")):
            return wanted
        if self.next_page:
            return resolve_url(self.next_page)
        return landing_url(self.request.user)


@require_GET
def qr_code(request):
    """扫一扫在手机打开当前页: an SVG QR code of a page of this site, drawn on the server."""
    import io

    import qrcode
    import qrcode.image.svg
    from django.http import HttpResponse, HttpResponseBadRequest
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.GET.get("next", "/")
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseBadRequest("bad target")
    image = qrcode.make(
        request.build_absolute_uri(target),
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=10,
        border=2,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response
