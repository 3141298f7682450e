"""Personal data: ID numbers and phones are masked unless the user holds the dedicated permission;
every full view is recorded (who, which record and field, when, from where) without the value;
no page shows a full value to anyone else, and no URL or log line ever carries one."""

from __future__ import annotations

import logging

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from chengjiang import personal_data
from chengjiang.accounts.models import PersonalDataAccess

from .trust_data import candidate_pks, open_pages
from .trust_data import rich as rich_fixture

rich = rich_fixture


@pytest.fixture
def all_logs():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            try:
                records.append(record.getMessage())
            except Exception:  # a broken format string is not this test's business
                records.append(str(record.msg))

    handler = Keep(level=0)
    loggers = [logging.getLogger(), logging.getLogger("axes")]
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    yield records
    for lg, level in saved:
        lg.removeHandler(handler)
        lg.setLevel(level)


def _secrets(tree) -> list[str]:
    values = []
    for member in [*tree.a_members, *tree.b_members]:
        values += [member.id_number, member.phone]
    return [v for v in values if v]


def _request(user, path="/members/1/"):
    request = RequestFactory().get(path, REMOTE_ADDR="192.0.2.33")
    request.user = user
    return request


@pytest.mark.django_db
def test_masked_for_users_without_the_permission(users, tree):
    member = tree.a_members[0]
    for user in (users.sec_a, users.leader):
        shown = personal_data.display_id_number(user, member.id_number, obj=member)
        assert shown == member.id_number[:6] + "********" + member.id_number[-4:]
        phone = personal_data.display_phone(user, member.phone, obj=member)
        assert phone == member.phone[:3] + "****" + member.phone[-4:]
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.django_db
def test_anonymous_and_inactive_users_get_masks(users, tree):
    from django.contrib.auth.models import AnonymousUser

    member = tree.a_members[0]
    users.office.is_active = False
    for user in (AnonymousUser(), users.office, None):
        assert personal_data.display_id_number(user, member.id_number) != member.id_number


@pytest.mark.django_db
def test_full_view_is_recorded_without_the_value(users, tree, all_logs):
    member = tree.a_members[0]
    request = _request(users.office)
    shown = personal_data.display_id_number(
        users.office, member.id_number, obj=member, request=request
    )
    assert shown == member.id_number
    access = PersonalDataAccess.objects.get()
    assert access.user == users.office
    assert access.content_type.model_class() is type(member)
    assert access.object_pk == str(member.pk)
    assert access.field == "id_number"
    assert access.remote_addr == "192.0.2.33"
    assert access.path == "/members/1/"
    assert access.accessed_at is not None
    row = str([getattr(access, f.attname) for f in access._meta.concrete_fields])
    assert member.id_number not in row
    assert any("personal data viewed" in line for line in all_logs)
    assert not any(member.id_number in line for line in all_logs)


@pytest.mark.django_db
def test_reveal_refuses_without_permission(users, tree):
    with pytest.raises(PermissionError):
        personal_data.reveal(users.sec_a, tree.a_members[0], "phone")
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.django_db
def test_empty_values_are_not_recorded(users, tree):
    assert personal_data.display_phone(users.office, "", obj=tree.a_members[0]) == ""
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.django_db
def test_template_tags(users, tree):
    member = tree.a_members[0]
    template = Template("{% load personal_data %}{% id_number m %}|{% phone m %}")
    secretary = template.render(Context({"m": member, "request": _request(users.sec_a)}))
    assert member.id_number not in secretary and member.phone not in secretary
    office = template.render(Context({"m": member, "request": _request(users.office)}))
    assert office == f"{member.id_number}|{member.phone}"
    assert PersonalDataAccess.objects.filter(user=users.office).count() == 2


def test_only_office_staff_hold_the_permission():
    from chengjiang.accounts import roles

    assert roles.OFFICE in roles.ROLES
    # The permission is granted by role_permissions to the office role alone (checked on a
    # migrated database in test_roles_grant_personal_data_to_office_only).


@pytest.mark.django_db
def test_roles_grant_personal_data_to_office_only(users):
    assert users.office.has_perm(personal_data.PERMISSION)
    assert not users.sec_a.has_perm(personal_data.PERMISSION)
    assert not users.leader.has_perm(personal_data.PERMISSION)


# --- every page, every role ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["sec_a", "sec_b", "leader"])
def test_no_page_shows_a_full_value_without_the_permission(
    login, users, tree, rich, role, all_logs
):
    client = login(getattr(users, role))
    secrets = _secrets(tree)
    leaks = []
    for walked, response in open_pages(client, candidate_pks(tree, rich), include_admin=True):
        body = response.content.decode(errors="replace") if not response.streaming else ""
        location = response.get("Location", "")
        for secret in secrets:
            if secret in body or secret in location or secret in walked.path:
                leaks.append(f"{walked.path} ({response.status_code})")
    assert not leaks, leaks
    assert not [line for line in all_logs if any(s in line for s in secrets)]


# Pages known to show full values without recording the view, waiting for their app to call
# chengjiang.personal_data (admin pages: chengjiang.admin.ScopedModelAdmin). Strict: a page that
# is fixed must leave this list, so it cannot regress unnoticed.
KNOWN_UNLOGGED: set[str] = set()


class _Recording:
    """A test client whose every response carries how many full views its own request recorded
    (open_pages may try several ids for one URL: the answer kept is judged by its request)."""

    def __init__(self, client):
        self.client = client
        self.raise_request_exception = client.raise_request_exception

    def get(self, path):
        self.client.raise_request_exception = self.raise_request_exception
        before = PersonalDataAccess.objects.count()
        response = self.client.get(path)
        response.views_recorded = PersonalDataAccess.objects.count() - before
        return response


@pytest.mark.django_db
def test_every_full_view_on_a_page_is_recorded(login, users, tree, rich, all_logs):
    """Office staff hold the permission: wherever a page shows a full value, the view is logged."""
    client = _Recording(login(users.office))
    secrets = _secrets(tree)
    unlogged = []
    for walked, response in open_pages(client, candidate_pks(tree, rich), include_admin=True):
        body = response.content.decode(errors="replace") if not response.streaming else ""
        shown = [s for s in secrets if s in body]
        if shown and not response.views_recorded:
            unlogged.append(walked.name or walked.path)
        assert not any(s in response.get("Location", "") for s in secrets)
    assert set(unlogged) == KNOWN_UNLOGGED, "pages showing full values without recording it"
    assert not [line for line in all_logs if any(s in line for s in secrets)]
