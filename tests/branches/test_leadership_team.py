"""民主生活会 is held by a 领导班子 (the 党工委's or a 村党委's leadership team), not by any
organisation; its attendance is the team (issue 11 §3)."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError

from branches import services
from branches.models import LeadershipTeam, LeadershipTeamMember, Meeting, MeetingKind
from branches.services import AttendanceLine, TeamPost
from chengjiang.access import SYSTEM

DAY = datetime.date(2024, 1, 26)
START = datetime.date(2021, 10, 1)
Post = LeadershipTeamMember.Post


def _team(org, people, *, started_on=START, ended_on=None, name="领导班子"):
    posts = [TeamPost(member=people[0], post=Post.SECRETARY)] + [
        TeamPost(member=m) for m in people[1:]
    ]
    team = LeadershipTeam(organization=org, name=name, started_on=started_on, ended_on=ended_on)
    return services.leadership_team_save(team=team, posts=posts, by=SYSTEM)


def _democratic_life(org, team, lines=(), day=DAY):
    meeting = Meeting(
        kind=MeetingKind.DEMOCRATIC_LIFE,
        organization=org,
        held_on=day,
        topic="年度民主生活会",
        leadership_team=team,
    )
    return services.meeting_save(meeting=meeting, attendance=list(lines), by=SYSTEM)


def _match(message, **params):
    return re.escape(str(message % params) if params else str(message))


def test_a_democratic_life_meeting_needs_a_leadership_team(tree):
    with pytest.raises(ValidationError, match=_match(services.MSG_TEAM_REQUIRED)):
        _democratic_life(tree.root, None)


def test_attendance_of_a_democratic_life_meeting_is_the_team(tree):
    team = _team(tree.a, tree.a_members[:3])
    meeting = _democratic_life(
        tree.a,
        team,
        [
            AttendanceLine(tree.a_members[0]),
            AttendanceLine(tree.a_members[1], status="leave", absence_reason="参加区委培训"),
        ],
    )
    assert meeting.expected_count == 3  # the team, not the five members of the village
    assert (meeting.present_count, meeting.leave_count, meeting.absent_count) == (1, 1, 1)
    outsider = tree.a_members[4]
    with pytest.raises(
        ValidationError, match=_match(services.MSG_NOT_ON_TEAM, name=outsider.name, team=team)
    ):
        _democratic_life(tree.a, team, [AttendanceLine(outsider)], day=DAY.replace(day=27))


def test_a_team_member_counts_only_while_holding_the_post(tree):
    team = _team(tree.a, tree.a_members[:2])
    LeadershipTeamMember.objects.create(
        team=team, member=tree.a_members[2], started_on=DAY + datetime.timedelta(days=1)
    )
    assert _democratic_life(tree.a, team).expected_count == 2


def test_the_team_must_be_the_organisations_own_and_serving(tree):
    team = _team(tree.a, tree.a_members[:2])
    with pytest.raises(
        ValidationError, match=_match(services.MSG_TEAM_OTHER_ORG, team=team, org=tree.root)
    ):
        _democratic_life(tree.root, team)
    old = _team(tree.a, tree.a_members[:2], ended_on=datetime.date(2023, 12, 31), name="上届班子")
    with pytest.raises(
        ValidationError, match=_match(services.MSG_TEAM_NOT_SERVING, team=old, date=DAY)
    ):
        _democratic_life(tree.a, old)


def test_a_democratic_life_meeting_is_refused_to_a_branch(tree):
    team = _team(tree.a, tree.a_members[:2])
    allowed = services.MEETING_ORG_KINDS[MeetingKind.DEMOCRATIC_LIFE]
    message = _match(
        services.MSG_KIND_FOR_ORG,
        kind=MeetingKind.DEMOCRATIC_LIFE.label,
        org_kinds="、".join(str(services.Kind(k).label) for k in sorted(allowed)),
        org_kind=tree.a1.get_kind_display(),
    )
    with pytest.raises(ValidationError, match=message):
        _democratic_life(tree.a1, team)


def test_other_meetings_are_not_held_by_a_team(tree):
    team = _team(tree.a, tree.a_members[:2])
    meeting = Meeting(
        kind=MeetingKind.BRANCH_ASSEMBLY,
        organization=tree.a,
        held_on=DAY,
        topic="党员大会",
        leadership_team=team,
    )
    with pytest.raises(ValidationError, match=_match(services.MSG_TEAM_ONLY_DEMOCRATIC)):
        services.meeting_save(meeting=meeting, by=SYSTEM)


def test_a_team_belongs_to_the_working_committee_or_a_party_committee(tree):
    team = LeadershipTeam(organization=tree.b, name="青桥村总支班子", started_on=START)
    with pytest.raises(
        ValidationError, match=_match(services.MSG_TEAM_KIND, org_kind=tree.b.get_kind_display())
    ):
        services.leadership_team_save(team=team, by=SYSTEM)


def test_a_team_member_is_a_member_of_the_organisation(tree):
    with pytest.raises(ValidationError, match=re.escape(tree.b_members[0].name)):
        _team(tree.a, [tree.a_members[0], tree.b_members[0]])


def test_a_secretary_outside_the_village_cannot_record_its_team(tree, users):
    team = LeadershipTeam(organization=tree.a, name="领导班子", started_on=START)
    with pytest.raises(ValidationError, match=_match(services.MSG_OUT_OF_SCOPE)):
        services.leadership_team_save(team=team, by=users.sec_b)
    assert not LeadershipTeam.objects.exists()


def test_portal_form_records_the_team_only(tree, users, login):
    from django.urls import reverse

    team = _team(tree.a, tree.a_members[:3])
    client = login(users.sec_a)
    data = {
        "organization": tree.a.pk,
        "kind": MeetingKind.DEMOCRATIC_LIFE,
        "held_on": DAY.isoformat(),
        "topic": "年度民主生活会",
        "leadership_team": team.pk,
        **{f"present_{m.pk}": "on" for m in tree.a_members},
    }
    page = client.get(reverse("branches:meeting_create"), {"organization": tree.a.pk})
    assert f'data-teams="{team.pk}"' in page.content.decode()
    resp = client.post(reverse("branches:meeting_create"), data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    meeting = Meeting.objects.get()
    assert meeting.leadership_team == team
    assert sorted(a.member_id for a in meeting.attendances.all()) == sorted(
        m.pk for m in tree.a_members[:3]
    )
    assert meeting.expected_count == 3


def test_a_democratic_life_meeting_round_trips_through_excel_with_its_team(tree, users):
    from django.utils import translation

    from branches.resources import MeetingResource
    from tests.roundtrip import edit, export_xlsx, import_xlsx, kinds, reasons, sheet_rows

    team = _team(tree.a, tree.a_members[:3])
    _democratic_life(tree.a, team, [AttendanceLine(m) for m in tree.a_members[:3]])
    data = export_xlsx(MeetingResource, users.office, Meeting.objects.all())
    [row] = sheet_rows(data)
    assert row["领导班子"] == team.name and row["应到人数"] == 3 and row["实到人数"] == 3
    result = import_xlsx(MeetingResource, users.office, data, dry_run=True)
    assert reasons(result) == [] and kinds(result) == ["无变化"]
    # a row naming no team is refused with the reason, on its row and column
    rows = reasons(
        import_xlsx(MeetingResource, users.office, edit(data, {(0, "领导班子"): ""}), dry_run=True)
    )
    with translation.override("zh-hans"):
        assert rows == [f"第 2 行：领导班子：{services.MSG_TEAM_REQUIRED}"]


def test_portal_edit_of_a_democratic_life_meeting_asks_nothing_of_others(tree, users, login):
    """Members off the team have no line: editing the meeting wants no leave reason of them."""
    from django.urls import reverse

    team = _team(tree.a, tree.a_members[:3])
    meeting = _democratic_life(tree.a, team, [AttendanceLine(m) for m in tree.a_members[:3]])
    client = login(users.sec_a)
    url = reverse("branches:meeting_edit", args=[meeting.pk])
    data = {
        "kind": MeetingKind.DEMOCRATIC_LIFE,
        "held_on": DAY.isoformat(),
        "topic": "年度民主生活会（修改）",
        "leadership_team": team.pk,
        "version": meeting.updated_at.isoformat(),
        **{f"present_{m.pk}": "on" for m in tree.a_members[:3]},
    }
    resp = client.post(url, data)
    assert resp.status_code == 302, resp.context["form"].errors
    meeting.refresh_from_db()
    assert meeting.topic == "年度民主生活会（修改）" and meeting.attendances.count() == 3
