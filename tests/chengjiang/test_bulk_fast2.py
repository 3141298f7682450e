"""What the bulk import reads once instead of once per row (issue 12, goal 4): the day (the
records' "not in the future" rules), and the minuted columns' headers in the current language.
The answers stay those of the rules read per row."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

import branches.resources
from branches.resources import MeetingResource, MemberResource
from chengjiang import bulkimport
from chengjiang.bulkimport import import_rows
from tests.chengjiang.test_bulk_import import (
    MEETING_HEADERS,
    MEMBER_HEADERS,
    meeting_row,
    member_row,
    xlsx,
)

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language


def _counting(monkeypatch, module, name) -> list:
    calls = []
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def _meetings(tree, n: int) -> bytes:
    a0, a1 = (m.name for m in tree.a_members[:2])
    return xlsx(MEETING_HEADERS, [meeting_row(i, present=f"{a0}、{a1}") for i in range(n)])


def _members(n: int) -> bytes:
    return xlsx(MEMBER_HEADERS, [member_row(i) for i in range(n)])


@pytest.mark.parametrize("kind", ["meetings", "members"])
def test_the_day_is_read_once_per_import_not_per_row(tree, users, monkeypatch, kind):
    resource = MeetingResource if kind == "meetings" else MemberResource
    counts = []
    for n in (2, 8):
        data = _meetings(tree, n) if kind == "meetings" else _members(n)
        calls = _counting(monkeypatch, timezone, "localdate")
        result = import_rows(resource, data, by=users.sec_a, dry_run=True)
        assert result.lines() == [] and result.counts["new"] == n
        counts.append(len(calls))
        monkeypatch.undo()
    assert counts[0] == counts[1]


def test_a_date_after_the_import_s_day_is_refused_and_the_day_is_not_kept_after(
    tree, users, monkeypatch
):
    """The day the import started is its "today": a meeting held the day after is refused with
    the per-row rule's message; outside an import, ``today`` reads the clock again."""
    today = timezone.localdate()
    a0 = tree.a_members[0].name
    tomorrow = today + datetime.timedelta(days=1)
    rows = [meeting_row(1, present=a0), meeting_row(2, present=a0)]
    rows[0][2], rows[1][2] = today, tomorrow
    result = import_rows(MeetingResource, xlsx(MEETING_HEADERS, rows), by=users.sec_a, dry_run=True)
    assert result.lines() == ["第 3 行：日期：日期不能晚于今天。"]
    assert bulkimport._TODAY.get() is None
    later = today + datetime.timedelta(days=3)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: later)
    assert bulkimport.today() == later


def test_the_day_is_released_when_the_file_is_refused(tree, users):
    with pytest.raises(bulkimport.ImportRefused, match="文件"):
        import_rows(MeetingResource, xlsx(MEETING_HEADERS, []), by=users.sec_a, dry_run=True)
    assert bulkimport._TODAY.get() is None


def test_the_minuted_columns_are_read_once_per_batch_not_per_row(tree, users, monkeypatch):
    counts = []
    for n in (2, 8):
        calls = _counting(monkeypatch, branches.resources, "get_language")
        result = import_rows(MeetingResource, _meetings(tree, n), by=users.sec_a, dry_run=True)
        assert result.lines() == [] and result.counts["new"] == n
        counts.append(len(calls))
        monkeypatch.undo()
    assert counts[0] == counts[1]


@pytest.mark.parametrize("kind", ["meetings", "members"])
def test_the_language_is_not_read_per_row(tree, users, monkeypatch, kind):
    """The columns a row is read by (the minuted cells, a member's ID number and phone) are
    taken once per import or batch, in its language."""
    resource = MeetingResource if kind == "meetings" else MemberResource
    counts = []
    for n in (2, 8):
        data = _meetings(tree, n) if kind == "meetings" else _members(n)
        calls = _counting(monkeypatch, translation, "get_language")
        result = import_rows(resource, data, by=users.sec_a, dry_run=True)
        assert result.lines() == [] and result.counts["new"] == n
        counts.append(len(calls))
        monkeypatch.undo()
    assert counts[0] == counts[1]


# --- the client's work while the database takes a COPY ----------------------------------------


def _new_members(tree, n: int) -> list:
    from branches.models import Member

    rows = [member_row(i) for i in range(n)]
    return [
        Member(
            name=r[0], gender="M", birth_date=r[2], id_number=r[3], joined_on=r[7], branch=tree.a1
        )
        for r in rows
    ]


@pytest.mark.parametrize("use_copy", [True, False])
def test_meanwhile_runs_once_with_every_pk_known(tree, monkeypatch, use_copy):
    from branches.models import Attendance, Member

    monkeypatch.setattr(bulkimport, "COPY", use_copy)
    members = _new_members(tree, 3)
    seen = []
    bulkimport.insert(Member, members, meanwhile=lambda: seen.append([m.pk for m in members]))
    assert len(seen) == 1 and all(seen[0]) and seen[0] == [m.pk for m in members]
    calls = []
    bulkimport.insert_values(
        Attendance, [], columns=("meeting_id",), meanwhile=lambda: calls.append(1)
    )
    bulkimport.insert(Member, [], meanwhile=lambda: calls.append(2))
    assert calls == [1, 2]


@pytest.mark.postgres
def test_meanwhile_runs_while_the_copy_is_open(tree):
    """With COPY, ``meanwhile`` runs before the COPY is finished: the server is still taking
    the rows (the connection is busy with the command), and the rows are there after."""
    from django.db import connection
    from psycopg.pq import TransactionStatus

    from branches.models import Member

    members = _new_members(tree, 3)
    connection.ensure_connection()
    status = []
    bulkimport.insert(
        Member,
        members,
        meanwhile=lambda: status.append(connection.connection.info.transaction_status),
    )
    assert status == [TransactionStatus.ACTIVE]
    assert Member.objects.filter(pk__in=[m.pk for m in members]).count() == 3


@pytest.mark.postgres
def test_the_audit_entries_of_a_meeting_import_are_those_of_the_rows(tree, users):
    """The new meetings' entries are computed while the attendance lines are copied: one per
    meeting, in the file's order, with its record's values."""
    from auditlog.models import LogEntry

    from branches.models import Meeting

    LogEntry.objects.all().delete()
    result = import_rows(MeetingResource, _meetings(tree, 5), by=users.sec_a, dry_run=False)
    assert result.lines() == [] and result.audit_entries == 5
    entries = list(LogEntry.objects.filter(content_type__model="meeting").order_by("pk"))
    meetings = list(Meeting.objects.filter(pk__in=[e.object_id for e in entries]).order_by("pk"))
    assert [e.object_id for e in entries] == [m.pk for m in meetings]
    assert [e.changes["topic"][1] for e in entries] == [m.topic for m in meetings]
    assert all(
        e.changes["expected_count"][1] == str(m.expected_count)
        for e, m in zip(entries, meetings, strict=True)
    )


def test_the_heap_before_the_import_is_left_out_of_the_collector_while_it_runs(tree, users):
    """``gc.freeze`` while the batches run (full collections went through every object of the
    process again and again), and everything given back to the collector after."""
    import gc

    before = gc.get_freeze_count()
    frozen = []
    result = import_rows(
        MeetingResource,
        _meetings(tree, 3),
        by=users.sec_a,
        dry_run=True,
        progress=lambda done, total: frozen.append(gc.get_freeze_count()),
    )
    assert result.lines() == [] and frozen and all(count > before for count in frozen)
    assert gc.get_freeze_count() == before == 0
    with pytest.raises(bulkimport.ImportRefused, match="文件"):
        import_rows(MeetingResource, xlsx(MEETING_HEADERS, []), by=users.sec_a, dry_run=True)
    assert gc.get_freeze_count() == 0
