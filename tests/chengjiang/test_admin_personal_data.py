"""One rule for personal data in the admin, for every model that holds it (issue 14, trust).

Every field declared personal (``personal_data.personal_fields``) of every admin-registered
model: masked and read-only on the change page for staff without the permission, full and
recorded for holders; never recoverable through an undeclared query-string lookup; never
searched through the URL (ID numbers are looked up by POST).
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db.models import Q
from django.urls import reverse

from branches.models import Member, Organization
from chengjiang import personal_data
from chengjiang.accounts import roles
from chengjiang.accounts.models import PersonalDataAccess
from tests.factories import UserFactory

PERSONAL_MODELS = sorted(
    model._meta.label for model in admin.site._registry if personal_data.personal_fields(model)
)


def _url(model, name, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)


def _record(model):
    fields = personal_data.personal_fields(model)
    has_value = Q()
    for f in fields:
        has_value |= ~Q(**{f: ""})
    obj = model._default_manager.filter(has_value).order_by("pk").first()
    assert obj is not None, f"the demo holds no {model._meta.label} with personal values"
    return obj


def _values(obj):
    return {f: getattr(obj, f) for f in personal_data.personal_fields(type(obj)) if getattr(obj, f)}


def _clerk(organization, username="clerk"):
    """Office staff without the personal-data permission (everything else of the role)."""
    user = UserFactory(username=username, organization=organization, is_staff=True)
    office = Group.objects.get(name=roles.OFFICE)
    user.user_permissions.set(office.permissions.exclude(codename="view_personal_data"))
    assert not user.has_perm(personal_data.PERMISSION)
    return user


@pytest.fixture
def clerk(demo_db):
    return _clerk(Organization.objects.get(parent=None))


@pytest.fixture
def holder(demo_db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="office")
    assert user.has_perm(personal_data.PERMISSION)
    return user


def test_every_model_with_personal_fields_is_enumerated():
    # The list the tests below walk: every admin model that holds ID numbers or phones.
    assert {
        "branches.Member",
        "cadres.Candidate",
        "cadres.GroupLeader",
        "cadres.Applicant",
        "cadres.ReserveCadre",
        "cadres.VillageCadre",
        "training.TrainingClass",
    } <= set(PERSONAL_MODELS)


def test_masking_rule_is_one_function():
    assert personal_data.mask_value("contact_phone", "13812345678") == "138****5678"
    assert personal_data.mask_value("id_number", "341802198001010013") == "341802********0013"
    assert personal_data.mask_value("phone", "") == ""


@pytest.mark.parametrize("label", PERSONAL_MODELS)
def test_change_page_masks_for_staff_without_the_permission(client, clerk, label):
    model = apps.get_model(label)
    obj = _record(model)
    client.force_login(clerk)
    response = client.get(_url(model, "change", obj.pk))
    assert response.status_code == 200
    page = response.content.decode()
    for field, value in _values(obj).items():
        assert value not in page, f"{label}.{field} shown in full"
        assert personal_data.mask_value(field, value) in page
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize("label", PERSONAL_MODELS)
def test_change_page_shows_holders_full_values_and_records_each(client, holder, label):
    model = apps.get_model(label)
    obj = _record(model)
    client.force_login(holder)
    response = client.get(_url(model, "change", obj.pk))
    assert response.status_code == 200
    page = response.content.decode()
    values = _values(obj)
    for value in values.values():
        assert value in page
    recorded = PersonalDataAccess.objects.filter(user=holder, object_pk=str(obj.pk))
    assert sorted(recorded.values_list("field", flat=True)) == sorted(values)


@pytest.mark.parametrize("label", PERSONAL_MODELS)
def test_saving_without_the_permission_keeps_the_values(client, clerk, label):
    model = apps.get_model(label)
    obj = _record(model)
    client.force_login(clerk)
    response = client.get(_url(model, "change", obj.pk))
    form = response.context["adminform"].form
    for field in personal_data.personal_fields(model):
        assert field not in form.fields


@pytest.mark.parametrize("label", PERSONAL_MODELS)
def test_undeclared_lookups_are_refused(client, holder, label):
    """?id_number__startswith= recovered a full ID number in 89 requests: refused now."""
    model = apps.get_model(label)
    obj = _record(model)
    client.force_login(holder)
    client.raise_request_exception = False
    for field, value in _values(obj).items():
        for lookup in ("startswith", "contains", "regex", "gt"):
            response = client.get(_url(model, "changelist"), {f"{field}__{lookup}": value[:4]})
            assert response.status_code == 400, f"{label}?{field}__{lookup} accepted"
    # and through a relation, from another model's list
    response = client.get(
        reverse("admin:branches_meeting_changelist"),
        {"host__id_number__startswith": "34"},
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_declared_filters_still_work(client, demo_db, holder):
    from branches.models import Village

    client.force_login(holder)
    village = Village.objects.first()
    url = reverse("admin:branches_member_changelist")
    for params in (
        {"branch__village__id__exact": village.pk},
        {"branch__village__isnull": "True"},
        {"category__exact": "formal"},
        {"joined_on__year": "2020"},
        {"pk__in": "1,2"},
    ):
        assert client.get(url, params).status_code == 200, params
    url = reverse("admin:branches_organization_changelist")
    assert client.get(url, {"dissolved_on__isempty": "1"}).status_code == 200


def test_no_admin_searches_a_personal_field():
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    for model, model_admin in admin.site._registry.items():
        for term in model_admin.get_search_fields(request):
            assert not personal_data.is_personal_field(term), (model._meta.label, term)


@pytest.mark.django_db
def test_search_box_does_not_match_an_id_number(client, demo_db, holder):
    member = Member.objects.order_by("pk").first()
    client.force_login(holder)
    response = client.get(reverse("admin:branches_member_changelist"), {"q": member.id_number})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


@pytest.mark.django_db
def test_id_number_is_found_by_post(client, demo_db, holder):
    member = Member.objects.order_by("pk").first()
    client.force_login(holder)
    url = reverse("admin:branches_member_find_by_id_number")
    page = client.get(reverse("admin:branches_member_changelist")).content.decode()
    assert url in page and 'method="post"' in page
    assert client.get(url, {"id_number": member.id_number}).status_code == 405
    response = client.post(url, {"id_number": member.id_number.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:branches_member_change", args=[member.pk])
    assert member.id_number not in response["Location"]


# --- one rule, enumerated: every personal field, every admin page, the audit trail, the log ------


def _all_secrets() -> list[str]:
    secrets = set()
    for model in apps.get_models():
        for field in personal_data.personal_fields(model):
            values = model._default_manager.exclude(**{field: ""}).values_list(field, flat=True)
            secrets.update(v for v in values if v and len(v) >= 7)
    return sorted(secrets)


def test_audit_trail_masks_every_personal_field():
    from auditlog.registry import auditlog

    for model in apps.get_models():
        fields = set(personal_data.personal_fields(model))
        if fields and auditlog.contains(model):
            masked = set(auditlog.get_model_fields(model)["mask_fields"])
            assert fields <= masked, f"{model._meta.label}: {fields - masked} not masked"


def test_no_admin_page_audit_entry_or_log_line_holds_a_full_value(client, clerk, caplog):
    import logging

    from auditlog.models import LogEntry

    caplog.set_level(logging.DEBUG)
    secrets = _all_secrets()
    assert len(secrets) > 50  # the demo's people
    # records are changed as the holder would, so that the audit trail has something to mask
    for label in PERSONAL_MODELS:
        obj = _record(apps.get_model(label))
        obj.save()
    client.force_login(clerk)
    leaks = []
    urls = [reverse("admin:index"), reverse("admin:auditlog_logentry_changelist")]
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_permission(_request(clerk)):
            continue
        urls.append(_url(model, "changelist"))
        if personal_data.personal_fields(model):
            obj = _record(model)
            urls += [_url(model, "change", obj.pk), _url(model, "change", obj.pk) + "auditlog/"]
    for url in urls:
        response = client.get(url)
        body = response.content.decode(errors="replace")
        leaks += [f"{url}: {s}" for s in secrets if s in body]
    for entry in LogEntry.objects.all():
        text = f"{entry.changes} {entry.object_repr} {entry.additional_data}"
        leaks += [f"audit {entry.pk}: {s}" for s in secrets if s in text]
    for record in caplog.records:
        line = record.getMessage()
        leaks += [f"log: {s}" for s in secrets if s in line]
    assert not leaks, leaks[:20]


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.parametrize("username", ["huayuan", "leader"])
def test_no_portal_page_shows_a_full_value_of_any_model(client, demo_db, username):
    """Every portal URL, opened with the ids of every personal model's first record."""
    from django.contrib.auth import get_user_model

    from tests.chengjiang.trust_data import open_pages

    user = get_user_model().objects.get(username=username)
    assert not personal_data.can_view_personal_data(user)
    secrets = _all_secrets()
    pks = sorted({_record(apps.get_model(label)).pk for label in PERSONAL_MODELS})
    client.force_login(user)
    leaks = []
    for walked, response in open_pages(client, pks):
        body = "" if response.streaming else response.content.decode(errors="replace")
        leaks += [f"{walked.path}: {s}" for s in secrets if s in body]
    assert not leaks, leaks[:20]
