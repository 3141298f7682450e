"""预备党员 (issue 11 §2): a probationary member has a 转正 date once confirmed; one past a
year without 转正 shows on the office's home; the demo's long-standing members are full."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches import services
from branches.models import Member
from branches.selectors import probation_overdue
from chengjiang.access import SYSTEM
from tests.factories import MemberFactory

TODAY = datetime.date(2024, 6, 1)


def _msg(message, **params) -> str:
    return re.escape(str(message % params if params else message))


def _probationer(tree, joined):
    return MemberFactory(branch=tree.a1, category=Member.Category.PROBATIONARY, joined_on=joined)


def test_confirmation_after_the_probationary_year(tree):
    member = _probationer(tree, datetime.date(2023, 3, 10))
    early = datetime.date(2024, 3, 9)
    with pytest.raises(
        ValidationError,
        match=_msg(services.MSG_CONFIRM_TOO_EARLY, name=member.name, date="2024-03-10"),
    ):
        services.member_confirm_full(member=member, date=early, by=SYSTEM)
    services.member_confirm_full(member=member, date=datetime.date(2024, 3, 10), by=SYSTEM)
    member.refresh_from_db()
    assert member.category == Member.Category.FORMAL
    assert member.confirmed_on == datetime.date(2024, 3, 10)
    with pytest.raises(
        ValidationError, match=_msg(services.MSG_NOT_PROBATIONARY, name=member.name)
    ):
        services.member_confirm_full(member=member, date=datetime.date(2024, 4, 1), by=SYSTEM)


def test_a_confirmation_date_belongs_to_a_full_member(tree):
    member = _probationer(tree, datetime.date(2023, 3, 10))
    member.confirmed_on = datetime.date(2024, 3, 10)
    with pytest.raises(ValidationError) as refused:
        services.member_save(member=member, by=SYSTEM)
    assert "confirmed_on" in refused.value.message_dict


def test_confirmation_stays_in_scope(tree, users):
    member = _probationer(tree, datetime.date(2023, 3, 10))
    with pytest.raises(ValidationError, match=_msg(services.MSG_OUT_OF_SCOPE)):
        services.member_confirm_full(member=member, date=datetime.date(2024, 3, 10), by=users.sec_b)


def test_probationers_past_a_year_are_listed(tree):
    late = _probationer(tree, datetime.date(2023, 5, 31))
    _probationer(tree, datetime.date(2023, 6, 1))  # exactly a year: not yet overdue
    _probationer(tree, datetime.date(2024, 1, 1))
    rows, total = probation_overdue(scope=tree.root.path, today=TODAY)
    assert (rows, total) == ([late], 1)
    assert late.probation_ends_on == datetime.date(2024, 5, 31)
    assert probation_overdue(scope=tree.b.path, today=TODAY) == ([], 0)
    services.member_confirm_full(member=late, date=datetime.date(2024, 5, 31), by=SYSTEM)
    assert probation_overdue(scope=tree.root.path, today=TODAY) == ([], 0)


def test_office_home_lists_overdue_probationers(tree, users, login):
    late = _probationer(tree, datetime.date(2019, 5, 1))
    content = login(users.office).get(reverse("branches:home")).content.decode()
    assert late.name in content
    assert "预备期满未转正" in content


def test_demo_members_of_long_standing_are_full_members(demo_db):
    from django.utils import timezone

    today = timezone.localdate()
    probationers = Member.objects.filter(category=Member.Category.PROBATIONARY)
    # a few realistic probationers, all joined within about the last year and a half
    assert 1 <= probationers.count() <= 5
    assert all((today - m.joined_on).days < 550 for m in probationers)
    # exactly one is past the year: the office's home lists that one
    _rows, total = probation_overdue(scope="", today=today)
    assert total == 1
    assert Member.objects.filter(confirmed_on__isnull=False).exists()


def test_admin_confirms_probationers(tree, users, login):
    member = _probationer(tree, datetime.date(2023, 3, 10))
    client = login(users.office)
    response = client.post(
        reverse("admin:branches_member_changelist"),
        {
            "action": "confirm_action",
            "_selected_action": [member.pk],
            "apply": "1",
            "date": "2024-03-12",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.category, member.confirmed_on) == (
        Member.Category.FORMAL,
        datetime.date(2024, 3, 12),
    )
