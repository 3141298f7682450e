"""Each portal page runs a fixed number of queries: the same with 10 and with 200 rows."""

import datetime

import pytest
from django.urls import reverse

from branches.models import Attendance, MeetingKind, Status, TalkParticipant
from tests.factories import MeetingFactory, TalkFactory

BUDGET = 15  # session, user, scope root, permissions, session save + the page's own


def _fill(tree, n):
    members = tree.a_members
    for i in range(n):
        day = datetime.date(2024, 1 + i % 12, 1 + i % 28)
        meeting = MeetingFactory(
            organization=tree.a1,
            kind=MeetingKind.BRANCH_COMMITTEE,
            held_on=day,
            status=[Status.DRAFT, Status.RETURNED, Status.APPROVED][i % 3],
            host=members[0],
        )
        Attendance.objects.bulk_create(Attendance(meeting=meeting, member=m) for m in members)
        talk = TalkFactory(organization=tree.a1, held_on=day, talker=members[0])
        TalkParticipant.objects.bulk_create(
            [TalkParticipant(talk=talk, member=members[1]), TalkParticipant(talk=talk, name="群众")]
        )


PAGES = [
    ("branches:home", {}),
    ("branches:meeting_list", {}),
    ("branches:meeting_list", {"kind": "branch_committee", "year": "2024", "page": "2"}),
    ("branches:talk_list", {}),
    ("branches:talk_list", {"year": "2024", "status": "draft"}),
]


@pytest.mark.parametrize("size", [10, 200])
@pytest.mark.parametrize("name,params", PAGES)
def test_list_pages_query_budget(
    tree, users, login, django_assert_max_num_queries, size, name, params
):
    _fill(tree, size)
    client = login(users.sec_a)
    client.get(reverse(name))  # warm the session and permission caches the same way
    with django_assert_max_num_queries(BUDGET):
        resp = client.get(reverse(name), params)
    assert resp.status_code == 200


@pytest.mark.parametrize("name,params", PAGES)
def test_query_count_does_not_grow(tree, users, login, django_assert_num_queries, name, params):
    """The exact count at 10 rows holds at 200 rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(users.office)
    counts = []
    for size in (10, 190):
        _fill(tree, size)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(name), params).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts


def test_detail_pages_query_budget(tree, users, login, django_assert_max_num_queries):
    _fill(tree, 1)
    meeting = tree.a1.meetings.get()
    talk = tree.a1.talks.get()
    client = login(users.sec_a)
    with django_assert_max_num_queries(BUDGET):
        assert client.get(meeting.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(BUDGET):
        assert client.get(talk.get_absolute_url()).status_code == 200
