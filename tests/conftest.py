"""Shared fixtures: a small tree of two villages and one user per role and scope."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection

from chengjiang.accounts import roles
from tests.factories import MemberFactory, OrganizationFactory, UserFactory, VillageFactory

Kind = OrganizationFactory._meta.model.Kind
PASSWORD = "Test-pass-12345"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def tree(db):
    """街道党工委 → 花园村党委 (A) → A 第一支部 → A 第一党小组; → 青桥村总支 (B) → B 第一支部."""
    old = datetime.date(2010, 1, 1)
    va = VillageFactory(name="花园村")
    vb = VillageFactory(name="青桥村")
    root = OrganizationFactory(name="街道党工委", kind=Kind.WORKING_COMMITTEE, established_on=old)
    office_branch = OrganizationFactory(name="机关党支部", kind=Kind.BRANCH, parent=root)
    a = OrganizationFactory(name="花园村党委", kind=Kind.PARTY_COMMITTEE, parent=root, village=va)
    a1 = OrganizationFactory(name="花园村第一党支部", kind=Kind.BRANCH, parent=a, village=va)
    a1g = OrganizationFactory(name="花园村第一党小组", kind=Kind.GROUP, parent=a1, village=va)
    b = OrganizationFactory(name="青桥村总支", kind=Kind.GENERAL_BRANCH, parent=root, village=vb)
    b1 = OrganizationFactory(name="青桥村第一党支部", kind=Kind.BRANCH, parent=b, village=vb)
    a_members = [MemberFactory(branch=a1, group=a1g if i < 3 else None) for i in range(5)]
    b_members = [MemberFactory(branch=b1) for _ in range(4)]
    return SimpleNamespace(
        va=va,
        vb=vb,
        root=root,
        office_branch=office_branch,
        a=a,
        a1=a1,
        a1g=a1g,
        b=b,
        b1=b1,
        a_members=a_members,
        b_members=b_members,
    )


@pytest.fixture
def users(tree):
    return SimpleNamespace(
        office=UserFactory(
            username="office", organization=tree.root, is_staff=True, role=roles.OFFICE
        ),
        sec_a=UserFactory(username="sec_a", organization=tree.a, role=roles.SECRETARY),
        sec_b=UserFactory(username="sec_b", organization=tree.b, role=roles.SECRETARY),
        leader=UserFactory(username="leader", organization=tree.root, role=roles.LEADERSHIP),
    )


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


@pytest.fixture(scope="module")
def _demo_module(django_db_setup, django_db_blocker):
    """The demo, loaded once per test module inside a transaction rolled back at its end."""
    import io

    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_demo", stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo_db(_demo_module, db):
    """The demo's records for one test (its own changes are rolled back after it)."""
    return None
