"""Out of scope is 404: secretary B never reaches A's meetings, talks or attachments."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branches import services
from branches.models import Meeting, MeetingKind, Talk
from chengjiang.access import SYSTEM

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def a_records(tree):
    meeting = Meeting.objects.create(
        kind=MeetingKind.BRANCH_COMMITTEE,
        organization=tree.a1,
        held_on=datetime.date(2024, 3, 1),
        topic="花园村的会",
    )
    attachment = services.attachment_add(
        meeting=meeting, upload=SimpleUploadedFile("记录.pdf", PDF, "application/pdf"), by=SYSTEM
    )
    talk = Talk.objects.create(
        organization=tree.a1,
        held_on=datetime.date(2024, 3, 1),
        talker_name="甲",
        topic="花园村谈话",
    )
    return meeting, attachment, talk


def _urls(meeting, attachment, talk):
    return [
        ("get", reverse("branches:meeting_detail", args=[meeting.pk])),
        ("get", reverse("branches:meeting_edit", args=[meeting.pk])),
        ("post", reverse("branches:meeting_edit", args=[meeting.pk])),
        ("post", reverse("branches:meeting_submit", args=[meeting.pk])),
        ("get", reverse("branches:attachment_download", args=[attachment.pk])),
        ("get", reverse("branches:talk_detail", args=[talk.pk])),
        ("get", reverse("branches:talk_edit", args=[talk.pk])),
        ("post", reverse("branches:talk_edit", args=[talk.pk])),
        ("post", reverse("branches:talk_submit", args=[talk.pk])),
    ]


def test_other_secretary_gets_404_everywhere(tree, users, login, a_records):
    client = login(users.sec_b)
    for method, url in _urls(*a_records):
        resp = getattr(client, method)(url)
        assert resp.status_code == 404, (method, url, resp.status_code)
    meeting, _, talk = a_records
    meeting.refresh_from_db()
    talk.refresh_from_db()
    assert meeting.status == talk.status == "draft"


def test_own_secretary_and_office_reach_them(tree, users, login, a_records):
    meeting, attachment, talk = a_records
    for user in (users.sec_a, users.office):
        client = login(user)
        for url in (
            reverse("branches:meeting_detail", args=[meeting.pk]),
            reverse("branches:meeting_edit", args=[meeting.pk]),
            reverse("branches:attachment_download", args=[attachment.pk]),
            reverse("branches:talk_detail", args=[talk.pk]),
            reverse("branches:talk_edit", args=[talk.pk]),
        ):
            assert client.get(url).status_code == 200, (user, url)


def test_lists_and_home_show_only_the_scope(tree, users, login, a_records):
    Meeting.objects.create(
        kind=MeetingKind.BRANCH_COMMITTEE,
        organization=tree.b1,
        held_on=datetime.date(2024, 3, 1),
        topic="青桥村的会",
    )
    client = login(users.sec_b)
    listing = client.get(reverse("branches:meeting_list")).content.decode()
    assert "青桥村的会" in listing
    assert "花园村的会" not in listing
    assert "花园村谈话" not in client.get(reverse("branches:talk_list")).content.decode()
    home = client.get(reverse("branches:home")).content.decode()
    assert "花园村" not in home
    assert "青桥村第一党支部" in home
    # the filter's organisation choices are scoped too
    assert f'value="{tree.a1.pk}"' not in listing
    resp = client.get(reverse("branches:meeting_list"), {"organization": tree.a1.pk})
    assert "花园村的会" not in resp.content.decode()


def test_out_of_scope_organisation_for_new_record(tree, users, login):
    client = login(users.sec_b)
    resp = client.get(reverse("branches:meeting_create"), {"organization": tree.a1.pk})
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "花园村第一党支部" not in body
    assert tree.a_members[0].name not in body


def test_list_filters_apply_and_a_bad_one_does_not_drop_the_others(tree, users, login):
    for day, kind in (
        (datetime.date(2023, 5, 1), MeetingKind.BRANCH_COMMITTEE),
        (datetime.date(2024, 5, 1), MeetingKind.BRANCH_COMMITTEE),
        (datetime.date(2024, 6, 1), MeetingKind.PARTY_LECTURE),
    ):
        Meeting.objects.create(kind=kind, organization=tree.a1, held_on=day, topic=f"{day}-{kind}")
    client = login(users.sec_a)
    url = reverse("branches:meeting_list")

    def topics(params):
        return [m.topic for m in client.get(url, params).context["page"].object_list]

    assert topics({"year": "2024"}) == ["2024-06-01-party_lecture", "2024-05-01-branch_committee"]
    assert topics({"kind": "branch_committee", "year": "2024"}) == ["2024-05-01-branch_committee"]
    assert topics({"kind": "branch_committee", "year": "not-a-year"}) == [
        "2024-05-01-branch_committee",
        "2023-05-01-branch_committee",
    ]
    assert topics({"date_from": "2024-05-15", "date_to": "2024-12-31"}) == [
        "2024-06-01-party_lecture"
    ]
    assert topics({"status": "approved"}) == []
