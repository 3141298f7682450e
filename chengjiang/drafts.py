"""Nothing typed is lost when a session expires: the draft is kept and given back after login.

A secretary may spend longer on the minutes than the idle timeout. When the form is finally
posted, the session is over: ``DraftKeepingLoginRequiredMiddleware`` (Django's
LoginRequiredMiddleware) keeps the posted text in the new, anonymous session before it sends the
browser to the login page. ``login()`` keeps session data, so after login, when the browser comes
back to the same page (the login's ``next``), ``kept_draft`` hands the text to the page once;
static/js/session.js puts it back into the form's fields and says so. Files are never kept
(browsers do not allow filling a file input). The page also warns before the session expires.

A draft belongs to the account that typed it: signed-in responses carry a signed, HttpOnly
cookie naming the user, the kept draft records it, and only that user gets it back. Another
person who signs in on the same browser gets nothing (and a browser without the cookie keeps
nothing).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core import signing

SESSION_DRAFTS = "kept_drafts"
MAX_CHARS = 200_000  # a draft larger than this is not kept (the session is no file store)
MAX_AGE = 2 * 60 * 60  # seconds a kept draft waits for its login
MAX_DRAFTS = 3
SKIPPED = {"csrfmiddlewaretoken", "password"}
OWNER_COOKIE = "cj_draft_owner"
OWNER_SALT = "chengjiang.drafts.owner"


def _owner(request):
    """The user pk the browser's signed owner cookie names, or None."""
    value = request.COOKIES.get(OWNER_COOKIE)
    if not value:
        return None
    try:
        return signing.loads(value, salt=OWNER_SALT)
    except signing.BadSignature:
        return None


def keep(request) -> bool:
    """Keep the posted text fields of ``request`` for its page; True when kept."""
    owner = _owner(request)
    if owner is None:
        return False
    fields = {
        name: values
        for name, values in request.POST.lists()
        if name not in SKIPPED and all(isinstance(v, str) for v in values)
    }
    if not fields or sum(len(v) for values in fields.values() for v in values) > MAX_CHARS:
        return False
    drafts = dict(request.session.get(SESSION_DRAFTS) or {})
    drafts[request.get_full_path()] = {"at": int(time.time()), "owner": owner, "fields": fields}
    newest = sorted(drafts.items(), key=lambda item: item[1]["at"], reverse=True)[:MAX_DRAFTS]
    request.session[SESSION_DRAFTS] = dict(newest)
    return True


def take(request) -> dict | None:
    """The draft kept for this page (once), for a signed-in user's GET; else None."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or request.method != "GET" or not (user and user.is_authenticated):
        return None
    drafts = session.get(SESSION_DRAFTS)
    if not drafts:
        return None
    draft = drafts.pop(request.get_full_path(), None)
    session[SESSION_DRAFTS] = drafts
    if draft is None or time.time() - draft.get("at", 0) > MAX_AGE:
        return None
    if draft.get("owner") != user.pk:
        return None  # typed by another account on this browser: never shown
    return draft["fields"]


def kept_draft(request) -> dict:
    """Context processor: ``kept_draft`` (the fields to restore) and the idle timeout."""
    return {
        "kept_draft": take(request),
        "SESSION_IDLE_SECONDS": settings.SESSION_COOKIE_AGE,
    }


class DraftKeepingLoginRequiredMiddleware(LoginRequiredMiddleware):
    """LoginRequiredMiddleware that keeps a form posted after the session expired."""

    def process_response(self, request, response):
        """Name the signed-in user in the signed owner cookie (only when it changes)."""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and _owner(request) != user.pk:
            response.set_cookie(
                OWNER_COOKIE,
                signing.dumps(user.pk, salt=OWNER_SALT),
                max_age=MAX_AGE + settings.SESSION_COOKIE_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def handle_no_permission(self, request, view_func):
        if request.method == "POST":
            keep(request)
        return super().handle_no_permission(request, view_func)
