"""Size rules as warnings (issue 11 §2), per 《中国共产党支部工作条例（试行）》 and
《中国共产党农村基层组织工作条例》: a 党支部 needs 3 full members; over 50 members is a 党总支's
size; 7 or more full members means a committee; a 党总支 is for over 50 members (fewer only
where the work needs it, with approval); a 党委 for 100 or more."""

import datetime

from django.urls import reverse

from branches import selectors, services
from branches.models import Member, Post
from chengjiang.access import SYSTEM
from tests.factories import MemberFactory

ON = datetime.date(2024, 6, 1)


def _warnings(tree, org):
    return [
        w.message
        for w in selectors.size_warnings(scope=tree.root.path, on=ON)
        if w.organization == org
    ]


def _messages(message, **params):
    return str(message % params)


def test_a_branch_under_three_full_members(tree):
    # 青桥村第一党支部 has 4 full members: fine; with 2 of them probationary, 2 full: warned
    assert _warnings(tree, tree.b1) == []
    for m in tree.b_members[:2]:
        Member.objects.filter(pk=m.pk).update(category=Member.Category.PROBATIONARY)
    assert _warnings(tree, tree.b1) == [_messages(selectors.MSG_BRANCH_TOO_SMALL, count=2)]


def test_a_branch_over_fifty_members(tree):
    MemberFactory.create_batch(47, branch=tree.b1)  # 51 members
    assert _messages(selectors.MSG_BRANCH_TOO_LARGE, count=51) in _warnings(tree, tree.b1)


def test_a_branch_of_seven_without_a_committee_and_a_small_one_with_one(tree):
    extra = MemberFactory.create_batch(2, branch=tree.a1)
    assert _warnings(tree, tree.a1) == [_messages(selectors.MSG_COMMITTEE_MISSING, count=7)]
    services.post_appoint(
        organization=tree.a1, member=extra[0], post=Post.ORGANISATION, date=ON, by=SYSTEM
    )
    assert _warnings(tree, tree.a1) == []
    Member.objects.filter(pk=extra[1].pk).update(category=Member.Category.PROBATIONARY)
    assert _warnings(tree, tree.a1) == [_messages(selectors.MSG_COMMITTEE_TOO_SMALL, count=6)]


def test_general_branch_and_party_committee_sizes(tree):
    # 青桥村总支: 4 members; 花园村党委: 5 members
    assert _warnings(tree, tree.b) == [_messages(selectors.MSG_GENERAL_BRANCH_SMALL, count=4)]
    assert _warnings(tree, tree.a) == [_messages(selectors.MSG_PARTY_COMMITTEE_SMALL, count=5)]
    MemberFactory.create_batch(47, branch=tree.b1)  # 51 in the 总支
    assert _warnings(tree, tree.b) == []
    # a 党委 counts its subtree's members, each branch's members once
    second = services.organization_establish(
        name="花园村第二党支部", kind="branch", parent=tree.a, date=ON, by=SYSTEM
    )
    MemberFactory.create_batch(45, branch=tree.a1)
    MemberFactory.create_batch(50, branch=second)
    assert _warnings(tree, tree.a) == []


def test_members_who_joined_later_are_not_counted(tree):
    MemberFactory.create_batch(2, branch=tree.a1, joined_on=ON + datetime.timedelta(days=1))
    assert _warnings(tree, tree.a1) == []  # still 5 full members on ON: no committee owed


def test_office_sees_warnings_on_home_and_the_org_admin_page(tree, users, login):
    for m in tree.b_members[:2]:
        Member.objects.filter(pk=m.pk).update(category=Member.Category.PROBATIONARY)
    client = login(users.office)
    home = client.get(reverse("branches:home")).content.decode()
    assert "成立党支部须有正式党员3人以上" in home
    page = client.get(reverse("admin:branches_organization_change", args=[tree.b1.pk]))
    assert page.status_code == 200
    assert "成立党支部须有正式党员3人以上" in page.content.decode()
    # a warning, not a block: the page still saves
    response = client.post(
        reverse("admin:branches_organization_change", args=[tree.b1.pk]),
        {
            "name": tree.b1.name + "（更名）",
            "secretary_terms-TOTAL_FORMS": "0",
            "secretary_terms-INITIAL_FORMS": "0",
            "changes-TOTAL_FORMS": "0",
            "changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    tree.b1.refresh_from_db()
    assert tree.b1.name.endswith("（更名）")


def test_the_homes_first_warnings_and_total_equal_the_full_list(tree):
    """The home's bounded read (issue 12): the first warnings of the full list, and its length,
    without writing every organisation's messages."""
    from branches.models import Organization
    from tests.factories import OrganizationFactory

    for n in range(12):  # one-member branches (too small) and one of 7 without a committee
        branch = OrganizationFactory(
            name=f"小支部{n:02d}",
            kind=Organization.Kind.BRANCH,
            parent=tree.b if n % 2 else tree.a,
            village=tree.vb if n % 2 else tree.va,
            established_on=datetime.date(2010, 1, 1),
        )
        MemberFactory.create_batch(7 if n == 5 else 1, branch=branch)
    full = selectors.size_warnings(scope=tree.root.path, on=ON)
    assert len(full) > 10
    for limit in (3, 10, len(full) + 5):
        items, total = selectors.size_warnings_first(scope=tree.root.path, on=ON, limit=limit)
        assert total == len(full)
        assert [(w.organization, w.message) for w in items] == [
            (w.organization, w.message) for w in full[:limit]
        ]
    assert selectors.size_warnings_first(scope=None, on=ON) == ([], 0)
