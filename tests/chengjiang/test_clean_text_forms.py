"""Control characters never enter through a form: every admin form (inlines too) and every
portal form cleans its text fields with chengjiang.text.clean_text (issue 14: Word's vertical
tab in a meeting topic broke the meeting export)."""

from __future__ import annotations

import datetime
import importlib
import inspect

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from chengjiang.forms import CleanTextMixin

HOSTILE = "甲\v乙\x00丙\x1b"
PORTAL_FORM_MODULES = [
    "branches.forms",
    "cadres.forms",
    "training.forms",
    "chengjiang.worktasks.forms",
]


def _text_fields(form_class):
    return {
        name: field
        for name, field in form_class.base_fields.items()
        if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput)
    }


@pytest.mark.django_db
def test_every_admin_form_and_inline_cleans_text(rf, users):
    request = rf.get("/")
    request.user = users.office
    problems, checked = [], 0
    for model, model_admin in admin.site._registry.items():
        if not (
            model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        ):
            continue  # read-only (audit log, access log): nothing is typed in
        classes = [model_admin.get_form(request)]
        for formset, _inline in model_admin.get_formsets_with_inlines(request):
            classes.append(formset.form)
        for form_class in classes:
            for name, field in _text_fields(form_class).items():
                checked += 1
                try:
                    value = field.to_python(HOSTILE)
                except ValidationError:
                    continue  # refused (e.g. a JSON field): refusing is as good as removing
                if any(c in value for c in "\v\x00\x1b"):
                    problems.append(f"{model._meta.label}.{name}: {value!r}")
    assert checked > 20
    assert not problems, "\n".join(problems)


def test_every_portal_form_cleans_text():
    missing = []
    for module_name in PORTAL_FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, forms.BaseForm)
                and cls.__module__ == module_name
                and not issubclass(cls, CleanTextMixin)
            ):
                missing.append(f"{module_name}.{name}")
    assert not missing, missing


def test_text_area_keeps_the_line_break_a_line_loses_it():
    class Sample(CleanTextMixin, forms.Form):
        name = forms.CharField()
        minutes = forms.CharField(widget=forms.Textarea)

    form = Sample({"name": " 张\v三 ", "minutes": "第一行\v第二行\x00"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"name": "张 三", "minutes": "第一行\n第二行"}


@pytest.mark.django_db
def test_a_meeting_topic_typed_with_a_vertical_tab_is_stored_clean(login, users, tree):
    from branches.models import Meeting, MeetingKind

    client = login(users.sec_a)
    response = client.post(
        f"/meetings/new/?organization={tree.a1.pk}",
        {
            "organization": tree.a1.pk,
            "kind": MeetingKind.BRANCH_COMMITTEE,
            "held_on": datetime.date(2024, 3, 10).isoformat(),
            "topic": "学习\v讨论",
            "minutes": "第一行\v第二行",
            **{f"present_{m.pk}": "on" for m in tree.a_members},
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    meeting = Meeting.objects.get(organization=tree.a1)
    assert meeting.topic == "学习 讨论"
    assert "\v" not in meeting.minutes
