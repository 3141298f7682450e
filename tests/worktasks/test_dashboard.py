"""The dashboard: a fixed number of queries whatever the size; tables and charts from data."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chengjiang import measures
from chengjiang.measures import Cell, Table, TableRow, TableSpec
from chengjiang.worktasks.models import Line, ManualStatus
from tests.factories import OrganizationFactory, VillageFactory

from .factories import ChecklistFactory, TaskFactory

URL = reverse("worktasks:dashboard")
COMBOS = [
    ("branches.meetings", {"kind": "democratic_life"}),
    ("branches.meetings", {"kind": "branch_committee"}),
    ("branches.talk_person_times", {}),
    ("branches.org_changes", {"kind": "established"}),
]
KINDS = ["democratic_life", "branch_committee", "theme_day", "org_life", "party_lecture"]


def _build(tree, meeting, *, tasks: int, meetings: int, villages: int):
    checklist = ChecklistFactory(year=2024)
    orgs = [tree.a1, tree.b1]
    for i in range(villages):
        v = VillageFactory()
        top = OrganizationFactory(kind="party_committee", parent=tree.root, village=v)
        orgs.append(OrganizationFactory(kind="branch", parent=top, village=v, name=f"支部{i}"))
    for i in range(tasks):
        key, params = COMBOS[i % len(COMBOS)]
        if i == len(COMBOS):
            TaskFactory(
                checklist=checklist,
                number=i + 1,
                responsible=tree.root,
                line=Line.TEAM,
                measure_key="",
                measure_params={},
                target=None,
                manual_status=ManualStatus.DONE,
            )
            continue
        TaskFactory(
            checklist=checklist,
            number=i + 1,
            responsible=tree.root,
            line=list(Line)[i % 3],
            measure_key=key,
            measure_params=params,
            target=10,
        )
    for i in range(meetings):
        meeting(
            orgs[i % len(orgs)],
            kind=KINDS[i % len(KINDS)],
            held_on=datetime.date(2024, i % 12 + 1, 10),
        )


def _count(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, {"year": 2024})
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("role", ["office", "sec_a"])
def test_query_count_is_flat(tree, users, login, meeting, role):
    from django.core.cache import cache

    client = login(getattr(users, role))
    _build(tree, meeting, tasks=5, meetings=10, villages=1)
    cache.clear()
    small, response = _count(client)
    assert len(response.context["progress"].tasks) == 5

    from branches.models import Meeting
    from chengjiang.worktasks.models import Task

    Task.objects.all().delete()
    Meeting.objects.all().delete()
    _build(tree, meeting, tasks=40, meetings=200, villages=12)
    cache.clear()
    large, response = _count(client)
    assert len(response.context["progress"].tasks) == 40
    assert large == small, (small, large)


def test_dashboard_shows_tasks_states_formula_and_manual_mark(tree, users, login, meeting):
    checklist = ChecklistFactory(year=2024)
    TaskFactory(
        checklist=checklist, number=1, responsible=tree.root, target=2, title="民主生活会任务"
    )
    TaskFactory(
        checklist=checklist,
        number=2,
        responsible=tree.root,
        title="手工任务",
        measure_key="",
        measure_params={},
        target=None,
        manual_status=ManualStatus.IN_PROGRESS,
    )
    meeting(tree.a1)
    response = login(users.leader).get(URL, {"year": 2024})
    body = response.content.decode()
    assert "民主生活会任务" in body and "手工任务" in body
    assert "1</a> / 2" in body
    assert "(1×50.0% + 1×50.0%) ÷ (1 + 1) = 50.0%" in body
    assert 'class="badge text-bg-warning"' in body  # the manual mark
    assert "<script>" not in body and 'style="' not in body  # CSP: no inline scripts/styles
    data = json.loads(
        body.split('id="wt-chart-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["lines"][-1]["value"] == 50.0
    assert len(data["trend"]["series"][0]["data"]) == 12


def test_default_year_is_the_current_year(users, login):
    from django.utils import timezone

    response = login(users.office).get(URL)
    assert response.context["year"] == timezone.localdate().year


@pytest.fixture
def fake_cadence(monkeypatch):
    def table(*, period, scope):
        return [
            Table(
                key="fake",
                title="假矩阵",
                columns=["一季度", "二季度"],
                rows=[TableRow("测试支部", [Cell("1/1", "done"), Cell("0/1", "overdue", "/x/")])],
                note="说明文字",
            )
        ]

    monkeypatch.setitem(
        measures.TABLES, "branches.cadence", TableSpec("branches.cadence", "x", table)
    )


def test_renders_whatever_tables_the_cadence_measure_returns(users, login, fake_cadence):
    # a village's level (the grid lists every organisation of the scope: not the sub-district's)
    body = login(users.sec_a).get(URL, {"year": 2024}).content.decode()
    assert "假矩阵" in body and "测试支部" in body and "说明文字" in body
    assert 'class="wt-cell wt-cell-overdue"><a href="/x/">0/1</a>' in body


def test_without_the_cadence_table_nothing_is_rendered(users, login, monkeypatch):
    monkeypatch.delitem(measures.TABLES, "branches.cadence", raising=False)
    response = login(users.office).get(URL, {"year": 2024})
    assert response.status_code == 200
    assert response.context["tables"] == []


def _life_meetings(response):
    """The chart's 民主生活会 line (the meeting fixture's kind)."""
    body = response.content.decode()
    data = json.loads(
        body.split('id="wt-chart-data" type="application/json">')[1].split("</script>")[0]
    )
    kinds = [s["kind"] for s in response.context["trend"].series]
    return data["trend"]["series"][kinds.index("democratic_life")]["data"]


def test_months_not_yet_begun_read_as_a_dash_and_the_current_month_as_to_date(
    tree, users, login, meeting, monkeypatch
):
    """A month that has not begun shows "—", not a 0 that reads as "nothing was held"; the month
    in progress is marked as counted to today. Past years have twelve whole months."""
    from django.utils import timezone

    meeting(tree.a1, held_on=datetime.date(2024, 6, 3))
    meeting(tree.a1, held_on=datetime.date(2023, 12, 20))
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2024, 6, 15))
    client = login(users.leader)
    response = client.get(URL, {"year": 2024})
    trend = response.context["trend"]
    assert trend.current == 6
    assert _life_meetings(response) == [0, 0, 0, 0, 0, 1] + [None] * 6
    body = response.content.decode()
    assert body.count('<td class="text-end wt-future">—</td>') == 6 * len(trend.series)
    assert body.count("截至15日</small>") == 1 and ">6月<small" in body

    past = client.get(URL, {"year": 2023})
    assert past.context["trend"].current is None
    assert _life_meetings(past) == [0] * 11 + [1]
    assert "wt-future" not in past.content.decode() and "截至" not in past.content.decode()

    # The next month, with no record changed: July has begun, and the cached panels know it.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2024, 7, 1))
    response = client.get(URL, {"year": 2024})
    assert response.context["trend"].current == 7
    assert _life_meetings(response) == [0, 0, 0, 0, 0, 1, 0] + [None] * 5
    assert ">7月<small" in response.content.decode()
