"""Office staff add, edit (unchanged and changed) and delete one record of every admin page.

The walk covers ``admin.site._registry``, so a new ModelAdmin is covered the day it is
registered. Every post carries the page's own fields, inline formsets and management forms,
read from the HTML as a browser reads them (tests/adminforms.py). A page the office may not
write to must say so (403), and is listed in READ_ONLY with the reason.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import reverse

from chengjiang.access import SYSTEM
from chengjiang.personal_data import id_check_digit
from tests.adminforms import form_data


def _label(model) -> str:
    return model._meta.label


REGISTERED = sorted(admin.site._registry, key=_label)

# Pages the office reads but does not write, and why (the test proves the admin refuses).
READ_ONLY = {
    "auth.Group": "roles are kept by chengjiang.accounts.roles",
    "axes.AccessAttempt": "written by django-axes",
    "axes.AccessLog": "written by django-axes",
    "axes.AccessFailureLog": "written by django-axes",
    "accounts.PersonalDataAccess": "written when personal data is shown",
    "auditlog.LogEntry": "written by django-auditlog",
    "accounts.User": "accounts are kept by superusers",
    "branches.OrgChange": "recorded by the tree services",
    "branches.SecretaryTerm": "recorded by the secretary_appoint service",
    "cadres.GroupMeeting": "recorded by group_meeting_record (the candidates' ballot action)",
}
# A new record the office cannot see once added, as scope is decided by what points at it
# (a village is seen through the organisations of the village; it has none when new).
INVISIBLE_WHEN_NEW = {"branches.Village"}
# Pages where office staff add through their own form rather than the model form.
ADD_ELSEWHERE = {
    "branches.Organization": "admin:branches_organization_establish",
}


def _other_member(obj, data):
    """An attendee changed to another member of the same branch, not yet in the class."""
    from branches.models import Member

    taken = obj.training_class.attendees.exclude(member=None).values("member")
    other = Member.objects.exclude(pk__in=taken).order_by("pk").first()
    return {"member": str(other.pk), "reserve_cadre": ""}


# Where no plain text field is on the form (or its text has a format): what to change (the
# first field named is the one checked afterwards).
CHANGES = {
    "branches.CadenceRule": lambda obj, data: {"min_count": str(int(data["min_count"]) + 1)},
    "branches.Village": lambda obj, data: {
        "kind": "community" if data["kind"] == "village" else "village"
    },
    "training.Attendee": _other_member,
    "training.SessionAttendance": lambda obj, data: {"hours": "0.5"},
    "cadres.VillageCommitteeTerm": lambda obj, data: {"ends_on": "2026-12-31"},
}


def _new_attendee(record) -> str:
    """A member enrolled in the session's class for the copy (every attendee has a record)."""
    from branches.models import Member
    from training import services

    klass = record.session.training_class
    taken = klass.attendees.exclude(member=None).values("member")
    member = Member.objects.exclude(pk__in=taken).order_by("pk").first()
    return str(services.attendee_enrol(training_class=klass, member=member, by=SYSTEM).pk)


def _log_of_an_open_pairing() -> dict:
    """No entry is added to an ended pairing: the copy goes to an open one."""
    from cadres.models import Pairing

    pairing = Pairing.objects.filter(ended_on__isnull=True).order_by("pk").first()
    return {"pairing": str(pairing.pk), "date": pairing.started_on.isoformat(), "mentor": ""}


def _new_id(obj, copy) -> dict:
    """A valid ID number of the copy's own (same birth date, a sequence of its own)."""
    birth = getattr(obj, "birth_date", None) or datetime.date(1990, 1, 1)
    first17 = f"341899{birth:%Y%m%d}999"
    return {"id_number": first17 + id_check_digit(first17), "birth_date": birth.isoformat()}


# Adding a copy needs a value of its own where the model keeps it unique or exclusive.
ADD_VALUES = {
    "branches.Village": lambda obj, copy: {"name": obj.name + "副本"},
    "branches.Member": _new_id,
    "branches.CadenceRule": lambda obj, copy: {"meeting_kind": "democratic_life", "period": "year"},
    "cadres.VillageGroup": lambda obj, copy: {"name": obj.name + "副本"},
    "cadres.GroupFigures": lambda obj, copy: {"effective_from": "2020-01-01"},
    "cadres.PayScale": lambda obj, copy: {"effective_from": "2015-01-01"},
    "cadres.Candidate": _new_id,
    "cadres.Applicant": _new_id,
    "cadres.ReserveCadre": _new_id,
    "cadres.VillageCadre": _new_id,
    "cadres.VillageCommitteeTerm": lambda obj, copy: {
        "starts_on": "2011-10-08",
        "ends_on": "",
    },
    "training.TrainingBase": lambda obj, copy: {"name": obj.name + "副本"},
    "training.Facility": lambda obj, copy: {"name": obj.name + "副本"},
    "training.Course": lambda obj, copy: {"title": obj.title + "副本"},
    "training.Session": lambda obj, copy: {"starts_at_1": "06:00", "ends_at_1": "06:45"},
    "training.TrainingClass": lambda obj, copy: {
        "name": obj.name + "副本",
        **{k: "" for k in copy if k.startswith("sessions-") and k.endswith("-facility")},
    },
    "training.Attendee": lambda obj, copy: _other_member(obj, copy),
    "training.SessionAttendance": lambda obj, copy: {"attendee": _new_attendee(obj)},
    "cadres.Pairing": lambda obj, copy: {k: "0" for k in copy if k.endswith("-TOTAL_FORMS")},
    "cadres.MentoringLog": lambda obj, copy: _log_of_an_open_pairing(),
    "worktasks.Checklist": lambda obj, copy: {
        "year": str(obj.year - 10),
        **{k: "0" for k in copy if k.endswith("-TOTAL_FORMS")},
    },
    "worktasks.Task": lambda obj, copy: {"number": "99"},
}


@pytest.fixture
def office(demo_db, client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="office")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return user


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _errors(response) -> str:
    """What the page refused, for the assertion message."""
    context = response.context or {}
    out = []
    adminform = context.get("adminform")
    if adminform is not None:
        out.append(repr(adminform.form.errors))
    for inline in context.get("inline_admin_formsets", []) or []:
        out.append(repr(inline.formset.errors) + repr(inline.formset.non_form_errors()))
    out.extend(str(m) for m in context.get("messages", []) or [])
    return "; ".join(out) or response.content.decode()[:2000]


def _snapshot(model, pk) -> dict:
    obj = model._default_manager.get(pk=pk)
    data = model_to_dict(obj)
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False):
            data.pop(field.name, None)
    related = {}
    for rel in model._meta.related_objects:
        if rel.one_to_many and not rel.hidden:
            accessor = rel.get_accessor_name()
            rows = getattr(obj, accessor).values()
            # compared by content: a service may rewrite a list (attendance) as new rows
            related[accessor] = sorted(
                repr(sorted((k, v) for k, v in row.items() if k != "id")) for row in rows
            )
    return {**data, **related}


def _free_text_field(model, data) -> str | None:
    """A plain text field on the form that any value fits (no choices, no format)."""
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField) or field.choices:
            continue
        if field.unique or field.name not in data or isinstance(data[field.name], list):
            continue
        plain = (MaxLengthValidator, ProhibitNullCharactersValidator)
        if any(not isinstance(v, plain) for v in field.validators):
            continue
        if field.max_length and len(data[field.name]) + 1 > field.max_length:
            continue
        return field.name
    return None


def _office_may(model, office, action) -> bool:
    request = RequestFactory().get("/")
    request.user = office
    model_admin = admin.site._registry[model]
    if action == "add":
        return model_admin.has_add_permission(request)
    return getattr(model_admin, f"has_{action}_permission")(request, None)


def _inline_prefixes(response):
    return [
        (inline.formset.prefix, inline.formset.fk.name)
        for inline in response.context["inline_admin_formsets"]
    ]


def _as_copy(data: dict, prefixes) -> dict:
    """The change form's data as a new record's: inline rows become new rows of the copy."""
    copy = {}
    for key, value in data.items():
        inline = next((p for p in prefixes if key.startswith(f"{p[0]}-")), None)
        if inline is not None:
            prefix, fk_name = inline
            if key.endswith("-DELETE"):
                continue
            if key.endswith(("-id", f"-{fk_name}")):
                value = ""
            if key == f"{prefix}-INITIAL_FORMS":
                value = "0"
        copy[key] = value
    return copy


def _value(field, obj) -> str:
    value = field.value_from_object(obj)
    if value is None:
        return ""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return str(value)


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_office_adds_edits_and_deletes_every_admin_record(office, client, model):
    label = _label(model)
    if label in READ_ONLY:
        assert not _office_may(model, office, "add"), label
        assert not _office_may(model, office, "change"), label
        assert not _office_may(model, office, "delete"), label
        assert client.get(_url(model, "add")).status_code == 403
        return
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = office
    obj = model_admin.get_queryset(request).order_by("pk").first()
    assert obj is not None, f"the demo holds no {label}: add one so its admin is walked"

    # edit, unchanged: the page's own data posted back changes nothing and answers no error
    change_url = _url(model, "change", obj.pk)
    page = client.get(change_url)
    assert page.status_code == 200
    form_id = f"{model._meta.model_name}_form"
    data = form_data(page.content.decode(), form_id)
    prefixes = _inline_prefixes(page)
    before = _snapshot(model, obj.pk)
    response = client.post(change_url, {**data, "_save": "1"})
    assert response.status_code == 302, f"{label} unchanged: {_errors(response)}"
    assert _snapshot(model, obj.pk) == before

    # edit, changed: a text field takes a new value (on the page as it now stands)
    data = form_data(client.get(change_url).content.decode(), form_id)
    field = _free_text_field(model, data)
    changes = {field: data[field] + "改"} if field else {}
    if label in CHANGES:
        changes = CHANGES[label](obj, data)
    assert changes, f"{label}: no plain text field to change on the form; see CHANGES"
    field, new_value = next(iter(changes.items()))
    response = client.post(change_url, {**data, **changes, "_save": "1"})
    assert response.status_code == 302, f"{label} changed: {_errors(response)}"
    stored = model._meta.get_field(field).value_from_object(model._default_manager.get(pk=obj.pk))
    assert str(stored) == new_value

    # add: a copy of the record (with its inline rows), made unique where the model says so
    count = model._default_manager.count()
    add_url = _url(model, "add")
    if label in ADD_ELSEWHERE:
        response = client.get(add_url)
        assert response.status_code == 302
        assert response["Location"] == reverse(ADD_ELSEWHERE[label])
        return
    add_page = client.get(add_url)
    assert add_page.status_code == 200
    add_data = form_data(add_page.content.decode(), form_id)
    copy = _as_copy({**data, **changes}, prefixes)
    for name in add_data:  # fields read-only on the change page but typed when adding
        if name not in copy:
            try:
                copy[name] = _value(model._meta.get_field(name), obj)
            except Exception:  # a form-only field: keep the add page's own value
                copy[name] = add_data[name]
    copy.update(ADD_VALUES.get(label, lambda o, c: {})(obj, copy))
    response = client.post(add_url, {**copy, "_save": "1"})
    assert response.status_code == 302, f"{label} added: {_errors(response)}"
    assert model._default_manager.count() == count + 1
    new = model._default_manager.order_by("-pk").first()

    # the copy deleted (its inline rows first, through its change form, when they protect it)
    if label in INVISIBLE_WHEN_NEW:
        return
    delete_url = _url(model, "delete", new.pk)
    assert client.get(delete_url).status_code == 200
    response = client.post(delete_url, {"post": "yes"})
    if response.status_code == 200:  # protected by its inline rows: delete those first
        new_url = _url(model, "change", new.pk)
        page = client.get(new_url)
        data = form_data(page.content.decode(), form_id)
        marked = {}
        for inline in page.context["inline_admin_formsets"]:
            formset = inline.formset
            if formset.can_delete and inline.has_delete_permission:
                for i in range(formset.initial_form_count()):
                    marked[f"{formset.prefix}-{i}-DELETE"] = "on"
        assert marked, f"{label} deleted: {_errors(response)}"
        response = client.post(new_url, {**data, **marked, "_save": "1"})
        assert response.status_code == 302, f"{label} inline rows deleted: {_errors(response)}"
        response = client.post(delete_url, {"post": "yes"})
    assert response.status_code == 302, f"{label} deleted: {_errors(response)}"
    assert not model._default_manager.filter(pk=new.pk).exists()


def test_an_inline_row_refused_by_its_model_rule_is_shown_not_a_server_error(office, client):
    """A task row added on the checklist page lacks a measure: the rule's message is shown."""
    from chengjiang.worktasks.models import Checklist, Task

    checklist = Checklist.objects.order_by("pk").first()
    url = _url(Checklist, "change", checklist.pk)
    page = client.get(url)
    data = form_data(page.content.decode(), "checklist_form")
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    row = {
        f"{prefix}-{total}-number": "98",
        f"{prefix}-{total}-line": data.get(f"{prefix}-0-line", ""),
        f"{prefix}-{total}-title": "新任务",
        f"{prefix}-{total}-weight": "1",
    }
    count = Task.objects.count()
    response = client.post(url, {**data, **row, f"{prefix}-TOTAL_FORMS": str(total + 1)})
    assert response.status_code == 200
    assert "请选择指标，或将任务标为人工填报并填写状态。" in response.content.decode()
    assert Task.objects.count() == count
