"""The office's home at a city's size (issue 12 goal 2): over HOME_TREE_MAX organisations the
cadence is counted in the database, with the same figures as the cell-by-cell matrix, a query
count that does not grow with the tree, and never a figure from before a write."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import selectors
from branches.models import Meeting, MeetingKind, Member, Organization, Status
from tests.factories import MemberFactory, OrganizationFactory

OLD = datetime.date(2010, 1, 1)


def _approved(org, kind, day):
    return Meeting.objects.create(
        kind=kind, organization=org, held_on=day, topic="会议", status=Status.APPROVED
    )


@pytest.fixture
def busy_tree(tree):
    """The tree with meetings of several kinds, a branch set up mid-year and a branch with a
    committee (7 full members) from March."""
    late = OrganizationFactory(
        name="青桥村第二党支部",
        kind=Organization.Kind.BRANCH,
        parent=tree.b,
        village=tree.vb,
        established_on=datetime.date(2024, 5, 10),
    )
    for n in range(7):
        MemberFactory(
            branch=tree.b1,
            category=Member.Category.FORMAL,
            joined_on=datetime.date(2020, 1, 1),
            confirmed_on=datetime.date(2024, 2, 15) if n == 0 else None,
        )
    for month in (1, 2, 3, 5, 8):
        _approved(tree.a1, MeetingKind.BRANCH_COMMITTEE, datetime.date(2024, month, 3))
        _approved(tree.b1, MeetingKind.BRANCH_COMMITTEE, datetime.date(2024, month, 4))
    for month in (2, 4, 7, 10):
        _approved(tree.a1, MeetingKind.THEME_DAY, datetime.date(2024, month, 9))
    _approved(late, MeetingKind.THEME_DAY, datetime.date(2024, 6, 2))
    _approved(tree.a1, MeetingKind.PARTY_LECTURE, datetime.date(2024, 4, 20))
    _approved(tree.b1, MeetingKind.ORG_LIFE, datetime.date(2024, 1, 20))
    return tree


def _from_matrix(scope, today):
    quarter = [
        (
            s.table.meeting_kind,
            s.done,
            s.required,
            len(s.open_cells),
            [(c.organization.pk, c.period.key, c.state, c.done, c.required) for c in s.open_shown],
        )
        for s in selectors.quarter_cadence(scope=scope, today=today)
    ]
    behind = [
        (b.village.pk, b.overdue, b.kinds)
        for b in selectors.villages_behind(scope=scope, today=today)
    ]
    return quarter, behind


def _counted(scope, today):
    figures = selectors.home_cadence_counts(scope=scope, today=today)
    quarter = [
        (
            s.table.meeting_kind,
            s.done,
            s.required,
            s.open_count,
            [(c.organization.pk, c.period.key, c.state, c.done, c.required) for c in s.open_shown],
        )
        for s in figures.quarter
    ]
    behind = [(b.village.pk, b.overdue, b.kinds) for b in figures.behind]
    return quarter, behind


@pytest.mark.parametrize(
    "today",
    [datetime.date(2024, 2, 15), datetime.date(2024, 6, 30), datetime.date(2024, 11, 5)],
)
def test_counted_cadence_agrees_with_the_matrix(busy_tree, today):
    for scope in (busy_tree.root.path, busy_tree.b.path):
        expected = _from_matrix(scope, today)
        assert any(item[3] for item in expected[0])  # open cells to compare
        assert expected[1]  # villages behind to compare
        assert _counted(scope, today) == expected


def _office_home_queries(client):
    """(cold, warm) queries of the home: the Django cache cleared, then read again."""
    url = reverse("branches:home")
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        response = client.get(url)
    return len(cold), len(warm), response


def test_home_query_count_does_not_grow_with_the_tree(tree, users, login, monkeypatch):
    monkeypatch.setattr(selectors, "HOME_TREE_MAX", 5)  # the tree's 7 organisations are "wide"
    client = login(users.office)
    client.get(reverse("branches:home"))  # the session, the permissions
    small = _office_home_queries(client)
    assert small[2].context["cadence"].wide
    for n in range(30):
        branch = OrganizationFactory(
            name=f"新支部{n:02d}",
            kind=Organization.Kind.BRANCH,
            parent=tree.b if n % 2 else tree.a,
            village=tree.vb if n % 2 else tree.va,
            established_on=OLD,
        )
        MemberFactory(branch=branch)
        _approved(branch, MeetingKind.THEME_DAY, datetime.date(2024, 3, 3))
    big = _office_home_queries(client)
    assert big[:2] == small[:2]
    assert big[1] < big[0]  # the warm home reads the cached sections


def test_wide_home_shows_a_write_at_once(tree, users, login, monkeypatch):
    """A record approved after the home was cached changes the home's figures."""
    from django.utils import timezone

    from branches import services
    from tests.factories import MeetingFactory

    monkeypatch.setattr(selectors, "HOME_TREE_MAX", 5)
    client = login(users.office)
    url = reverse("branches:home")
    client.get(url)
    before = {s.table.meeting_kind: s.done for s in client.get(url).context["cadence"].quarter}
    meeting = MeetingFactory(
        organization=tree.a1,
        kind=MeetingKind.THEME_DAY,
        held_on=timezone.localdate().replace(day=1),
        status=Status.SUBMITTED,
    )
    services.meeting_approve(meeting=meeting, by=users.office)
    response = client.get(url)
    after = {s.table.meeting_kind: s.done for s in response.context["cadence"].quarter}
    assert after[MeetingKind.THEME_DAY] == before[MeetingKind.THEME_DAY] + 1
    assert response.context["cadence"].wide
