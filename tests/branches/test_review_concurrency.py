"""Issue 14: a lost approval. An edit of a reviewed record never writes back the workflow state it
read before the row lock, and a writer who saw an older version is told that the record changed.

The threaded tests use two real connections on PostgreSQL (each thread its own connection).
"""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from branches import services
from branches.models import Meeting, MeetingKind, Status, Talk

DAY = datetime.date(2024, 3, 10)


@pytest.fixture
def submitted(tree):
    meeting = Meeting.objects.create(
        kind=MeetingKind.BRANCH_COMMITTEE,
        organization=tree.a1,
        held_on=DAY,
        topic="待审核的支委会",
        status=Status.SUBMITTED,
    )
    talk = Talk.objects.create(
        organization=tree.a1,
        held_on=DAY,
        talker_name="甲",
        topic="待审核的谈话",
        status=Status.SUBMITTED,
    )
    return meeting, talk


def test_an_edit_from_a_stale_copy_keeps_the_approval(users, submitted):
    """The edit read the meeting (submitted) before the office approved it: approval stays."""
    meeting, talk = submitted
    stale_meeting = Meeting.objects.get(pk=meeting.pk)
    stale_talk = Talk.objects.get(pk=talk.pk)
    services.meeting_approve(meeting=meeting, by=users.office)
    services.talk_approve(talk=talk, by=users.office)

    stale_meeting.place = "村部会议室"
    services.meeting_save(meeting=stale_meeting, by=users.office)
    stale_talk.notes = "补充"
    services.talk_save(talk=stale_talk, by=users.office)

    meeting.refresh_from_db()
    talk.refresh_from_db()
    assert (meeting.status, meeting.reviewed_by, meeting.place) == (
        Status.APPROVED,
        users.office,
        "村部会议室",
    )
    assert (talk.status, talk.reviewed_by, talk.notes) == (Status.APPROVED, users.office, "补充")


def test_an_edit_of_an_older_version_is_refused_in_chinese(users, submitted):
    meeting, talk = submitted
    seen = Meeting.objects.get(pk=meeting.pk)
    version = seen.updated_at
    services.meeting_approve(meeting=meeting, by=users.office)
    seen.topic = "改过的主题"
    with pytest.raises(ValidationError) as exc:
        services.meeting_save(meeting=seen, by=users.office, version=version)
    assert exc.value.messages == [str(services.MSG_CHANGED_MEANWHILE)]
    assert "已被他人修改" in exc.value.messages[0]
    meeting.refresh_from_db()
    assert meeting.topic == "待审核的支委会" and meeting.status == Status.APPROVED

    seen_talk = Talk.objects.get(pk=talk.pk)
    version = seen_talk.updated_at
    services.talk_return(talk=talk, by=users.office, reason="请补充")
    with pytest.raises(ValidationError) as exc:
        services.talk_save(talk=seen_talk, by=users.office, version=version)
    assert exc.value.messages == [str(services.MSG_CHANGED_MEANWHILE)]


def test_a_review_of_an_older_version_is_refused(users, submitted):
    """The reviewer approves what they saw: if it was edited since, they are told to look again."""
    meeting, _talk = submitted
    version = Meeting.objects.get(pk=meeting.pk).updated_at
    edited = Meeting.objects.get(pk=meeting.pk)
    edited.minutes = "后来补充的会议记录"
    services.meeting_save(meeting=edited, by=users.office)
    with pytest.raises(ValidationError) as exc:
        services.meeting_approve(meeting=meeting, by=users.office, version=version)
    assert exc.value.messages == [str(services.MSG_CHANGED_MEANWHILE)]
    meeting.refresh_from_db()
    assert meeting.status == Status.SUBMITTED
    fresh = Meeting.objects.get(pk=meeting.pk)
    services.meeting_approve(meeting=meeting, by=users.office, version=fresh.updated_at)
    meeting.refresh_from_db()
    assert meeting.status == Status.APPROVED


def _in_thread(target, errors):
    def run():
        try:
            target()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.postgres
@pytest.mark.parametrize("rounds", [5])
def test_approval_racing_a_portal_edit_is_never_lost(transactional_db, tree, users, rounds):
    """Two connections: the approver holds the row while the editor (who read the record before)
    saves. Every round ends approved by the office, with the edit applied on top."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    for i in range(rounds):
        meeting = Meeting.objects.create(
            kind=MeetingKind.BRANCH_COMMITTEE,
            organization=tree.a1,
            held_on=DAY,
            topic=f"竞争 {i}",
            status=Status.SUBMITTED,
        )
        stale = Meeting.objects.get(pk=meeting.pk)  # the editor's form was loaded before
        locked = threading.Event()
        errors: list = []

        def approve(meeting=meeting, locked=locked):
            with transaction.atomic():
                services.meeting_approve(meeting=meeting, by=users.office)
                locked.set()
                time.sleep(0.3)  # the editor now waits on the row lock

        def edit(stale=stale, locked=locked, i=i):
            locked.wait(5)
            stale.place = f"会议室 {i}"
            services.meeting_save(meeting=stale, by=users.office)

        threads = [_in_thread(approve, errors), _in_thread(edit, errors)]
        for t in threads:
            t.join(15)
        assert not errors, errors
        meeting.refresh_from_db()
        assert meeting.status == Status.APPROVED, f"round {i}: approval lost"
        assert meeting.reviewed_by == users.office
        assert meeting.place == f"会议室 {i}"


@pytest.mark.postgres
def test_two_approvers_racing_one_wins_the_other_is_told(transactional_db, tree, users):
    """Approve and return at once: one wins, the other gets the Chinese refusal, never both."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    meeting = Meeting.objects.create(
        kind=MeetingKind.BRANCH_COMMITTEE,
        organization=tree.a1,
        held_on=DAY,
        topic="双人审核",
        status=Status.SUBMITTED,
    )
    start = threading.Barrier(2)
    errors: list = []

    def approve():
        start.wait(5)
        services.meeting_approve(meeting=Meeting.objects.get(pk=meeting.pk), by=users.office)

    def give_back():
        start.wait(5)
        services.meeting_return(
            meeting=Meeting.objects.get(pk=meeting.pk), by=users.office, reason="缺少记录"
        )

    threads = [_in_thread(approve, errors), _in_thread(give_back, errors)]
    for t in threads:
        t.join(15)
    assert len(errors) == 1, errors
    assert isinstance(errors[0], ValidationError)
    assert errors[0].messages == [str(services.MSG_NOT_SUBMITTED)]
    meeting.refresh_from_db()
    assert meeting.status in (Status.APPROVED, Status.RETURNED)
