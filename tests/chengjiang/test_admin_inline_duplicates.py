"""An inline with a row twice names the column as people read it (Django's formset names the
field: "请修改member的重复数据")."""

from django.urls import reverse

from branches.models import Attendance
from tests.adminforms import form_data
from tests.factories import MeetingFactory


def test_a_duplicate_inline_row_names_the_column_in_chinese(tree, users, login):
    meeting = MeetingFactory(organization=tree.a1)
    first, second = tree.a_members[:2]
    Attendance.objects.create(meeting=meeting, member=first, status="present")
    Attendance.objects.create(meeting=meeting, member=second, status="present")
    client = login(users.office)
    url = reverse("admin:branches_meeting_change", args=[meeting.pk])
    data = form_data(client.get(url).content.decode(), "meeting_form")
    prefix = "attendances"
    rows = [k for k, v in data.items() if k.startswith(f"{prefix}-") and k.endswith("-member")]
    assert len(rows) == 2, rows
    data[rows[1]] = data[rows[0]]  # the second row names the first row's member
    response = client.post(url, {**data, "_save": "1"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    body = response.content.decode()
    i = body.find("errorlist")
    assert "请修改党员的重复数据" in body, body[i : i + 400]
    assert "member的" not in body
    assert set(meeting.attendances.values_list("member", flat=True)) == {first.pk, second.pk}
