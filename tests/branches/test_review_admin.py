"""Issue 10 §3 in the admin: a submitted record's change page offers 审核通过 and 退回 (reason
required) to reviewers; the list filters by the 待审核 queue, oldest first; the action pages are
translated templates (the return form's button was an untranslated "Confirm")."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from branches import services
from branches.models import Meeting, MeetingKind, Status, Talk
from tests.factories import MeetingFactory


def _messages(resp):
    return [str(m) for m in get_messages(resp.wsgi_request)]


def _submitted(tree, kind, **kw):
    if kind == "meeting":
        return Meeting.objects.create(
            kind=MeetingKind.BRANCH_COMMITTEE,
            organization=tree.a1,
            held_on=datetime.date(2024, 3, 10),
            topic="后台审核的会议",
            status=Status.SUBMITTED,
            **kw,
        )
    return Talk.objects.create(
        organization=tree.a1,
        held_on=datetime.date(2024, 3, 10),
        talker_name="甲",
        topic="后台审核的谈话",
        status=Status.SUBMITTED,
        **kw,
    )


@pytest.mark.parametrize("kind", ["meeting", "talk"])
def test_change_page_of_a_submitted_record_has_review_buttons(tree, users, login, kind):
    record = _submitted(tree, kind)
    client = login(users.office)
    change = reverse(f"admin:branches_{kind}_change", args=[record.pk])
    approve = reverse(f"admin:branches_{kind}_approve", args=[record.pk])
    give_back = reverse(f"admin:branches_{kind}_return", args=[record.pk])
    body = client.get(change).content.decode()
    assert approve in body and give_back in body and "审核通过" in body

    resp = client.post(approve, {"version": record.updated_at.isoformat()})
    assert resp.status_code == 302 and resp["Location"] == change
    record.refresh_from_db()
    assert (record.status, record.reviewed_by) == (Status.APPROVED, users.office)
    [message] = _messages(resp)
    assert record.topic in message and "审核通过" in message
    assert "已处理" not in message
    # approved: no buttons any more
    assert approve not in client.get(change).content.decode()


@pytest.mark.parametrize("kind", ["meeting", "talk"])
def test_admin_return_page_is_translated_and_needs_a_reason(tree, users, login, kind):
    record = _submitted(tree, kind)
    client = login(users.office)
    url = reverse(f"admin:branches_{kind}_return", args=[record.pk])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert 'value="确认"' in body and "Confirm" not in body
    resp = client.post(url, {"apply": "1", "reason": " "})
    assert resp.status_code == 200
    assert str(services.MSG_RETURN_REASON) in resp.content.decode()
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED

    resp = client.post(url, {"apply": "1", "reason": "请补充会议记录"})
    assert resp.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.return_reason) == (Status.RETURNED, "请补充会议记录")
    [message] = _messages(resp)
    assert record.topic in message and "已退回" in message


def test_every_action_form_page_says_confirm_in_chinese(tree, users, login):
    client = login(users.office)
    page = client.post(
        reverse("admin:branches_organization_changelist"),
        {"action": "dissolve_action", "_selected_action": [tree.a1g.pk]},
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert 'value="确认"' in body and "Confirm" not in body


def test_review_buttons_only_for_reviewers_and_submitted_records(tree, users, login):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    record = _submitted(tree, "meeting")
    # a staff user who may change meetings but not review them
    clerk = UserFactory(organization=tree.root, is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_meeting", "change_meeting"])
    )
    client = login(clerk)
    change = reverse("admin:branches_meeting_change", args=[record.pk])
    approve = reverse("admin:branches_meeting_approve", args=[record.pk])
    assert client.get(change).status_code == 200
    assert approve not in client.get(change).content.decode()
    assert client.post(approve).status_code == 403
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED

    draft = MeetingFactory(organization=tree.a1)
    body = (
        login(users.office)
        .get(reverse("admin:branches_meeting_change", args=[draft.pk]))
        .content.decode()
    )
    assert reverse("admin:branches_meeting_approve", args=[draft.pk]) not in body


def test_admin_review_out_of_scope_is_not_found(tree, users, login):
    from chengjiang.accounts import roles
    from tests.factories import UserFactory

    office_b = UserFactory(organization=tree.b, is_staff=True, role=roles.OFFICE)
    record = _submitted(tree, "meeting")
    resp = login(office_b).post(reverse("admin:branches_meeting_approve", args=[record.pk]))
    assert resp.status_code == 404
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED


def test_bulk_approve_names_each_record_and_its_state(tree, users, login):
    record = _submitted(tree, "meeting")
    resp = login(users.office).post(
        reverse("admin:branches_meeting_changelist"),
        {"action": "approve_action", "_selected_action": [record.pk]},
    )
    [message] = _messages(resp)
    assert record.topic in message and "审核通过" in message


def test_queue_filter_lists_submitted_oldest_first(tree, users, login):
    now = timezone.now()
    newer = _submitted(tree, "meeting", submitted_at=now)
    older = _submitted(tree, "meeting", submitted_at=now - datetime.timedelta(days=2))
    MeetingFactory(organization=tree.a1, topic="草稿")
    MeetingFactory(organization=tree.a1, topic="已审核", status=Status.APPROVED)
    resp = login(users.office).get(
        reverse("admin:branches_meeting_changelist"), {"queue": "pending"}
    )
    assert resp.status_code == 200
    assert list(resp.context["cl"].result_list) == [older, newer]
    assert "待审核" in resp.content.decode()


def test_admin_edit_of_a_record_changed_meanwhile_is_refused(tree, users, login, rf):
    """The change page carries the version it showed; an approval in between is not overwritten
    and the office is told in Chinese."""
    from django.contrib import admin

    from tests.chengjiang.test_audit import _admin_post_data

    record = _submitted(tree, "meeting")
    client = login(users.office)
    url = reverse("admin:branches_meeting_change", args=[record.pk])
    page = client.get(url).content.decode()
    shown = record.updated_at.isoformat()
    assert f'name="_version" value="{shown}"' in page

    services.meeting_approve(meeting=record, by=users.office)  # someone else, meanwhile
    request = rf.get("/")
    request.user = users.office
    data = _admin_post_data(admin.site._registry[Meeting], request, record)
    data.update({"topic": "后台改的主题", "_version": shown, "_save": "保存"})
    resp = client.post(url, data)
    assert resp.status_code == 200
    assert "已被他人修改" in resp.content.decode()
    record.refresh_from_db()
    assert (record.topic, record.status) == ("后台审核的会议", Status.APPROVED)


@pytest.mark.parametrize("kind", ["meeting", "talk"])
def test_admin_edit_of_a_reviewed_record_saves_and_keeps_its_state(tree, users, login, rf, kind):
    """An office correction of an approved record in the admin: saved (it answered 500 when the
    admin built its change message), the approval kept."""
    from django.contrib import admin

    from tests.chengjiang.test_audit import _admin_post_data

    record = _submitted(tree, kind)
    approve = services.meeting_approve if kind == "meeting" else services.talk_approve
    approve(**{kind: record, "by": users.office})
    record.refresh_from_db()
    client = login(users.office)
    url = reverse(f"admin:branches_{kind}_change", args=[record.pk])
    request = rf.get("/")
    request.user = users.office
    data = _admin_post_data(admin.site._registry[type(record)], request, record)
    data.update({"topic": "后台更正的主题", "_version": record.updated_at.isoformat()})
    data["_save"] = "保存"
    resp = client.post(url, data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    record.refresh_from_db()
    assert (record.topic, record.status, record.reviewed_by) == (
        "后台更正的主题",
        Status.APPROVED,
        users.office,
    )
