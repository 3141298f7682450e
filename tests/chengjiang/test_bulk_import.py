"""The bulk import path (issue 12, goal 4): the same rules and messages as the one-row import,
batch lookups, all or nothing, a bounded preview, audit entries written in bulk."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from branches.models import Attendance, Meeting, Member, Status
from branches.resources import MSG_DUPLICATE_IN_DB, MSG_ID_TAKEN, MeetingResource, MemberResource
from chengjiang import bulkimport
from chengjiang.bulkimport import import_rows
from chengjiang.importexport import MSG_DUPLICATE_IN_FILE, ImportRefused
from tests.factories import MeetingFactory, valid_id_number
from tests.roundtrip import edit, export_xlsx, import_xlsx, reasons

MEMBER_HEADERS = ["姓名", "性别", "出生日期", "身份证号", "手机号码", "学历", "党员类别"]
MEMBER_HEADERS += ["入党日期", "党支部", "党小组"]
MEETING_HEADERS = ["所属党组织", "类型", "日期", "地点", "主持人", "主题", "会议记录"]
MEETING_HEADERS += ["出席人员", "缺席人员（姓名：原因）", "状态"]


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def member_row(n, *, branch="花园村第一党支部", group="", id_number=None, name=None):
    birth = datetime.date(1980, 1, 1) + datetime.timedelta(days=n)
    return [
        name or f"导入{n}",
        "男",
        birth,
        id_number or valid_id_number(birth),
        "13800001234",
        "",
        "正式党员",
        datetime.date(2010, 7, 1),
        branch,
        group,
    ]


def meeting_row(n, *, org="花园村第一党支部", present="", absent="", kind="支部委员会"):
    return [
        org,
        kind,
        datetime.date(2024, 3, 1),
        "村部",
        "",
        f"学习{n}",
        "",
        present,
        absent,
        "草稿",
    ]


def xlsx(headers, rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(headers, rows, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode(encoding)


def both(resource, user, data: bytes):
    """The bad-row lines of the one-row import and of the bulk path, for the same file."""
    old = reasons(import_xlsx(resource, user, data, dry_run=True))
    new = import_rows(resource, data, by=user, dry_run=True, name="x.xlsx").lines()
    return old, new


def test_members_file_is_written_in_bulk(tree, users, django_assert_max_num_queries):
    rows = [member_row(n, group="花园村第一党小组" if n % 2 else "") for n in range(30)]
    before = Member.objects.count()
    with django_assert_max_num_queries(25):  # a fixed number, whatever the number of rows
        result = import_rows(
            MemberResource, xlsx(MEMBER_HEADERS, rows), by=users.office, dry_run=False
        )
    assert result.lines() == [] and result.written
    assert result.counts["new"] == 30 and Member.objects.count() == before + 30
    member = Member.objects.get(name="导入1")
    assert member.group == tree.a1g and member.gender == "M" and member.category == "formal"


def test_queries_do_not_grow_with_the_rows(tree, users):
    def count(n):
        data = xlsx(MEMBER_HEADERS, [member_row(i) for i in range(n)])
        with CaptureQueriesContext(connection) as ctx:
            import_rows(MemberResource, data, by=users.office, dry_run=True)
        return len(ctx.captured_queries)

    assert count(5) == count(40)


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "csv-gbk"])
def test_bad_rows_read_as_in_the_one_row_import(tree, users, fmt):
    bad_id = valid_id_number(datetime.date(1985, 6, 1))
    bad_id = bad_id[:17] + ("0" if bad_id[17] != "0" else "1")
    first = member_row(1)
    rows = [
        first,
        member_row(2, id_number=bad_id),
        first,  # repeats row 2
        member_row(4, branch="不存在的支部"),
        member_row(5, group="不存在的小组"),
        member_row(6, id_number=tree.a_members[0].id_number),
        member_row(7, branch="青桥村第一党支部"),  # out of sec_a's scope: not found
        member_row(8, name="@张三"),
    ]
    data = xlsx(MEMBER_HEADERS, rows)
    old, _new = both(MemberResource, users.sec_a, data)
    if fmt == "xlsx":
        file, name = data, "m.xlsx"
    else:
        file = csv_bytes(MEMBER_HEADERS, rows, "gb18030" if fmt == "csv-gbk" else "utf-8-sig")
        name = "m.csv"
    before = Member.objects.count()
    result = import_rows(MemberResource, file, by=users.sec_a, dry_run=False, name=name)
    assert result.lines() == old and len(old) == 7
    assert not result.written and Member.objects.count() == before  # all or nothing
    assert str(MSG_DUPLICATE_IN_FILE % {"number": 2}) in result.lines()[1]
    assert str(MSG_ID_TAKEN) in result.lines()[4]


def test_the_preview_is_bounded_and_counts_every_row(tree, users):
    rows = [member_row(n) for n in range(bulkimport.PREVIEW_ROWS + 15)]
    result = import_rows(MemberResource, xlsx(MEMBER_HEADERS, rows), by=users.office, dry_run=True)
    assert result.counts["new"] == len(rows) and len(result.preview) == bulkimport.PREVIEW_ROWS
    assert Member.objects.filter(name="导入0").count() == 0  # a preview writes nothing


def test_round_trip_keys_update_skip_and_mask(tree, users):
    """Export → change one name → import: 修改 one, 无变化 the rest; masked ID cells keep."""
    data = export_xlsx(MemberResource, users.office, Member.objects.order_by("pk"))
    changed = edit(data, {(0, "姓名"): "改名"})
    result = import_rows(MemberResource, changed, by=users.office, dry_run=False)
    assert result.lines() == []
    assert result.counts == {
        "new": 0,
        "update": 1,
        "skip": Member.objects.count() - 1,
        "invalid": 0,
    }
    first = Member.objects.order_by("pk").first()
    assert first.name == "改名" and len(first.id_number) == 18 and "*" not in first.id_number
    unknown = edit(data, {(0, "编号"): 99999999})
    old, new = both(MemberResource, users.office, unknown)
    assert new == old and len(new) == 1


def test_an_import_writes_audit_entries_in_bulk_and_no_signal_fires(tree, users, monkeypatch):
    from auditlog import receivers

    fired = []
    original = receivers._create_log_entry
    monkeypatch.setattr(
        receivers, "_create_log_entry", lambda **kw: fired.append(kw) or original(**kw)
    )
    LogEntry.objects.all().delete()
    rows = [member_row(n) for n in range(12)]
    result = import_rows(MemberResource, xlsx(MEMBER_HEADERS, rows), by=users.office, dry_run=False)
    entries = LogEntry.objects.filter(action=LogEntry.Action.CREATE)
    assert result.audit_entries == 12 and entries.count() == 12 and fired == []
    entry = entries.get(object_repr="导入3")
    assert entry.actor == users.office
    assert "*" in entry.changes["id_number"][1]  # masked as auditlog's own entries


def test_meetings_with_attendance(tree, users):
    a0, a1, a2 = (m.name for m in tree.a_members[:3])
    rows = [
        meeting_row(1, present=f"{a0}、{a1}", absent=f"{a2}：生病"),
        meeting_row(2, present=a0),
    ]
    result = import_rows(
        MeetingResource, xlsx(MEETING_HEADERS, rows), by=users.sec_a, dry_run=False
    )
    assert result.lines() == [] and result.counts["new"] == 2
    meeting = Meeting.objects.get(topic="学习1")
    assert meeting.status == Status.DRAFT and meeting.recorded_by == users.sec_a
    lines = {(a.member.name, a.present, a.absence_reason) for a in meeting.attendances.all()}
    assert lines == {(a0, True, ""), (a1, True, ""), (a2, False, "生病")}
    assert Attendance.objects.filter(meeting__topic="学习2").count() == 1


def test_meeting_bad_rows_read_as_in_the_one_row_import(tree, users):
    MeetingFactory(
        organization=tree.a1,
        kind="branch_committee",
        topic="学习9",
        held_on=datetime.date(2024, 3, 1),
    )
    b0 = tree.b_members[0].name
    rows = [
        meeting_row(1, present="不认识的人"),
        meeting_row(2, absent=f"{tree.a_members[0].name}"),  # no reason
        meeting_row(3, present=b0),  # not a member of this branch
        meeting_row(4, kind="民主生活会"),  # not held by a branch
        meeting_row(5, org="青桥村第一党支部"),  # out of scope
        meeting_row(9),  # stored already
        meeting_row(1, present="不认识的人"),  # repeats row 2
        [*meeting_row(8)[:2], datetime.date(2999, 1, 1), *meeting_row(8)[3:]],  # future
    ]
    old, new = both(MeetingResource, users.sec_a, xlsx(MEETING_HEADERS, rows))
    assert new == old and len(new) == len(rows)
    assert str(MSG_DUPLICATE_IN_DB) in new[5]


def test_a_confirmed_file_with_one_bad_row_writes_nothing(tree, users):
    rows = [meeting_row(n) for n in range(5)] + [meeting_row(6, org="没有这个组织")]
    before = Meeting.objects.count()
    result = import_rows(
        MeetingResource, xlsx(MEETING_HEADERS, rows), by=users.office, dry_run=False
    )
    assert len(result.lines()) == 1 and result.lines()[0].startswith("第 7 行：所属党组织：")
    assert (
        Meeting.objects.count() == before
        and LogEntry.objects.filter(content_type__model="meeting").count() == 0
    )


def test_progress_is_reported_and_batches_are_used(tree, users, monkeypatch):
    monkeypatch.setattr(bulkimport.BulkImport, "batch_size", 4)
    seen = []
    rows = [member_row(n) for n in range(10)]
    result = import_rows(
        MemberResource,
        csv_bytes(MEMBER_HEADERS, rows),
        by=users.office,
        dry_run=False,
        name="m.csv",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert result.counts["new"] == 10
    assert seen == [(4, 10), (8, 10), (10, 10)]  # the total is known before the rows are read
    seen.clear()
    import_rows(
        MemberResource,
        xlsx(MEMBER_HEADERS, [member_row(n) for n in range(10)]),
        by=users.office,
        dry_run=True,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(4, 10), (8, 10), (10, 10)]


def test_a_file_without_known_columns_or_rows_is_refused(tree, users):
    with pytest.raises(ImportRefused, match="表头"):
        import_rows(MemberResource, xlsx(["甲", "乙"], [[1, 2]]), by=users.office, dry_run=True)
    with pytest.raises(ImportRefused, match="没有"):
        import_rows(MemberResource, xlsx(MEMBER_HEADERS, []), by=users.office, dry_run=True)


def test_create_diff_is_auditlogs_own(tree):
    from auditlog.diff import model_instance_diff

    for record in (tree.a_members[0], MeetingFactory(organization=tree.a1)):
        assert bulkimport.CreateDiff(type(record))(record) == model_instance_diff(None, record)


@pytest.mark.postgres
def test_copy_insert_gives_every_object_its_pk(tree):
    rows = [member_row(n) for n in range(3)]
    members = [
        Member(
            name=r[0],
            gender="M",
            birth_date=r[2],
            id_number=r[3],
            joined_on=r[7],
            branch=tree.a1,
        )
        for r in rows
    ]
    bulkimport.insert(Member, members)
    assert all(m.pk for m in members)
    assert set(
        Member.objects.filter(pk__in=[m.pk for m in members]).values_list("name", flat=True)
    ) == {r[0] for r in rows}


def test_the_xlsx_reader_reads_what_safexlsx_reads(tree):
    """Values, dates by number format, numbers, formulas (FormulaCell), blanks and blank rows."""
    from chengjiang.importexport import FormulaCell, SafeXLSX

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["文本", "日期", "数字", "公式", "空"])
    sheet.append(["张三", datetime.date(2024, 3, 18), 13800001234, "=1+1", None])
    sheet.append([None, None, None, None, None])
    sheet.append(["李四", datetime.datetime(2024, 3, 18, 9, 30), 2.5, "=A2", ""])
    sheet.append(["王五", "2024/3/18", 0, "@x", None])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    expected = SafeXLSX().create_dataset(data)
    got = bulkimport.read_rows(data, name="x.xlsx")
    rows = list(got.rows)
    assert got.headers == list(expected.headers)
    assert [n for n, _v in rows] == [2, 4, 5]  # the spreadsheet's row numbers, blank row skipped
    assert [list(v) for _n, v in rows] == [list(r) for r in expected]
    assert (
        [type(v[3]) is FormulaCell for _n, v in rows]
        == [type(r[3]) is FormulaCell for r in expected]
        == [True, True, False]
    )


def test_meeting_round_trip_changes_topic_group_of_attendance_and_skips_the_rest(tree, users):
    meetings = [MeetingFactory(organization=tree.a1, topic=f"学习{n}") for n in range(3)]
    data = export_xlsx(MeetingResource, users.office, Meeting.objects.order_by("pk"))
    present = f"{tree.a_members[0].name}、{tree.a_members[1].name}"
    changed = edit(data, {(0, "主题"): "改过的主题", (1, "出席人员"): present})
    preview = import_rows(MeetingResource, changed, by=users.office, dry_run=True)
    assert preview.lines() == [] and [p.action for p in preview.preview] == [
        "update",
        "update",
        "skip",
    ]
    assert preview.preview[0].changed[preview.preview[0].cells.index("改过的主题")]
    result = import_rows(MeetingResource, changed, by=users.office, dry_run=False)
    assert result.counts == {"new": 0, "update": 2, "skip": 1, "invalid": 0}
    meetings[0].refresh_from_db()
    assert meetings[0].topic == "改过的主题" and Meeting.objects.count() == 3
    assert {a.member for a in meetings[1].attendances.all()} == set(tree.a_members[:2])
    assert not LogEntry.objects.filter(object_id=meetings[2].pk, action=LogEntry.Action.UPDATE)


def test_a_member_update_moves_the_group(tree, users):
    member = tree.a_members[4]  # in no group
    data = export_xlsx(MemberResource, users.office, Member.objects.filter(pk=member.pk))
    result = import_rows(
        MemberResource, edit(data, {(0, "党小组"): tree.a1g.name}), by=users.office, dry_run=False
    )
    assert result.lines() == [] and result.counts["update"] == 1
    member.refresh_from_db()
    assert member.group == tree.a1g


def test_an_uploaded_file_is_read_by_its_name(tree, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("名册.csv", csv_bytes(MEMBER_HEADERS, [member_row(1)], "gb18030"))
    result = import_rows(MemberResource, upload, by=users.office, dry_run=True)
    assert result.lines() == [] and result.counts["new"] == 1
