"""Journey 5: the 花园村 secretary tries 青桥村's records by URL and gets the not-found page."""

import re

import pytest

from branches.models import Meeting, Talk

pytestmark = pytest.mark.e2e

CJK = re.compile(r"[\u4e00-\u9fff]")


def _other_village_records():
    meeting = Meeting.objects.filter(organization__village__name="青桥村").order_by("pk").first()
    talk = Talk.objects.filter(organization__village__name="青桥村").order_by("pk").first()
    assert meeting is not None, "the demo has no 青桥村 meeting"
    return meeting, talk


def test_other_villages_meeting_is_not_found(phone, desktop):
    meeting, talk = _other_village_records()
    for screen in (phone, desktop):
        _try_other_village(screen, meeting, talk)


def _try_other_village(screen, meeting, talk):
    screen.login("huayuan")

    urls = [f"/meetings/{meeting.pk}/", f"/meetings/{meeting.pk}/edit/"]
    if talk is not None:
        urls.append(f"/talks/{talk.pk}/")
    for path in urls:
        screen.expect_status(404, "^" + re.escape(path) + "$")

    response = screen.goto(urls[0])
    assert response.status == 404, f"{urls[0]} answered {response.status} to 花园村's secretary"
    screen.shot("01-not-found")
    body = screen.page.locator("body").inner_text()
    assert meeting.topic not in body, "the not-found page shows the other village's meeting topic"
    assert "青桥村" not in body, "the not-found page names the other village"
    assert CJK.search(body), (
        "the not-found page is not in Chinese (no templates/404.html extending base.html?): "
        f"{body[:120]!r}"
    )
    assert screen.page.locator("a[href='/']").count() >= 1, "the not-found page has no way home"

    for path in urls[1:]:
        response = screen.goto(path)
        assert response.status == 404, f"{path} answered {response.status} to 花园村's secretary"
        assert meeting.topic not in screen.page.content()

    # the secretary's own village still opens
    own = Meeting.objects.filter(organization__village__name="花园村").order_by("pk").first()
    response = screen.goto(f"/meetings/{own.pk}/")
    assert response.status == 200
    screen.shot("02-own-meeting")
