"""The branches imports' preview follows the same rule as every app's (ClassedDiff): a page's
own unchanged export previews as the file — computed columns (应到, 实到) included — with no
cell marked."""

import pytest

from branches.models import Attendance, Meeting, Member
from branches.resources import MeetingResource, MemberResource
from tests.factories import MeetingFactory
from tests.import_preview import (
    admin_export_xlsx,
    assert_preview_shows_the_file,
    marked,
    preview,
)
from tests.roundtrip import kinds, reasons, sheet_rows

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language


def test_meetings_unchanged_export_previews_as_the_file(tree, users):
    meeting = MeetingFactory(organization=tree.a1)
    for member in tree.a_members[:3]:
        Attendance.objects.create(meeting=meeting, member=member, status="present")
    data = admin_export_xlsx(MeetingResource, users.office, Meeting.objects.order_by("pk"))
    assert any(str(v) == "3" for v in sheet_rows(data)[0].values())  # 应到 / 实到 written
    result = preview(MeetingResource, users.office, data)
    assert reasons(result) == [] and kinds(result) == ["无变化"]
    assert_preview_shows_the_file(result, data)
    assert marked(result) == [[]]


def test_members_unchanged_export_previews_as_the_file(tree, users):
    queryset = Member.objects.filter(branch=tree.a1).order_by("pk")
    data = admin_export_xlsx(MemberResource, users.office, queryset)
    result = preview(MemberResource, users.office, data)
    assert reasons(result) == [] and set(kinds(result)) == {"无变化"}
    assert_preview_shows_the_file(result, data)
    assert all(m == [] for m in marked(result))
