"""届期 and 换届 (issue 11 §2): every organisation but a 党小组 has a term with a start and an
end (村级党组织 five years, others as configured); 换届 is an event that records the new term
and committee; terms due or overdue appear on the office's home and on the dashboard."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches import services
from branches.models import OrgChange, Post, SecretaryTerm
from branches.selectors import TERM_DUE, TERM_MISSING, TERM_OVERDUE, terms_due
from chengjiang.access import SYSTEM
from tests.factories import MemberFactory

DAY = datetime.date(2021, 10, 8)


def _msg(message, **params) -> str:
    return re.escape(str(message % params if params else message))


def _committee(tree):
    members = tree.a_members + [MemberFactory(branch=tree.a1) for _ in range(2)]
    return members, [
        (members[0], Post.SECRETARY),
        (members[1], Post.ORGANISATION),
        (members[2], Post.PROPAGANDA),
    ]


def test_reelection_records_the_term_the_committee_and_the_event(tree):
    members, committee = _committee(tree)
    services.organization_reelect(organization=tree.a1, date=DAY, committee=committee, by=SYSTEM)
    tree.a1.refresh_from_db()
    assert (tree.a1.term_started_on, tree.a1.term_ends_on) == (DAY, datetime.date(2026, 10, 8))
    later = datetime.date(2024, 3, 1)
    new = [(members[3], Post.SECRETARY), (members[1], Post.ORGANISATION)]
    services.organization_reelect(organization=tree.a1, date=later, committee=new, by=SYSTEM)
    tree.a1.refresh_from_db()
    assert tree.a1.term_started_on == later
    assert tree.a1.term_ends_on == datetime.date(2029, 3, 1)  # a village's branch: 5 years
    serving = SecretaryTerm.objects.filter(organization=tree.a1, ended_on__isnull=True)
    assert {(t.member, t.post) for t in serving} == set(new)
    ended = SecretaryTerm.objects.filter(
        organization=tree.a1, ended_on=later - datetime.timedelta(1)
    )
    assert ended.count() == 3
    event = OrgChange.objects.get(kind=OrgChange.Kind.REELECTED, date=later)
    assert (event.old_secretary, event.new_secretary) == (members[0], members[3])
    # 换届 is not 调整书记
    assert not OrgChange.objects.filter(kind=OrgChange.Kind.SECRETARY_CHANGED).exists()


def test_term_length_by_kind_and_setting(tree, settings):
    services.organization_term_set(organization=tree.office_branch, started_on=DAY, by=SYSTEM)
    tree.office_branch.refresh_from_db()
    assert tree.office_branch.term_ends_on == datetime.date(2024, 10, 8)  # not a village's: 3
    settings.ORG_TERM_YEARS = {"branch": 5}
    services.organization_term_set(organization=tree.b1, started_on=DAY, by=SYSTEM)
    tree.b1.refresh_from_db()
    assert tree.b1.term_ends_on == datetime.date(2026, 10, 8)
    settings.ORG_TERM_YEARS = {"village": 4}
    services.organization_term_set(organization=tree.a, started_on=DAY, by=SYSTEM)
    tree.a.refresh_from_db()
    assert tree.a.term_ends_on == datetime.date(2025, 10, 8)


def test_reelection_refusals(tree):
    members, committee = _committee(tree)
    with pytest.raises(ValidationError, match=_msg(services.MSG_NO_TERM_FOR_GROUP)):
        services.organization_reelect(
            organization=tree.a1g, date=DAY, committee=[(members[0], Post.SECRETARY)], by=SYSTEM
        )
    with pytest.raises(ValidationError, match=_msg(services.MSG_REELECT_NEEDS_SECRETARY)):
        services.organization_reelect(
            organization=tree.a1, date=DAY, committee=committee[1:], by=SYSTEM
        )
    twice = [*committee, (members[0], Post.MEMBER)]
    with pytest.raises(
        ValidationError, match=_msg(services.MSG_REELECT_TWICE, name=members[0].name)
    ):
        services.organization_reelect(organization=tree.a1, date=DAY, committee=twice, by=SYSTEM)
    services.organization_reelect(organization=tree.a1, date=DAY, committee=committee, by=SYSTEM)
    with pytest.raises(ValidationError, match=_msg(services.MSG_REELECT_BEFORE_TERM)):
        services.organization_reelect(
            organization=tree.a1, date=DAY, committee=committee, by=SYSTEM
        )
    with pytest.raises(ValidationError, match=_msg(services.MSG_TERM_RECORDED)):
        services.organization_term_set(organization=tree.a1, started_on=DAY, by=SYSTEM)


def test_reelection_stays_in_scope(tree, users):
    _members, committee = _committee(tree)
    with pytest.raises(ValidationError, match=_msg(services.MSG_OUT_OF_SCOPE)):
        services.organization_reelect(
            organization=tree.a1, date=DAY, committee=committee, by=users.sec_b
        )


def test_terms_due_overdue_and_missing(tree, settings):
    today = datetime.date(2026, 6, 1)
    services.organization_term_set(organization=tree.a1, started_on=DAY, by=SYSTEM)  # 2026-10-08
    services.organization_term_set(
        organization=tree.b1, started_on=datetime.date(2021, 3, 1), by=SYSTEM
    )  # 2026-03-01: overdue
    services.organization_term_set(
        organization=tree.a, started_on=datetime.date(2023, 1, 1), by=SYSTEM
    )  # 2028: not due
    due = terms_due(scope=tree.root.path, today=today)
    states = {item.organization.name: item.state for item in due.items}
    assert states[tree.b1.name] == TERM_OVERDUE
    assert states[tree.a1.name] == TERM_DUE
    assert tree.a.name not in states
    assert states[tree.root.name] == TERM_MISSING  # no term recorded yet
    assert tree.a1g.name not in states  # a group has no term
    assert [i.state for i in due.items][:2] == [TERM_OVERDUE, TERM_DUE]
    # the horizon is configurable
    settings.TERM_DUE_MONTHS = 3
    assert tree.a1.name not in {
        i.organization.name for i in terms_due(scope=tree.root.path, today=today).items
    }
    # scope
    assert {i.organization for i in terms_due(scope=tree.b.path, today=today).items} == {
        tree.b,
        tree.b1,
    }


def test_office_home_and_dashboard_show_terms_due(tree, users, login):
    services.organization_term_set(
        organization=tree.b1, started_on=datetime.date(2015, 3, 1), by=SYSTEM
    )
    client = login(users.office)
    home = client.get(reverse("branches:home"))
    assert home.status_code == 200
    assert tree.b1.name in home.content.decode()
    assert "已届满未换届" in home.content.decode()
    dashboard = client.get(reverse("worktasks:dashboard"))
    assert dashboard.status_code == 200
    assert "已届满未换届" in dashboard.content.decode()
    assert tree.b1.name in dashboard.content.decode()


def test_admin_records_a_reelection_and_a_committee_post(tree, users, login):
    members, _committee_pairs = _committee(tree)
    client = login(users.office)
    url = reverse("admin:branches_organization_changelist")
    form = client.post(url, {"action": "reelect_action", "_selected_action": [tree.a1.pk]})
    assert form.status_code == 200
    assert "换届" in form.content.decode()
    done = client.post(
        url,
        {
            "action": "reelect_action",
            "_selected_action": [tree.a1.pk],
            "apply": "1",
            "date": DAY.isoformat(),
            "secretary": members[0].pk,
            "organisation": members[1].pk,
            "members": [members[2].pk, members[3].pk],
            "note": "",
        },
    )
    assert done.status_code == 302
    tree.a1.refresh_from_db()
    assert tree.a1.term_ends_on == datetime.date(2026, 10, 8)
    serving = SecretaryTerm.objects.filter(organization=tree.a1, ended_on__isnull=True)
    assert sorted(serving.values_list("post", flat=True)) == [
        "member",
        "member",
        "organisation",
        "secretary",
    ]
    client.post(
        url,
        {
            "action": "post_action",
            "_selected_action": [tree.a1.pk],
            "apply": "1",
            "date": "2022-01-05",
            "post": Post.PROPAGANDA,
            "member": members[4].pk,
        },
    )
    assert serving.filter(post=Post.PROPAGANDA, member=members[4]).exists()
    # the organisation's page shows the posts, and the term
    page = client.get(reverse("admin:branches_organization_change", args=[tree.a1.pk]))
    content = page.content.decode()
    assert "宣传委员" in content
    assert any(date in content for date in ("2026-10-08", "2026年10月8日"))
