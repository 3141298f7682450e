"""The attendance import preview of its own unchanged export (QA M2b): the session's start, the
session and the person's name are shown as in the file, and nothing is marked changed."""

from decimal import Decimal

import pytest

from chengjiang.access import SYSTEM
from tests.import_preview import (
    admin_export_xlsx,
    assert_preview_shows_the_file,
    marked,
    preview,
    preview_cells,
)
from tests.roundtrip import edit, kinds, reasons, sheet_rows
from tests.training.factories import opening_session
from training import services
from training.models import SessionAttendance
from training.resources import SessionAttendanceResource, TrainingClassResource

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language


@pytest.fixture
def attendance(training, tree):
    session = opening_session(training.internal, training.room)
    for member, present, hours in zip(
        tree.a_members[:2], (True, False), ("1.5", "0"), strict=False
    ):
        attendee = services.attendee_enrol(
            training_class=training.internal, member=member, by=SYSTEM
        )
        services.attendance_save(
            record=SessionAttendance(
                session=session, attendee=attendee, present=present, hours=Decimal(hours)
            ),
            by=SYSTEM,
        )
    return SessionAttendance.objects.order_by("pk")


def test_attendance_unchanged_export_previews_every_column_with_no_marks(attendance, users):
    data = admin_export_xlsx(SessionAttendanceResource, users.office, attendance)
    rows = sheet_rows(data)
    assert all(r["场次开始时间"] and r["场次"] and r["姓名"] for r in rows), rows
    result = preview(SessionAttendanceResource, users.office, data)
    assert reasons(result) == [] and kinds(result) == ["无变化", "无变化"]
    assert_preview_shows_the_file(result, data)
    assert marked(result) == [[], []]


def test_attendance_real_edit_is_the_only_marked_cell(attendance, users):
    data = admin_export_xlsx(SessionAttendanceResource, users.office, attendance)
    result = preview(SessionAttendanceResource, users.office, edit(data, {(0, "认定学时"): 1}))
    assert reasons(result) == [] and kinds(result) == ["修改", "无变化"]
    assert marked(result) == [["认定学时"], []]
    assert preview_cells(result)[0]["认定学时"][0] == "1"


def test_training_classes_unchanged_export_has_no_marks(training, users):
    from training.models import TrainingClass

    queryset = TrainingClass.objects.order_by("pk")
    data = admin_export_xlsx(TrainingClassResource, users.office, queryset)
    result = preview(TrainingClassResource, users.office, data)
    assert reasons(result) == [] and set(kinds(result)) == {"无变化"}
    assert all(m == [] for m in marked(result))
    assert_preview_shows_the_file(result, data)
