"""The demo checklist measures the cadence tasks by coverage, not by raw counts: a target of
"7 branches × 12 months = 84 meetings" lets two meetings in one month hide a missed month."""

from decimal import Decimal

from chengjiang import measures
from chengjiang.measures import Period
from chengjiang.worktasks.models import Checklist


def test_cadence_tasks_are_coverage_with_a_full_target(demo_db):
    checklist = Checklist.objects.get(year=2024)
    by_kind = {
        t.measure_params.get("kind"): t
        for t in checklist.tasks.filter(measure_key__startswith="branches.meeting")
    }
    for kind in ("org_life", "branch_committee", "theme_day"):
        task = by_kind[kind]
        assert task.measure_key == "branches.meeting_coverage", kind
        assert task.target == Decimal(100), kind
    value = (
        measures.get("branches.meeting_coverage")
        .evaluate(period=Period.year(2024), scope="", kind="org_life")
        .value
    )
    assert value == Decimal(100)  # every 党支部 held its 组织生活会
