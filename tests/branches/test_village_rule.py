"""An organisation's village agrees with its parent's, and one stray record never widens scope.

Issue 14: office staff established a branch under 花园村's committee with 青桥村 as its village;
from then on 花园村's secretary saw 青桥村's groups, leaders, reserve cadres and pairings, even
after the branch was dissolved.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from branches import services
from branches.models import Organization, Village
from chengjiang.access import MSG_NOT_FOUND
from tests.cadres.factories import VillageGroupFactory
from tests.factories import OrganizationFactory, UserFactory

Kind = Organization.Kind
D = datetime.date(2024, 3, 1)


def test_establish_refuses_a_village_other_than_the_parents(tree, users):
    with pytest.raises(ValidationError) as exc:
        services.organization_establish(
            name="错挂支部",
            kind=Kind.BRANCH,
            parent=tree.a,
            village=tree.vb,
            date=D,
            by=users.office,
        )
    assert exc.value.messages == [str(services.MSG_VILLAGE_DIFFERS % {"village": tree.va})]
    assert not Organization.objects.filter(name="错挂支部").exists()


def test_establish_takes_the_parents_village(tree, users):
    org = services.organization_establish(
        name="新支部", kind=Kind.BRANCH, parent=tree.a, date=D, by=users.office
    )
    assert org.village == tree.va


def test_move_carries_the_subtree_into_the_new_village(tree, users):
    services.organization_move(organization=tree.a1, new_parent=tree.b, date=D, by=users.office)
    for org in (tree.a1, tree.a1g):
        org.refresh_from_db()
        assert org.village == tree.vb


def _integrity_error(func):
    with pytest.raises(IntegrityError), transaction.atomic():
        func()


def test_database_refuses_a_village_other_than_the_parents(tree):
    _integrity_error(
        lambda: Organization.objects.create(
            name="错挂支部", kind=Kind.BRANCH, parent=tree.a, village=tree.vb, path="x"
        )
    )
    _integrity_error(lambda: Organization.objects.filter(pk=tree.a1.pk).update(village=tree.vb))
    _integrity_error(lambda: Organization.objects.filter(pk=tree.b1.pk).update(parent=tree.a))
    # a parent's village cannot change away from its subordinates'
    _integrity_error(lambda: Organization.objects.filter(pk=tree.a.pk).update(village=tree.vb))
    # what agrees is still accepted: no village, or the parent's
    Organization.objects.create(name="无村支部", kind=Kind.BRANCH, parent=tree.a, path="y")
    Organization.objects.create(
        name="同村支部", kind=Kind.BRANCH, parent=tree.a, village=tree.va, path="z"
    )


def _drop_guard():
    """Records made before the guard existed: drop it for this test (rolled back after)."""
    from branches import db_guards

    db_guards.remove(connection)


def _restore_guard():
    from branches import db_guards

    db_guards.install(connection)


@pytest.fixture
def stray(tree):
    _drop_guard()
    org = OrganizationFactory(name="错挂支部", kind=Kind.BRANCH, parent=tree.a, village=tree.vb)
    return org


@pytest.mark.parametrize("dissolved", [False, True])
def test_a_stray_organisation_does_not_widen_scope(tree, users, stray, dissolved):
    from cadres.models import VillageGroup

    if dissolved:
        stray.dissolved_on = D
        stray.save()
    group_a = VillageGroupFactory(village=tree.va)
    group_b = VillageGroupFactory(village=tree.vb)
    # 花园村's secretary: 花园村 only, the stray 青桥村 branch notwithstanding
    assert list(Village.objects.visible_to(users.sec_a)) == [tree.va]
    assert list(VillageGroup.objects.visible_to(users.sec_a)) == [group_a]
    # 青桥村's secretary keeps 青桥村 (a stray elsewhere does not take it away)
    assert list(VillageGroup.objects.visible_to(users.sec_b)) == [group_b]
    # the office sees both; a secretary of one of 花园村's branches sees 花园村's
    assert set(VillageGroup.objects.visible_to(users.office)) == {group_a, group_b}
    branch_secretary = UserFactory(username="sec_a1", organization=tree.a1)
    assert list(VillageGroup.objects.visible_to(branch_secretary)) == [group_a]


def test_out_of_scope_organisations_read_as_not_found(tree, users):
    """A village secretary naming another village's organisation learns nothing about it."""
    with pytest.raises(ValidationError) as exc:
        services.organization_establish(
            name="越权支部", kind=Kind.BRANCH, parent=tree.b, date=D, by=users.sec_a
        )
    assert exc.value.messages == [str(MSG_NOT_FOUND)]
    with pytest.raises(ValidationError) as exc:
        services.organization_move(organization=tree.b1, new_parent=tree.a, date=D, by=users.sec_a)
    assert exc.value.messages == [str(MSG_NOT_FOUND)]
    with pytest.raises(ValidationError) as exc:
        services.organization_establish(
            name="越权支部",
            kind=Kind.BRANCH,
            parent=tree.a,
            village=tree.vb,
            date=D,
            by=users.sec_a,
        )
    assert exc.value.messages == [str(MSG_NOT_FOUND)]
    assert not Organization.objects.filter(name="越权支部").exists()


def test_a_stray_village_can_be_corrected(tree, users, stray, client):
    """The village is read-only in the admin; the correction action gives the parent's."""
    from django.urls import reverse

    group = OrganizationFactory(name="错挂党小组", kind=Kind.GROUP, parent=stray, village=tree.vb)
    _restore_guard()  # the correction itself runs under the guard
    client.force_login(users.office)
    response = client.post(
        reverse("admin:branches_organization_changelist"),
        {"action": "align_village_action", "_selected_action": [stray.pk]},
    )
    assert response.status_code == 302
    for org in (stray, group):
        org.refresh_from_db()
        assert org.village == tree.va
    with pytest.raises(ValidationError) as exc:
        services.organization_align_village(organization=stray, by=users.office)
    assert exc.value.messages == [str(services.MSG_VILLAGE_AGREES)]
    with pytest.raises(ValidationError) as exc:
        services.organization_align_village(organization=tree.b1, by=users.sec_a)
    assert exc.value.messages == [str(MSG_NOT_FOUND)]


def test_the_guard_comes_back_after_migrate(tree):
    """A SQLite table rebuild in a later migration drops triggers: migrate re-installs them."""
    from django.apps import apps
    from django.db.models.signals import post_migrate

    _drop_guard()
    Organization.objects.create(name="无守卫", kind=Kind.BRANCH, parent=tree.a, village=tree.vb)
    post_migrate.send(
        sender=apps.get_app_config("branches"),
        app_config=apps.get_app_config("branches"),
        verbosity=0,
        interactive=False,
        using=connection.alias,
        apps=apps,
        plan=[],
    )
    _integrity_error(
        lambda: Organization.objects.create(
            name="错挂支部", kind=Kind.BRANCH, parent=tree.a, village=tree.vb
        )
    )
