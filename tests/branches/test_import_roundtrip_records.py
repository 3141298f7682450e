"""Round trip for meetings, talks and organisations: export, change one cell, import (issue 10)."""

import pytest

from branches.models import Meeting, Organization, Talk
from branches.resources import MeetingResource, OrganizationResource, TalkResource
from tests.factories import MeetingFactory, TalkFactory
from tests.roundtrip import assert_round_trip, edit, export_xlsx, import_xlsx, kinds, reasons

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language


def test_meeting_round_trip_changes_the_topic(tree, users):
    for n in range(3):
        MeetingFactory(organization=tree.a1, topic=f"学习{n}")
    changed = assert_round_trip(
        MeetingResource,
        users.office,
        Meeting.objects.order_by("pk"),
        "主题",
        "改过的主题",
        attribute="topic",
    )
    assert changed == "改过的主题"


def test_meeting_round_trip_sees_a_changed_attendance(tree, users):
    meetings = [MeetingFactory(organization=tree.a1, topic=f"学习{n}") for n in range(2)]
    data = export_xlsx(MeetingResource, users.office, Meeting.objects.order_by("pk"))
    data = edit(data, {(0, "出席人员"): tree.a_members[0].name})
    result = import_xlsx(MeetingResource, users.office, data, dry_run=False)
    assert reasons(result) == [] and kinds(result) == ["修改", "无变化"]
    assert [a.member for a in meetings[0].attendances.all()] == [tree.a_members[0]]


def test_talk_round_trip_changes_the_topic(tree, users):
    from branches.models import TalkParticipant

    for n in range(3):
        talk = TalkFactory(organization=tree.a1, topic=f"谈心{n}")
        TalkParticipant.objects.create(talk=talk, member=tree.a_members[n])
    changed = assert_round_trip(
        TalkResource,
        users.office,
        Talk.objects.order_by("pk"),
        "主题",
        "新主题",
        attribute="topic",
    )
    assert changed == "新主题"


def test_organisation_round_trip_renames(tree, users):
    changed = assert_round_trip(
        OrganizationResource,
        users.office,
        Organization.objects.order_by("-pk"),
        "名称",
        "新名称",
        attribute="name",
    )
    assert changed == "新名称"


def test_text_the_export_escaped_comes_back_unchanged(tree, users):
    """A stored topic starting with "-" is exported as '-… (so Excel does not evaluate it); the
    same cell imported back is that stored text, not a formula: the row is 无变化."""
    MeetingFactory(organization=tree.a1, topic="-学习党章")
    MeetingFactory(organization=tree.a1, topic="学习党史")
    data = export_xlsx(MeetingResource, users.office, Meeting.objects.order_by("pk"))
    result = import_xlsx(MeetingResource, users.office, data, dry_run=False)
    assert reasons(result) == [] and kinds(result) == ["无变化", "无变化"]
    typed = edit(data, {(1, "主题"): "-学习党史"})  # typed by hand: refused as a formula
    [line] = reasons(import_xlsx(MeetingResource, users.office, typed, dry_run=True))
    assert line.startswith("第 3 行：主题：") and "公式" in line


def test_two_rows_with_one_record_number_repeat_each_other(tree, users):
    MeetingFactory(organization=tree.a1, topic="学习一")
    MeetingFactory(organization=tree.a1, topic="学习二")
    data = export_xlsx(MeetingResource, users.office, Meeting.objects.order_by("pk"))
    first_key = Meeting.objects.order_by("pk").first().pk
    data = edit(data, {(1, "编号"): first_key, (1, "主题"): "另一个主题"})
    lines = reasons(import_xlsx(MeetingResource, users.office, data, dry_run=True))
    assert lines == ["第 3 行：本行与文件第 2 行重复。"]
