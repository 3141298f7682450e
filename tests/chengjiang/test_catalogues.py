"""Django merges every catalogue into one per language (the project's first, then the apps' in
INSTALLED_APPS order): a text two apps translate differently reads as one app's meaning on the
other's pages (the work task's "title" read 课程名称, the training base's). A text with two
meanings takes a context (``pgettext``) instead."""

import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

BASE = Path(settings.BASE_DIR)


def _catalogues(domain):
    for mo in sorted(BASE.glob(f"**/locale/zh_Hans/LC_MESSAGES/{domain}.mo")):
        if ".venv" in mo.parts:
            continue
        with mo.open("rb") as f:
            yield str(mo.relative_to(BASE)), gettext.GNUTranslations(f)._catalog


def test_no_text_is_translated_two_ways_across_the_catalogues():
    seen: dict = {}
    for path, catalogue in _catalogues("django"):
        for key, value in catalogue.items():
            if key:  # "" is the header
                seen.setdefault(key, {})[path] = value
    clashes = {
        str(key).replace("\x04", " | "): where
        for key, where in seen.items()
        if len(set(where.values())) > 1
    }
    assert not clashes, clashes


@pytest.mark.parametrize(
    ("model", "field", "expected"),
    [
        ("worktasks.Task", "title", "任务名称"),
        ("worktasks.Task", "description", "任务内容"),
        ("worktasks.Evidence", "content_type", "文件类型"),
        ("training.Course", "title", "课程名称"),
    ],
)
def test_a_field_reads_its_own_apps_meaning(model, field, expected):
    from django.apps import apps

    with translation.override("zh-hans"):
        label = apps.get_model(model)._meta.get_field(field).verbose_name
        assert str(label) == expected


def test_the_admins_two_list_picker_speaks_chinese(client, users, login):
    """Django 5.2's SelectFilter texts are newer than its zh_Hans catalogue (the project's
    djangojs catalogue supplies them)."""
    body = login(users.office).get(reverse("admin:jsi18n")).content.decode()
    assert '"Choose all %s": "\\u5168\\u9009' in body or '"Choose all %s": "全选' in body
    for text in ("Choose selected %s", "Remove all %s", "Remove selected %s"):
        assert f'"{text}":' in body, text
