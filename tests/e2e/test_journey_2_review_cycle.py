"""Journey 2: office staff at a desk return a submitted meeting with a reason; the secretary (on
a phone) reads the reason, edits and resubmits; office staff approve; the dashboard's 三会一课
due-vs-done matrix and the secretary's "due this quarter" change accordingly.
"""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from branches import services
from branches.models import Meeting, MeetingKind, Member, Organization, Status

from .helpers import admin_action, admin_find, matrix_rows, submit_main_form

pytestmark = pytest.mark.e2e

GROUP = "花园村第一党支部第二党小组"
VILLAGE_COMMITTEE = "中共澄江街道花园村委员会"
TOPIC = "本月党小组会：学习《中国共产党纪律处分条例》（e2e）"
REASON = "会议记录缺少发言要点，请补充后重新提交。"
ADDED = "发言要点：张某谈遵守群众纪律；李某谈廉洁自律。"
CHANGELIST = "/admin/branches/meeting/"


def _submitted_meeting() -> Meeting:
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
            topic=TOPIC,
            minutes="学习条例全文。",
        ),
        attendance=[services.AttendanceLine(member=m, present=True) for m in members],
        by=secretary,
    )
    return services.meeting_submit(meeting=meeting, by=secretary)


def _open_cells(screen) -> list[str]:
    """The secretary's home: this quarter's open (due or overdue) cells of the group."""
    screen.goto("/")
    cells = screen.page.locator("section[aria-labelledby=cadence-title] li")
    return [t for t in cells.all_inner_texts() if GROUP in t]


def test_office_returns_secretary_resubmits_office_approves(phone, desktop, zh):
    meeting = _submitted_meeting()
    office, page = desktop, desktop.page

    # the office opens the dashboard: the group's row in the due-vs-done matrix, before
    # the year of the meeting: /dashboard/ alone opens on the latest year with a checklist
    # the dashboard shows one level at a time: the 三会一课 grid is on the village's level
    village = Organization.objects.get(name=VILLAGE_COMMITTEE)
    this_year = f"/dashboard/?year={timezone.localdate().year}&org={village.pk}"
    office.login("office", next_path=this_year)
    office.goto(this_year)  # the login's ?next= keeps only the first parameter
    assert office.path().startswith("/dashboard/")
    before = matrix_rows(office, GROUP)
    assert before, f"the dashboard's 三会一课 matrix has no row for {GROUP}"
    office.shot("01-dashboard-before")

    # find the submitted meeting in the admin and return it with a reason
    admin_find(office, CHANGELIST, TOPIC)
    office.shot("02-admin-found")
    admin_action(office, TOPIC, "return_action")
    page.locator("textarea[name=reason]").fill(REASON)
    office.shot("03-return-with-reason")
    with page.expect_navigation():
        page.locator("#content-main form input[type=submit]").click()
    meeting.refresh_from_db()
    assert meeting.status == Status.RETURNED, "the return action did not return the meeting"
    assert meeting.return_reason == REASON
    assert page.locator(".messagelist .success, .messagelist li").count() >= 1
    office.shot("04-returned")

    # the secretary sees the reason on the home page and on the record, edits and resubmits
    phone.login("huayuan")
    returned = phone.page.locator("main li").filter(has_text=TOPIC)
    assert returned.count() == 1, "the returned meeting is not among the secretary's records"
    assert REASON in returned.inner_text(), "the home page does not show the reason for return"
    open_before = _open_cells(phone)
    phone.shot("05-home-returned")
    phone.page.locator("main a").filter(has_text=TOPIC).first.click()
    phone.page.wait_for_url(f"**/meetings/{meeting.pk}/")
    assert REASON in phone.page.locator("main").inner_text()
    phone.shot("06-reason-on-record")
    with phone.page.expect_navigation():
        phone.page.locator(f"main a[href='/meetings/{meeting.pk}/edit/']").click()
    minutes = phone.page.locator("main textarea[name=minutes]")
    minutes.fill(minutes.input_value() + "\n" + ADDED)
    submit_main_form(phone)
    # 提交审核 is a link to a confirmation step (no JavaScript needed), then the form there
    with phone.page.expect_navigation():
        phone.page.locator(f"main a[href='/meetings/{meeting.pk}/submit/']").click()
    phone.shot("07a-confirm-submit")
    submit_main_form(phone)
    meeting.refresh_from_db()
    assert meeting.status == Status.SUBMITTED
    assert ADDED in meeting.minutes
    phone.shot("07-resubmitted")

    # the office approves it
    admin_find(office, CHANGELIST, TOPIC)
    admin_action(office, TOPIC, "approve_action")
    meeting.refresh_from_db()
    assert meeting.status == Status.APPROVED, "the approve action did not approve the meeting"
    office.shot("08-approved")

    # the matrix moved: the group's row for this year is not what it was
    office.goto(this_year)
    after = matrix_rows(office, GROUP)
    assert after != before, f"the due-vs-done matrix did not change for {GROUP}: {after}"
    office.shot("09-dashboard-after")

    # and the secretary's "due this quarter" has one open cell fewer for the group
    open_after = _open_cells(phone)
    assert len(open_after) == len(open_before) - 1, (open_before, open_after)
    phone.shot("10-home-after")
