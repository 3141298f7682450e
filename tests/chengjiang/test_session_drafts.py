"""A session that expires while a secretary types the minutes does not lose them: the posted
form is kept, the login page follows, and after login the same page gets the text back."""

import datetime
import json
import re

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from branches.models import Meeting, MeetingKind

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db

MINUTES = "会议纪要：\n一、学习贯彻全会精神\n二、讨论发展党员工作" * 20


def _expire(client):
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )


def _draft(response) -> dict:
    match = re.search(
        r'<script id="kept-draft" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1)) if match else {}


def test_minutes_typed_across_a_session_expiry_come_back_after_login(client, users, tree):
    client.post("/accounts/login/", {"username": users.sec_a.username, "password": PASSWORD})
    url = f"/meetings/new/?organization={tree.a1.pk}"
    assert client.get(url).status_code == 200
    _expire(client)  # the secretary types for longer than the idle timeout

    response = client.post(
        url,
        {
            "organization": tree.a1.pk,
            "kind": MeetingKind.BRANCH_COMMITTEE,
            "held_on": "2024-03-10",
            "topic": "学习贯彻全会精神",
            "minutes": MINUTES,
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Meeting.objects.exists()

    login = client.post(
        response["Location"], {"username": users.sec_a.username, "password": PASSWORD}
    )
    assert login.status_code == 302
    page = client.get(login["Location"])
    assert page.status_code == 200
    draft = _draft(page)
    assert draft["minutes"] == [MINUTES]
    assert draft["topic"] == ["学习贯彻全会精神"]
    assert "csrfmiddlewaretoken" not in draft
    # given back once: a reload shows the empty form again
    assert _draft(client.get(login["Location"])) == {}


def test_a_draft_is_never_given_to_another_account_on_the_same_browser(client, users, tree):
    client.post("/accounts/login/", {"username": users.sec_a.username, "password": PASSWORD})
    url = f"/meetings/new/?organization={tree.a1.pk}"
    assert client.get(url).status_code == 200
    _expire(client)
    response = client.post(
        url,
        {"organization": tree.a1.pk, "kind": MeetingKind.BRANCH_COMMITTEE, "topic": "保密"},
    )
    assert response["Location"].startswith("/accounts/login/")

    # a colleague signs in on the same browser and opens the same page
    login = client.post(
        response["Location"], {"username": users.office.username, "password": PASSWORD}
    )
    assert login.status_code == 302
    page = client.get(url)
    assert _draft(page) == {}
    assert "保密" not in page.content.decode()


def test_a_browser_without_the_owner_cookie_keeps_nothing(client, users, tree):
    client.post("/accounts/login/", {"username": users.sec_a.username, "password": PASSWORD})
    url = f"/meetings/new/?organization={tree.a1.pk}"
    assert client.get(url).status_code == 200
    _expire(client)
    client.cookies.pop("cj_draft_owner")
    client.post(url, {"organization": tree.a1.pk, "topic": "无主草稿"})
    client.post("/accounts/login/", {"username": users.sec_a.username, "password": PASSWORD})
    assert _draft(client.get(url)) == {}


def test_pages_warn_before_the_session_expires(client, users, settings):
    client.post("/accounts/login/", {"username": users.sec_a.username, "password": PASSWORD})
    page = client.get("/").content.decode()
    assert f'data-idle-seconds="{settings.SESSION_COOKIE_AGE}"' in page
    assert "会话将在两分钟后结束" in page
    assert "js/session.js" in page
