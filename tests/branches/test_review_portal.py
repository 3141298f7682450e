"""Issue 10 §3: review where the reviewer is. A submitted record's portal page offers 审核通过 and
退回 (reason required) to reviewers only; the message names the record and its new state;
提交审核 asks for confirmation on a page of its own (no JavaScript needed)."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from branches import services
from branches.models import Meeting, MeetingKind, Status, Talk

DAY = datetime.date(2024, 3, 10)


def _meeting(tree, status=Status.SUBMITTED, **kw):
    return Meeting.objects.create(
        kind=MeetingKind.BRANCH_COMMITTEE,
        organization=tree.a1,
        held_on=DAY,
        topic="学习党章",
        status=status,
        **kw,
    )


def _talk(tree, status=Status.SUBMITTED, **kw):
    return Talk.objects.create(
        organization=tree.a1, held_on=DAY, talker_name="甲", topic="思想状况", status=status, **kw
    )


MAKERS = {"meeting": _meeting, "talk": _talk}


def _messages(resp):
    return [str(m) for m in get_messages(resp.wsgi_request)]


@pytest.mark.parametrize("kind", ["meeting", "talk"])
def test_submitted_page_shows_review_to_reviewers_only(tree, users, login, kind):
    record = MAKERS[kind](tree)
    approve = reverse(f"branches:{kind}_approve", args=[record.pk])
    give_back = reverse(f"branches:{kind}_return", args=[record.pk])
    submit = reverse(f"branches:{kind}_submit", args=[record.pk])
    office = login(users.office).get(record.get_absolute_url()).content.decode()
    assert approve in office and give_back in office
    assert "审核通过" in office and "退回" in office
    assert submit not in office  # already submitted: no 提交审核
    for user in (users.sec_a, users.leader):
        body = login(user).get(record.get_absolute_url()).content.decode()
        assert approve not in body and give_back not in body and "审核通过" not in body


@pytest.mark.parametrize("kind", ["meeting", "talk"])
def test_review_buttons_hidden_unless_submitted(tree, users, login, kind):
    for status in (Status.DRAFT, Status.RETURNED, Status.APPROVED):
        record = MAKERS[kind](tree, status=status)
        body = login(users.office).get(record.get_absolute_url()).content.decode()
        assert reverse(f"branches:{kind}_approve", args=[record.pk]) not in body


@pytest.mark.parametrize("kind", ["meeting", "talk"])
def test_office_approves_from_the_page_and_is_told_what_happened(tree, users, login, kind):
    record = MAKERS[kind](tree)
    client = login(users.office)
    page = client.get(record.get_absolute_url())
    resp = client.post(
        reverse(f"branches:{kind}_approve", args=[record.pk]),
        {"version": page.context["version"]},
    )
    assert resp.status_code == 302 and resp["Location"] == record.get_absolute_url()
    record.refresh_from_db()
    assert (record.status, record.reviewed_by) == (Status.APPROVED, users.office)
    [message] = _messages(resp)
    assert record.topic in message and "审核通过" in message


@pytest.mark.parametrize("kind", ["meeting", "talk"])
def test_return_needs_a_reason_and_reshows_the_form(tree, users, login, kind):
    record = MAKERS[kind](tree)
    client = login(users.office)
    url = reverse(f"branches:{kind}_return", args=[record.pk])
    resp = client.post(url, {"reason": "  "})
    assert resp.status_code == 200
    body = resp.content.decode()
    assert str(services.MSG_RETURN_REASON) in body
    assert "Confirm" not in body
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED

    resp = client.post(url, {"reason": "缺少会议记录"})
    assert resp.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.return_reason) == (Status.RETURNED, "缺少会议记录")
    [message] = _messages(resp)
    assert record.topic in message and "已退回" in message
    # the author reads the reason on the page
    assert "缺少会议记录" in login(users.sec_a).get(record.get_absolute_url()).content.decode()


def test_return_page_keeps_what_was_typed_when_refused(tree, users, login):
    """The record was approved by someone else meanwhile: the typed reason is shown again."""
    record = _meeting(tree)
    client = login(users.office)
    version = client.get(record.get_absolute_url()).context["version"]
    services.meeting_approve(meeting=record, by=users.office)
    resp = client.post(
        reverse("branches:meeting_return", args=[record.pk]),
        {"reason": "请补充签到表", "version": version},
    )
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "请补充签到表" in body
    assert str(services.MSG_NOT_SUBMITTED) in body


def test_approving_an_edited_record_is_refused(tree, users, login):
    record = _meeting(tree)
    client = login(users.office)
    version = client.get(record.get_absolute_url()).context["version"]
    edited = Meeting.objects.get(pk=record.pk)
    edited.minutes = "会后补充"
    services.meeting_save(meeting=edited, by=users.office)
    resp = client.post(reverse("branches:meeting_approve", args=[record.pk]), {"version": version})
    assert _messages(resp) == [str(services.MSG_CHANGED_MEANWHILE)]
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED


@pytest.mark.parametrize("kind", ["meeting", "talk"])
def test_only_reviewers_may_approve_or_return(tree, users, login, kind):
    record = MAKERS[kind](tree)
    for user in (users.sec_a, users.leader):
        client = login(user)
        for name in ("approve", "return"):
            resp = client.post(
                reverse(f"branches:{kind}_{name}", args=[record.pk]), {"reason": "x"}
            )
            assert resp.status_code == 403, (user, name)
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED
    assert client.get(reverse(f"branches:{kind}_approve", args=[record.pk])).status_code in (
        403,
        405,
    )


def test_out_of_scope_reviewer_gets_404(tree, users, login):
    from chengjiang.accounts import roles
    from tests.factories import UserFactory

    office_b = UserFactory(organization=tree.b, is_staff=True, role=roles.OFFICE)
    record = _meeting(tree)
    resp = login(office_b).post(reverse("branches:meeting_approve", args=[record.pk]))
    assert resp.status_code == 404
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED


@pytest.mark.parametrize("kind", ["meeting", "talk"])
def test_submit_asks_for_confirmation_without_javascript(tree, users, login, kind):
    record = MAKERS[kind](tree, status=Status.DRAFT, recorded_by=users.sec_a)
    client = login(users.sec_a)
    url = reverse(f"branches:{kind}_submit", args=[record.pk])
    detail = client.get(record.get_absolute_url()).content.decode()
    assert f'href="{url}"' in detail  # a plain link to the confirmation step
    resp = client.get(url)
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "确认提交审核" in body and 'method="post"' in body
    assert "<script>" not in body and "onclick" not in body
    record.refresh_from_db()
    assert record.status == Status.DRAFT  # GET changes nothing
    resp = client.post(url, {"version": resp.context["version"]})
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED
    assert resp["Location"] == record.get_absolute_url()


def test_edit_form_from_an_older_version_is_refused_and_reshown(tree, users, login):
    record = _meeting(tree, status=Status.RETURNED, recorded_by=users.sec_a)
    client = login(users.sec_a)
    form_page = client.get(reverse("branches:meeting_edit", args=[record.pk]))
    version = form_page.context["version"]
    assert f'value="{version}"' in form_page.content.decode()
    other = Meeting.objects.get(pk=record.pk)
    other.place = "别人改的地点"
    services.meeting_save(meeting=other, by=users.office)
    data = {
        "kind": MeetingKind.BRANCH_COMMITTEE,
        "held_on": DAY.isoformat(),
        "topic": "我改的主题",
        "version": version,
    }
    data.update({f"present_{m.pk}": "on" for m in tree.a_members})
    resp = client.post(reverse("branches:meeting_edit", args=[record.pk]), data)
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "已被他人修改" in body and "我改的主题" in body
    record.refresh_from_db()
    assert (record.topic, record.place) == ("学习党章", "别人改的地点")
