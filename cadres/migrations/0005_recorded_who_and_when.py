"""Who entered a mentoring log entry and when: ``created_by``/``created_at`` become the one name
every app uses (``chengjiang.models.Recorded``: ``recorded_by``/``recorded_at``), data kept."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cadres", "0004_chinese_constraint_messages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("mentoringlog", "created_by", "recorded_by"),
        migrations.RenameField("mentoringlog", "created_at", "recorded_at"),
        migrations.AlterField(
            model_name="mentoringlog",
            name="recorded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="entered by",
            ),
        ),
        migrations.AlterField(
            model_name="mentoringlog",
            name="recorded_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="entered at"),
        ),
    ]
