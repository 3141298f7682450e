"""No constraint name reaches a user: every model constraint carries a Chinese message."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.utils import translation

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _constraints():
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            yield model, constraint


@pytest.mark.parametrize(
    ("model", "constraint"),
    list(_constraints()),
    ids=lambda v: getattr(v, "name", None) or getattr(v, "__name__", ""),
)
def test_constraint_message_is_chinese_and_names_no_constraint(model, constraint):
    with translation.override("zh-hans"):
        message = str(constraint.get_violation_error_message())
    assert constraint.name not in message, f"{model.__name__}: {message}"
    assert CHINESE.search(message), f"{model.__name__}.{constraint.name}: {message}"
    assert not re.search(r"[A-Za-z]{3,}", message), f"{model.__name__}.{constraint.name}: {message}"


@pytest.mark.django_db
def test_negative_session_hours_reads_chinese():
    from django.core.exceptions import ValidationError

    from training.models import Session

    constraint = next(
        c for c in Session._meta.constraints if c.name == "session_hours_not_negative"
    )
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        constraint.validate(Session, Session(hours=-1))
    text = " ".join(error.value.messages)
    assert "session_hours_not_negative" not in text
    assert "学时" in text
