"""Attendance statuses and 应到 of the stored meetings; then ``present`` becomes a column the
database generates from the status, and leave needs a reason.

A migration of its own (its own transaction): rows are updated before the table is altered.
"""

from django.db import migrations, models


def absences_were_leave(apps, schema_editor):
    """Before this migration every absence had a reason (the leave list): they are 请假."""
    Attendance = apps.get_model("branches", "Attendance")
    Attendance.objects.filter(present=False).update(status="leave")


def expected_was_the_list(apps, schema_editor):
    """Stored meetings expected those on their attendance list (应到 = the list); one statement."""
    Meeting = apps.get_model("branches", "Meeting")
    Attendance = apps.get_model("branches", "Attendance")
    lines = (
        Attendance.objects.filter(meeting=models.OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(n=models.Count("pk"))
        .values("n")
    )
    Meeting.objects.filter(pk__in=Attendance.objects.values("meeting")).update(
        expected_count=models.Subquery(lines)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0010_meeting_minutes_and_leadership_teams"),
    ]

    operations = [
        migrations.RunPython(absences_were_leave, migrations.RunPython.noop),
        migrations.RunPython(expected_was_the_list, migrations.RunPython.noop),
        migrations.RemoveField(model_name="attendance", name="present"),
        migrations.AddField(
            model_name="attendance",
            name="present",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Q(("status", "present")),
                output_field=models.BooleanField(verbose_name="present"),
                verbose_name="present",
            ),
        ),
        migrations.AddConstraint(
            model_name="attendance",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "leave"), _negated=True),
                    models.Q(("absence_reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="leave_needs_reason",
                violation_error_message="Leave needs a reason.",
            ),
        ),
    ]
