"""The meeting and talk workflow through the portal: draft → submitted → approved, returned
with a reason → edited → submitted again; a secretary cannot change what is submitted."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches import services
from branches.models import Meeting, MeetingKind, Status, Talk

DAY = datetime.date(2024, 3, 10)


def _post_meeting(client, org, members, **extra):
    data = {
        "organization": org.pk,
        "kind": MeetingKind.BRANCH_ASSEMBLY,  # every member is expected
        "held_on": DAY.isoformat(),
        "starts_at": "09:30",
        "place": "村部会议室",
        "topic": "学习党章",
        "minutes": "会议记录",
    }
    for m in members:
        data[f"present_{m.pk}"] = "on"
    data.update(extra)
    return client.post(reverse("branches:meeting_create"), data)


def test_secretary_records_submits_and_office_approves(tree, users, login):
    client = login(users.sec_a)
    absent = tree.a_members[0]
    resp = _post_meeting(client, tree.a1, tree.a_members[1:], **{f"reason_{absent.pk}": "外出务工"})
    meeting = Meeting.objects.get()
    assert resp.status_code == 302
    assert resp["Location"] == meeting.get_absolute_url()
    assert meeting.status == Status.DRAFT
    assert meeting.recorded_by == users.sec_a
    assert meeting.attendances.filter(present=True).count() == 4
    leave = meeting.attendances.get(present=False)
    assert (leave.member, leave.absence_reason) == (absent, "外出务工")

    resp = client.post(reverse("branches:meeting_submit", args=[meeting.pk]))
    assert resp.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Status.SUBMITTED
    assert meeting.submitted_at is not None

    services.meeting_approve(meeting=meeting, by=users.office)
    meeting.refresh_from_db()
    assert meeting.status == Status.APPROVED


def test_return_needs_reason_and_returned_can_be_edited_and_resubmitted(tree, users, login):
    meeting = Meeting.objects.create(
        kind=MeetingKind.BRANCH_COMMITTEE,
        organization=tree.a1,
        held_on=DAY,
        topic="旧主题",
        status=Status.SUBMITTED,
        recorded_by=users.sec_a,
    )
    with pytest.raises(ValidationError) as exc:
        services.meeting_return(meeting=meeting, by=users.office, reason="  ")
    assert services.MSG_RETURN_REASON in exc.value.messages
    services.meeting_return(meeting=meeting, by=users.office, reason="缺少会议记录")

    client = login(users.sec_a)
    home = client.get(reverse("branches:home"))
    assert "缺少会议记录" in home.content.decode()

    data = {
        "kind": MeetingKind.BRANCH_COMMITTEE,
        "held_on": DAY.isoformat(),
        "topic": "新主题",
        "minutes": "补充了会议记录",
    }
    data.update({f"present_{m.pk}": "on" for m in tree.a_members})
    resp = client.post(reverse("branches:meeting_edit", args=[meeting.pk]), data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    meeting.refresh_from_db()
    assert meeting.topic == "新主题"
    assert meeting.status == Status.RETURNED
    client.post(reverse("branches:meeting_submit", args=[meeting.pk]))
    meeting.refresh_from_db()
    assert meeting.status == Status.SUBMITTED


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED])
def test_secretary_cannot_change_submitted_or_approved(tree, users, login, status):
    meeting = Meeting.objects.create(
        kind=MeetingKind.BRANCH_COMMITTEE,
        organization=tree.a1,
        held_on=DAY,
        topic="已提交",
        status=status,
    )
    client = login(users.sec_a)
    url = reverse("branches:meeting_edit", args=[meeting.pk])
    resp = client.get(url)
    assert resp.status_code == 302
    assert resp["Location"] == meeting.get_absolute_url()
    resp = client.post(url, {"topic": "改了", "kind": meeting.kind, "held_on": DAY.isoformat()})
    assert resp.status_code == 403
    meeting.refresh_from_db()
    assert meeting.topic == "已提交"
    detail = client.get(meeting.get_absolute_url()).content.decode()
    assert reverse("branches:meeting_edit", args=[meeting.pk]) not in detail
    # submitting again is refused with a message, not a change
    client.post(reverse("branches:meeting_submit", args=[meeting.pk]))
    meeting.refresh_from_db()
    assert meeting.status == status


def test_talk_workflow_with_members_and_named_non_members(tree, users, login):
    client = login(users.sec_a)
    data = {
        "organization": tree.a1.pk,
        "held_on": DAY.isoformat(),
        "talker": tree.a_members[0].pk,
        "topic": "思想状况",
        "participants": [tree.a_members[1].pk, tree.a_members[2].pk],
        "other_names": "张三、李四\n王五",
    }
    resp = client.post(reverse("branches:talk_create"), data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    talk = Talk.objects.get()
    assert talk.status == Status.DRAFT
    assert talk.participants.count() == 5
    assert sorted(p.name for p in talk.participants.filter(member__isnull=True)) == [
        "张三",
        "李四",
        "王五",
    ]
    client.post(reverse("branches:talk_submit", args=[talk.pk]))
    talk.refresh_from_db()
    assert talk.status == Status.SUBMITTED
    resp = client.post(reverse("branches:talk_edit", args=[talk.pk]), data)
    assert resp.status_code == 403
    services.talk_return(talk=talk, by=users.office, reason="请补充谈话内容")
    resp = client.get(reverse("branches:talk_edit", args=[talk.pk]))
    assert resp.status_code == 200
    assert "请补充谈话内容" in resp.content.decode()


def test_services_refuse_an_organisation_outside_the_writers_scope(users, tree):
    """Behind the views, the service itself refuses a write into another village."""
    import datetime

    from django.core.exceptions import ValidationError

    from branches.models import Meeting
    from branches.services import MSG_OUT_OF_SCOPE, meeting_save

    meeting = Meeting(
        kind="branch_committee",
        organization=tree.b1,
        held_on=datetime.date(2024, 5, 1),
        topic="越权",
    )
    with pytest.raises(ValidationError) as exc:
        meeting_save(meeting=meeting, by=users.sec_a)
    assert exc.value.messages == [str(MSG_OUT_OF_SCOPE)]
    assert not Meeting.objects.filter(topic="越权").exists()


def test_a_refused_file_writes_nothing(users, tree, settings, tmp_path):
    import datetime

    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from branches.models import Meeting
    from branches.services import meeting_save

    settings.MEDIA_ROOT = tmp_path / "m"
    good = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    bad = SimpleUploadedFile("b.jpg", b"<html>not a photo</html>")
    meeting = Meeting(
        kind="branch_committee",
        organization=tree.a1,
        held_on=datetime.date(2024, 5, 1),
        topic="附件",
    )
    with pytest.raises(ValidationError, match="文件内容与扩展名不符。"):
        meeting_save(meeting=meeting, attachments=[good, bad], by=users.sec_a)
    assert not Meeting.objects.filter(topic="附件").exists()
    assert not (tmp_path / "m").exists() or not any((tmp_path / "m").rglob("*.*"))
