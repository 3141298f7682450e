"""Who entered a record and when has one name everywhere: ``chengjiang.models.Recorded``."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings

from chengjiang.models import Recorded

DOMAIN_APPS = ("branches", "cadres", "training", "worktasks")
# Other names the same fact went by before (issue 13 §2).
OTHER_NAMES = {"created_by", "uploaded_by", "entered_by", "created_at", "uploaded_at"}


def _domain_models():
    for config in apps.get_app_configs():
        if config.label in DOMAIN_APPS:
            yield from config.get_models()


@pytest.mark.parametrize("model", list(_domain_models()), ids=lambda m: m._meta.label)
def test_who_and_when_have_one_name(model):
    names = {f.name for f in model._meta.concrete_fields}
    assert not names & OTHER_NAMES, f"{model._meta.label}: {sorted(names & OTHER_NAMES)}"
    if "recorded_by" in names or "recorded_at" in names:
        assert issubclass(model, Recorded), model._meta.label


@pytest.mark.parametrize(
    "label",
    [
        "branches.Meeting",
        "branches.Talk",
        "branches.OrgChange",
        "cadres.MentoringLog",
        "worktasks.Evidence",
    ],
)
def test_records_that_name_their_author_share_the_base(label):
    model = apps.get_model(label)
    assert issubclass(model, Recorded)
    field = model._meta.get_field("recorded_by")
    assert field.related_model._meta.label == settings.AUTH_USER_MODEL
    assert field.null  # nobody for SYSTEM
    assert model._meta.get_field("recorded_at").auto_now_add
