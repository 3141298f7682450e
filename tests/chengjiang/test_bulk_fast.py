"""The bulk import's fast path (issue 12, goal 4) gives the answers of the slow one: the field
checks are ``full_clean``'s, COPY writes what ``bulk_create`` writes, a bad row anywhere in the
file still writes nothing, and every record written gets its audit entry."""

from __future__ import annotations

import copy
import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction

from branches.models import Attendance, DemocraticAppraisal, Meeting, MeetingKind, Member
from branches.resources import MeetingBulkImport, MeetingResource, MemberResource
from chengjiang import bulkimport
from chengjiang.bulkimport import FieldChecks, import_rows
from chengjiang.importexport import FormulaCell
from tests.chengjiang.test_bulk_import import (  # noqa: F401  (minuted: a fixture)
    MEETING_HEADERS,
    MEMBER_HEADERS,
    good_minuted_rows,
    meeting_row,
    member_row,
    minuted,
    minuted_sheet,
    xlsx,
)
from tests.factories import valid_id_number

pytestmark = pytest.mark.usefixtures("chinese")  # the office's language


def _full_clean(record, exclude):
    record.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _outcome(check, record, exclude):
    """What a check leaves: its messages, or the record's values (it may normalise them)."""
    try:
        check(record, exclude)
    except ValidationError as exc:
        return exc.message_dict
    return {f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields}


def _member(tree, **changes):
    birth = datetime.date(1980, 5, 4)
    member = Member(
        name="张三",
        gender="M",
        birth_date=birth,
        id_number=valid_id_number(birth),
        phone="13800001234",
        category="formal",
        joined_on=datetime.date(2010, 7, 1),
        branch=tree.a1,
    )
    for name, value in changes.items():
        setattr(member, name, value)
    return member


def _meeting(tree, **changes):
    meeting = Meeting(
        organization=tree.a1,
        kind=MeetingKind.BRANCH_COMMITTEE,
        held_on=datetime.date(2024, 3, 1),
        topic="学习",
    )
    for name, value in changes.items():
        setattr(meeting, name, value)
    return meeting


MEMBER_CASES = {
    "good": {},
    "long name": {"name": "长" * 51},
    "blank name": {"name": ""},
    "formula text kept as text": {"name": FormulaCell("=1+1")},
    "unknown gender": {"gender": "X"},
    "blank gender": {"gender": ""},
    "no birth date": {"birth_date": None},
    "birth date as text": {"birth_date": "1980-05-04"},
    "birth date as datetime": {"birth_date": datetime.datetime(1980, 5, 4, 9, 30)},
    "born too early": {"birth_date": datetime.date(1899, 12, 31)},
    "birth date not the ID's": {"birth_date": datetime.date(1981, 5, 4)},
    "bad check digit": {"id_number": "11010119800504001Z"},
    "lower-case x normalised": {"id_number": "11010519491231002x"},
    "bad phone": {"phone": "12345"},
    "unknown education": {"education": "phd"},
    "blank category": {"category": ""},
    "joined in the future": {"joined_on": datetime.date(2099, 1, 1)},
    "joined before 1921": {"joined_on": datetime.date(1920, 1, 1)},
    "joined on the Party's founding day": {"joined_on": datetime.date(1921, 7, 1)},
    "confirmed after 2100": {"confirmed_on": datetime.date(2101, 1, 1)},
    "confirmed while probationary": {
        "category": "probationary",
        "confirmed_on": datetime.date(2011, 7, 1),
    },
}

MEETING_CASES = {
    "good": {},
    "unknown kind": {"kind": "party"},
    "blank topic": {"topic": ""},
    "long topic": {"topic": "题" * 201},
    "long place": {"place": "地" * 101},
    "held in the future": {"held_on": datetime.date(2099, 1, 1)},
    "held before 1921": {"held_on": datetime.date(1900, 1, 1)},
    "held after 2100": {"held_on": datetime.date(2101, 1, 1)},
    "place at its longest": {"place": "地" * 100},
    "no date": {"held_on": None},
    "negative expected count (not editable)": {"expected_count": -1},
    "unknown status": {"status": "done"},
}


@pytest.mark.parametrize("case", sorted(MEMBER_CASES))
@pytest.mark.parametrize("exclude", [set(), {"name", "branch"}])
def test_field_checks_answer_as_full_clean_for_members(tree, case, exclude):
    record = _member(tree, **MEMBER_CASES[case])
    other = copy.copy(record)
    other._state = copy.copy(record._state)
    assert _outcome(FieldChecks(Member), record, exclude) == _outcome(_full_clean, other, exclude)


@pytest.mark.parametrize("case", sorted(MEETING_CASES))
def test_field_checks_answer_as_full_clean_for_meetings(tree, case):
    record = _meeting(tree, **MEETING_CASES[case])
    other = copy.copy(record)
    other._state = copy.copy(record._state)
    exclude = {"organization"}
    assert _outcome(FieldChecks(Meeting), record, exclude) == _outcome(_full_clean, other, exclude)


def test_the_audit_names_a_meeting_as_its_str(tree, users):
    from chengjiang.access import SYSTEM

    importer = MeetingBulkImport(MeetingResource(), by=SYSTEM)
    for kind in [*MeetingKind.values, "unknown"]:
        meeting = _meeting(tree, kind=kind)
        assert importer.object_repr(meeting) == str(meeting)


# --- COPY and bulk_create ---------------------------------------------------------------------


def _written(topics, names):
    """What an import left in the tables, without ids and clock times."""
    skip = {"id", "created_at", "updated_at", "recorded_at"}
    meetings = {
        m["topic"]: {k: v for k, v in m.items() if k not in skip}
        for m in Meeting.objects.filter(topic__in=topics).values()
    }
    lines = sorted(
        Attendance.objects.filter(meeting__topic__in=topics).values_list(
            "meeting__topic", "member_id", "status", "present", "absence_reason"
        )
    )
    ratings = sorted(
        DemocraticAppraisal.objects.filter(meeting__topic__in=topics).values_list(
            "meeting__topic", "member_id", "rating"
        )
    )
    members = {
        m["name"]: {k: v for k, v in m.items() if k not in skip}
        for m in Member.objects.filter(name__in=names).values()
    }
    entries = sorted(
        (
            e.content_type.model,
            e.object_repr,
            e.action,
            e.actor_id,
            e.remote_addr,
            sorted((k, v) for k, v in e.changes.items() if k not in skip),
        )
        for e in LogEntry.objects.all()
    )
    return meetings, lines, ratings, members, entries


@pytest.mark.postgres
def test_copy_writes_what_bulk_create_writes(tree, users, request, monkeypatch):
    rows = good_minuted_rows(tree, request.getfixturevalue("minuted"))
    meetings = minuted_sheet(rows)
    topics = [r["主题"] for r in rows]
    members = xlsx(MEMBER_HEADERS, [member_row(n, group="花园村第一党小组") for n in range(5)])
    names = [f"导入{n}" for n in range(5)]
    LogEntry.objects.all().delete()
    written = []
    for use_copy in (True, False):
        monkeypatch.setattr(bulkimport, "COPY", use_copy)
        with transaction.atomic():
            for resource, data in ((MeetingResource, meetings), (MemberResource, members)):
                result = import_rows(
                    resource, data, by=users.sec_a, dry_run=False, remote_addr="10.0.0.7"
                )
                assert result.lines() == [] and result.written
            written.append(_written(topics, names))
            transaction.set_rollback(True)
    by_copy, by_bulk_create = written
    assert by_copy == by_bulk_create
    meetings_written, lines, ratings, members_written, entries = by_copy
    assert len(meetings_written) == len(rows) and lines and ratings
    assert len(members_written) == 5 and len(entries) == len(rows) + 5


@pytest.mark.parametrize("use_copy", [True, False])
def test_a_bad_row_after_written_batches_writes_nothing(tree, users, monkeypatch, use_copy):
    """Batches of two: the first three are written (COPY on PostgreSQL) before row 8 is read;
    the file is refused as a whole, and the bad row is named."""
    monkeypatch.setattr(bulkimport, "COPY", use_copy)
    monkeypatch.setattr(bulkimport.BulkImport, "batch_size", 2)
    a0, a1 = (m.name for m in tree.a_members[:2])
    rows = [meeting_row(n, present=f"{a0}、{a1}") for n in range(6)]
    rows.append(meeting_row(7, present="不认识的人"))
    before = (Meeting.objects.count(), Attendance.objects.count(), LogEntry.objects.count())
    result = import_rows(
        MeetingResource, xlsx(MEETING_HEADERS, rows), by=users.sec_a, dry_run=False
    )
    assert len(result.lines()) == 1 and result.lines()[0].startswith("第 8 行：出席人员：")
    assert not result.written and result.audit_entries == 0
    after = (Meeting.objects.count(), Attendance.objects.count(), LogEntry.objects.count())
    assert after == before


def test_every_record_written_has_its_audit_entry_with_the_acting_user(tree, users):
    LogEntry.objects.all().delete()
    a0 = tree.a_members[0].name
    result = import_rows(
        MeetingResource,
        xlsx(MEETING_HEADERS, [meeting_row(n, present=a0) for n in range(4)]),
        by=users.sec_a,
        dry_run=False,
        remote_addr="10.0.0.7",
    )
    assert result.lines() == [] and result.audit_entries == 4
    meetings = Meeting.objects.filter(topic__startswith="学习")
    entries = LogEntry.objects.filter(content_type__model="meeting")
    assert sorted(e.object_id for e in entries) == sorted(m.pk for m in meetings)
    for entry in entries:
        meeting = meetings.get(pk=entry.object_id)
        assert entry.action == LogEntry.Action.CREATE and entry.actor == users.sec_a
        assert entry.remote_addr == "10.0.0.7" and entry.object_repr == str(meeting)
        assert entry.changes["topic"] == ["None", meeting.topic]


def test_people_kept_from_batch_to_batch_are_read_as_in_the_one_row_import(
    tree, users, monkeypatch
):
    """A member named by ID number in one batch, by name in the next: a namesake in the branch
    makes the name ambiguous there, as in the one-row import; a kept name is not read again."""
    from tests.chengjiang.test_bulk_import import both
    from tests.factories import MemberFactory

    monkeypatch.setattr(bulkimport.BulkImport, "batch_size", 1)
    a0, a1 = tree.a_members[:2]
    MemberFactory(branch=tree.a1, name=a0.name)
    rows = [
        meeting_row(1, present=a0.id_number),
        meeting_row(2, present=a0.name),
        meeting_row(3, present=a1.name),
        meeting_row(4, present=a1.name),
    ]
    old, new = both(MeetingResource, users.sec_a, xlsx(MEETING_HEADERS, rows))
    assert new == old and len(new) == 1 and new[0].startswith("第 3 行：出席人员：")
