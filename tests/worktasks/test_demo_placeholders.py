"""The demo's invented records read like real ones: no "（示例）…" placeholder is stored, so none
reaches an official page, an export or the year-end summary."""

import io

from django.apps import apps
from django.core.management import call_command
from django.db import models

PLACEHOLDER = "示例"


def test_no_demo_record_holds_a_placeholder(demo_db):
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in {"branches", "cadres", "training", "worktasks"}:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField | models.TextField) and field.concrete:
                hits = model._default_manager.filter(**{f"{field.name}__contains": PLACEHOLDER})
                found += [
                    f"{model.__name__}.{field.name}: {v}"
                    for v in hits.values_list(field.name, flat=True)
                ]
    assert not found, found


def test_the_demo_summary_holds_no_placeholder(demo_db):
    out = io.StringIO()
    call_command("annual_report", "--year", "2024", stdout=out)
    text = out.getvalue()
    assert PLACEHOLDER not in text
    assert "扬州大学高素质农民培训班" in text
