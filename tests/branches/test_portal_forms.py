"""Portal forms: errors re-show what was typed, hostile ids are invalid choices, service
refusals appear on the form, and nothing is written when anything is wrong."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from branches.forms import MSG_ABSENCE_REASON_FIELD, MSG_NO_PARTICIPANTS
from branches.models import Meeting, MeetingKind, Talk
from chengjiang.uploads import MSG_MISMATCH
from tests.factories import MemberFactory

FUTURE = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()


def _meeting_data(tree, **extra):
    data = {
        "organization": tree.a1.pk,
        "kind": MeetingKind.BRANCH_ASSEMBLY,  # every member is expected
        "held_on": "2024-03-10",
        "starts_at": "09:30",
        "place": "村部三楼会议室",
        "topic": "学习贯彻全会精神",
        "minutes": "一、传达学习；二、讨论发展党员工作。",
    }
    data.update({f"present_{m.pk}": "on" for m in tree.a_members})
    data.update(extra)
    return data


def test_error_reshows_everything_typed(tree, users, login):
    client = login(users.sec_a)
    absent = tree.a_members[1]
    data = _meeting_data(tree, held_on=FUTURE)
    del data[f"present_{absent.pk}"]
    data[f"reason_{absent.pk}"] = "生病住院"
    resp = client.post(reverse("branches:meeting_create"), data)
    assert resp.status_code == 200
    assert not Meeting.objects.exists()
    body = resp.content.decode()
    for typed in (
        "村部三楼会议室",
        "学习贯彻全会精神",
        "一、传达学习；二、讨论发展党员工作。",
        "生病住院",
    ):
        assert typed in body
    assert f'value="{FUTURE}"' in body
    assert 'value="09:30"' in body
    form = resp.context["form"]
    assert "held_on" in form.errors
    assert form["place"].value() == "村部三楼会议室"
    assert not form[f"present_{absent.pk}"].value()
    assert form[f"present_{tree.a_members[0].pk}"].value()


def test_absent_without_reason_is_an_error_on_that_member(tree, users, login):
    client = login(users.sec_a)
    absent = tree.a_members[2]
    data = _meeting_data(tree)
    del data[f"present_{absent.pk}"]
    resp = client.post(reverse("branches:meeting_create"), data)
    assert resp.status_code == 200
    assert not Meeting.objects.exists()
    assert resp.context["form"].errors[f"reason_{absent.pk}"] == [str(MSG_ABSENCE_REASON_FIELD)]


def test_hostile_out_of_scope_organisation_is_invalid_choice(tree, users, login):
    client = login(users.sec_a)
    data = _meeting_data(tree, organization=tree.b1.pk)
    resp = client.post(reverse("branches:meeting_create"), data)
    assert resp.status_code == 200
    assert not Meeting.objects.exists()
    form = resp.context["form"]
    invalid = str(form.fields["organization"].error_messages["invalid_choice"])
    assert form.errors["organization"] == [invalid]
    talk = {
        "organization": tree.b1.pk,
        "held_on": "2024-03-10",
        "talker_name": "甲",
        "topic": "t",
        "other_names": "乙",
    }
    resp = client.post(reverse("branches:talk_create"), talk)
    assert resp.status_code == 200
    assert "organization" in resp.context["form"].errors
    assert not Talk.objects.exists()


def test_hostile_out_of_scope_member_is_ignored_or_refused(tree, users, login):
    client = login(users.sec_a)
    outsider = tree.b_members[0]
    data = _meeting_data(tree, host=outsider.pk, **{f"present_{outsider.pk}": "on"})
    resp = client.post(reverse("branches:meeting_create"), data)
    assert resp.status_code == 200
    assert "host" in resp.context["form"].errors
    assert not Meeting.objects.exists()
    talk = {
        "organization": tree.a1.pk,
        "held_on": "2024-03-10",
        "talker_name": "甲",
        "topic": "t",
        "participants": [outsider.pk],
    }
    resp = client.post(reverse("branches:talk_create"), talk)
    assert resp.status_code == 200
    assert "participants" in resp.context["form"].errors
    assert not Talk.objects.exists()


def test_kind_the_organisation_does_not_hold_is_refused(tree, users, login):
    client = login(users.sec_a)
    # a Party group holds group meetings, not branch committee meetings
    data = _meeting_data(tree, organization=tree.a1g.pk)
    resp = client.post(reverse("branches:meeting_create"), data)
    assert resp.status_code == 200
    assert "kind" in resp.context["form"].errors
    assert not Meeting.objects.exists()


def test_service_refusal_is_shown_on_the_form(tree, users, login, monkeypatch):
    from django.core.exceptions import ValidationError

    from branches import services

    def refuse(**kwargs):
        raise ValidationError({"kind": "refused by the service", "status": "not a form field"})

    monkeypatch.setattr(services, "meeting_save", refuse)
    client = login(users.sec_a)
    resp = client.post(reverse("branches:meeting_create"), _meeting_data(tree))
    assert resp.status_code == 200
    form = resp.context["form"]
    assert form.errors["kind"] == ["refused by the service"]
    assert "not a form field" in form.non_field_errors()
    assert "学习贯彻全会精神" in resp.content.decode()


def test_attendance_lists_members_of_the_chosen_organisation_only(tree, users, login):
    client = login(users.sec_a)
    resp = client.get(reverse("branches:meeting_create"), {"organization": tree.a1g.pk})
    rows = [m for m, *_ in resp.context["form"].attendance_rows]
    assert rows == sorted(tree.a_members[:3], key=lambda m: (m.name, m.pk))
    late = MemberFactory(branch=tree.a1)
    resp = client.get(reverse("branches:meeting_create"), {"organization": tree.a1.pk})
    assert late in [m for m, *_ in resp.context["form"].attendance_rows]


def test_bad_attachment_is_refused_and_nothing_saved(tree, users, login):
    client = login(users.sec_a)
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a jpeg", "image/jpeg")
    resp = client.post(reverse("branches:meeting_create"), _meeting_data(tree, attachments=fake))
    assert resp.status_code == 200
    assert not Meeting.objects.exists()
    assert any(str(MSG_MISMATCH) in e for e in resp.context["form"].errors["attachments"])


def test_several_attachments_are_saved(tree, users, login):
    client = login(users.sec_a)
    files = [
        SimpleUploadedFile("a.pdf", b"%PDF-1.4 a", "application/pdf"),
        SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\n....", "image/png"),
    ]
    resp = client.post(reverse("branches:meeting_create"), _meeting_data(tree, attachments=files))
    assert resp.status_code == 302
    meeting = Meeting.objects.get()
    assert sorted(a.original_name for a in meeting.attachments.all()) == ["a.pdf", "b.png"]


def test_talk_needs_someone_talked_with_and_keeps_typed_names(tree, users, login):
    client = login(users.sec_a)
    data = {
        "organization": tree.a1.pk,
        "held_on": "2024-03-10",
        "talker_name": "",
        "topic": "家庭困难情况",
        "notes": "详细记录",
    }
    resp = client.post(reverse("branches:talk_create"), data)
    assert resp.status_code == 200
    form = resp.context["form"]
    assert form.errors["participants"] == [str(MSG_NO_PARTICIPANTS)]
    assert "家庭困难情况" in resp.content.decode()
    data.update(other_names="张三\n李四", talker_name="王书记")
    data["held_on"] = FUTURE
    resp = client.post(reverse("branches:talk_create"), data)
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "张三\n李四" in body
    assert "王书记" in body
    assert not Talk.objects.exists()
