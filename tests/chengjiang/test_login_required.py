"""Login everywhere: every URL in the URLconf answers an anonymous GET or POST with a redirect to
the login page, except an explicit allowlist. New URLs are covered as soon as they exist."""

from urllib.parse import urlsplit

import pytest
from django.urls import resolve, reverse

from .urlwalk import is_public, walk

# Views that answer without login (marked ``login_not_required``). Anything else public fails.
PUBLIC = {
    "login",  # the portal's login form (axes guards it)
    "healthz",  # load balancer health check: {"status": "ok"} and nothing else
    "admin:login",  # the admin's own login form (same axes-guarded authenticate())
}
# Static files are served by whitenoise before URL resolution (never from the URLconf), and
# uploads are never served as static files (MEDIA_URL is not routed).

ALL, UNSAMPLED = walk()
PROTECTED = [w for w in ALL if w.name not in PUBLIC]


def test_every_url_pattern_was_walked():
    assert not UNSAMPLED, f"add a sample for these URL patterns in urlwalk.py: {UNSAMPLED}"
    assert len(ALL) > 20


def test_only_the_allowlist_is_public():
    public = {w.name or w.pattern for w in ALL if is_public(w.path)}
    assert public == PUBLIC


LOGIN_PAGES = {"login", "admin:login"}


def _assert_login_redirect(response, path):
    assert response.status_code == 302, f"{path} answered {response.status_code}"
    location = urlsplit(response["Location"])
    # The portal's login, or for some admin pages the admin's own login form (both axes-guarded).
    assert resolve(location.path).view_name in LOGIN_PAGES, f"{path} → {response['Location']}"
    if not path.startswith(reverse("admin:index")):
        assert location.path == reverse("login"), f"{path} → {response['Location']}"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_login(client, method):
    """Every protected URL, in one test per method (one test per URL cost a database
    transaction each); every URL that fails is named together."""
    failures = []
    for walked in PROTECTED:
        response = getattr(client, method)(walked.path)
        try:
            _assert_login_redirect(response, walked.path)
        except AssertionError as exc:
            failures.append(f"{method.upper()} {exc}")
    assert not failures, "\n".join(failures)
    assert len(PROTECTED) > 20


@pytest.mark.django_db
def test_anonymous_post_with_csrf_enforced_is_refused(tree):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    for walked in PROTECTED:
        response = client.post(walked.path, {"name": "x"})
        assert response.status_code in (302, 403), walked.path
        if response.status_code == 302:
            _assert_login_redirect(response, walked.path)


@pytest.mark.django_db
def test_public_urls_answer_without_login(client):
    assert client.get(reverse("healthz")).json() == {"status": "ok", "database": "ok"}
    assert client.get(reverse("login")).status_code == 200


@pytest.mark.django_db
def test_inactive_user_is_treated_as_anonymous(client, users):
    users.sec_a.is_active = False
    users.sec_a.save()
    client.force_login(users.sec_a, backend="django.contrib.auth.backends.ModelBackend")
    target = next(w for w in PROTECTED if w.name == "branches:home")
    _assert_login_redirect(client.get(target.path), target.path)
