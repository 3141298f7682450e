"""The migration to attendance statuses keeps what was recorded: an absence with its reason was
the leave list (请假), and 应到 of a stored meeting is its attendance list."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("branches", "0009_committees_terms_probation")]
AFTER = [("branches", "0011_attendance_status_from_present")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_absences_become_leave_and_expected_is_the_list():
    old = _migrate(BEFORE)
    try:
        Organization = old.get_model("branches", "Organization")
        Member = old.get_model("branches", "Member")
        Meeting = old.get_model("branches", "Meeting")
        Attendance = old.get_model("branches", "Attendance")
        org = Organization.objects.create(name="支部", kind="branch", path="000001/", depth=0)
        people = [
            Member.objects.create(
                name=f"党员{i}",
                gender="M",
                birth_date="1980-01-01",
                id_number=f"34180219800101{i:04d}",
                joined_on="2000-01-01",
                branch=org,
            )
            for i in range(3)
        ]
        meeting = Meeting.objects.create(
            kind="theme_day", organization=org, held_on="2024-01-01", topic="学习"
        )
        Attendance.objects.create(meeting=meeting, member=people[0], present=True)
        Attendance.objects.create(
            meeting=meeting, member=people[1], present=False, absence_reason="病假"
        )
        new = _migrate(AFTER)
        rows = new.get_model("branches", "Attendance").objects.order_by("member__name")
        assert [(a.status, a.present, a.absence_reason) for a in rows] == [
            ("present", True, ""),
            ("leave", False, "病假"),
        ]
        assert new.get_model("branches", "Meeting").objects.get().expected_count == 2
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
