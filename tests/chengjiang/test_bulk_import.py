"""The bulk import path (issue 12, goal 4): the same rules and messages as the one-row import,
batch lookups, all or nothing, a bounded preview, audit entries written in bulk."""

from __future__ import annotations

import csv
import datetime
import io
from types import SimpleNamespace

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

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language

MEMBER_HEADERS = ["姓名", "性别", "出生日期", "身份证号码", "手机号码", "学历", "党员类别"]
MEMBER_HEADERS += ["入党日期", "党支部", "党小组"]
MEETING_HEADERS = ["所属党组织", "类型", "日期", "地点", "主持人", "主题", "会议记录"]
MEETING_HEADERS += ["出席人员", "请假人员（姓名：事由）", "状态"]


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


# --- meetings as minuted: every column of MeetingResource through both paths -----------------

DAY = datetime.date(2024, 3, 1)


def _label(choice) -> str:
    return str(choice.label)


def minuted_sheet(rows: list[dict]) -> bytes:
    """An xlsx with every column MeetingResource reads, in its order; rows by column name."""
    from branches.resources import MeetingResource as R

    headers = [str(f.column_name) for f in R().get_import_fields() if str(f.column_name) != "编号"]
    if any("编号" in r for r in rows):
        headers.insert(0, "编号")
    return xlsx(headers, [[r.get(h) for h in headers] for r in rows])


@pytest.fixture
def minuted(tree):
    """A 领导班子 of 花园村党委 (two of its members, from 2021), one of the 党工委, a 书记 and
    a 副书记 of 花园村第一党支部, and a member who joined after DAY (not expected that day)."""
    from branches import services
    from branches.models import LeadershipTeam, MeetingKind, Post
    from branches.services import TeamPost
    from chengjiang.access import SYSTEM
    from tests.factories import MemberFactory

    started = datetime.date(2021, 10, 1)
    m = tree.a_members
    team = services.leadership_team_save(
        team=LeadershipTeam(organization=tree.a, name="花园村党委领导班子", started_on=started),
        posts=[TeamPost(member=m[0], post="secretary"), TeamPost(member=m[1])],
        by=SYSTEM,
    )
    old_team = services.leadership_team_save(
        team=LeadershipTeam(
            organization=tree.a,
            name="上届领导班子",
            started_on=datetime.date(2016, 10, 1),
            ended_on=datetime.date(2021, 9, 30),
        ),
        posts=[TeamPost(member=m[2], post="secretary")],
        by=SYSTEM,
    )
    root_team = services.leadership_team_save(
        team=LeadershipTeam(organization=tree.root, name="党工委领导班子", started_on=started),
        posts=[],
        by=SYSTEM,
    )
    services.secretary_appoint(organization=tree.a1, member=m[0], date=started, by=SYSTEM)
    services.post_appoint(
        organization=tree.a1, member=m[3], post=Post.DEPUTY_SECRETARY, date=started, by=SYSTEM
    )
    late = MemberFactory(branch=tree.a1, name="新党员", joined_on=DAY + datetime.timedelta(days=9))
    kinds = {k: _label(k) for k in MeetingKind}
    return SimpleNamespace(team=team, old_team=old_team, root_team=root_team, late=late, k=kinds)


def good_minuted_rows(tree, minuted) -> list[dict]:
    from branches.models import DemocraticAppraisal, MeetingKind

    k = minuted.k
    m = [x.name for x in tree.a_members]
    excellent = _label(DemocraticAppraisal.Rating.EXCELLENT)
    qualified = _label(DemocraticAppraisal.Rating.QUALIFIED)
    base = {"所属党组织": "花园村第一党支部", "日期": DAY, "地点": "村部", "状态": "草稿"}
    return [
        {  # 支委会: the committee (书记, 副书记) is expected; 列席 and 记录人
            **base,
            "类型": k[MeetingKind.BRANCH_COMMITTEE],
            "主题": "支委会",
            "主持人": m[0],
            "记录人": m[3],
            "出席人员": m[0],
            "请假人员（姓名：事由）": f"{m[3]}：外出",
            "列席人员": "镇联络员王某",
        },
        {  # 组织生活会 with 民主评议; a member absent without leave; one who joined later
            **base,
            "类型": k[MeetingKind.ORG_LIFE],
            "主题": "组织生活会",
            "出席人员": f"{m[0]}、{m[1]}、{minuted.late.name}",
            "请假人员（姓名：事由）": f"{m[2]}：生病",
            "缺席人员": m[4],
            "民主评议（姓名：等次）": f"{m[0]}：{excellent}；{m[1]}：{qualified}",
        },
        {  # 民主生活会 of the 党委, held by its team serving that day: the team is expected
            **base,
            "所属党组织": "花园村党委",
            "类型": k[MeetingKind.DEMOCRATIC_LIFE],
            "主题": "民主生活会",
            "领导班子": minuted.team.name,
            "主持人": m[0],
            "出席人员": m[0],
            "缺席人员": f"{m[1]}：未说明",
        },
        {  # 党小组会: the group's members
            **base,
            "所属党组织": "花园村第一党小组",
            "类型": k[MeetingKind.GROUP_MEETING],
            "主题": "小组会",
            "出席人员": m[1],
        },
        {  # 主题党日 of the 党委: the members of its subtree, none listed
            **base,
            "所属党组织": "花园村党委",
            "类型": k[MeetingKind.THEME_DAY],
            "主题": "主题党日",
        },
    ]


def stored_minutes(topics) -> list[dict]:
    """What the portal shows of each meeting (its export without the 编号 key)."""
    from tests.roundtrip import sheet_rows

    with translation.override("zh-hans"):
        data = export_xlsx(
            MeetingResource, None, Meeting.objects.filter(topic__in=topics).order_by("topic")
        )
    return [{k: v for k, v in r.items() if k != "编号"} for r in sheet_rows(data)]


def _export_all(users, topics):
    from tests.roundtrip import sheet_rows

    data = export_xlsx(
        MeetingResource, users.office, Meeting.objects.filter(topic__in=topics).order_by("topic")
    )
    rows = [{k: v for k, v in r.items() if k != "编号"} for r in sheet_rows(data)]
    recorded = list(
        Meeting.objects.filter(topic__in=topics)
        .order_by("topic")
        .values_list("topic", "recorded_by", "status", "expected_count")
    )
    return rows, recorded


def test_bulk_and_one_row_import_write_the_same_minuted_meetings(tree, users, minuted):
    """The same file of every column (记录人, 领导班子, 出席/请假/缺席, 列席, 民主评议) through
    both paths: the same meetings, down to 应到 and 实到 as the export shows them."""
    from django.db import transaction

    from tests.roundtrip import import_xlsx

    rows = good_minuted_rows(tree, minuted)
    data = minuted_sheet(rows)
    topics = [r["主题"] for r in rows]
    with transaction.atomic():
        one = import_xlsx(MeetingResource, users.sec_a, data, dry_run=False)
        assert reasons(one) == []
        expected = _export_all(users, topics)
        transaction.set_rollback(True)
    assert not Meeting.objects.filter(topic__in=topics).exists()
    result = import_rows(MeetingResource, data, by=users.sec_a, dry_run=False, name="m.xlsx")
    assert result.lines() == [] and result.counts["new"] == len(rows)
    got = _export_all(users, topics)
    assert got == expected
    counts = {topic: count for topic, _by, _s, count in got[1]}
    # the figures themselves: 书记 and 副书记; the branch's members by the day and 新党员, who
    # joined later but attended; the team's two; the group's members; the 党委's subtree
    members, grouped = tree.a_members, [m for m in tree.a_members if m.group_id]
    assert counts == {
        "支委会": len({members[0].pk, members[3].pk}),
        "组织生活会": len(members) + 1,
        "民主生活会": len(minuted.team.members_on(DAY)),
        "小组会": len(grouped),
        "主题党日": len(members),
    }


def test_bulk_and_one_row_import_update_minuted_meetings_alike(tree, users, minuted):
    """Export → change the attendance, the team, the ratings and the 记录人 → import: both
    paths change the same, and a row left as it was is 无变化 in both."""
    from django.db import transaction

    from tests.roundtrip import edit, import_xlsx, kinds

    rows = good_minuted_rows(tree, minuted)
    topics = [r["主题"] for r in rows]
    import_rows(MeetingResource, minuted_sheet(rows), by=users.office, dry_run=False, name="m.xlsx")
    m = [x.name for x in tree.a_members]
    data = export_xlsx(
        MeetingResource, users.office, Meeting.objects.filter(topic__in=topics).order_by("topic")
    )
    from tests.roundtrip import sheet_rows

    order = [r["主题"] for r in sheet_rows(data)]
    changed = edit(
        data,
        {
            (order.index("支委会"), "记录人"): m[0],
            (order.index("支委会"), "请假人员（姓名：事由）"): "",
            (order.index("支委会"), "缺席人员"): m[3],
            (order.index("组织生活会"), "民主评议（姓名：等次）"): "",
            (order.index("民主生活会"), "出席人员"): f"{m[0]}、{m[1]}",
            (order.index("民主生活会"), "缺席人员"): "",
        },
    )
    with transaction.atomic():
        one = import_xlsx(MeetingResource, users.office, changed, dry_run=False)
        assert reasons(one) == []
        one_kinds = kinds(one)
        expected = _export_all(users, topics)
        transaction.set_rollback(True)
    result = import_rows(MeetingResource, changed, by=users.office, dry_run=False)
    assert result.lines() == []
    assert [
        {"new": "新增", "update": "修改", "skip": "无变化"}[p.action] for p in result.preview
    ] == (one_kinds)
    assert _export_all(users, topics) == expected
    assert one_kinds.count("无变化") == 2


def bad_minuted_rows(tree, minuted) -> list[dict]:
    from branches.models import DemocraticAppraisal, MeetingKind

    k = minuted.k
    m = [x.name for x in tree.a_members]
    good = good_minuted_rows(tree, minuted)
    committee, org_life, democratic = good[0], good[1], good[2]
    return [
        {**committee, "主题": "坏1", "领导班子": minuted.team.name},  # only 民主生活会
        {**democratic, "主题": "坏2", "领导班子": ""},  # 民主生活会 without its team
        {**democratic, "主题": "坏3", "领导班子": minuted.old_team.name},  # not serving
        {**democratic, "主题": "坏4", "领导班子": "没有这个班子"},  # not found
        {**democratic, "主题": "坏5", "领导班子": minuted.root_team.name},  # another's team
        {**democratic, "主题": "坏6", "出席人员": m[2], "缺席人员": ""},  # not on the team
        {**committee, "主题": "坏7", "民主评议（姓名：等次）": f"{m[0]}：优秀"},  # not 组织生活会
        {**org_life, "主题": "坏8", "民主评议（姓名：等次）": f"{m[0]}：很好"},  # bad rating
        {**org_life, "主题": "坏9", "民主评议（姓名：等次）": f"{tree.b_members[0].name}：优秀"},
        {**committee, "主题": "坏10", "记录人": tree.b_members[0].name},  # not a member
        {**committee, "主题": "坏11", "请假人员（姓名：事由）": m[3]},  # leave without reason
        {**org_life, "主题": "坏12", "缺席人员": m[0]},  # listed twice
        {**committee, "主题": "坏13", "列席人员": "列" * 501},  # too long
        {**committee, "主题": "坏14", "日期": datetime.date(2999, 1, 1), "出席人员": "谁"},
        {**committee, "主题": "坏15", "所属党组织": "没有", "日期": "不是日期"},
        {**committee, "主题": "=1+1", "所属党组织": "没有"},  # a formula: that cell alone
        {**committee, "主题": "坏17", "类型": "茶话会", "领导班子": "没有这个班子"},
        {**committee, "主题": "", "类型": k[MeetingKind.DEMOCRATIC_LIFE]},  # required
        {**org_life, "主题": "坏19", "民主评议（姓名：等次）": f"{m[0]}：优秀；{m[0]}：合格"},
        {**committee, "主题": "坏20", "主持人": tree.b_members[1].name, "日期": None},
        {**committee, "主题": "坏21", "请假人员（姓名：事由）": f"{m[3]}：外出；{m[4]}"},
        {
            **org_life,
            "主题": "坏22",
            "民主评议（姓名：等次）": f"{m[0]}：{_label(DemocraticAppraisal.Rating.UNQUALIFIED)}",
            "出席人员": "张三：李四",
        },
    ]


def test_minuted_bad_rows_read_as_in_the_one_row_import(tree, users, minuted):
    rows = bad_minuted_rows(tree, minuted)
    old, new = both(MeetingResource, users.sec_a, minuted_sheet(rows))
    assert new == old and len(new) == len(rows)
    # each line names its column, as the one-row import does
    assert new[0].startswith("第 2 行：领导班子：") and "第 5 行：领导班子：" in new[3]
    # the 党工委's team is out of the secretary's sight: not found; the office sees it is not
    # the 党委's own
    old, new = both(MeetingResource, users.office, minuted_sheet(rows[4:5]))
    assert new == old and "花园村党委" in new[0]


def test_bulk_expected_count_is_the_selector_s(tree, users, minuted):
    """应到 of every kind, counted a batch at a time, is what ``expected_attendees`` counts
    on the day, with anyone listed who was not expected."""
    from branches.selectors import expected_attendees

    rows = good_minuted_rows(tree, minuted)
    import_rows(MeetingResource, minuted_sheet(rows), by=users.office, dry_run=False)
    for meeting in Meeting.objects.filter(topic__in=[r["主题"] for r in rows]):
        team = meeting.leadership_team
        expected = set(
            expected_attendees(meeting.kind, meeting.organization, meeting.held_on, team=team)
            .order_by()
            .values_list("pk", flat=True)
        )
        expected |= set(meeting.attendances.values_list("member_id", flat=True))
        assert meeting.expected_count == len(expected), meeting.topic


def test_minuted_meetings_cost_no_query_per_row(tree, users, minuted):
    def count(n):
        rows = [
            {**r, "主题": f"{r['主题']}{n}-{i}"}
            for i in range(n)
            for r in good_minuted_rows(tree, minuted)
        ]
        data = minuted_sheet(rows)
        with CaptureQueriesContext(connection) as ctx:
            result = import_rows(MeetingResource, data, by=users.sec_a, dry_run=False)
        assert result.lines() == []
        return len(ctx.captured_queries)

    assert count(1) == count(8)


def test_an_edit_of_an_approved_meeting_keeps_its_review_state(tree, users, minuted):
    """As ``meeting_save``: an import changes no review state; a secretary cannot edit an
    approved meeting at all (the one-row import's message)."""
    rows = good_minuted_rows(tree, minuted)[:1]
    import_rows(MeetingResource, minuted_sheet(rows), by=users.office, dry_run=False)
    Meeting.objects.filter(topic="支委会").update(status=Status.APPROVED)
    data = export_xlsx(MeetingResource, users.office, Meeting.objects.filter(topic="支委会"))
    from tests.roundtrip import edit

    changed = edit(data, {(0, "地点"): "会议室", (0, "状态"): "草稿"})
    old, new = both(MeetingResource, users.sec_a, changed)
    assert new == old and len(new) == 1
    result = import_rows(MeetingResource, changed, by=users.office, dry_run=False)
    assert result.lines() == [] and result.counts["update"] == 1
    meeting = Meeting.objects.get(topic="支委会")
    assert meeting.place == "会议室" and meeting.status == Status.APPROVED


def test_a_file_without_ratings_cannot_move_a_rated_meeting_off_organisational_life(
    tree, users, minuted
):
    """Without the 民主评议 column the stored ratings stay, so the meeting stays a 组织生活会:
    both paths refuse the new kind with the service's message (the bulk path reads the stored
    ratings with the batch, not per row)."""
    from branches.models import MeetingKind
    from branches.services import MSG_APPRAISAL_ONLY_ORG_LIFE

    rows = [r for r in good_minuted_rows(tree, minuted) if r["主题"] == "组织生活会"]
    import_rows(MeetingResource, minuted_sheet(rows), by=users.office, dry_run=False)
    data = export_xlsx(MeetingResource, users.office, Meeting.objects.filter(topic="组织生活会"))
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    sheet.delete_cols(headers.index("民主评议（姓名：等次）") + 1)
    sheet.cell(row=2, column=headers.index("类型") + 1, value=minuted.k[MeetingKind.THEME_DAY])
    out = io.BytesIO()
    book.save(out)
    old, new = both(MeetingResource, users.office, out.getvalue())
    assert new == old and len(new) == 1 and str(MSG_APPRAISAL_ONLY_ORG_LIFE) in new[0]


def test_the_preview_shows_the_rows_that_change_before_the_unchanged(tree, users, monkeypatch):
    """A round trip of a large register changes a few rows deep in the file: the preview's
    rows are the new and changed ones first (filled with unchanged rows only when there are
    fewer), in the file's order, so the office sees what the confirm will write."""
    from tests.factories import MemberFactory

    monkeypatch.setattr(bulkimport, "PREVIEW_ROWS", 3)
    for _ in range(6):
        MemberFactory(branch=tree.a1)
    data = export_xlsx(MemberResource, users.office, Member.objects.order_by("pk"))
    last = Member.objects.count() - 1
    changed = edit(data, {(last, "姓名"): "改名"})
    result = import_rows(MemberResource, changed, by=users.office, dry_run=True)
    assert result.counts["update"] == 1
    actions = [p.action for p in result.preview]
    assert actions[-1] == "update" and actions.count("skip") == 2, actions
    numbers = [p.number for p in result.preview]
    assert numbers == sorted(numbers) and numbers[-1] == last + 2  # row 1 is the header
