"""Security headers on every response; HSTS and HTTPS redirect behind HTTPS; no inline script."""

import json
import re

import pytest
from django.urls import reverse

from .subproc import child_env, run_python
from .trust_data import candidate_pks, open_pages
from .trust_data import rich as rich_fixture

rich = rich_fixture


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def _assert_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] in (
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    )
    csp = _csp(response)
    script = csp.get("script-src", csp.get("default-src"))
    assert script, csp
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert "*" not in script and "data:" not in script
    assert csp.get("object-src") == ["'none'"]
    assert csp.get("frame-ancestors") == ["'none'"]
    style = csp.get("style-src", csp.get("default-src"))
    assert "'unsafe-inline'" not in style


@pytest.mark.django_db
def test_headers_on_login_page(client):
    _assert_headers(client.get(reverse("login")))


@pytest.mark.django_db
def test_headers_on_portal_and_admin_pages(login, users):
    client = login(users.office)
    for name in ("branches:home", "admin:index"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        _assert_headers(response)


@pytest.mark.django_db
def test_headers_on_redirect_and_404(client, login, users):
    _assert_headers(client.get(reverse("branches:home")))  # 302 to login
    _assert_headers(login(users.office).get("/no-such-page/"))


# Data blocks ({{ x|json_script }}: type="application/json") are not executed and are fine.
INLINE_SCRIPT = re.compile(
    r"""<script\b(?![^>]*\b(?:src=|type=["']?application/(?:ld\+)?json))[^>]*>\s*\S""", re.I
)
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""href\s*=\s*["']?\s*javascript:""", re.I)


@pytest.mark.django_db
def test_no_page_relies_on_inline_script_or_style(login, users, tree, rich):
    """The CSP forbids inline script and style: any page that has them is broken in browsers."""
    client = login(users.office)
    offenders = []
    for walked, response in open_pages(client, candidate_pks(tree, rich)):
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        for label, rx in (
            ("inline <script>", INLINE_SCRIPT),
            ('style=""', INLINE_STYLE),
            ("on*= handler", INLINE_HANDLER),
            ("javascript: URL", JS_URL),
        ):
            match = rx.search(html)
            if match:
                snippet = html[match.start() : match.start() + 80]
                offenders.append(f"{walked.path}: {label}: {snippet!r}")
    assert not offenders, "\n".join(offenders)


CHILD = """
import json, django
django.setup()
from django.test import Client
c = Client()
plain = c.get("/")
secure = c.get("/healthz", secure=True, HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "hsts": secure.get("Strict-Transport-Security", ""),
    "secure_status": secure.status_code,
    "cookie_secure": __import__("django.conf").conf.settings.SESSION_COOKIE_SECURE,
    "csrf_secure": __import__("django.conf").conf.settings.CSRF_COOKIE_SECURE,
}))
"""


def test_hsts_and_https_redirect_behind_https(tmp_path):
    result = run_python(CHILD, child_env(tmp_path))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["plain_status"] == 301
    assert data["plain_location"].startswith("https://")
    assert data["secure_status"] == 200
    max_age = int(re.search(r"max-age=(\d+)", data["hsts"]).group(1))
    assert max_age >= 31536000
    assert "includeSubDomains" in data["hsts"]
    assert data["cookie_secure"] and data["csrf_secure"]


def test_no_hsts_without_https(tmp_path):
    result = run_python(CHILD, child_env(tmp_path, BEHIND_HTTPS="0"))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["hsts"] == ""
