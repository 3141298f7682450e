"""Round trip for training classes: export, change one cell, import (issue 10)."""

import pytest

from chengjiang.access import SYSTEM
from tests.roundtrip import assert_round_trip, export_xlsx, sheet_rows
from training.models import TrainingClass
from training.resources import TrainingClassResource

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language


def test_training_class_round_trip_changes_the_participants(training, users):
    queryset = TrainingClass.objects.order_by("pk")
    assert queryset.count() >= 2
    participants = assert_round_trip(
        TrainingClassResource, users.office, queryset, "参训人数", 12, attribute="participants"
    )
    assert participants == 12


def test_class_contact_phone_is_masked_in_exports(training, users):
    klass = TrainingClass.objects.order_by("pk").first()
    klass.contact_phone = "13912345678"
    klass.save()
    rows = sheet_rows(export_xlsx(TrainingClassResource, users.office, TrainingClass.objects.all()))
    phones = [r["联系电话"] for r in rows]
    assert "13912345678" not in phones and "139****5678" in phones


def test_attendance_round_trip_changes_the_hours(training, users, tree):
    from decimal import Decimal

    from tests.training.factories import opening_session
    from training import services
    from training.models import SessionAttendance
    from training.resources import SessionAttendanceResource

    session = opening_session(training.internal, training.room)
    for member in tree.a_members[:2]:
        attendee = services.attendee_enrol(
            training_class=training.internal, member=member, by=SYSTEM
        )
        services.attendance_save(
            record=SessionAttendance(session=session, attendee=attendee, present=True, hours=2),
            by=SYSTEM,
        )
    hours = assert_round_trip(
        SessionAttendanceResource,
        users.office,
        SessionAttendance.objects.order_by("pk"),
        "认定学时",
        1.5,
        attribute="hours",
    )
    assert hours == Decimal("1.5")
