"""Who entered a record and when: one name in every app (``chengjiang.models.Recorded``).

Meetings and talks kept who entered them as ``created_by``; they are renamed (data kept) and get
the ``recorded_at`` they lacked. For rows already stored, the time they were entered was never
kept: they take their ``updated_at`` (the last time they were saved, the nearest known time).
Organisation changes already had ``recorded_by``/``recorded_at``; only the labels change. A
meeting's attachments kept when they were uploaded (``uploaded_at``, renamed) and now also who
uploaded them; for files already stored that was never kept (nobody).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def entered_when_last_saved(apps, schema_editor):
    for name in ("Meeting", "Talk"):
        model = apps.get_model("branches", name)
        model.objects.update(recorded_at=models.F("updated_at"))


def _recorded_by():
    return models.ForeignKey(
        blank=True,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
        verbose_name="entered by",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0007_chinese_constraint_messages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("meeting", "created_by", "recorded_by"),
        migrations.RenameField("talk", "created_by", "recorded_by"),
        migrations.AlterField("meeting", "recorded_by", _recorded_by()),
        migrations.AlterField("talk", "recorded_by", _recorded_by()),
        migrations.AlterField("orgchange", "recorded_by", _recorded_by()),
        migrations.AddField(
            model_name="meeting",
            name="recorded_at",
            field=models.DateTimeField(
                auto_now_add=True,
                default=django.utils.timezone.now,
                verbose_name="entered at",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="talk",
            name="recorded_at",
            field=models.DateTimeField(
                auto_now_add=True,
                default=django.utils.timezone.now,
                verbose_name="entered at",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(entered_when_last_saved, migrations.RunPython.noop),
        migrations.RenameField("meetingattachment", "uploaded_at", "recorded_at"),
        migrations.AlterField(
            model_name="meetingattachment",
            name="recorded_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="entered at"),
        ),
        migrations.AddField(
            model_name="meetingattachment", name="recorded_by", field=_recorded_by()
        ),
        migrations.AlterField(
            model_name="orgchange",
            name="recorded_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="entered at"),
        ),
    ]
