"""The client's address, read once and the same way for login protection and the audit trail.

Behind ``PROXY_COUNT`` reverse proxies, each proxy appends the address it received the request
from to ``X-Forwarded-For``; the client can write anything into the header before that. So the
client is the entry ``PROXY_COUNT`` places from the right, never the left-most one (which the
client controls). With ``PROXY_COUNT = 0`` (the app server faces the browser directly) the header
is ignored altogether and ``REMOTE_ADDR`` is the client.

django-axes (through ``AXES_CLIENT_IP_CALLABLE``) and django-auditlog (which would otherwise trust
the left-most ``X-Forwarded-For`` entry) both see the address this module decides.
"""

from __future__ import annotations

import ipaddress
import time

from django.conf import settings

FORWARDED = "HTTP_X_FORWARDED_FOR"


def _valid(address: str) -> str | None:
    address = address.strip()
    if address.startswith("[") and "]" in address:  # [v6]:port
        address = address[1:].split("]", 1)[0]
    elif address.count(":") == 1:  # v4:port
        address = address.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address as seen by the outermost trusted proxy (or directly)."""
    remote = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "PROXY_COUNT", 0)
    forwarded = request.META.get(FORWARDED, "")
    if count <= 0 or not forwarded:
        return remote
    hops = [hop for hop in (h.strip() for h in forwarded.split(",")) if hop]
    if len(hops) < count:
        # Fewer hops than proxies: the request did not come through all of them.
        return remote
    return _valid(hops[-count]) or remote


class ClientAddressMiddleware:
    """Puts the decided client address in ``REMOTE_ADDR`` and in a one-entry X-Forwarded-For."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        address = client_ip(request)
        if address:
            request.META["REMOTE_ADDR"] = address
        if getattr(settings, "PROXY_COUNT", 0) > 0 and address:
            # Idempotent: client_ip() of a one-entry header with PROXY_COUNT=1 is that entry,
            # and with fewer hops than proxies it falls back to REMOTE_ADDR (set just above).
            request.META[FORWARDED] = address
        else:
            request.META.pop(FORWARDED, None)
        return self.get_response(request)


REFRESHED_KEY = "_refreshed_at"


def session_refreshed_at_login(sender, request, user, **kwargs) -> None:
    """Signing in saves the session with a fresh expiry: the next minute writes no row."""
    session = getattr(request, "session", None)
    if session is not None:
        session[REFRESHED_KEY] = int(time.time())


class SessionRefreshMiddleware:
    """An idle timeout without a database write per request.

    Sessions end after ``SESSION_COOKIE_AGE`` seconds without activity. Django's way,
    ``SESSION_SAVE_EVERY_REQUEST``, writes the session on every request (BEGIN, UPDATE, COMMIT:
    three of a warm page's ten queries, and a disk flush). Here an active session is marked, and
    so saved with a new expiry, at most once per ``SESSION_REFRESH_SECONDS``: the timeout holds
    to within that time. Place it after ``SessionMiddleware`` (it marks the session on the way
    out, before ``SessionMiddleware`` saves a changed one).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        now = int(time.time())
        refreshed = session.get(REFRESHED_KEY)
        if not isinstance(refreshed, int) or now - refreshed >= settings.SESSION_REFRESH_SECONDS:
            session[REFRESHED_KEY] = now
        return response
