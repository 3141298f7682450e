"""民主评议党员 at a 组织生活会: 优秀 / 合格 / 基本合格 / 不合格 per member (issue 11 §3), through
the service, the portal form, the admin inline and the Excel import."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from branches import services
from branches.models import DemocraticAppraisal, Meeting, MeetingKind
from branches.resources import MeetingResource
from branches.services import AppraisalLine
from chengjiang.access import SYSTEM
from tests.roundtrip import edit, export_xlsx, import_xlsx, reasons

DAY = datetime.date(2024, 12, 16)
R = DemocraticAppraisal.Rating


def _org_life(org, kind=MeetingKind.ORG_LIFE):
    return Meeting(kind=kind, organization=org, held_on=DAY, topic="年度组织生活会暨民主评议党员")


def _match(message, **params):
    return re.escape(str(message % params) if params else str(message))


def test_ratings_are_recorded_at_an_organisational_life_meeting(tree):
    m = tree.a_members
    lines = [AppraisalLine(m[0], R.EXCELLENT), AppraisalLine(m[1], R.BASICALLY_QUALIFIED)]
    meeting = services.meeting_save(meeting=_org_life(tree.a1), appraisals=lines, by=SYSTEM)
    stored = dict(meeting.appraisals.values_list("member", "rating"))
    assert stored == {m[0].pk: R.EXCELLENT, m[1].pk: R.BASICALLY_QUALIFIED}
    # saved again without ratings given: left as they are; with an empty list: cleared
    services.meeting_save(meeting=meeting, by=SYSTEM)
    assert meeting.appraisals.count() == 2
    services.meeting_save(meeting=meeting, appraisals=[], by=SYSTEM)
    assert meeting.appraisals.count() == 0


def test_ratings_only_at_an_organisational_life_meeting(tree):
    line = AppraisalLine(tree.a_members[0], R.QUALIFIED)
    with pytest.raises(ValidationError, match=_match(services.MSG_APPRAISAL_ONLY_ORG_LIFE)):
        services.meeting_save(
            meeting=_org_life(tree.a1, MeetingKind.THEME_DAY), appraisals=[line], by=SYSTEM
        )


def test_a_rated_meeting_cannot_become_another_kind(tree):
    line = AppraisalLine(tree.a_members[0], R.QUALIFIED)
    meeting = services.meeting_save(meeting=_org_life(tree.a1), appraisals=[line], by=SYSTEM)
    meeting.kind = MeetingKind.THEME_DAY
    with pytest.raises(ValidationError, match=_match(services.MSG_APPRAISAL_ONLY_ORG_LIFE)):
        services.meeting_save(meeting=meeting, by=SYSTEM)


def test_an_unknown_rating_a_repeat_and_an_outsider_are_refused(tree):
    m = tree.a_members
    with pytest.raises(ValidationError, match=_match(services.MSG_BAD_RATING, rating="良好")):
        services.meeting_save(
            meeting=_org_life(tree.a1), appraisals=[AppraisalLine(m[0], "良好")], by=SYSTEM
        )
    twice = [AppraisalLine(m[0], R.QUALIFIED), AppraisalLine(m[0], R.EXCELLENT)]
    with pytest.raises(ValidationError, match=_match(services.MSG_APPRAISAL_TWICE, name=m[0].name)):
        services.meeting_save(meeting=_org_life(tree.a1), appraisals=twice, by=SYSTEM)
    outsider = tree.b_members[0]
    message = _match(services.MSG_ATTENDEE_OUTSIDE, name=outsider.name, org=tree.a1)
    with pytest.raises(ValidationError, match=message):
        services.meeting_save(
            meeting=_org_life(tree.a1),
            appraisals=[AppraisalLine(outsider, R.QUALIFIED)],
            by=SYSTEM,
        )
    assert not DemocraticAppraisal.objects.exists()


def test_portal_form_rates_members_of_an_organisational_life_meeting(tree, users, login):
    client = login(users.sec_a)
    m = tree.a_members
    data = {
        "organization": tree.a1.pk,
        "kind": MeetingKind.ORG_LIFE,
        "held_on": DAY.isoformat(),
        "topic": "年度组织生活会",
        **{f"present_{x.pk}": "on" for x in m},
        f"rating_{m[0].pk}": R.EXCELLENT,
        f"rating_{m[1].pk}": R.QUALIFIED,
    }
    resp = client.post(reverse("branches:meeting_create"), data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    meeting = Meeting.objects.get()
    assert dict(meeting.appraisals.values_list("member", "rating")) == {
        m[0].pk: R.EXCELLENT,
        m[1].pk: R.QUALIFIED,
    }
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "民主评议党员" in page and "优秀" in page

    data["kind"] = MeetingKind.THEME_DAY
    data["topic"] = "主题党日"
    resp = client.post(reverse("branches:meeting_create"), data)
    assert resp.status_code == 200
    assert str(services.MSG_APPRAISAL_ONLY_ORG_LIFE) in resp.content.decode()


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def office(demo_db, client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="office")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return user


def _inline_rows(data, prefix):
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    return [i for i in range(total) if data.get(f"{prefix}-{i}-member")]


def test_admin_edits_ratings_through_the_inline(office, client):
    from tests.adminforms import form_data

    meeting = (
        Meeting.objects.filter(kind=MeetingKind.ORG_LIFE, appraisals__isnull=False)
        .distinct()
        .order_by("pk")
        .first()
    )
    assert meeting is not None, "the demo's 组织生活会 carry no 民主评议 record"
    url = reverse("admin:branches_meeting_change", args=[meeting.pk])
    data = form_data(client.get(url).content.decode(), "meeting_form")
    before = dict(meeting.appraisals.values_list("member", "rating"))
    # unchanged
    resp = client.post(url, {**data, "_save": "1"})
    assert resp.status_code == 302
    assert dict(meeting.appraisals.values_list("member", "rating")) == before
    # changed: the first rating becomes 不合格, the last row deleted (on the page as it now is)
    data = form_data(client.get(url).content.decode(), "meeting_form")
    rows = _inline_rows(data, "appraisals")
    first, last = rows[0], rows[-1]
    present_rows = [
        i for i in _inline_rows(data, "attendances") if data[f"attendances-{i}-status"] == "present"
    ]
    away = present_rows[-1]
    changed = {
        **data,
        f"appraisals-{first}-rating": R.UNQUALIFIED,
        f"appraisals-{last}-DELETE": "on",
        f"attendances-{away}-status": "absent",  # and one attendee marked 缺席 in its inline
        "_save": "1",
    }
    resp = client.post(url, changed)
    assert resp.status_code == 302
    away_member = int(data[f"attendances-{away}-member"])
    assert meeting.attendances.get(member=away_member).status == "absent"
    after = dict(meeting.appraisals.values_list("member", "rating"))
    assert after[int(data[f"appraisals-{first}-member"])] == R.UNQUALIFIED
    assert int(data[f"appraisals-{last}-member"]) not in after
    assert len(after) == len(before) - 1


def test_admin_refuses_ratings_on_another_kind(office, client):
    from tests.adminforms import form_data

    meeting = Meeting.objects.filter(kind=MeetingKind.ORG_LIFE, appraisals__isnull=False).first()
    url = reverse("admin:branches_meeting_change", args=[meeting.pk])
    data = form_data(client.get(url).content.decode(), "meeting_form")
    resp = client.post(url, {**data, "kind": MeetingKind.THEME_DAY, "_save": "1"})
    assert resp.status_code == 200
    with translation.override("zh-hans"):
        assert str(services.MSG_APPRAISAL_ONLY_ORG_LIFE) in resp.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).kind == MeetingKind.ORG_LIFE


# --- import / export ---------------------------------------------------------------------------


@pytest.fixture
def rated(tree):
    m = tree.a_members
    meeting = services.meeting_save(
        meeting=_org_life(tree.a1),
        attendance=[
            services.AttendanceLine(m[0]),
            services.AttendanceLine(m[1], status="leave", absence_reason="病假"),
            services.AttendanceLine(m[2], status="absent"),
        ],
        appraisals=[AppraisalLine(m[0], R.EXCELLENT), AppraisalLine(m[1], R.QUALIFIED)],
        by=SYSTEM,
    )
    meeting.host, meeting.recorder, meeting.observers = m[0], m[1], "驻村第一书记"
    return services.meeting_save(meeting=meeting, by=SYSTEM)


def test_export_carries_the_minutes_columns(rated, users):
    from tests.roundtrip import sheet_rows

    [row] = sheet_rows(export_xlsx(MeetingResource, users.office, Meeting.objects.all()))
    m = [a.member for a in rated.attendances.order_by("member__name")]
    assert row["应到人数"] == 5 and row["实到人数"] == 1
    assert row["记录人"] == rated.recorder.name
    assert row["列席人员"] == "驻村第一书记"
    names = {a.status: a.member.name for a in rated.attendances.select_related("member")}
    assert row["请假人员（姓名：事由）"] == f"{names['leave']}：病假"
    assert row["缺席人员"] == names["absent"]
    assert "优秀" in row["民主评议（姓名：等次）"] and len(m) == 3


def test_import_round_trip_changes_a_rating_and_the_absent(rated, tree, users):
    data = export_xlsx(MeetingResource, users.office, Meeting.objects.all())
    m = tree.a_members
    data = edit(
        data,
        {
            (0, "民主评议（姓名：等次）"): f"{m[0].name}：基本合格；{m[2].name}：合格",
            (0, "缺席人员"): f"{m[2].name}、{m[3].name}：联系不上",
        },
    )
    result = import_xlsx(MeetingResource, users.office, data, dry_run=False)
    assert reasons(result) == []
    stored = dict(rated.appraisals.values_list("member", "rating"))
    assert stored == {m[0].pk: R.BASICALLY_QUALIFIED, m[2].pk: R.QUALIFIED}
    absent = rated.attendances.filter(status="absent").order_by("member__name")
    assert {a.member_id: a.absence_reason for a in absent} == {m[2].pk: "", m[3].pk: "联系不上"}


def test_import_names_row_and_column_of_a_bad_rating(rated, tree, users):
    data = export_xlsx(MeetingResource, users.office, Meeting.objects.all())
    data = edit(data, {(0, "民主评议（姓名：等次）"): f"{tree.a_members[0].name}：良好"})
    [line] = reasons(import_xlsx(MeetingResource, users.office, data, dry_run=True))
    assert line.startswith("第 2 行：民主评议（姓名：等次）："), line
    assert "优秀、合格、基本合格、不合格" in line


def test_admin_keeps_a_democratic_life_meeting_with_its_team(office, client):
    """The admin's page of a 民主生活会 posts back unchanged: its team and the team's attendance."""
    from tests.adminforms import form_data

    meeting = Meeting.objects.filter(kind=MeetingKind.DEMOCRATIC_LIFE).order_by("pk").first()
    assert meeting.leadership_team_id, "the demo's 民主生活会 is held by no leadership team"
    url = reverse("admin:branches_meeting_change", args=[meeting.pk])
    page = client.get(url).content.decode()
    with translation.override("zh-hans"):
        assert "应到" in page and "实到" in page
    data = form_data(page, "meeting_form")
    lines = sorted(meeting.attendances.values_list("member", "status"))
    resp = client.post(url, {**data, "_save": "1"})
    assert resp.status_code == 302
    meeting.refresh_from_db()
    assert (
        meeting.leadership_team_id
        and sorted(meeting.attendances.values_list("member", "status")) == lines
    )
    # without its team the office is told why, and nothing changes
    resp = client.post(
        url,
        {
            **form_data(client.get(url).content.decode(), "meeting_form"),
            "leadership_team": "",
            "_save": "1",
        },
    )
    assert resp.status_code == 200
    with translation.override("zh-hans"):
        assert str(services.MSG_TEAM_REQUIRED) in resp.content.decode()
