"""The tree services: events recorded with the change, and the refusals with their messages."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from branches import services
from branches.models import Organization, OrgChange
from chengjiang.access import SYSTEM
from tests.factories import MemberFactory

Kind = Organization.Kind
D = datetime.date(2024, 3, 1)


def refused(message, func, **kwargs):
    kwargs.setdefault("by", SYSTEM)
    with pytest.raises(ValidationError) as exc:
        func(**kwargs)
    assert str(message) in exc.value.messages


def test_establish_records_the_event(tree):
    org = services.organization_establish(
        name="新支部", kind=Kind.BRANCH, parent=tree.a, date=D, by=SYSTEM
    )
    assert org.path.startswith(tree.a.path) and org.village == tree.va
    assert OrgChange.objects.get(organization=org).kind == OrgChange.Kind.ESTABLISHED


def test_groups_set_up_one_event_each(tree):
    groups = services.party_groups_set_up(
        branch=tree.b1, names=["一组", "二组", " "], date=D, by=SYSTEM
    )
    assert len(groups) == 2
    assert OrgChange.objects.filter(kind=OrgChange.Kind.GROUP_SET_UP).count() == 2


def test_move_carries_the_subtree(tree):
    services.organization_move(organization=tree.a1, new_parent=tree.b, date=D, by=SYSTEM)
    tree.a1g.refresh_from_db()
    assert tree.a1g.path.startswith(tree.b.path)
    assert Organization.objects.within(tree.b.path).filter(pk=tree.a1g.pk).exists()
    assert OrgChange.objects.get(kind=OrgChange.Kind.MOVED).old_parent == tree.a


def test_move_under_own_subordinate_is_a_cycle(tree):
    refused(
        services.MSG_CYCLE,
        services.organization_move,
        organization=tree.a,
        new_parent=tree.a1,
        date=D,
    )
    refused(
        services.MSG_CYCLE,
        services.organization_move,
        organization=tree.a,
        new_parent=tree.a,
        date=D,
    )


def test_nothing_under_a_party_group(tree):
    refused(
        services.MSG_PARENT_IS_GROUP,
        services.organization_establish,
        name="x",
        kind=Kind.BRANCH,
        parent=tree.a1g,
        date=D,
    )
    refused(
        services.MSG_PARENT_IS_GROUP,
        services.organization_move,
        organization=tree.b1,
        new_parent=tree.a1g,
        date=D,
    )


def test_dissolved_parent_refused(tree):
    empty = services.organization_establish(
        name="空支部", kind=Kind.BRANCH, parent=tree.a, date=D, by=SYSTEM
    )
    services.organization_dissolve(organization=empty, date=D, by=SYSTEM)
    refused(
        services.MSG_PARENT_DISSOLVED,
        services.organization_move,
        organization=tree.b1,
        new_parent=empty,
        date=D,
    )


def test_rank_refused(tree):
    with pytest.raises(ValidationError, match="不能隶属于"):
        services.organization_move(organization=tree.b, new_parent=tree.a1, date=D, by=SYSTEM)
    with pytest.raises(ValidationError, match="不能隶属于"):
        services.organization_establish(
            name="x", kind=Kind.PARTY_COMMITTEE, parent=tree.a1, date=D, by=SYSTEM
        )


def test_dissolve_with_active_children_refused(tree):
    refused(
        services.MSG_ACTIVE_CHILDREN, services.organization_dissolve, organization=tree.a1, date=D
    )
    services.organization_dissolve(organization=tree.a1g, date=D, by=SYSTEM)
    services.organization_dissolve(organization=tree.a1, date=D, by=SYSTEM)
    refused(
        services.MSG_ALREADY_DISSOLVED, services.organization_dissolve, organization=tree.a1, date=D
    )


def test_future_date_refused(tree):
    future = timezone.localdate() + datetime.timedelta(days=30)
    refused(
        services.MSG_FUTURE_DATE, services.organization_dissolve, organization=tree.a1g, date=future
    )


def test_secretary_replaced_records_event_and_answers_who_on_a_date(tree):
    first, second = tree.a_members[0], tree.a_members[1]
    services.secretary_appoint(
        organization=tree.a1, member=first, date=datetime.date(2020, 1, 1), by=SYSTEM
    )
    assert not OrgChange.objects.filter(kind=OrgChange.Kind.SECRETARY_CHANGED).exists()
    services.secretary_appoint(
        organization=tree.a1, member=second, date=datetime.date(2024, 6, 1), by=SYSTEM
    )
    event = OrgChange.objects.get(kind=OrgChange.Kind.SECRETARY_CHANGED)
    assert (event.old_secretary, event.new_secretary) == (first, second)
    assert tree.a1.secretary_on(datetime.date(2024, 5, 31)).member == first
    assert tree.a1.secretary_on(datetime.date(2024, 6, 1)).member == second
    assert tree.a1.secretary_on(datetime.date(2019, 12, 31)) is None
    refused(
        services.MSG_SAME_SECRETARY,
        services.secretary_appoint,
        organization=tree.a1,
        member=second,
        date=datetime.date(2024, 7, 1),
    )
    outsider = MemberFactory(branch=tree.b1)
    refused(
        services.MSG_SECRETARY_NOT_MEMBER,
        services.secretary_appoint,
        organization=tree.a1,
        member=outsider,
        date=D,
    )


def test_rename_changes_the_name_and_nothing_else(tree):
    from branches.services import organization_rename

    before = (tree.a1.parent_id, tree.a1.path)
    tree.a1.parent = tree.b  # an attempt to slip a move through a plain edit
    org = organization_rename(organization=tree.a1, name="  花园村第一支部（更名）", by=SYSTEM)
    assert org.name == "花园村第一支部（更名）"
    assert (org.parent_id, org.path) == before
