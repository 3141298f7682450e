"""A bulk write keeps the monthly summary current in its own transaction (issue 12, goal 2):
the writer names the rows (``measures.records_bulk_changing`` before, ``records_bulk_written``
after), and only the organisations and months they touch are counted again, in bulk."""

from __future__ import annotations

import csv
import datetime
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from branches.models import Meeting, MeetingKind, Status, Talk, TalkParticipant
from branches.resources import MeetingResource
from chengjiang import measures
from chengjiang.bulkimport import import_rows
from chengjiang.importexport import KEY_COLUMN
from chengjiang.worktasks import summary
from chengjiang.worktasks.models import MonthlyFigure
from tests.factories import MeetingFactory, TalkFactory

from .factories import TaskFactory

KIND = MeetingKind.DEMOCRATIC_LIFE
COMMITTEE = MeetingKind.BRANCH_COMMITTEE
FIELDS = ("measure_key", "params", "organization_id", "year", "month", "own", "total")


def kept_rows():
    return sorted(MonthlyFigure.objects.filter(total__gt=0).values_list(*FIELDS))


def assert_as_rebuilt():
    """The rows kept by the bulk write are the rows a rebuild from the records gives."""
    assert summary.is_built()
    kept = kept_rows()
    summary.rebuild_summaries()
    assert kept_rows() == kept


def bulk_meetings(orgs, n, *, held_on="2024-04-01", kind=KIND):
    made = Meeting.objects.bulk_create(
        [
            Meeting(
                organization=orgs[i % len(orgs)],
                kind=kind,
                status=Status.APPROVED,
                held_on=held_on,
                topic=f"导入{i}",
            )
            for i in range(n)
        ]
    )
    measures.records_bulk_written.send(sender=Meeting, pks=[m.pk for m in made])
    return made


def _total(org, params=None, key="branches.meetings", month=None):
    rows = MonthlyFigure.objects.filter(
        measure_key=key, params=summary.params_key(params), organization=org, year=2024
    )
    if month:
        rows = rows.filter(month=month)
    return sum(rows.values_list("total", flat=True))


def test_a_bulk_create_named_by_its_pks_keeps_the_summary_built_and_right(tree, users):
    MeetingFactory(organization=tree.a1, kind=KIND, status=Status.APPROVED)
    assert summary.is_built()
    bulk_meetings([tree.a1, tree.a1g, tree.b1, tree.office_branch], 9)
    bulk_meetings([tree.b1], 2, held_on="2023-12-31", kind=MeetingKind.ORG_LIFE)
    assert summary.is_built()
    assert _total(tree.root, params={"kind": KIND}) == 10
    assert _total(tree.a, params={"kind": KIND}, month=4) == 5  # a1 (3) and its group (2)
    assert_as_rebuilt()


def test_a_bulk_update_moves_figures_between_organisations_and_months(tree, users):
    made = bulk_meetings([tree.a1, tree.b1], 6)
    assert _total(tree.a, params={"kind": KIND}, month=4) == 3
    moved = [m.pk for m in made if m.organization_id == tree.a1.pk]
    measures.records_bulk_changing.send(sender=Meeting, pks=moved)
    Meeting.objects.filter(pk__in=moved).update(
        organization=tree.office_branch, held_on=datetime.date(2024, 9, 3)
    )
    measures.records_bulk_written.send(sender=Meeting, pks=moved)
    assert summary.is_built()
    assert _total(tree.a, params={"kind": KIND}) == 0
    assert _total(tree.office_branch, params={"kind": KIND}, month=9) == 3
    assert _total(tree.root, params={"kind": KIND}, month=4) == 3
    assert _total(tree.root, params={"kind": KIND}, month=9) == 3
    assert_as_rebuilt()


def test_a_bulk_delete_named_before_it_takes_its_figures_away(tree, users):
    made = bulk_meetings([tree.a1g, tree.b1], 4)
    gone = [m.pk for m in made[:3]]
    measures.records_bulk_changing.send(sender=Meeting, pks=gone)
    Meeting.objects.filter(pk__in=gone)._raw_delete(connection.alias)
    measures.records_bulk_written.send(sender=Meeting, pks=gone)
    assert _total(tree.root, params={"kind": KIND}) == 1
    assert_as_rebuilt()


def test_talk_participants_written_in_bulk_count_through_their_talk(tree, users):
    """People talked with reach the summary through their talk (``routes_for``)."""
    talks = [
        TalkFactory(organization=org, status=Status.APPROVED, held_on=f"2024-0{month}-05")
        for org, month in ((tree.a1, 2), (tree.b1, 5))
    ]
    made = TalkParticipant.objects.bulk_create(
        [TalkParticipant(talk=talk, name=f"谈话对象{i}") for talk in talks for i in range(3)]
    )
    measures.records_bulk_written.send(sender=TalkParticipant, pks=[p.pk for p in made])
    key = "branches.talk_person_times"
    assert summary.is_built()
    assert _total(tree.root, key=key) == 6
    assert _total(tree.a, key=key, month=2) == 3
    # a talk moved in bulk takes its people along
    measures.records_bulk_changing.send(sender=Talk, pks=[talks[0].pk])
    Talk.objects.filter(pk=talks[0].pk).update(organization=tree.b1)
    measures.records_bulk_written.send(sender=Talk, pks=[talks[0].pk])
    assert _total(tree.a, key=key) == 0 and _total(tree.b, key=key) == 6
    assert_as_rebuilt()


def test_attendance_lines_written_in_bulk_leave_the_summary_built(tree, users):
    """No summarised measure counts attendance lines: their bulk write changes no figure and
    sets nothing aside."""
    from branches.models import Attendance

    meeting = MeetingFactory(organization=tree.a1, kind=KIND, status=Status.APPROVED)
    lines = Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, member=m) for m in tree.a_members]
    )
    measures.records_bulk_written.send(sender=Attendance, pks=[a.pk for a in lines])
    assert summary.is_built()
    assert_as_rebuilt()


def test_the_queries_of_a_bulk_update_do_not_grow_with_the_rows(tree, users):
    def count(n):
        made = Meeting.objects.bulk_create(
            [
                Meeting(
                    organization=(tree.a1, tree.b1, tree.a1g)[i % 3],
                    kind=(KIND, MeetingKind.ORG_LIFE)[i % 2],
                    status=Status.APPROVED,
                    held_on=datetime.date(2024, 1 + i % 12, 1 + i % 28),
                    topic=f"批量{n}-{i}",
                )
                for i in range(n)
            ]
        )
        pks = [m.pk for m in made]
        with CaptureQueriesContext(connection) as ctx:
            measures.records_bulk_written.send(sender=Meeting, pks=pks)
            measures.records_bulk_changing.send(sender=Meeting, pks=pks)
            Meeting.objects.filter(pk__in=pks).update(organization=tree.office_branch)
            measures.records_bulk_written.send(sender=Meeting, pks=pks)
        return len(ctx.captured_queries)

    assert count(10) == count(200)
    assert summary.is_built()
    assert_as_rebuilt()


def test_a_bulk_write_that_cannot_name_its_rows_still_sets_the_summary_aside(tree, users):
    Meeting.objects.bulk_create(
        [Meeting(organization=tree.b1, kind=KIND, status=Status.APPROVED, held_on="2024-04-01")]
    )
    measures.records_bulk_written.send(sender=Meeting)
    assert not summary.is_built()


def meetings_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(KEY_COLUMN), "所属党组织", "类型", "日期", "地点", "主题", "状态"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_an_import_keeps_the_summary_built_and_the_dashboard_right(tree, users, login):
    TaskFactory(responsible=tree.root, target=4, measure_params={"kind": COMMITTEE})
    client = login(users.office)
    url = reverse("worktasks:dashboard") + "?year=2024"

    def dashboard(org=None):
        full = url + (f"&org={org.pk}" if org else "")
        return client.get(full).context["progress"].tasks[0].value

    MeetingFactory(organization=tree.a1, kind=COMMITTEE, status=Status.APPROVED)
    assert dashboard() == 1
    with translation.override("zh-hans"):
        rows = [
            ["", org, "支部委员会", f"2024-0{month}-0{day}", "村部", f"导入{day}", "审核通过"]
            for org, month, day in (
                ("花园村第一党支部", 5, 1),
                ("青桥村第一党支部", 5, 2),
                ("青桥村第一党支部", 6, 3),
            )
        ]
        result = import_rows(MeetingResource, meetings_csv(rows), by=users.office, dry_run=False)
    assert result.lines() == [] and result.written
    assert summary.is_built()
    assert dashboard() == 4
    assert dashboard(tree.b) == 2

    # an import that moves a stored meeting to another month keeps the months right
    moved = Meeting.objects.get(topic="导入3")
    with translation.override("zh-hans"):
        row = [
            moved.pk,
            "青桥村第一党支部",
            "支部委员会",
            "2024-11-20",
            "村部",
            "导入3",
            "审核通过",
        ]
        result = import_rows(MeetingResource, meetings_csv([row]), by=users.office, dry_run=False)
    assert result.lines() == [] and result.counts["update"] == 1
    assert summary.is_built()
    assert _total(tree.b, params={"kind": COMMITTEE}, month=6) == 0
    assert _total(tree.b, params={"kind": COMMITTEE}, month=11) == 1
    assert dashboard(tree.b) == 2
    assert_as_rebuilt()


def test_a_write_past_the_bulk_limit_sets_the_summary_aside(tree, users, monkeypatch):
    """Past ``SET_ASIDE_ABOVE`` rows a rebuild is cheaper than counting again: set aside."""
    monkeypatch.setattr(summary, "SET_ASIDE_ABOVE", 3)
    bulk_meetings([tree.a1], 3)
    assert summary.is_built()
    bulk_meetings([tree.a1], 4)
    assert not summary.is_built()
