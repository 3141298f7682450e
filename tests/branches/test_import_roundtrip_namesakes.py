"""The system's own exports of meetings and talks import back unchanged (QA H1, H2):

* namesakes — two members of one branch with the same name — are written so the importer can
  tell them apart, without a full ID number (the masked one, as every list shows it; the
  member's 编号 where even the masks are alike), and a name no one else in the organisation
  bears stays a plain name;
* two talks of one day, talker and topic with different people talked to are two records, not
  repeats of each other.
"""

import datetime

import pytest
from django.utils import translation

from branches import services
from branches.models import Attendance, Meeting, MeetingKind, Member, Talk, TalkParticipant
from branches.resources import MSG_DUPLICATE_IN_DB, MeetingResource, TalkResource
from chengjiang.access import SYSTEM
from chengjiang.bulkimport import import_rows
from chengjiang.importexport import MSG_DUPLICATE_IN_FILE
from chengjiang.personal_data import id_check_digit, mask_id_number
from tests.factories import MemberFactory, TalkFactory
from tests.roundtrip import edit, export_xlsx, import_xlsx, kinds, reasons, sheet_rows

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language

PRESENT = "出席人员"
LEAVE = "请假人员（姓名：事由）"


def _id(birth: datetime.date, sequence: str, region: str = "341802") -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence}"
    return first17 + id_check_digit(first17)


@pytest.fixture
def namesakes(tree):
    """Two members of 花园村第一党支部 named 陈桂兰 (as in the demo)."""
    births = (datetime.date(1968, 4, 2), datetime.date(1975, 9, 30))
    return [
        MemberFactory(
            branch=tree.a1, name="陈桂兰", birth_date=birth, id_number=_id(birth, f"{n + 5}21")
        )
        for n, birth in enumerate(births)
    ]


def _meeting(tree, topic, lines, *, kind=MeetingKind.BRANCH_ASSEMBLY):
    meeting = Meeting(
        organization=tree.a1, kind=kind, held_on=datetime.date(2024, 3, 10), topic=topic
    )
    return services.meeting_save(meeting=meeting, attendance=lines, by=SYSTEM)


def _lines(present=(), leave=()):
    Line = services.AttendanceLine
    return [Line(member=m) for m in present] + [
        Line(member=m, status=Attendance.Status.LEAVE, absence_reason="外出务工") for m in leave
    ]


def _cells(data: bytes) -> str:
    return "\n".join(str(v) for row in sheet_rows(data) for v in row.values() if v is not None)


def _both_paths_unchanged(resource, user, data, count):
    """The one-row import and the admin's bulk import (meetings) both read the file as unchanged."""
    one_row = import_xlsx(resource, user, data, dry_run=True)
    assert reasons(one_row) == []
    assert kinds(one_row) == ["无变化"] * count
    if getattr(resource, "bulk_importer", None) is not None:
        bulk = import_rows(resource, data, by=user, dry_run=True, name="x.xlsx")
        assert bulk.lines() == []
        assert bulk.counts["skip"] == count, bulk.counts


# --- H1: namesakes ----------------------------------------------------------------------------


def test_a_meeting_export_with_namesakes_imports_back_unchanged(tree, users, namesakes):
    first, second = namesakes
    other = tree.a_members[0]
    _meeting(tree, "学习一", _lines(present=[first, other], leave=[second]))
    _meeting(tree, "学习二", _lines(present=[second]))
    data = export_xlsx(MeetingResource, users.office, Meeting.objects.order_by("pk"))
    rows = sheet_rows(data)
    assert rows[0][PRESENT] == f"陈桂兰（{mask_id_number(first.id_number)}）、{other.name}"
    assert rows[0][LEAVE] == f"陈桂兰（{mask_id_number(second.id_number)}）：外出务工"
    assert rows[1][PRESENT] == f"陈桂兰（{mask_id_number(second.id_number)}）"
    _both_paths_unchanged(MeetingResource, users.office, data, 2)


@pytest.mark.parametrize("who", ["office", "sec_a"])
def test_the_export_never_writes_a_full_id_number(tree, users, namesakes, who):
    _meeting(tree, "学习一", _lines(present=namesakes))
    _meeting(tree, "学习二", _lines(present=[tree.a_members[1]]))
    kwargs = {"full_values": True, "reason": "核对"} if who == "office" else {}
    data = export_xlsx(MeetingResource, getattr(users, who), Meeting.objects.all(), **kwargs)
    text = _cells(data)
    assert "陈桂兰（" in text
    for member in Member.objects.all():
        assert member.id_number not in text
    _both_paths_unchanged(MeetingResource, getattr(users, who), data, 2)


def test_the_exported_form_picks_the_other_namesake_when_edited(tree, users, namesakes):
    first, second = namesakes
    meeting = _meeting(tree, "学习一", _lines(present=[first]))
    _meeting(tree, "学习二", _lines(present=[tree.a_members[0]]))
    data = export_xlsx(MeetingResource, users.office, Meeting.objects.order_by("pk"))
    data = edit(data, {(0, PRESENT): f"陈桂兰（{mask_id_number(second.id_number)}）"})
    result = import_xlsx(MeetingResource, users.office, data, dry_run=False)
    assert reasons(result) == [] and kinds(result) == ["修改", "无变化"]
    assert [a.member for a in meeting.attendances.all()] == [second]


def test_a_bare_namesake_is_still_refused_and_the_full_id_number_accepted(tree, users, namesakes):
    first, _second = namesakes
    meeting = _meeting(tree, "学习一", _lines(present=[tree.a_members[0]]))
    data = export_xlsx(MeetingResource, users.office, Meeting.objects.order_by("pk"))
    bare = edit(data, {(0, PRESENT): "陈桂兰"})
    [line] = reasons(import_xlsx(MeetingResource, users.office, bare, dry_run=True))
    assert "有多名党员叫“陈桂兰”" in line
    for text in (first.id_number, f"陈桂兰（{first.id_number}）"):
        typed = edit(data, {(0, PRESENT): text})
        bulk = import_rows(MeetingResource, typed, by=users.office, dry_run=True, name="x.xlsx")
        assert bulk.lines() == []
        result = import_xlsx(MeetingResource, users.office, typed, dry_run=False)
        assert reasons(result) == []
        assert [a.member for a in meeting.attendances.all()] == [first]


def test_a_masked_form_of_nobody_in_the_branch_is_not_found(tree, users, namesakes):
    _meeting(tree, "学习一", _lines(present=[tree.a_members[0]]))
    data = export_xlsx(MeetingResource, users.office, Meeting.objects.order_by("pk"))
    wrong = mask_id_number(_id(datetime.date(1990, 1, 1), "999"))
    data = edit(data, {(0, PRESENT): f"陈桂兰（{wrong}）"})
    [line] = reasons(import_xlsx(MeetingResource, users.office, data, dry_run=True))
    assert "不是" in line and wrong in line
    assert import_rows(MeetingResource, data, by=users.office, dry_run=True).lines() == [line]


def test_namesakes_whose_masks_are_alike_are_written_by_their_record_number(tree, users):
    """Same region, same last four digits, different birth dates: the masks are equal, so the
    export names each by its 编号 (a key, no personal value)."""
    by_check: dict[str, list[datetime.date]] = {}
    day = datetime.date(1970, 1, 1)
    while True:
        twins = by_check.setdefault(_id(day, "123")[-1], [])
        twins.append(day)
        if len(twins) == 2:
            break
        day += datetime.timedelta(days=1)
    twins = [
        MemberFactory(branch=tree.a1, name="陈桂兰", birth_date=birth, id_number=_id(birth, "123"))
        for birth in twins
    ]
    assert mask_id_number(twins[0].id_number) == mask_id_number(twins[1].id_number)
    _meeting(tree, "学习一", _lines(present=twins))
    _meeting(tree, "学习二", _lines(present=[tree.a_members[0]]))
    data = export_xlsx(MeetingResource, users.office, Meeting.objects.order_by("pk"))
    assert sheet_rows(data)[0][PRESENT] == "、".join(f"陈桂兰（编号{m.pk}）" for m in twins)
    _both_paths_unchanged(MeetingResource, users.office, data, 2)


def test_a_name_unique_in_the_meetings_organisation_stays_plain(tree, users, namesakes):
    """A namesake in another branch does not make a name ambiguous here."""
    elsewhere = MemberFactory(branch=tree.b1, name=tree.a_members[0].name)
    _meeting(tree, "学习一", _lines(present=[tree.a_members[0]]))
    _meeting(tree, "学习二", _lines(present=[tree.a_members[1]]))
    data = export_xlsx(MeetingResource, users.office, Meeting.objects.order_by("pk"))
    assert sheet_rows(data)[0][PRESENT] == tree.a_members[0].name
    assert elsewhere.id_number[-4:] not in _cells(data)
    _both_paths_unchanged(MeetingResource, users.office, data, 2)


def test_a_talk_export_with_namesakes_imports_back_unchanged(tree, users, namesakes):
    first, second = namesakes
    for n, (talker, person) in enumerate([(first, second), (second, first)]):
        talk = TalkFactory(organization=tree.a1, talker=talker, talker_name="", topic=f"谈心{n}")
        TalkParticipant.objects.create(talk=talk, member=person)
    data = export_xlsx(TalkResource, users.office, Talk.objects.order_by("pk"))
    rows = sheet_rows(data)
    assert rows[0]["谈话人"] == f"陈桂兰（{mask_id_number(first.id_number)}）"
    assert rows[0]["谈话对象"] == f"陈桂兰（{mask_id_number(second.id_number)}）"
    _both_paths_unchanged(TalkResource, users.office, data, 2)


# --- H2: talks of one day, talker and topic ---------------------------------------------------


def _talk(tree, people, *, talker, topic="谈心谈话"):
    talk = TalkFactory(
        organization=tree.a1,
        talker=talker,
        talker_name="",
        topic=topic,
        held_on=datetime.date(2024, 5, 6),
    )
    for person in people:
        TalkParticipant.objects.create(talk=talk, member=person)
    return talk


def test_talks_with_different_people_import_back_unchanged(tree, users):
    talker, *people = tree.a_members
    _talk(tree, [people[0], people[1]], talker=talker)
    _talk(tree, [people[2]], talker=talker)
    data = export_xlsx(TalkResource, users.office, Talk.objects.order_by("pk"))
    _both_paths_unchanged(TalkResource, users.office, data, 2)
    changed = edit(data, {(1, "谈话记录"): "补记"})
    result = import_xlsx(TalkResource, users.office, changed, dry_run=False)
    assert reasons(result) == [] and kinds(result) == ["无变化", "修改"]


def test_a_new_row_with_other_people_is_a_new_talk(tree, users):
    talker, *people = tree.a_members
    _talk(tree, [people[0]], talker=talker)
    _talk(tree, [people[1]], talker=talker)
    data = export_xlsx(TalkResource, users.office, Talk.objects.order_by("pk"))
    row = dict(sheet_rows(data)[0], **{"编号": None, "谈话对象": people[2].name})
    result = import_xlsx(TalkResource, users.office, edit(data, {}, append=[row]), dry_run=False)
    assert reasons(result) == [] and kinds(result) == ["无变化", "无变化", "新增"]
    assert Talk.objects.count() == 3


def test_the_same_talk_twice_is_still_a_repeat(tree, users):
    talker, *people = tree.a_members
    first = _talk(tree, [people[0], people[1]], talker=talker)
    _talk(tree, [people[2]], talker=talker)
    data = export_xlsx(TalkResource, users.office, Talk.objects.order_by("pk"))
    with translation.override("zh-hans"):
        in_db = str(MSG_DUPLICATE_IN_DB)
        in_file = str(MSG_DUPLICATE_IN_FILE % {"number": 2})
    same = dict(sheet_rows(data)[0], **{"编号": None})
    same["谈话对象"] = f"{people[1].name}、{people[0].name}"  # its people in another order
    # a new row of the first talk, in a file that holds it: a repeat of its row
    lines = reasons(
        import_xlsx(TalkResource, users.office, edit(data, {}, append=[same]), dry_run=True)
    )
    assert lines == [f"第 4 行：{in_file}"]
    # in a file without it: a repeat of the stored talk
    others = export_xlsx(TalkResource, users.office, Talk.objects.exclude(pk=first.pk))
    lines = reasons(
        import_xlsx(TalkResource, users.office, edit(others, {}, append=[same]), dry_run=True)
    )
    assert lines == [f"第 3 行：{in_db}"]
    # two new rows of one new talk repeat each other
    twice = [dict(same, **{"谈话对象": people[3].name})] * 2
    lines = reasons(
        import_xlsx(TalkResource, users.office, edit(data, {}, append=twice), dry_run=True)
    )
    with translation.override("zh-hans"):
        in_file = str(MSG_DUPLICATE_IN_FILE % {"number": 4})
    assert lines == [f"第 5 行：{in_file}"]
    # a stored talk changed into the other one repeats it
    into = edit(others, {(0, "谈话对象"): same["谈话对象"]})
    lines = reasons(import_xlsx(TalkResource, users.office, into, dry_run=True))
    assert lines == [f"第 2 行：{in_db}"]
