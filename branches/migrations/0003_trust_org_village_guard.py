"""An organisation's village agrees with its parent's, in the database itself (see
branches/db_guards.py for the triggers and why)."""

from django.db import migrations


def forward(apps, schema_editor):
    from branches import db_guards

    db_guards.install(schema_editor.connection)


def backward(apps, schema_editor):
    from branches import db_guards

    db_guards.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0002_default_cadence"),
    ]

    operations = [migrations.RunPython(forward, backward)]
