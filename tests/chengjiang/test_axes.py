"""Login protection: repeated failures lock the username from that address (django-axes), the
failures and the lock are recorded and logged, and the client's address is read correctly
behind one reverse proxy (a forged X-Forwarded-For entry neither escapes nor causes a lock)."""

import logging

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.urls import reverse

from chengjiang.middleware import client_ip

from ..conftest import PASSWORD

LOCKED = 429
WRONG = "not-the-password-9"


def _login(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _fail(client, username, times, **extra):
    return [_login(client, username, WRONG, **extra).status_code for _ in range(times)]


@pytest.fixture
def axes_log():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep(level=logging.INFO)
    logger = logging.getLogger("axes")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_lock_after_repeated_failures_even_with_the_right_password(client, users, axes_log):
    limit = settings.AXES_FAILURE_LIMIT
    assert 3 <= limit <= 10
    statuses = _fail(client, "sec_a", limit - 1)
    assert LOCKED not in statuses  # the form answers with its error while attempts remain
    assert _fail(client, "sec_a", 1) == [LOCKED]
    response = _login(client, "sec_a", PASSWORD)
    assert response.status_code == LOCKED
    assert not _logged_in(client)
    assert "登录失败次数过多" in response.content.decode()  # a clear Chinese answer

    attempt = AccessAttempt.objects.get(username="sec_a")
    assert attempt.ip_address == "127.0.0.1"
    assert attempt.failures_since_start >= limit
    failures = AccessFailureLog.objects.filter(username="sec_a")
    assert failures.count() >= limit
    assert failures.filter(locked_out=True).exists()
    messages = [r.getMessage() for r in axes_log]
    assert any("Locking out" in m for m in messages)
    assert sum("login failure" in m for m in messages) >= limit - 1


@pytest.mark.django_db
def test_the_wrong_password_is_never_stored(client, users):
    _fail(client, "sec_a", 2)
    for attempt in AccessAttempt.objects.all():
        assert WRONG not in attempt.post_data
    for row in AccessFailureLog.objects.all():
        assert WRONG not in str(row.__dict__)


@pytest.mark.django_db
def test_lock_is_per_username_and_address(client, users):
    _fail(client, "sec_a", settings.AXES_FAILURE_LIMIT)
    # The same username from another address, and another username from this address, still work.
    _login(client, "sec_a", PASSWORD, REMOTE_ADDR="192.0.2.50")
    assert _logged_in(client)
    client.logout()
    _login(client, "sec_b", PASSWORD)
    assert _logged_in(client)


@pytest.mark.django_db
def test_changing_user_agent_does_not_escape_the_lock(client, users):
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit):
        _login(client, "sec_a", WRONG, HTTP_USER_AGENT=f"agent-{i}")
    assert _login(client, "sec_a", PASSWORD, HTTP_USER_AGENT="fresh").status_code == LOCKED


@pytest.mark.django_db
def test_successful_login_resets_the_count(client, users):
    _fail(client, "sec_a", settings.AXES_FAILURE_LIMIT - 1)
    _login(client, "sec_a", PASSWORD)
    assert _logged_in(client)
    client.logout()
    _fail(client, "sec_a", settings.AXES_FAILURE_LIMIT - 1)
    _login(client, "sec_a", PASSWORD)
    assert _logged_in(client)


# --- behind one reverse proxy ----------------------------------------------------------------

PROXY = "10.0.0.2"  # nginx, as seen by the app server
CLIENT = "203.0.113.7"


@pytest.mark.django_db
def test_behind_one_proxy_the_client_is_the_last_hop(client, users, settings):
    settings.PROXY_COUNT = 1
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit):
        # The client forges entries on the left; nginx appends the address it saw.
        forged = f"198.51.100.{i}, {CLIENT}"
        _login(client, "sec_a", WRONG, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forged)
    attempt = AccessAttempt.objects.get(username="sec_a")
    assert attempt.ip_address == CLIENT
    locked = _login(
        client, "sec_a", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {CLIENT}"
    )
    assert locked.status_code == LOCKED
    # Another client through the same proxy is not locked out.
    _login(client, "sec_a", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.77")
    assert _logged_in(client)


@pytest.mark.django_db
def test_without_proxy_the_header_is_ignored(client, users, settings):
    settings.PROXY_COUNT = 0
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "sec_a", WRONG, REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=f"10.9.9.{i}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.10"}
    forged = _login(
        client, "sec_a", PASSWORD, REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="10.8.8.8"
    )
    assert forged.status_code == LOCKED


class FakeRequest:
    def __init__(self, remote, forwarded=None):
        self.META = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "6.6.6.6", "192.0.2.1"),
        (1, PROXY, f"6.6.6.6, {CLIENT}", CLIENT),
        (1, PROXY, CLIENT, CLIENT),
        (1, PROXY, f"{CLIENT}:5555", CLIENT),
        (1, PROXY, "[2001:db8::1]:443", "2001:db8::1"),
        (1, PROXY, "2001:db8::2", "2001:db8::2"),
        (1, PROXY, "not-an-address", PROXY),
        (1, PROXY, "", PROXY),
        (1, PROXY, None, PROXY),
        (2, PROXY, f"6.6.6.6, {CLIENT}, 10.0.0.1", CLIENT),
        (2, PROXY, CLIENT, PROXY),  # fewer hops than proxies: not through both
    ],
)
def test_client_ip(settings, count, remote, forwarded, expected):
    settings.PROXY_COUNT = count
    assert client_ip(FakeRequest(remote, forwarded)) == expected


def test_axes_uses_the_portal_address_function():
    from axes.helpers import get_client_ip_address

    assert settings.AXES_CLIENT_IP_CALLABLE == "chengjiang.middleware.client_ip"
    request = FakeRequest(PROXY, f"6.6.6.6, {CLIENT}")
    settings_count = settings.PROXY_COUNT
    try:
        settings.PROXY_COUNT = 1
        assert get_client_ip_address(request) == CLIENT
    finally:
        settings.PROXY_COUNT = settings_count
