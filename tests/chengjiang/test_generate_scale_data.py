"""generate_scale_data: a valid tree and valid records in bulk, at the sizes asked, and a refusal
on a database that holds records the generator did not write."""

from __future__ import annotations

import io

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.utils import timezone

from branches import services
from branches.models import (
    Attendance,
    Meeting,
    Member,
    Organization,
    OrgChange,
    SecretaryTerm,
    Status,
    Talk,
    TalkParticipant,
    Village,
)
from chengjiang.access import SYSTEM
from chengjiang.personal_data import validate_id_number

pytestmark = pytest.mark.django_db

SIZES = {
    "subdistricts": 2,
    "villages": 5,
    "orgs": 40,
    "members": 300,
    "meetings": 700,
    "talks": 60,
    "attendance_per_meeting": 4,
    "year": 2024,
}


def generate(**sizes):
    out = io.StringIO()
    call_command("generate_scale_data", **{**SIZES, **sizes}, stdout=out)
    return out.getvalue()


def test_counts_match_the_options():
    generate()
    Kind = Organization.Kind
    assert Organization.objects.count() == SIZES["orgs"]
    assert Organization.objects.filter(parent=None).count() == 1
    assert Organization.objects.filter(depth=1).count() == SIZES["subdistricts"]
    assert Village.objects.count() == SIZES["villages"]
    assert Organization.objects.filter(depth=2, village__isnull=False).count() == SIZES["villages"]
    assert Organization.objects.filter(kind=Kind.BRANCH).exists()
    assert Organization.objects.filter(kind=Kind.GROUP).exists()
    assert Member.objects.count() == SIZES["members"]
    assert Meeting.objects.count() == SIZES["meetings"]
    assert Talk.objects.count() == SIZES["talks"]
    assert Attendance.objects.count() > 0
    assert Meeting.objects.filter(held_on__year=SIZES["year"]).exists()


def test_every_record_keeps_the_model_rules():
    generate()
    today = timezone.localdate()
    orgs = list(Organization.objects.select_related("parent"))
    for org in orgs:
        org.full_clean()
        assert org.path == org.compute_path()
        assert org.depth == org.path.count("/") - 1
        if org.parent_id and org.parent.village_id:  # a village's branches and groups are its
            assert org.village_id == org.parent.village_id
        if org.depth >= 2:
            assert org.village_id
        if org.parent_id and org.parent.parent_id:
            # Below the sub-districts every level keeps the service's rank rule. (City →
            # sub-district is two working committees, which that rule, written for one
            # sub-district, does not yet allow.)
            services._check_parent(kind=org.kind, parent=org.parent)
    for member in Member.objects.select_related("branch", "group"):
        member.full_clean()
        validate_id_number(member.id_number)
    for term in SecretaryTerm.objects.select_related("organization", "member__branch"):
        term.full_clean()
        assert services._member_belongs(term.member, term.organization)
    assert SecretaryTerm.objects.filter(ended_on__isnull=True).count() >= len(orgs) // 2
    for meeting in Meeting.objects.select_related("organization")[:300]:
        meeting.full_clean()
        services._validate_meeting_kind(meeting)
        assert meeting.held_on <= today
        if meeting.status == Status.APPROVED:
            assert meeting.reviewed_by_id and meeting.reviewed_at and meeting.submitted_at
    for line in Attendance.objects.select_related("meeting__organization", "member__branch"):
        line.full_clean()
        assert services._member_belongs(line.member, line.meeting.organization)
    for talk in Talk.objects.select_related("organization"):
        talk.full_clean()
    for person in TalkParticipant.objects.select_related("talk__organization", "member__branch"):
        person.full_clean()
        if person.member_id:
            assert services._member_belongs(person.member, person.talk.organization)
    assert OrgChange.objects.count() >= len(orgs)
    statuses = set(Meeting.objects.values_list("status", flat=True))
    assert Status.APPROVED in statuses and len(statuses) > 1


def test_no_audit_entry_per_row_and_the_office_sees_the_tree():
    from chengjiang.access import scope_path

    before = LogEntry.objects.count()
    generate()
    assert LogEntry.objects.count() - before < 20  # users and checklist at most, never per row
    from django.contrib.auth import get_user_model

    office = get_user_model().objects.get(username="scale_office")
    assert scope_path(office) == Organization.objects.get(parent=None).path
    assert Meeting.objects.visible_to(office).count() == SIZES["meetings"]
    # New records still get fresh ids after explicit ids were written (sequences reset).
    org = services.organization_establish(
        name="新支部",
        kind="branch",
        parent=Organization.objects.filter(kind="general_branch").first(),
        date=today(),
        by=SYSTEM,
    )
    assert org.pk == SIZES["orgs"] + 1


def today():
    return timezone.localdate()


def test_refuses_a_database_with_records_it_did_not_write():
    services.organization_establish(
        name="中共某街道工作委员会", kind="working_committee", parent=None, date=today(), by=SYSTEM
    )
    with pytest.raises(CommandError, match="did not generate"):
        generate()
    assert Member.objects.count() == 0
    assert Organization.objects.count() == 1


def test_refuses_to_generate_twice():
    generate()
    with pytest.raises(CommandError, match="already"):
        generate()
    assert Meeting.objects.count() == SIZES["meetings"]


def test_refuses_sizes_that_cannot_make_a_tree():
    with pytest.raises(CommandError):
        generate(orgs=5)


def _schema():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid::regclass::text LIKE 'branches_%%'"
        )
        constraints = set(cursor.fetchall())
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes"
            " WHERE tablename LIKE 'branches_%%'"
        )
        return constraints, set(cursor.fetchall())


@pytest.mark.postgres
def test_the_bulk_load_puts_back_every_constraint_and_index():
    """On PostgreSQL the COPY runs with the tables' keys and indexes dropped; all come back."""
    before = _schema()
    generate()
    assert _schema() == before
    assert before[0] and before[1]
