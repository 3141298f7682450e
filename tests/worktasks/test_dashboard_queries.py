"""The dashboard, drill-down and report run the same queries and stay small whatever the size."""

import datetime
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Meeting, MeetingKind, Organization, Status
from chengjiang.worktasks import summary
from tests.factories import OrganizationFactory

from .factories import TaskFactory

Kind = Organization.Kind
HTML_LIMIT = 300 * 1024


def _grow(root, tag: str, *, districts: int, villages: int, branches: int, meetings: int) -> None:
    """A tree under ``root`` and approved meetings spread over its branches (bulk, then the
    summary rebuilt, as the scale generator does)."""
    leaves = []
    for d in range(districts):
        district = OrganizationFactory(
            name=f"{tag}第{d}街道", kind=Kind.WORKING_COMMITTEE, parent=root
        )
        for v in range(villages):
            village = OrganizationFactory(
                name=f"{tag}第{d}街道{v}村总支", kind=Kind.GENERAL_BRANCH, parent=district
            )
            leaves += [
                OrganizationFactory(name=f"{village.name}{b}支部", kind=Kind.BRANCH, parent=village)
                for b in range(branches)
            ]
    start = datetime.date(2024, 1, 1)
    Meeting.objects.bulk_create(
        Meeting(
            organization=leaves[i % len(leaves)],
            kind=MeetingKind.BRANCH_COMMITTEE,
            held_on=start + datetime.timedelta(days=i % 360),
            topic=f"支委会{i}",
            status=Status.APPROVED,
        )
        for i in range(meetings)
    )
    summary.rebuild_summaries()


def _measure(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), len(response.content)


def _pages(tree, meetings: int) -> dict:
    per_page = 50
    last = max(1, math.ceil(meetings / per_page))
    drill = reverse("worktasks:drilldown", args=["branches.meetings"])
    query = "?year=2024&kind=branch_committee"
    return {
        "dashboard": reverse("worktasks:dashboard") + "?year=2024",
        "dashboard, a sub-district": reverse("worktasks:dashboard")
        + f"?year=2024&org={Organization.objects.get(name='A第1街道').pk}",
        "drill-down, first page": drill + query,
        "drill-down, last page": drill + query + f"&page={last}",
        "report": reverse("worktasks:report", args=[2024]),
    }


@pytest.mark.parametrize("page", ["dashboard", "dashboard, a sub-district", "report"])
def test_same_queries_and_bounded_html_at_two_sizes(tree, users, login, page):
    TaskFactory(responsible=tree.root, measure_params={"kind": "branch_committee"}, target=100)
    client = login(users.office)
    _grow(tree.root, "A", districts=2, villages=1, branches=1, meetings=10)
    small = _measure(client, _pages(tree, 10)[page])
    _grow(tree.root, "B", districts=10, villages=6, branches=5, meetings=1500)
    large = _measure(client, _pages(tree, 1510)[page])
    assert small[0] == large[0], f"{page}: {small[0]} queries at 10 meetings, {large[0]} at 1510"
    assert small[1] <= HTML_LIMIT and large[1] <= HTML_LIMIT


def test_drill_down_pages_run_the_same_queries_at_two_sizes(tree, users, login):
    client = login(users.office)
    _grow(tree.root, "A", districts=2, villages=1, branches=1, meetings=120)
    first = _measure(client, _pages(tree, 120)["drill-down, first page"])
    last = _measure(client, _pages(tree, 120)["drill-down, last page"])
    _grow(tree.root, "B", districts=10, villages=6, branches=5, meetings=1500)
    assert _measure(client, _pages(tree, 1620)["drill-down, first page"])[0] == first[0]
    assert _measure(client, _pages(tree, 1620)["drill-down, last page"])[0] == last[0]


def test_every_page_of_a_drill_down_lists_its_own_records_once(tree, users, login):
    """Pages of the second half are read from the end: together they are every record once."""
    client = login(users.office)
    _grow(tree.root, "A", districts=1, villages=1, branches=2, meetings=173)
    drill = reverse("worktasks:drilldown", args=["branches.meetings"])
    seen = []
    for page in range(1, 5):
        response = client.get(drill, {"year": 2024, "kind": "branch_committee", "page": page})
        seen += [row["text"] for row in response.context["rows"]]
    expected = [
        str(m)
        for m in Meeting.objects.filter(kind=MeetingKind.BRANCH_COMMITTEE).order_by(
            "-held_on", "-pk"
        )
    ]
    assert seen == expected
