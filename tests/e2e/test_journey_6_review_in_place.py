"""Journey 6: office staff review where they are. On a phone, the office lands on a home with the
待审核 queue; it opens the oldest record from the queue and returns it (the reason is required:
an empty one is refused in Chinese and nothing changes), then approves the next from its page.
Leadership lands on the dashboard."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from branches import services
from branches.models import Meeting, MeetingKind, Member, Organization, Status

pytestmark = pytest.mark.e2e

GROUP = "花园村第一党支部第二党小组"
REASON = "请补充出席人员签到表。"


def _submitted(topic: str) -> Meeting:
    group = Organization.objects.get(name=GROUP)
    secretary = get_user_model().objects.get(username="huayuan")
    members = list(Member.objects.of_organization(group).order_by("pk"))
    meeting = services.meeting_save(
        meeting=Meeting(
            organization=group,
            kind=MeetingKind.GROUP_MEETING,
            held_on=timezone.localdate(),
            place="花园村党群服务中心",
            host=members[0],
            topic=topic,
            minutes="学习条例。",
        ),
        attendance=[services.AttendanceLine(member=m, present=True) for m in members],
        by=secretary,
    )
    return services.meeting_submit(meeting=meeting, by=secretary)


def test_office_reviews_from_the_queue_on_a_phone(phone, desktop, zh):
    first = _submitted("审核队列第一条（e2e）")
    second = _submitted("审核队列第二条（e2e）")
    page = phone.page

    phone.login("office")
    queue = page.locator("section[aria-labelledby=queue-title] li")
    topics = [t for t in queue.all_inner_texts() if "（e2e）" in t]
    assert len(topics) == 2 and first.topic in topics[0], "the queue is not oldest first"
    phone.shot("01-office-home-queue")

    # open the oldest from the queue: its page offers 审核通过 and 退回
    with page.expect_navigation():
        queue.filter(has_text=first.topic).locator("a").first.click()
    assert page.locator("main button", has_text=zh("Approve")).count() == 1
    phone.shot("02-record-with-review")

    # 退回 without a reason: refused in Chinese, nothing changes
    form = page.locator("main form.branches-return-form")
    form.locator("textarea").evaluate("el => el.removeAttribute('required')")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert str(services.MSG_RETURN_REASON) in page.locator("main").inner_text()
    first.refresh_from_db()
    assert first.status == Status.SUBMITTED
    phone.shot("03-reason-required")

    page.locator("main textarea[name=reason]").fill(REASON)
    with page.expect_navigation():
        page.locator("main form.branches-return-form button[type=submit]").click()
    first.refresh_from_db()
    assert (first.status, first.return_reason) == (Status.RETURNED, REASON)
    assert first.topic in page.locator("main").inner_text()
    phone.shot("04-returned")

    # the next one, approved from its page; the message names it and its new state
    phone.goto(second.get_absolute_url())
    with page.expect_navigation():
        page.locator("main button", has_text=zh("Approve")).click()
    second.refresh_from_db()
    assert second.status == Status.APPROVED and second.reviewed_by.username == "office"
    alert = page.locator(".alert").first.inner_text()
    assert second.topic in alert and str(Status.APPROVED.label) in alert
    phone.shot("05-approved")

    # leadership lands on the dashboard
    desktop.login("leader")
    assert desktop.path().startswith("/dashboard/"), desktop.path()
    desktop.shot("06-leader-lands-on-dashboard")
