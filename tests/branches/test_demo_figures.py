"""The demo reproduces the report's 组织建设 figures for 2024, read through the measures.

The demo is loaded once per test worker (``demo_db``); this test checks everything in turn.
"""

import io

from django.core.management import call_command

from branches.models import Meeting, MeetingKind, Member, Organization, Status
from chengjiang import measures
from chengjiang.measures import Period

FIGURES = [
    ("branches.meetings", {"kind": "democratic_life"}, 2),
    ("branches.meetings", {"kind": "org_life"}, 1),
    ("branches.org_changes", {"kind": "established", "org_kind": "branch"}, 2),
    ("branches.org_changes", {"kind": "group_set_up"}, 4),
    ("branches.org_changes", {"kind": "secretary_changed"}, 1),
]


def value(key, **params):
    return measures.get(key).evaluate(period=Period.year(2024), scope="", **params).value


def test_demo_reproduces_the_report_and_is_idempotent(demo_db):
    got = [(key, params, value(key, **params)) for key, params, _ in FIGURES]
    assert got == FIGURES
    assert 130 < value("branches.talk_person_times") < 140  # 谈心谈话 130 余人次

    counts = (Organization.objects.count(), Member.objects.count(), Meeting.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (Organization.objects.count(), Member.objects.count(), Meeting.objects.count()) == counts

    # The figure is computed from records: un-approving one meeting moves it.
    meeting = Meeting.objects.filter(kind=MeetingKind.DEMOCRATIC_LIFE).first()
    Meeting.objects.filter(pk=meeting.pk).update(status=Status.SUBMITTED)
    assert value("branches.meetings", kind="democratic_life") == 1
