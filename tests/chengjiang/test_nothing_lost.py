"""Nothing lost: a record others depend on cannot be deleted from under them. Every foreign key
of every domain model is PROTECT, except the explicit list of owned child rows below (CASCADE:
the rows are part of their parent and mean nothing without it). New models are covered as they
land; a new CASCADE must be added here, with its reason, in review."""

import datetime

import pytest
from django.apps import apps
from django.db import models
from django.db.models import ProtectedError

from branches import services
from chengjiang.access import SYSTEM
from chengjiang.accounts.roles import DOMAIN_APPS

OWNED_CHILDREN = {
    # label.field: why the child is part of its parent
    "branches.Attendance.meeting": "who attended this meeting",
    "branches.MeetingAttachment.meeting": "this meeting's files",
    "branches.TalkParticipant.talk": "who took part in this talk",
    "branches.LeadershipTeamMember.team": "the posts of one leadership team",
    "branches.DemocraticAppraisal.meeting": "the ratings given at this meeting",
    "cadres.GroupFigures.group": "the group's population/workload figures by year",
    "cadres.PayTier.scale": "the tiers of one pay scale",
    "cadres.GroupMeetingVote.meeting": "the candidates' votes at one ballot",
    "cadres.ReserveCadreStatus.cadre": "the stage history of one reserve cadre",
    "cadres.MentoringLog.pairing": "the log of one mentoring pair",
    "training.Session.training_class": "the sessions of one class received",
    "training.Attendee.training_class": "the roster of one class received",
    "training.SessionAttendance.session": "attendance at one session",
    "training.SessionAttendance.attendee": "one attendee's attendance rows",
    "worktasks.Evidence.task": "the evidence files of one task",
    "worktasks.MonthlyFigure.organization": "derived figures of one organisation (the summary)",
    "branches.CadenceCount.organization": "the kept 三会一课 cells of one organisation (derived)",
}
APPS = (*DOMAIN_APPS, "accounts")


def _foreign_keys():
    for model in apps.get_models():
        if model._meta.app_label not in APPS:
            continue
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and (field.many_to_one or field.one_to_one):
                yield f"{model._meta.label}.{field.name}", field


def test_foreign_keys_protect_what_others_depend_on():
    wrong = []
    for label, field in _foreign_keys():
        on_delete = field.remote_field.on_delete
        if on_delete is models.PROTECT:
            continue
        if on_delete is models.CASCADE and label in OWNED_CHILDREN:
            continue
        wrong.append(f"{label}: {on_delete.__name__}")
    assert not wrong, f"use on_delete=PROTECT (or list an owned child here): {wrong}"


def test_the_allowlist_names_only_real_cascades():
    cascades = {label for label, f in _foreign_keys() if f.remote_field.on_delete is models.CASCADE}
    stale = set(OWNED_CHILDREN) - cascades
    assert not stale, f"no longer CASCADE (or gone), remove from OWNED_CHILDREN: {stale}"


@pytest.mark.django_db
def test_deleting_depended_on_records_is_refused(tree, users):
    member = tree.a_members[0]
    from branches.models import Meeting

    meeting = services.meeting_save(
        meeting=Meeting(
            kind="branch_committee",
            organization=tree.a1,
            held_on=datetime.date(2024, 5, 1),
            topic="支委会",
        ),
        attendance=[services.AttendanceLine(member=member)],
        by=SYSTEM,
    )
    for obj in (tree.a1, tree.va, member, users.sec_a.organization):
        with pytest.raises(ProtectedError):
            obj.delete()
    # An owned child goes with its parent (the meeting itself is not depended on here).
    meeting.delete()
    assert not member.attendances.exists()


@pytest.mark.django_db
def test_users_who_wrote_records_cannot_be_deleted(tree, users):
    from branches.models import Meeting

    services.meeting_save(
        meeting=Meeting(
            kind="branch_committee",
            organization=tree.a1,
            held_on=datetime.date(2024, 5, 1),
            topic="x",
        ),
        by=users.sec_a,
    )
    with pytest.raises(ProtectedError):
        users.sec_a.delete()
