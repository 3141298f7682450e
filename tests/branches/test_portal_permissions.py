"""Who may do what in the portal: leadership reads and writes nothing; anonymous logs in."""

import datetime

import pytest
from django.urls import reverse

from branches.models import Meeting, MeetingKind, Status, Talk


@pytest.fixture
def records(tree):
    meeting = Meeting.objects.create(
        kind=MeetingKind.BRANCH_COMMITTEE,
        organization=tree.a1,
        held_on=datetime.date(2024, 3, 1),
        topic="会议",
    )
    talk = Talk.objects.create(
        organization=tree.a1, held_on=datetime.date(2024, 3, 1), talker_name="甲", topic="谈话"
    )
    return meeting, talk


def _write_urls(meeting, talk):
    return [
        ("get", reverse("branches:meeting_create")),
        ("post", reverse("branches:meeting_create")),
        ("get", reverse("branches:meeting_edit", args=[meeting.pk])),
        ("post", reverse("branches:meeting_edit", args=[meeting.pk])),
        ("post", reverse("branches:meeting_submit", args=[meeting.pk])),
        ("get", reverse("branches:talk_create")),
        ("post", reverse("branches:talk_create")),
        ("get", reverse("branches:talk_edit", args=[talk.pk])),
        ("post", reverse("branches:talk_edit", args=[talk.pk])),
        ("post", reverse("branches:talk_submit", args=[talk.pk])),
        ("post", reverse("branches:meeting_approve", args=[meeting.pk])),
        ("post", reverse("branches:meeting_return", args=[meeting.pk])),
        ("post", reverse("branches:talk_approve", args=[talk.pk])),
        ("post", reverse("branches:talk_return", args=[talk.pk])),
    ]


def _read_urls(meeting, talk):
    return [
        reverse("branches:home"),
        reverse("branches:meeting_list"),
        reverse("branches:meeting_detail", args=[meeting.pk]),
        reverse("branches:talk_list"),
        reverse("branches:talk_detail", args=[talk.pk]),
    ]


def test_leadership_reads_but_gets_403_on_every_write(tree, users, login, records):
    client = login(users.leader)
    for url in _read_urls(*records):
        assert client.get(url).status_code == 200, url
    for method, url in _write_urls(*records):
        resp = getattr(client, method)(url, {"organization": tree.a1.pk})
        assert resp.status_code == 403, (method, url, resp.status_code)
    meeting, _talk = records
    meeting.refresh_from_db()
    assert meeting.status == Status.DRAFT
    # no write buttons for leadership
    body = client.get(reverse("branches:meeting_detail", args=[meeting.pk])).content.decode()
    assert reverse("branches:meeting_edit", args=[meeting.pk]) not in body
    assert (
        reverse("branches:meeting_create")
        not in client.get(reverse("branches:meeting_list")).content.decode()
    )


def test_anonymous_is_sent_to_login(client, records):
    for method, url in _write_urls(*records):
        resp = getattr(client, method)(url)
        assert resp.status_code == 302 and "/accounts/login/" in resp["Location"], url
    for url in _read_urls(*records):
        resp = client.get(url)
        assert resp.status_code == 302 and "/accounts/login/" in resp["Location"], url


def test_office_staff_use_the_portal_too(tree, users, login, records):
    client = login(users.office)
    for url in _read_urls(*records):
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("branches:meeting_create")).status_code == 200
    resp = client.get(reverse("branches:meeting_create"), {"organization": tree.b1.pk})
    assert resp.status_code == 200
    assert tree.b_members[0].name in resp.content.decode()


def test_submit_get_is_only_the_confirmation_step(tree, users, login, records):
    meeting, talk = records
    client = login(users.sec_a)
    assert client.get(reverse("branches:meeting_submit", args=[meeting.pk])).status_code == 200
    assert client.get(reverse("branches:talk_submit", args=[talk.pk])).status_code == 200
    meeting.refresh_from_db()
    talk.refresh_from_db()
    assert meeting.status == talk.status == Status.DRAFT
