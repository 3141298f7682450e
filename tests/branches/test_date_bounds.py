"""Dates the domain bounds are refused with a Chinese message: nobody in the roster was born
before 1900, nobody joined the Party and no meeting or talk was held before 1 July 1921, and no
record lies after 2100 (issue 14: a meeting held in year 1 was accepted)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from branches.models import Meeting, MeetingKind
from cadres.models import GroupLeader

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_date", D(1, 1, 1), "日期不能早于 1900-01-01。"),
        ("birth_date", D(9999, 12, 31), "日期不能晚于 2100-12-31。"),
        ("joined_on", D(1, 1, 1), "日期不能早于 1921-07-01。"),
        ("joined_on", D(1900, 6, 30), "日期不能早于 1921-07-01。"),
    ],
)
def test_member_dates_are_bounded(tree, field, value, message):
    member = tree.a_members[0]
    setattr(member, field, value)
    with pytest.raises(ValidationError) as exc:
        member.full_clean()
    assert message in exc.value.message_dict[field]


@pytest.mark.parametrize("held_on", [D(1, 1, 1), D(1920, 1, 1), D(9999, 12, 31)])
def test_a_meeting_in_year_one_is_refused(tree, held_on):
    meeting = Meeting(
        kind=MeetingKind.BRANCH_COMMITTEE, organization=tree.a1, held_on=held_on, topic="x"
    )
    with pytest.raises(ValidationError) as exc:
        meeting.full_clean()
    assert "held_on" in exc.value.message_dict


def test_the_portal_form_says_so_in_chinese(login, users, tree):
    response = login(users.sec_a).post(
        f"/meetings/new/?organization={tree.a1.pk}",
        {
            "organization": tree.a1.pk,
            "kind": MeetingKind.BRANCH_COMMITTEE,
            "held_on": "0001-01-01",
            "topic": "学习",
            **{f"present_{m.pk}": "on" for m in tree.a_members},
        },
    )
    assert response.status_code == 200
    assert "日期不能早于 1921-07-01。" in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_group_leader_born_in_year_one_is_refused():
    leader = GroupLeader(birth_date=D(1, 1, 1))
    with pytest.raises(ValidationError) as exc:
        leader.full_clean()
    assert "日期不能早于 1900-01-01。" in exc.value.message_dict["birth_date"]


def test_an_organisation_established_before_the_party_is_refused(tree):
    tree.a1.established_on = D(1, 1, 1)
    with pytest.raises(ValidationError) as exc:
        tree.a1.full_clean()
    assert "日期不能早于 1921-07-01。" in exc.value.message_dict["established_on"]
