"""Records for the trust tests (a meeting with attendance and a file, a talk), and a page walker
that opens every URL with those records' ids. Import the fixture into a test module:
``from .trust_data import rich  # noqa: F401``."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chengjiang.access import SYSTEM

from .urlwalk import walk

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n%%EOF\n"


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def rich(tree, users):
    from branches import services
    from branches.models import Meeting, MeetingKind, Talk

    meeting = services.meeting_save(
        meeting=Meeting(
            kind=MeetingKind.BRANCH_COMMITTEE,
            organization=tree.a1,
            held_on=datetime.date(2024, 3, 10),
            topic="支部委员会",
            host=tree.a_members[0],
        ),
        attendance=[services.AttendanceLine(member=m) for m in tree.a_members[:3]],
        by=users.sec_a,
    )
    attachment = services.attachment_add(meeting=meeting, upload=upload("纪要.png", PNG), by=SYSTEM)
    talk = services.talk_save(
        talk=Talk(
            organization=tree.a1,
            held_on=datetime.date(2024, 3, 12),
            talker=tree.a_members[0],
            topic="谈心谈话",
        ),
        participants=[services.TalkPerson(member=tree.a_members[1])],
        by=users.sec_a,
    )
    b_meeting = services.meeting_save(
        meeting=Meeting(
            kind=MeetingKind.BRANCH_COMMITTEE,
            organization=tree.b1,
            held_on=datetime.date(2024, 3, 11),
            topic="青桥支委会",
        ),
        by=users.sec_b,
    )
    return SimpleNamespace(meeting=meeting, attachment=attachment, talk=talk, b_meeting=b_meeting)


def candidate_pks(tree, rich) -> list[int]:
    pks = [
        rich.meeting.pk,
        rich.talk.pk,
        rich.attachment.pk,
        tree.a1.pk,
        tree.a_members[0].pk,
        tree.va.pk,
    ]
    return list(dict.fromkeys(pks))


def open_pages(client, pks, *, include_admin: bool = False, method: str = "get"):
    """Yield (walked, response) for every URL; URLs with ids are tried with each candidate id and
    the first answer 200 is kept (else the last answer)."""
    client.raise_request_exception = False
    seen = set()
    for pk in pks:
        for walked in walk(pk=pk)[0]:
            key = walked.pattern
            if key in seen:
                continue
            if walked.name in ("logout", "admin:logout"):
                continue
            if walked.name.startswith("admin:") and not include_admin:
                continue
            response = getattr(client, method)(walked.path)
            if response.status_code == 200 or pk == pks[-1] or str(pk) not in walked.path:
                seen.add(key)
                yield walked, response
