"""The portal's own error pages (403, 404, 500), in Chinese, also under DEBUG.

Django answers with its English technical pages when ``DEBUG`` is on, and ``make run`` (the demo)
runs with ``DEBUG=1``: the demo's users would read "Page not found (404) … Using the URLconf
defined in chengjiang.urls …", which also lists every URL pattern. So the middleware below turns
the technical 403/404/500 HTML answers into the portal's pages whatever ``DEBUG`` says. The
exception is still logged (runserver's console shows the traceback); a developer who wants the
technical pages in the browser sets ``DEBUG_TECHNICAL_ERRORS=1`` (read only with ``DEBUG``).
"""

from __future__ import annotations

from django.conf import settings
from django.views import defaults

PAGES = {
    403: lambda request: defaults.permission_denied(request, exception=None),
    404: lambda request: defaults.page_not_found(request, exception=None),
    500: lambda request: defaults.server_error(request),
}
MARK = "_portal_error_page"


def _mark(response):
    setattr(response, MARK, True)
    return response


def permission_denied(request, exception=None):
    return _mark(defaults.permission_denied(request, exception))


def page_not_found(request, exception=None):
    return _mark(defaults.page_not_found(request, exception))


def server_error(request):
    return _mark(defaults.server_error(request))


def technical_pages_wanted() -> bool:
    return bool(settings.DEBUG and getattr(settings, "DEBUG_TECHNICAL_ERRORS", False))


class PortalErrorPagesMiddleware:
    """Under DEBUG, replace Django's technical 403/404/500 HTML pages with the portal's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and not technical_pages_wanted()
            and response.status_code in PAGES
            and not getattr(response, MARK, False)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return _mark(PAGES[response.status_code](request))
        return response
