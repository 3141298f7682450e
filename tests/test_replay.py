"""``tests/replay.py``: a replayed fixture is the built one, row for row, or it is built."""

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from tests import replay
from tests.conftest import _build_tree, _build_users
from tests.factories import MemberFactory, OrganizationFactory, VillageFactory

pytestmark = pytest.mark.django_db


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _tree_and_users(name):
    tree = replay.replay(f"{name}-tree", _build_tree)
    users = replay.replay(f"{name}-users", lambda: _build_users(tree), tree)
    return tree, users


def test_a_replayed_tree_and_users_are_the_built_ones_row_for_row():
    replay.start_test()
    point = transaction.savepoint()
    built_tree, built_users = _tree_and_users("check")
    built_rows = replay._state()
    transaction.savepoint_rollback(point)
    assert replay._state() != built_rows

    replay.start_test()
    calls = []
    tree = replay.replay("check-tree", lambda: calls.append("tree") or _build_tree())
    users = replay.replay("check-users", lambda: calls.append("users") or _build_users(tree), tree)
    assert calls == [], "the second time, neither builder ran"
    assert replay._state() == built_rows  # every table: the rows, ids, audit entries, cells

    for name in vars(built_tree):
        was, now = getattr(built_tree, name), getattr(tree, name)
        pairs = zip(was, now, strict=True) if isinstance(was, list) else [(was, now)]
        for old, new in pairs:
            assert type(new) is type(old) and _fields(new) == _fields(old), name
    for name in vars(built_users):
        assert _fields(getattr(users, name)) == _fields(getattr(built_users, name)), name
    # The objects are linked as the factories linked them: no query to follow them.
    assert tree.a1.parent is tree.a and tree.a1g.parent is tree.a1 and tree.a.village is tree.va
    assert tree.a_members[0].branch is tree.a1 and tree.a_members[0].group is tree.a1g
    assert users.sec_a.organization is tree.a and users.office.organization is tree.root
    # Later writes of the test get new ids (the sequences are past the replayed rows).
    extra = OrganizationFactory(name="新支部", kind=tree.a1.kind, parent=tree.a, village=tree.va)
    assert extra.pk not in {o.pk for o in (tree.root, tree.a, tree.a1, tree.a1g, tree.b, tree.b1)}
    assert MemberFactory(branch=extra).pk not in {m.pk for m in tree.a_members + tree.b_members}


def test_a_write_before_the_fixture_makes_it_build():
    replay.start_test()
    point = transaction.savepoint()
    _tree_and_users("written")
    transaction.savepoint_rollback(point)

    calls = []
    for write in (
        lambda: VillageFactory(name="先建的村"),  # a new row: the tables' fingerprint differs
        # the same rows, one changed: the execute wrapper saw the UPDATE
        lambda: Group.objects.filter(pk=Group.objects.first().pk).update(name="改过名的组"),
    ):
        point = transaction.savepoint()
        replay.start_test()
        write()
        replay.replay("written-tree", lambda: calls.append("tree") or _build_tree())
        transaction.savepoint_rollback(point)
    assert calls == ["tree", "tree"]


def test_other_settings_make_it_build(settings):
    replay.start_test()
    point = transaction.savepoint()
    _tree_and_users("settings")
    transaction.savepoint_rollback(point)

    replay.start_test()
    settings.CADENCE_WARN_DAYS = 99
    calls = []
    replay.replay("settings-tree", lambda: calls.append("tree") or _build_tree())
    assert calls == ["tree"]
