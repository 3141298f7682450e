"""Sessions expire after a configurable idle time, move forward with activity, and end on logout."""

import datetime
import json

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from ..conftest import PASSWORD
from .subproc import child_env, run_python


def _sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return Session.objects.get(session_key=client.session.session_key)


def test_idle_timeout_comes_from_the_environment(tmp_path):
    code = (
        "import json; from django.conf import settings as s;"
        "print(json.dumps([s.SESSION_COOKIE_AGE, s.SESSION_REFRESH_SECONDS,"
        " s.SESSION_EXPIRE_AT_BROWSER_CLOSE]))"
    )
    result = run_python(code, child_env(tmp_path, SESSION_IDLE_SECONDS="600"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [600, 60, True]


def test_default_idle_timeout_is_short():
    assert settings.SESSION_COOKIE_AGE <= 60 * 60
    # idle (rolling), not absolute: activity moves the expiry forward, at most once a minute
    assert 0 < settings.SESSION_REFRESH_SECONDS <= 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY


@pytest.mark.django_db
def test_activity_moves_the_expiry_forward(client, users, settings):
    settings.SESSION_REFRESH_SECONDS = 0  # every request counts as activity past the minute
    session = _sign_in(client, users.sec_a)
    expected = timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((session.expire_date - expected).total_seconds()) < 30
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() + datetime.timedelta(seconds=60)
    )
    assert client.get(reverse("branches:home")).status_code == 200
    session.refresh_from_db()
    assert session.expire_date > timezone.now() + datetime.timedelta(
        seconds=settings.SESSION_COOKIE_AGE - 30
    )


@pytest.mark.django_db
def test_idle_session_is_over(client, users):
    session = _sign_in(client, users.sec_a)
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get(reverse("branches:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_logout_ends_the_session(client, users):
    session = _sign_in(client, users.sec_a)
    assert client.get(reverse("branches:home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(pk=session.pk).exists()
    after = client.get(reverse("branches:home"))
    assert after.status_code == 302 and after["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_the_old_session_cookie_is_useless_after_logout(client, users):
    from django.test import Client

    _sign_in(client, users.sec_a)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert thief.get(reverse("branches:home")).status_code == 302


@pytest.mark.django_db
def test_logout_by_get_is_refused(client, users):
    session = _sign_in(client, users.sec_a)
    client.get(reverse("logout"))
    assert Session.objects.filter(pk=session.pk).exists()


@pytest.mark.django_db
def test_login_rotates_the_session_key(client, users):
    client.get(reverse("login"))
    before = client.cookies.get(settings.SESSION_COOKIE_NAME)
    _sign_in(client, users.sec_a)
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert before is None or before.value != after


@pytest.mark.django_db
def test_a_page_within_the_minute_writes_no_session_row(client, users, monkeypatch):
    """Saving the session on every request cost three of a warm page's ten queries (BEGIN,
    UPDATE, COMMIT with a disk flush): the expiry moves forward at most once a minute, so the
    idle timeout is kept to within that minute."""
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    session = _sign_in(client, users.sec_a)
    url = reverse("branches:meeting_list")
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    writes = [q["sql"] for q in ctx.captured_queries if "django_session" in q["sql"]]
    assert not [w for w in writes if w.startswith(("UPDATE", "INSERT"))], writes

    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() + datetime.timedelta(seconds=90)
    )
    later = time.time() + settings.SESSION_REFRESH_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get(url).status_code == 200
    session.refresh_from_db()
    assert session.expire_date > timezone.now() + datetime.timedelta(
        seconds=settings.SESSION_COOKIE_AGE - 30
    )
