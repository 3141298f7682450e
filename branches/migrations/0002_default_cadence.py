"""Seed the default 三会一课 cadence (kept as data, changeable in the admin)."""

from django.db import migrations

DEFAULT_RULES = (
    # meeting kind, period, at least, organisation kinds
    ("branch_assembly", "quarter", 1, "branch"),
    ("branch_committee", "month", 1, "branch"),
    ("group_meeting", "month", 1, "group"),
    ("party_lecture", "quarter", 1, "branch"),
    ("theme_day", "month", 1, "branch"),
    ("org_life", "year", 1, "branch"),
)


def seed(apps, schema_editor):
    CadenceRule = apps.get_model("branches", "CadenceRule")
    for kind, period, min_count, org_kinds in DEFAULT_RULES:
        # get_or_create: never overwrite a rule someone has changed in the admin
        CadenceRule.objects.get_or_create(
            meeting_kind=kind,
            defaults={"period": period, "min_count": min_count, "org_kinds": org_kinds},
        )


def unseed(apps, schema_editor):
    CadenceRule = apps.get_model("branches", "CadenceRule")
    CadenceRule.objects.filter(meeting_kind__in=[r[0] for r in DEFAULT_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("branches", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
