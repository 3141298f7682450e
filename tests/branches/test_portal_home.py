"""The home page: my organisations, my drafts and returned records, this quarter's cadence."""

from django.urls import reverse
from django.utils import timezone

from branches.models import Meeting, MeetingKind, Status, Talk
from branches.selectors import DONE


def test_home_shows_drafts_returned_reason_and_quarter_cadence(tree, users, login):
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    Meeting.objects.create(
        kind=MeetingKind.BRANCH_COMMITTEE,
        organization=tree.a1,
        held_on=first_of_month,
        topic="本月支委会",
        status=Status.APPROVED,
    )
    Meeting.objects.create(
        kind=MeetingKind.THEME_DAY,
        organization=tree.a1,
        held_on=first_of_month,
        topic="草稿中的主题党日",
        recorded_by=users.sec_a,
    )
    Talk.objects.create(
        organization=tree.a1,
        held_on=first_of_month,
        talker_name="甲",
        topic="被退回的谈话",
        status=Status.RETURNED,
        return_reason="请写明谈话对象",
        recorded_by=users.sec_a,
    )
    resp = login(users.sec_a).get(reverse("branches:home"))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "草稿中的主题党日" in body
    assert "被退回的谈话" in body and "请写明谈话对象" in body
    assert "本月支委会" not in body  # approved: not a draft
    summary = {s.table.meeting_kind: s for s in resp.context["cadence"].quarter}
    committee = summary["branch_committee"]
    this_month = [c for c in committee.cells if c.period.contains(today)]
    assert [c.state for c in this_month] == [DONE]
    assert [r.organization for r in committee.table.rows] == [tree.a1]  # scope: 花园村 only
    assert [o.name for o in resp.context["organizations"]][:2] == ["花园村党委", "花园村第一党支部"]


def test_home_for_a_user_without_organisation(db, login):
    from tests.factories import UserFactory

    resp = login(UserFactory()).get(reverse("branches:home"))
    assert resp.status_code == 200
    assert resp.context["cadence"].quarter == []
    assert resp.context["organizations"] == []


def test_home_links_new_records_only_for_writers(tree, users, login):
    leader_home = login(users.leader).get(reverse("branches:home")).content.decode()
    assert reverse("branches:meeting_create") not in leader_home
    sec_home = login(users.sec_a).get(reverse("branches:home")).content.decode()
    assert reverse("branches:meeting_create") in sec_home
