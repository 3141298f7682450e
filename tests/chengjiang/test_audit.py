"""The audit trail: every create, update and delete — through services, the portal and the admin —
records who, when, from which address and what changed, with ID numbers and phones masked; office
staff read it (scoped), and no one can change or delete it through the admin."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from branches import services
from branches.models import Member, Village
from chengjiang.access import SYSTEM
from chengjiang.accounts.models import PersonalDataAccess
from chengjiang.accounts.roles import DOMAIN_APPS
from chengjiang.personal_data import is_personal_field
from tests.factories import UserFactory, valid_id_number

from .trust_data import rich as rich_fixture

rich = rich_fixture

CLIENT = "203.0.113.7"
# Domain models that need no audit trail (say why when adding one).
NOT_AUDITED: set[str] = {
    # derived figures recomputed from audited records on every write: no one edits them
    "worktasks.MonthlyFigure",
    "worktasks.SummaryState",
    "branches.CadenceCount",  # the kept 三会一课 cells (branches/cadence.py)
    "branches.CadenceYear",
}


def _domain_models():
    for model in apps.get_models():
        if model._meta.app_label in DOMAIN_APPS and not model._meta.auto_created:
            yield model


def _entries(obj):
    return LogEntry.objects.get_for_object(obj).order_by("timestamp", "pk")


def _entry_text(entry: LogEntry) -> str:
    return json.dumps(
        [
            entry.changes,
            entry.changes_text,
            entry.serialized_data,
            entry.object_repr,
            entry.additional_data,
        ],
        ensure_ascii=False,
        default=str,
    )


def test_every_domain_model_is_audited():
    missing = [
        m._meta.label
        for m in _domain_models()
        if not auditlog.contains(m) and m._meta.label not in NOT_AUDITED
    ]
    assert not missing, f"register these in <app>/audit.py: {missing}"


def test_every_personal_field_is_masked_in_the_trail():
    unmasked = []
    for model in _domain_models():
        if not auditlog.contains(model):
            continue
        masked = set(auditlog.get_model_fields(model).get("mask_fields") or [])
        for field in model._meta.concrete_fields:
            if is_personal_field(field.name) and field.name not in masked:
                unmasked.append(f"{model._meta.label}.{field.name}")
    assert not unmasked, f"add mask_fields=[...] for: {unmasked}"


# --- through the services ---------------------------------------------------------------------


@pytest.mark.django_db
def test_service_writes_record_who_when_where_and_what_masked(tree, users):
    id_number = valid_id_number(datetime.date(1975, 6, 1))
    phone, new_phone = "13912345678", "13787654321"
    before = timezone.now()
    with set_actor(users.office, remote_addr=CLIENT):
        member = services.member_save(
            member=Member(
                name="王芳",
                gender="F",
                birth_date=datetime.date(1975, 6, 1),
                id_number=id_number,
                phone=phone,
                joined_on=datetime.date(2000, 7, 1),
                branch=tree.a1,
            ),
            by=SYSTEM,
        )
        member.phone = new_phone
        services.member_save(member=member, by=SYSTEM)
        pk = member.pk
        member.delete()

    created, updated, deleted = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Member), object_id=pk
    ).order_by("timestamp", "pk")
    assert [created.action, updated.action, deleted.action] == [
        LogEntry.Action.CREATE,
        LogEntry.Action.UPDATE,
        LogEntry.Action.DELETE,
    ]
    for entry in (created, updated, deleted):
        assert entry.actor == users.office
        assert entry.remote_addr == CLIENT
        assert entry.timestamp >= before
        text = _entry_text(entry)
        for secret in (id_number, phone, new_phone, id_number[6:14]):
            assert secret not in text, f"{secret} in {entry.get_action_display()}: {text}"
    assert updated.changes_dict["phone"] == ["139****5678", "137****4321"]
    assert created.changes_dict["id_number"][1] == id_number[:6] + "********" + id_number[-4:]
    assert created.changes_dict["name"][1] == "王芳"


@pytest.mark.django_db
def test_review_workflow_is_audited(rich, users):
    with set_actor(users.sec_a, remote_addr=CLIENT):
        services.meeting_submit(meeting=rich.meeting, by=users.sec_a)
    with set_actor(users.office, remote_addr="192.0.2.9"):
        services.meeting_approve(meeting=rich.meeting, by=users.office)
    submit, approve = list(_entries(rich.meeting).filter(action=LogEntry.Action.UPDATE))[-2:]
    assert (submit.actor, submit.remote_addr) == (users.sec_a, CLIENT)
    assert submit.changes_dict["status"] == ["draft", "submitted"]
    assert (approve.actor, approve.remote_addr) == (users.office, "192.0.2.9")
    assert approve.changes_dict["status"] == ["submitted", "approved"]


@pytest.mark.django_db
def test_child_rows_written_by_a_service_are_audited(rich):
    attendance = rich.meeting.attendances.first()
    assert _entries(attendance).filter(action=LogEntry.Action.CREATE).exists()
    assert _entries(rich.attachment).filter(action=LogEntry.Action.CREATE).exists()


@pytest.mark.django_db
def test_dissolving_audits_the_ended_secretary_term(tree):
    from branches.models import SecretaryTerm

    org = services.organization_establish(
        name="临时支部", kind="branch", parent=tree.a, date=datetime.date(2020, 1, 1), by=SYSTEM
    )
    member = Member.objects.create(
        name="赵六",
        gender="M",
        birth_date=datetime.date(1980, 1, 1),
        id_number=valid_id_number(),
        joined_on=datetime.date(2000, 1, 1),
        branch=org,
    )
    term = services.secretary_appoint(
        organization=org, member=member, date=datetime.date(2021, 1, 1), by=SYSTEM
    )
    services.organization_dissolve(organization=org, date=datetime.date(2022, 1, 1), by=SYSTEM)
    assert SecretaryTerm.objects.get(pk=term.pk).ended_on == datetime.date(2022, 1, 1)
    assert _entries(term).filter(action=LogEntry.Action.UPDATE).exists()


# --- through requests (portal and admin): the actor and address come from the request ----------


@pytest.mark.django_db
def test_portal_request_records_actor_and_proxied_address(login, users, rich, settings):
    settings.PROXY_COUNT = 1
    client = login(users.sec_a)
    response = client.post(
        reverse("branches:meeting_submit", args=[rich.meeting.pk]),
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"6.6.6.6, {CLIENT}",  # the left entry is forged
    )
    assert response.status_code == 302
    entry = _entries(rich.meeting).filter(action=LogEntry.Action.UPDATE).last()
    assert entry.actor == users.sec_a
    assert entry.remote_addr == CLIENT
    assert entry.changes_dict["status"][1] == "submitted"


def _admin_post_data(model_admin, request, obj):
    form = model_admin.get_form(request, obj)
    data = {}
    for name, value in model_to_dict(obj, fields=list(form.base_fields)).items():
        if value is None:
            data[name] = ""
        elif isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        else:
            data[name] = value
    # Inline formsets: submit each as empty (no rows added, none changed).
    for inline in model_admin.get_inline_instances(request, obj):
        formset_class = inline.get_formset(request, obj)
        prefix = formset_class.get_default_prefix()
        existing = (
            inline.get_queryset(request).filter(**{formset_class.fk.name: obj}).count()
            if obj
            else 0
        )
        data[f"{prefix}-TOTAL_FORMS"] = str(existing)
        data[f"{prefix}-INITIAL_FORMS"] = str(existing)
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for i, row in enumerate(
            inline.get_queryset(request).filter(**{formset_class.fk.name: obj}) if obj else []
        ):
            data[f"{prefix}-{i}-id"] = row.pk
            data[f"{prefix}-{i}-{formset_class.fk.name}"] = obj.pk
            for name, value in model_to_dict(row).items():
                if name not in ("id", formset_class.fk.name):
                    data[f"{prefix}-{i}-{name}"] = "" if value is None else value
    return data


@pytest.mark.django_db
def test_admin_change_records_actor_address_and_masked_diff(login, users, tree, rf):
    member = tree.a_members[0]
    old_phone = member.phone
    client = login(users.office)
    model_admin = admin.site._registry[Member]
    request = rf.get("/")
    request.user = users.office
    data = _admin_post_data(model_admin, request, member)
    data["phone"] = "13600001111"
    data["_save"] = "Save"
    response = client.post(
        reverse("admin:branches_member_change", args=[member.pk]), data, REMOTE_ADDR=CLIENT
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = _entries(member).filter(action=LogEntry.Action.UPDATE).last()
    assert entry.actor == users.office
    assert entry.remote_addr == CLIENT
    assert entry.changes_dict["phone"] == [
        old_phone[:3] + "****" + old_phone[-4:],
        "136****1111",
    ]
    assert old_phone not in _entry_text(entry) and "13600001111" not in _entry_text(entry)


@pytest.mark.django_db
def test_admin_add_and_delete_are_recorded(login, users):
    # A superuser: a village with no organisation yet is outside every organisation's scope.
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client = login(admin_user)
    response = client.post(
        reverse("admin:branches_village_add"),
        {"name": "新建村", "kind": "village", "_save": "Save"},
        REMOTE_ADDR=CLIENT,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    village = Village.objects.get(name="新建村")
    response = client.post(
        reverse("admin:branches_village_delete", args=[village.pk]),
        {"post": "yes"},
        REMOTE_ADDR=CLIENT,
    )
    assert response.status_code == 302
    assert not Village.objects.filter(pk=village.pk).exists()
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Village), object_id=village.pk
    ).order_by("timestamp", "pk")
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.DELETE]
    assert all(e.actor == admin_user and e.remote_addr == CLIENT for e in entries)


# --- the trail itself is read-only --------------------------------------------------------------

READ_ONLY_MODELS = [LogEntry, PersonalDataAccess]


@pytest.fixture
def some_entries(rich, users):
    with set_actor(users.office, remote_addr=CLIENT):
        services.meeting_submit(meeting=rich.meeting, by=users.office)
    PersonalDataAccess.objects.create(user=users.office, field="phone", object_repr="x")
    return {model: model.objects.order_by("pk").first() for model in READ_ONLY_MODELS}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["office", "superuser"])
def test_no_one_can_change_or_delete_audit_records_in_the_admin(login, users, some_entries, who):
    user = users.office if who == "office" else UserFactory(is_staff=True, is_superuser=True)
    client = login(user)
    for model, obj in some_entries.items():
        info = (model._meta.app_label, model._meta.model_name)
        count = model.objects.count()
        snapshot = model_to_dict(obj)
        changelist = reverse("admin:%s_%s_changelist" % info)
        assert client.get(changelist).status_code == 200
        change = reverse("admin:%s_%s_change" % info, args=[obj.pk])
        page = client.get(change)
        assert page.status_code == 200  # readable ...
        assert b'name="_save"' not in page.content  # ... but not editable
        assert client.post(change, {"field": "x", "object_repr": "x"}).status_code == 403
        assert client.get(reverse("admin:%s_%s_add" % info)).status_code == 403
        assert client.post(reverse("admin:%s_%s_add" % info), {}).status_code == 403
        delete = reverse("admin:%s_%s_delete" % info, args=[obj.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        client.post(
            changelist,
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        assert model.objects.count() == count
        obj.refresh_from_db()
        assert model_to_dict(obj) == snapshot


@pytest.mark.django_db
def test_admin_registry_has_no_writable_audit_model(rf, users):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    request = rf.get("/")
    request.user = superuser
    for model in READ_ONLY_MODELS:
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
        assert "delete_selected" not in model_admin.get_actions(request)


@pytest.mark.django_db
def test_audit_trail_is_scoped(login, users, rich):
    from django.contrib.auth.models import Permission

    with set_actor(users.office, remote_addr=CLIENT):
        services.meeting_submit(meeting=rich.meeting, by=users.office)
        services.meeting_submit(meeting=rich.b_meeting, by=users.office)
    users.sec_a.is_staff = True
    users.sec_a.save()
    users.sec_a.user_permissions.add(
        Permission.objects.get(codename="view_logentry", content_type__app_label="auditlog")
    )
    response = login(users.sec_a).get(reverse("admin:auditlog_logentry_changelist") + "?all=")
    assert response.status_code == 200
    entries = list(response.context["cl"].queryset)
    assert any(
        e.object_id == rich.meeting.pk and e.content_type.model == "meeting" for e in entries
    )
    assert not any(
        e.object_id == rich.b_meeting.pk and e.content_type.model == "meeting" for e in entries
    )
    # The whole-tree office sees both villages' entries.
    office = login(users.office).get(reverse("admin:auditlog_logentry_changelist"))
    ids = {(e.content_type.model, e.object_id) for e in office.context["cl"].queryset}
    assert {("meeting", rich.meeting.pk), ("meeting", rich.b_meeting.pk)} <= ids


@pytest.mark.django_db
def test_leadership_and_secretaries_cannot_read_the_trail(login, users):
    for user in (users.sec_a, users.leader):
        response = login(user).get(reverse("admin:auditlog_logentry_changelist"))
        assert response.status_code in (302, 403)


def test_masked_values_have_the_portal_shape():
    from chengjiang.personal_data import mask_for_audit

    assert mask_for_audit("34180219800101001X") == "341802********001X"
    assert mask_for_audit("13912345678") == "139****5678"
    assert mask_for_audit("") == ""
    assert mask_for_audit("None") == "None"
    assert not re.search(r"\d{5}", mask_for_audit("0563-1234567"))
