"""The portal's meeting form lists and records whom the rule expects (``expected_attendees``):
a 支委会 the committee serving that day, other kinds the members; step 2 opens without errors."""

import datetime
import re

import pytest
from django.urls import reverse

from branches import services
from branches.models import Meeting, MeetingKind, Post
from chengjiang.access import SYSTEM
from tests.factories import MemberFactory

ELECTED = datetime.date(2024, 1, 5)
HELD = "2024-03-10"


@pytest.fixture
def committee(tree):
    """花园村第一党支部 grown to 7 members, with a committee of three elected on ``ELECTED``."""
    members = tree.a_members + [MemberFactory(branch=tree.a1) for _ in range(2)]
    services.organization_reelect(
        organization=tree.a1,
        date=ELECTED,
        committee=[
            (members[0], Post.SECRETARY),
            (members[1], Post.ORGANISATION),
            (members[2], Post.PROPAGANDA),
        ],
        by=SYSTEM,
    )
    return members, members[:3]


def _data(tree, members, **extra):
    data = {
        "organization": tree.a1.pk,
        "kind": MeetingKind.BRANCH_COMMITTEE,
        "held_on": HELD,
        "topic": "研究发展党员工作",
        **{f"present_{m.pk}": "on" for m in members},
    }
    data.update(extra)
    return data


def _shown(body: str) -> set[int]:
    """The members whose attendance row the page shows (not ``hidden``)."""
    rows = re.findall(r"<li[^>]*branches-attendee[^>]*>", body)
    assert rows, "no attendance rows on the page"
    shown = set()
    for row in rows:
        pk = int(re.search(r'data-member="(\d+)"', row).group(1))
        if not re.search(r"\shidden(\s|>|=)", row):
            shown.add(pk)
    return shown


def _pks(members) -> set[int]:
    return {m.pk for m in members}


def test_a_committee_meeting_records_the_committee_only(tree, users, login, committee):
    members, on_committee = committee
    client = login(users.sec_a)
    resp = client.post(reverse("branches:meeting_create"), _data(tree, members))
    assert resp.status_code == 302, resp.context["form"].errors
    meeting = Meeting.objects.get()
    assert _pks(a.member for a in meeting.attendances.all()) == _pks(on_committee)
    assert meeting.expected_count == 3
    assert meeting.present_count == 3


def test_an_absent_non_committee_member_asks_no_reason_of_a_committee_meeting(
    tree, users, login, committee
):
    _members, on_committee = committee
    client = login(users.sec_a)
    # everyone off the committee unticked, without a reason: not expected, so not asked
    resp = client.post(reverse("branches:meeting_create"), _data(tree, on_committee))
    assert resp.status_code == 302, resp.context["form"].errors
    assert Meeting.objects.get().expected_count == 3


def test_the_re_shown_form_lists_the_committee_for_a_committee_meeting(
    tree, users, login, committee
):
    members, on_committee = committee
    client = login(users.sec_a)
    resp = client.post(reverse("branches:meeting_create"), _data(tree, members, topic=""))
    assert resp.status_code == 200
    assert not Meeting.objects.exists()
    assert _shown(resp.content.decode()) == _pks(on_committee)
    # an assembly lists everyone again
    resp = client.post(
        reverse("branches:meeting_create"),
        _data(tree, members, topic="", kind=MeetingKind.BRANCH_ASSEMBLY),
    )
    assert _shown(resp.content.decode()) == _pks(members)


def test_the_kind_changed_after_the_list_was_shown_records_the_rule(tree, users, login, committee):
    members, on_committee = committee
    client = login(users.sec_a)
    url = reverse("branches:meeting_create")
    # first display: the kind is not chosen yet, so everyone is listed and ticked
    page = client.get(url, {"organization": tree.a1.pk})
    assert _shown(page.content.decode()) == _pks(members)
    # an assembly first (re-shown for the missing topic), then changed to a committee meeting
    resp = client.post(url, _data(tree, members, topic="", kind=MeetingKind.BRANCH_ASSEMBLY))
    assert resp.status_code == 200
    resp = client.post(url, _data(tree, members))
    assert resp.status_code == 302, resp.context["form"].errors
    meeting = Meeting.objects.get()
    assert _pks(a.member for a in meeting.attendances.all()) == _pks(on_committee)
    assert meeting.expected_count == 3


def test_a_committee_changed_to_an_assembly_records_every_member(tree, users, login, committee):
    members, on_committee = committee
    client = login(users.sec_a)
    url = reverse("branches:meeting_create")
    resp = client.post(url, _data(tree, members, topic=""))
    assert _shown(resp.content.decode()) == _pks(on_committee)
    # the hidden rows kept their ticks: changed to an assembly, everyone is recorded present
    resp = client.post(url, _data(tree, members, kind=MeetingKind.BRANCH_ASSEMBLY))
    assert resp.status_code == 302, resp.context["form"].errors
    meeting = Meeting.objects.get()
    assert _pks(a.member for a in meeting.attendances.all()) == _pks(members)
    assert meeting.expected_count == len(members) == meeting.present_count


def test_editing_a_committee_meeting_keeps_to_the_committee(tree, users, login, committee):
    members, on_committee = committee
    client = login(users.sec_a)
    client.post(reverse("branches:meeting_create"), _data(tree, members))
    meeting = Meeting.objects.get()
    url = reverse("branches:meeting_edit", args=[meeting.pk])
    page = client.get(url)
    assert _shown(page.content.decode()) == _pks(on_committee)
    data = _data(tree, members, version=meeting.updated_at.isoformat(), topic="改")
    resp = client.post(url, data)
    assert resp.status_code == 302, resp.context["form"].errors
    meeting.refresh_from_db()
    assert meeting.expected_count == 3 and meeting.attendances.count() == 3


def test_the_rows_carry_what_the_page_needs_to_follow_the_kind(tree, users, login, committee):
    """Without a round trip the page hides the rows the rule does not expect: each row says
    when its member joined and when they served on the committee."""
    members, on_committee = committee
    client = login(users.sec_a)
    body = client.get(reverse("branches:meeting_create"), {"organization": tree.a1.pk})
    body = body.content.decode()
    secretary = on_committee[0]
    row = re.search(rf'<li[^>]*data-member="{secretary.pk}"[^>]*>', body).group(0)
    assert f'data-committee="{ELECTED.isoformat()}/' in row
    assert 'data-joined="2005-07-01"' in row
    other = re.search(rf'<li[^>]*data-member="{members[5].pk}"[^>]*>', body).group(0)
    assert 'data-committee=""' in other


def test_update_the_list_without_javascript_saves_nothing_and_shows_no_errors(
    tree, users, login, committee
):
    members, on_committee = committee
    client = login(users.sec_a)
    data = _data(tree, members, topic="", refresh_attendance="1")
    resp = client.post(reverse("branches:meeting_create"), data)
    assert resp.status_code == 200
    assert not Meeting.objects.exists()
    body = resp.content.decode()
    assert "is-invalid" not in body and "alert-danger" not in body
    assert _shown(body) == _pks(on_committee)
    assert resp.context["form"]["kind"].value() == MeetingKind.BRANCH_COMMITTEE


# --- M5: step 2 opens as an empty form -------------------------------------------------------


def _no_errors(resp):
    assert resp.status_code == 200
    body = resp.content.decode()
    assert not resp.context["form"].errors
    assert "is-invalid" not in body
    assert "alert-danger" not in body
    assert "invalid-feedback" not in body


def test_step_two_opens_without_errors(tree, users, login):
    client = login(users.sec_a)
    url = reverse("branches:meeting_create")
    _no_errors(client.get(url, {"organization": tree.a1.pk}))
    # step one submitted as its form does (GET, the organisation chosen)
    step_one = client.get(url)
    assert 'method="get"' in step_one.content.decode()
    _no_errors(client.get(url, {"organization": tree.a1.pk}, follow=True))


def test_step_two_of_the_demo_opens_without_errors(demo_db, client):
    from django.contrib.auth import get_user_model

    from branches.models import Organization

    huayuan = get_user_model().objects.get(username="huayuan")
    client.force_login(huayuan, backend="django.contrib.auth.backends.ModelBackend")
    branch = Organization.objects.get(name="花园村第一党支部")
    _no_errors(client.get(reverse("branches:meeting_create"), {"organization": branch.pk}))
