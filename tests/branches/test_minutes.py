"""Meetings as minuted (issue 11 §3): 应到 / 实到, 出席 / 请假 / 缺席, 列席, 主持人, 记录人."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches import services
from branches.models import Attendance, Meeting, MeetingKind
from branches.services import AttendanceLine
from chengjiang.access import SYSTEM
from tests.factories import MemberFactory

DAY = datetime.date(2024, 3, 10)
S = Attendance.Status


def _meeting(org, **fields):
    return Meeting(
        kind=fields.pop("kind", MeetingKind.BRANCH_ASSEMBLY),
        organization=org,
        held_on=fields.pop("held_on", DAY),
        topic="学习党章",
        **fields,
    )


def _save(org, lines, **fields):
    return services.meeting_save(meeting=_meeting(org, **fields), attendance=lines, by=SYSTEM)


def test_each_line_is_present_on_leave_or_absent_and_absent_needs_no_reason(tree):
    m = tree.a_members
    meeting = _save(
        tree.a1,
        [
            AttendanceLine(m[0], status=S.PRESENT),
            AttendanceLine(m[1], status=S.LEAVE, absence_reason="外出务工"),
            AttendanceLine(m[2], status=S.ABSENT),
        ],
    )
    rows = {a.member: a for a in meeting.attendances.all()}
    assert [rows[x].status for x in m[:3]] == [S.PRESENT, S.LEAVE, S.ABSENT]
    assert [rows[x].present for x in m[:3]] == [True, False, False]
    assert rows[m[1]].absence_reason == "外出务工"


def test_leave_needs_a_reason(tree):
    member = tree.a_members[0]
    message = services.MSG_ABSENCE_REASON % {"name": member.name}
    with pytest.raises(ValidationError, match=re.escape(str(message))):
        _save(tree.a1, [AttendanceLine(member, status=S.LEAVE)])


def test_an_unknown_status_is_refused(tree):
    line = AttendanceLine(tree.a_members[0], status="late")
    message = services.MSG_BAD_ATTENDANCE_STATUS % {"status": "late"}
    with pytest.raises(ValidationError, match=re.escape(str(message))):
        _save(tree.a1, [line])


def test_expected_counts_members_on_the_day_whether_listed_or_not(tree):
    m = tree.a_members  # five members of A1, joined long ago
    MemberFactory(branch=tree.a1, joined_on=DAY + datetime.timedelta(days=1))  # joined after
    meeting = _save(
        tree.a1,
        [
            AttendanceLine(m[0]),
            AttendanceLine(m[1]),
            AttendanceLine(m[2], status=S.LEAVE, absence_reason="病假"),
        ],
    )
    assert meeting.expected_count == 5
    assert (meeting.present_count, meeting.leave_count, meeting.absent_count) == (2, 1, 2)


def test_expected_of_a_party_group_is_its_members(tree):
    group = [x for x in tree.a_members if x.group_id == tree.a1g.pk]
    meeting = _save(tree.a1g, [AttendanceLine(group[0])], kind=MeetingKind.GROUP_MEETING)
    assert meeting.expected_count == len(group)


def test_expected_moves_with_the_roll(tree):
    meeting = _save(tree.a1, [AttendanceLine(tree.a_members[0])])
    before = meeting.expected_count
    MemberFactory(branch=tree.a1)
    services.meeting_save(meeting=meeting, by=SYSTEM)
    assert meeting.expected_count == before + 1


def test_recorder_and_host_are_members_of_the_organisation(tree):
    outsider = tree.b_members[0]
    for role in ("recorder", "host"):
        message = services.MSG_ROLE_OUTSIDE % {
            "role": Meeting._meta.get_field(role).verbose_name,
            "name": outsider.name,
            "org": tree.a1,
        }
        with pytest.raises(ValidationError, match=re.escape(str(message))):
            _save(tree.a1, [], **{role: outsider})
    meeting = _save(
        tree.a1,
        [],
        host=tree.a_members[0],
        recorder=tree.a_members[1],
        observers="街道驻村干部王某、青桥村党总支书记",
    )
    meeting.refresh_from_db()
    assert meeting.recorder == tree.a_members[1]
    assert "王某" in meeting.observers


def test_recorder_outside_names_the_role(tree):
    outsider = tree.b_members[0]
    with pytest.raises(ValidationError) as exc:
        _save(tree.a1, [], recorder=outsider)
    expected = services.MSG_ROLE_OUTSIDE % {
        "role": Meeting._meta.get_field("recorder").verbose_name,
        "name": outsider.name,
        "org": tree.a1,
    }
    assert exc.value.message_dict["recorder"] == [str(expected)]


def _form_data(org, members, **extra):
    data = {
        "organization": org.pk,
        "kind": MeetingKind.BRANCH_ASSEMBLY,
        "held_on": DAY.isoformat(),
        "topic": "学习党章",
    }
    for m in members:
        data[f"present_{m.pk}"] = "on"
    data.update(extra)
    return data


def test_portal_form_records_leave_absent_recorder_and_observers(tree, users, login):
    client = login(users.sec_a)
    m = tree.a_members
    data = _form_data(
        tree.a1,
        m[:3],
        **{
            f"absence_{m[3].pk}": "leave",
            f"reason_{m[3].pk}": "住院治疗",
            f"absence_{m[4].pk}": "absent",
            "host": m[0].pk,
            "recorder": m[1].pk,
            "observers": "驻村第一书记",
        },
    )
    resp = client.post(reverse("branches:meeting_create"), data)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    meeting = Meeting.objects.get()
    rows = {a.member_id: a for a in meeting.attendances.all()}
    assert rows[m[3].pk].status == S.LEAVE
    assert rows[m[3].pk].absence_reason == "住院治疗"
    assert rows[m[4].pk].status == S.ABSENT
    assert (meeting.recorder, meeting.observers) == (m[1], "驻村第一书记")

    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "应到 5 人，实到 3 人，请假 1 人，缺席 1 人" in page
    listed = client.get(reverse("branches:meeting_list")).content.decode()
    assert "实到 3 / 应到 5 人" in listed
    assert "缺席（含请假）" in page
    assert "住院治疗" in page
    assert "驻村第一书记" in page


def test_portal_form_wants_a_reason_for_leave_only(tree, users, login):
    client = login(users.sec_a)
    m = tree.a_members
    data = _form_data(
        tree.a1, m[:3], **{f"absence_{m[3].pk}": "leave", f"absence_{m[4].pk}": "absent"}
    )
    resp = client.post(reverse("branches:meeting_create"), data)
    assert resp.status_code == 200
    form = resp.context["form"]
    assert f"reason_{m[3].pk}" in form.errors
    assert f"reason_{m[4].pk}" not in form.errors


def test_attendance_rate_is_present_over_expected_of_approved_meetings(tree):
    from decimal import Decimal

    from branches.models import Status
    from chengjiang import measures
    from chengjiang.measures import Period

    def rate(**params):
        measure = measures.get("branches.attendance_rate")
        return measure.evaluate(period=Period.year(2024), scope="", **params).value

    m = tree.a_members
    lines = [AttendanceLine(x) for x in m[:3]] + [AttendanceLine(m[3], status=S.ABSENT)]
    meeting = _save(tree.a1, lines)  # 5 expected, 3 present
    assert rate() == 0  # a draft counts nowhere
    services.meeting_submit(meeting=meeting, by=SYSTEM)
    services.meeting_approve(meeting=meeting, by=SYSTEM)
    assert meeting.status == Status.APPROVED
    assert rate() == Decimal(60)
    Attendance.objects.filter(meeting=meeting, member=m[3]).update(status=S.PRESENT)
    assert rate() == Decimal(80)
    assert rate(kind=MeetingKind.THEME_DAY) == 0
