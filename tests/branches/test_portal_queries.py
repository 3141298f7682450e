"""Each portal page runs a fixed number of queries: the same with 10 and with 200 rows."""

import datetime
import itertools

import factory
import pytest
from django.urls import reverse

from branches.models import Attendance, MeetingKind, Status, TalkParticipant
from chengjiang import measures
from tests.factories import MeetingFactory, TalkFactory, create_in_bulk

BUDGET = 15  # session, user, scope root, permissions, session save + the page's own


def _fill(tree, n):
    """``n`` meetings (draft, returned, approved in turn) with five attendees each and ``n``
    talks with two people each, written in bulk (``create_in_bulk``)."""
    members = tree.a_members
    days = [datetime.date(2024, 1 + i % 12, 1 + i % 28) for i in range(n)]
    statuses = itertools.cycle([Status.DRAFT, Status.RETURNED, Status.APPROVED])
    meetings = create_in_bulk(
        MeetingFactory,
        n,
        organization=tree.a1,
        kind=MeetingKind.BRANCH_COMMITTEE,
        held_on=factory.Iterator(days),
        status=factory.Iterator(statuses),
        host=members[0],
    )
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, member=m) for meeting in meetings for m in members
    )
    talks = create_in_bulk(
        TalkFactory, n, organization=tree.a1, held_on=factory.Iterator(days), talker=members[0]
    )
    people = TalkParticipant.objects.bulk_create(
        person
        for talk in talks
        for person in (
            TalkParticipant(talk=talk, member=members[1]),
            TalkParticipant(talk=talk, name="群众"),
        )
    )
    measures.records_bulk_written.send(sender=TalkParticipant, pks=[p.pk for p in people])


PAGES = [
    ("branches:home", {}),
    ("branches:meeting_list", {}),
    ("branches:meeting_list", {"kind": "branch_committee", "year": "2024", "page": "2"}),
    ("branches:talk_list", {}),
    ("branches:talk_list", {"year": "2024", "status": "draft"}),
]


@pytest.mark.parametrize("size", [10, 200])
def test_list_pages_query_budget(tree, users, login, django_assert_max_num_queries, size):
    """Every list page within the budget at ``size`` meetings and talks (the rows built once for
    all the pages)."""
    _fill(tree, size)
    client = login(users.sec_a)
    for name, params in PAGES:
        client.get(reverse(name))  # warm the session and permission caches the same way
        with django_assert_max_num_queries(BUDGET, info=f"{name} {params}"):
            resp = client.get(reverse(name), params)
        assert resp.status_code == 200, (name, params)


def test_query_count_does_not_grow(tree, users, login):
    """The exact count of each page at 10 rows holds at 200 rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(users.office)
    counts = {}
    for size in (10, 190):
        _fill(tree, size)
        for name, params in PAGES:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse(name), params).status_code == 200, (name, params)
            counts.setdefault(f"{name} {params}", []).append(len(ctx))
    grew = {page: c for page, c in counts.items() if c[0] != c[1]}
    assert not grew, grew


def test_detail_pages_query_budget(tree, users, login, django_assert_max_num_queries):
    _fill(tree, 1)
    meeting = tree.a1.meetings.get()
    talk = tree.a1.talks.get()
    client = login(users.sec_a)
    with django_assert_max_num_queries(BUDGET):
        assert client.get(meeting.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(BUDGET):
        assert client.get(talk.get_absolute_url()).status_code == 200
