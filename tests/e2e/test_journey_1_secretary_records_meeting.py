"""Journey 1: on a phone, the 花园村 secretary records a 党小组会.

Logs in, sees what is due this quarter, records the meeting with attendance (one absent with a
reason) and a photo, forgets the topic and gets a Chinese error with everything typed kept,
fixes it, saves, submits, and finds it listed as submitted.
"""

import pytest
from django.utils import timezone

from branches.models import Meeting, MeetingKind, Organization, Status

from .helpers import CJK, choose_organization, nav_to, photo, submit_main_form

pytestmark = pytest.mark.e2e

GROUP = "花园村第一党支部第二党小组"
TOPIC = "学习贯彻党的二十届三中全会精神（e2e）"
PLACE = "花园村党群服务中心二楼会议室"
MINUTES = "传达学习全会精神；围绕村集体经济发展交流发言。"
REASON = "外出务工，已请假"


def test_secretary_records_a_party_group_meeting_on_a_phone(phone, desktop, zh):
    page = phone.page
    group = Organization.objects.get(name=GROUP)
    today = timezone.localdate().isoformat()

    # 1. log in (the portal sends an anonymous visitor to the login page)
    phone.goto("/")
    assert "/accounts/login/" in page.url
    phone.shot("01-login")
    phone.login("huayuan")
    assert phone.path() == "/"

    # 2. the home page says what is due this quarter
    cadence = page.locator("#cadence-title")
    cadence.wait_for()
    assert cadence.is_visible(), "the home page does not show this quarter's 三会一课"
    due = page.locator("section[aria-labelledby=cadence-title]")
    assert str(MeetingKind.GROUP_MEETING.label) in due.inner_text()
    assert GROUP in due.inner_text(), f"{GROUP}'s open group meetings are not listed as due"
    phone.shot("02-home-due-this-quarter")

    # 3. a new meeting: step one, the organisation
    with page.expect_navigation():
        page.locator("main a[href='/meetings/new/']").first.click()
    phone.shot("03-choose-organisation")
    choose_organization(phone, group.pk)

    # 4. the form, typed in full but for the topic
    form = page.locator("main form[method=post]")
    form.locator("select[name=kind]").select_option(MeetingKind.GROUP_MEETING.value)
    held_on = form.locator("input[name=held_on]")
    assert held_on.get_attribute("type") == "date", "the meeting date is not a native date input"
    held_on.fill(today)
    form.locator("input[name=starts_at]").fill("19:30")
    form.locator("input[name=place]").fill(PLACE)
    form.locator("select[name=host]").select_option(index=1)
    host = form.locator("select[name=host]").input_value()
    form.locator("textarea[name=minutes]").fill(MINUTES)
    present_boxes = form.locator("input[type=checkbox][name^=present_]")
    assert present_boxes.count() >= 2, "the attendance list shows fewer than two members"
    absent_box = present_boxes.nth(1)
    absent_pk = absent_box.get_attribute("name").removeprefix("present_")
    absent_box.uncheck()
    form.locator(f"input[name=reason_{absent_pk}]").fill(REASON)
    form.locator("input[type=file][name=attachments]").set_input_files(photo())
    phone.shot("04-form-filled")
    submit_main_form(phone)

    # 5. a Chinese error on the topic, and everything typed is still there
    topic = page.locator("main [name=topic]")
    assert "is-invalid" in (topic.get_attribute("class") or ""), "the topic is not marked invalid"
    error = page.locator("main .invalid-feedback").filter(has_text=zh("This field is required."))
    assert error.count() >= 1, "no error under the missing topic"
    assert CJK.search(error.first.inner_text()), "the error under the topic is not in Chinese"
    form = page.locator("main form[method=post]")
    assert form.locator("select[name=kind]").input_value() == MeetingKind.GROUP_MEETING.value
    assert form.locator("input[name=held_on]").input_value() == today
    assert form.locator("input[name=starts_at]").input_value() == "19:30"
    assert form.locator("input[name=place]").input_value() == PLACE
    assert form.locator("select[name=host]").input_value() == host
    assert form.locator("textarea[name=minutes]").input_value() == MINUTES
    assert not form.locator(f"input[name=present_{absent_pk}]").is_checked()
    assert form.locator(f"input[name=reason_{absent_pk}]").input_value() == REASON
    phone.shot("05-missing-topic")

    # 6. fix it: the topic, and the photo again (browsers never keep a chosen file)
    topic.fill(TOPIC)
    form.locator("input[type=file][name=attachments]").set_input_files(photo())
    submit_main_form(phone)
    meeting = Meeting.objects.get(topic=TOPIC)
    assert phone.path() == f"/meetings/{meeting.pk}/"
    assert meeting.status == Status.DRAFT
    assert meeting.attachments.count() == 1
    absent = meeting.attendances.get(present=False)
    assert absent.absence_reason == REASON
    assert REASON in page.locator("main").inner_text(), "the leave list does not show the reason"
    phone.shot("06-saved-draft")

    # 7. submit for review: the link opens a confirmation step, which works without JavaScript
    with page.expect_navigation():
        page.locator(f"main a[href='/meetings/{meeting.pk}/submit/']").click()
    assert "确认提交审核" in page.locator("main").inner_text()
    phone.shot("07a-confirm-submit")
    submit_main_form(phone)
    meeting.refresh_from_db()
    assert meeting.status == Status.SUBMITTED
    assert str(Status.SUBMITTED.label) in page.locator("main").inner_text()
    phone.shot("07-submitted")

    # 8. listed as submitted (through the collapsed navigation, then the list's status filter)
    nav_to(phone, "/meetings/")
    filters = page.locator("main details")
    if filters.get_attribute("open") is None:
        filters.locator("summary").click()
    filters.locator("select[name=status]").select_option(Status.SUBMITTED.value)
    with page.expect_navigation():
        filters.locator("button[type=submit]").click()
    row = page.locator("main li").filter(has_text=TOPIC)
    assert row.count() == 1, "the new meeting is not in the list"
    assert str(Status.SUBMITTED.label) in row.inner_text(), "the list does not say submitted"
    phone.shot("08-listed-as-submitted")

    # the same two screens at a desk
    desktop.login("huayuan")
    desktop.goto(f"/meetings/{meeting.pk}/")
    desktop.shot("07-submitted")
    desktop.goto("/meetings/")
    desktop.shot("08-listed-as-submitted")
