"""Writes of 组织建设. Views, forms, admin and imports call these; nothing else saves records.

Every function is keyword-only, runs in one transaction and calls ``full_clean()`` before saving;
the audit trail is written by django-auditlog on each save (actor from the request middleware).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chengjiang import measures
from chengjiang.access import (
    MSG_OUT_OF_SCOPE,
    acting_user,
    check_write_scope,
    sees_everything,
)
from chengjiang.files import StoredFiles, display_name, store
from chengjiang.tree import path_segment
from chengjiang.uploads import check_upload, count_allowed

from .models import (
    EDITABLE_STATUSES,
    Attendance,
    Meeting,
    MeetingAttachment,
    Member,
    Organization,
    OrgChange,
    SecretaryTerm,
    Status,
    Talk,
    TalkParticipant,
)

Kind = Organization.Kind
RANK = {
    Kind.WORKING_COMMITTEE: 0,
    Kind.PARTY_COMMITTEE: 1,
    Kind.GENERAL_BRANCH: 1,
    Kind.BRANCH: 2,
    Kind.GROUP: 3,
}

# Refusals, as constants the tests can name.
MSG_PARENT_DISSOLVED = _("The parent organisation has been dissolved; choose an active one.")
MSG_PARENT_IS_GROUP = _("A Party group cannot have organisations under it.")
MSG_RANK = _("A %(child)s cannot be placed under a %(parent)s.")
MSG_CYCLE = _("An organisation cannot be moved under itself or one of its own subordinates.")
MSG_SAME_PARENT = _("The organisation is already under this parent.")
MSG_GROUP_NEEDS_BRANCH = _("Party groups can only be set up under a Party branch.")
MSG_ACTIVE_CHILDREN = _(
    "The organisation still has active subordinate organisations; move or dissolve them first."
)
MSG_ALREADY_DISSOLVED = _("The organisation has already been dissolved.")
MSG_SECRETARY_NOT_MEMBER = _("The secretary must be a member of this organisation.")
MSG_SAME_SECRETARY = _("This member is already the secretary.")
MSG_DATE_BEFORE_TERM = _("The change date must be after the current secretary's term began.")
MSG_FUTURE_DATE = _("The date cannot be in the future.")
MSG_ROOT_NEEDS_KIND = _("Only a Party working committee can stand at the top of the tree.")
MSG_NO_NAMES = _("Give at least one Party group name.")
MSG_NOT_EDITABLE = _("Only drafts and returned records can be changed.")
MSG_NOT_SUBMITTABLE = _("Only drafts and returned records can be submitted.")
MSG_NOT_SUBMITTED = _("Only submitted records can be approved or returned.")
MSG_RETURN_REASON = _("Give the reason for returning the record.")
MSG_CHANGED_MEANWHILE = _(
    "This record was changed by someone else after you opened it. "
    "Reload the page, check the record and try again."
)
MSG_ATTENDEE_OUTSIDE = _("%(name)s is not a member of %(org)s.")
MSG_ABSENCE_REASON = _("Give a reason for %(name)s's absence.")
MSG_DUPLICATE_ATTENDEE = _("%(name)s is listed twice.")
MSG_VILLAGE_DIFFERS = _(
    "An organisation belongs to its parent organisation's village (%(village)s); "
    "it cannot be recorded under another village."
)
MSG_VILLAGE_AGREES = _("The organisation's village already agrees with its parent's.")
MSG_KIND_FOR_ORG = _("A %(kind)s is held by a %(org_kinds)s, not by a %(org_kind)s.")

# Which organisation kinds hold which meeting kinds.
MEETING_ORG_KINDS = {
    "branch_assembly": {Kind.BRANCH, Kind.GENERAL_BRANCH, Kind.PARTY_COMMITTEE},
    "branch_committee": {Kind.BRANCH, Kind.GENERAL_BRANCH, Kind.PARTY_COMMITTEE},
    "group_meeting": {Kind.GROUP},
    "party_lecture": {Kind.BRANCH, Kind.GENERAL_BRANCH, Kind.PARTY_COMMITTEE},
    "theme_day": {Kind.BRANCH, Kind.GENERAL_BRANCH, Kind.PARTY_COMMITTEE},
    "org_life": {Kind.BRANCH, Kind.GENERAL_BRANCH, Kind.PARTY_COMMITTEE},
    "democratic_life": {Kind.WORKING_COMMITTEE, Kind.PARTY_COMMITTEE},
}


def _check_village(*, village_id, parent: Organization | None) -> None:
    """An organisation's village agrees with its parent's (a database trigger holds it too):
    one stray record must never route another village's records into a subtree."""
    if parent is None or parent.village_id is None or village_id is None:
        return
    if village_id != parent.village_id:
        raise ValidationError(MSG_VILLAGE_DIFFERS % {"village": parent.village})


def _check_date(date: datetime.date) -> None:
    if date > timezone.localdate():
        raise ValidationError(MSG_FUTURE_DATE)


def _check_parent(*, kind: str, parent: Organization | None) -> None:
    if parent is None:
        if kind != Kind.WORKING_COMMITTEE:
            raise ValidationError(MSG_ROOT_NEEDS_KIND)
        return
    if parent.dissolved_on is not None:
        raise ValidationError(MSG_PARENT_DISSOLVED)
    if parent.kind == Kind.GROUP:
        raise ValidationError(MSG_PARENT_IS_GROUP)
    if kind == Kind.GROUP and parent.kind not in (Kind.BRANCH, Kind.GENERAL_BRANCH):
        raise ValidationError(MSG_GROUP_NEEDS_BRANCH)
    if RANK[Kind(kind)] <= RANK[Kind(parent.kind)]:
        raise ValidationError(
            MSG_RANK % {"child": Kind(kind).label, "parent": Kind(parent.kind).label}
        )


def _event(**fields) -> OrgChange:
    event = OrgChange(**fields)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def organization_establish(
    *,
    name: str,
    kind: str,
    parent: Organization | None,
    date: datetime.date,
    village=None,
    by,
    note: str = "",
    record_event: bool = True,
) -> Organization:
    """新成立: a new organisation under ``parent``, recorded as an event."""
    _check_date(date)
    if parent is not None:
        check_write_scope(by, parent)
    if village is not None and not sees_everything(by):
        from .models import Village

        if not Village.objects.visible_to(by).filter(pk=village.pk).exists():
            raise ValidationError(MSG_OUT_OF_SCOPE)
    _check_parent(kind=kind, parent=parent)
    if village is None and parent is not None:
        village = parent.village
    _check_village(village_id=getattr(village, "pk", None), parent=parent)
    org = Organization(name=name, kind=kind, parent=parent, village=village, established_on=date)
    check_write_scope(by, org)
    org.full_clean(exclude=["path"])
    org.save()
    if record_event:
        kind_event = (
            OrgChange.Kind.GROUP_SET_UP if kind == Kind.GROUP else OrgChange.Kind.ESTABLISHED
        )
        _event(
            kind=kind_event,
            organization=org,
            date=date,
            new_parent=parent,
            recorded_by=acting_user(by),
            note=note,
        )
    return org


@transaction.atomic
def party_groups_set_up(
    *, branch: Organization, names: Sequence[str], date: datetime.date, by
) -> list[Organization]:
    """分设党小组: Party groups set up under a branch, one event each."""
    names = [n.strip() for n in names if n and n.strip()]
    if not names:
        raise ValidationError(MSG_NO_NAMES)
    return [
        organization_establish(name=n, kind=Kind.GROUP, parent=branch, date=date, by=by)
        for n in names
    ]


@transaction.atomic
def organization_move(
    *,
    organization: Organization,
    new_parent: Organization,
    date: datetime.date,
    by,
    note: str = "",
) -> Organization:
    """调整隶属关系: move an organisation (and its subtree) under another parent."""
    _check_date(date)
    check_write_scope(by, organization, new_parent)
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    new_parent = Organization.objects.select_related("village").get(pk=new_parent.pk)
    check_write_scope(by, org, new_parent)
    if new_parent.path.startswith(org.path):
        raise ValidationError(MSG_CYCLE)
    if org.parent_id == new_parent.pk:
        raise ValidationError(MSG_SAME_PARENT)
    _check_parent(kind=org.kind, parent=new_parent)
    old_parent_id = org.parent_id
    old_path = org.path
    new_path = new_parent.path + path_segment(org.pk)
    delta = new_parent.depth + 1 - org.depth
    _reparent(org, new_parent)
    Organization.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + delta,
    )
    org.refresh_from_db()
    measures.tree_changed.send(Organization, paths=(old_path, new_path))
    _event(
        kind=OrgChange.Kind.MOVED,
        organization=org,
        date=date,
        old_parent_id=old_parent_id,
        new_parent=new_parent,
        recorded_by=acting_user(by),
        note=note,
    )
    return org


def _reparent(org: Organization, new_parent: Organization) -> None:
    """Set ``org``'s parent; a subtree moved under another village's organisation becomes
    that village's (an organisation's village agrees with its parent's).

    The database refuses a village that differs from the parent's at every step, so the
    subordinates' villages are cleared first, the moved organisation takes its new parent and
    village in one statement, then the subordinates (those that had a village) follow, level by
    level from the top.
    """
    village_id = new_parent.village_id
    if village_id is None or org.village_id == village_id:
        Organization.objects.filter(pk=org.pk).update(parent=new_parent)
        return
    subtree = Organization.objects.filter(path__startswith=org.path).exclude(pk=org.pk)
    below = dict(subtree.filter(village__isnull=False).values_list("pk", "depth"))
    Organization.objects.filter(pk__in=below).update(village=None)
    Organization.objects.filter(pk=org.pk).update(parent=new_parent, village_id=village_id)
    for depth in sorted(set(below.values())):
        pks = [pk for pk, d in below.items() if d == depth]
        Organization.objects.filter(pk__in=pks).update(village_id=village_id)


@transaction.atomic
def organization_align_village(*, organization: Organization, by) -> Organization:
    """更正所属村: give an organisation (and its subordinates) its parent's village.

    For records made before the rule held (a branch of 花园村's committee recorded as 青桥村's):
    the village field is read-only in the admin, and this is the one way to correct it. Each
    changed row is saved (so the audit trail records it); the database refuses a village other
    than the parent's at every step, so subordinates are cleared first and follow afterwards.
    """
    check_write_scope(by, organization)
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    parent = Organization.objects.filter(pk=org.parent_id).first()
    village_id = parent.village_id if parent is not None else None
    below = list(
        Organization.objects.filter(path__startswith=org.path, village__isnull=False)
        .exclude(pk=org.pk)
        .order_by("depth", "pk")
    )
    if village_id is None or (
        org.village_id == village_id and all(o.village_id == village_id for o in below)
    ):
        raise ValidationError(MSG_VILLAGE_AGREES)
    for sub in below:
        sub.village_id = None
        sub.save(update_fields=["village"])
    org.village_id = village_id
    org.save(update_fields=["village"])
    for sub in below:
        sub.village_id = village_id
        sub.save(update_fields=["village"])
    org.refresh_from_db()
    return org


@transaction.atomic
def organization_dissolve(
    *, organization: Organization, date: datetime.date, by, note: str = ""
) -> Organization:
    """撤销: dissolve an organisation that has no active subordinates left."""
    _check_date(date)
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    check_write_scope(by, org)
    if org.dissolved_on is not None:
        raise ValidationError(MSG_ALREADY_DISSOLVED)
    if org.children.filter(dissolved_on__isnull=True).exists():
        raise ValidationError(MSG_ACTIVE_CHILDREN)
    org.dissolved_on = date
    org.full_clean(exclude=["path"])
    org.save()
    # One by one (not .update()) so that the audit trail records each ended term.
    for term in SecretaryTerm.objects.filter(organization=org, ended_on__isnull=True):
        term.ended_on = date
        term.full_clean()
        term.save()
    _event(
        kind=OrgChange.Kind.DISSOLVED,
        organization=org,
        date=date,
        old_parent=org.parent,
        recorded_by=acting_user(by),
        note=note,
    )
    return org


@transaction.atomic
def organization_rename(*, organization: Organization, name: str, by) -> Organization:
    """A plain edit changes the name only; the tree changes through the services above."""
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    check_write_scope(by, org)
    org.name = name.strip()
    org.full_clean(exclude=["path"])
    org.save()
    return org


def _member_belongs(member: Member, org: Organization) -> bool:
    if org.kind == Kind.GROUP:
        return member.group_id == org.pk
    return member.branch.path.startswith(org.path)


@transaction.atomic
def secretary_appoint(
    *, organization: Organization, member: Member, date: datetime.date, by
) -> SecretaryTerm:
    """Appoint the secretary (the first one, or a replacement: then 调整书记 is recorded)."""
    check_write_scope(by, organization, member)
    _check_date(date)
    if not _member_belongs(member, organization):
        raise ValidationError(MSG_SECRETARY_NOT_MEMBER)
    current = (
        SecretaryTerm.objects.select_for_update()
        .filter(organization=organization, ended_on__isnull=True)
        .first()
    )
    if current is not None:
        if current.member_id == member.pk:
            raise ValidationError(MSG_SAME_SECRETARY)
        if date <= current.started_on:
            raise ValidationError(MSG_DATE_BEFORE_TERM)
        current.ended_on = date - datetime.timedelta(days=1)
        current.full_clean()
        current.save()
    term = SecretaryTerm(organization=organization, member=member, started_on=date)
    term.full_clean()
    term.save()
    if current is not None:
        _event(
            kind=OrgChange.Kind.SECRETARY_CHANGED,
            organization=organization,
            date=date,
            old_secretary=current.member,
            new_secretary=member,
            recorded_by=acting_user(by),
        )
    return term


@transaction.atomic
def member_save(*, member: Member, by) -> Member:
    check_write_scope(by, member)
    member.full_clean()
    member.save()
    return member


# --- meetings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceLine:
    member: Member
    present: bool = True
    absence_reason: str = ""


def _validate_meeting_attendance(meeting: Meeting, lines: Iterable[AttendanceLine]) -> None:
    errors = []
    seen = set()
    for line in lines:
        name = line.member.name
        if line.member.pk in seen:
            errors.append(ValidationError(MSG_DUPLICATE_ATTENDEE % {"name": name}))
        seen.add(line.member.pk)
        if not _member_belongs(line.member, meeting.organization):
            errors.append(
                ValidationError(MSG_ATTENDEE_OUTSIDE % {"name": name, "org": meeting.organization})
            )
        if not line.present and not line.absence_reason.strip():
            errors.append(ValidationError(MSG_ABSENCE_REASON % {"name": name}))
    if errors:
        raise ValidationError(errors)


def _validate_meeting_kind(meeting: Meeting) -> None:
    allowed = MEETING_ORG_KINDS.get(meeting.kind)
    if allowed and meeting.organization.kind not in allowed:
        raise ValidationError(
            {
                "kind": MSG_KIND_FOR_ORG
                % {
                    "kind": meeting.get_kind_display(),
                    "org_kinds": "、".join(str(Kind(k).label) for k in sorted(allowed)),
                    "org_kind": meeting.organization.get_kind_display(),
                }
            }
        )


# The ``updated_at`` a writer saw (a datetime or its ISO text from a form); None: not checked.
Version = datetime.datetime | str | None

# The workflow fields: only the transitions below change them. An edit takes them from the row
# it has locked, never from the copy it read before (issue 14: an edit wrote back "submitted"
# over an approval that had landed in between).
WORKFLOW_FIELDS = (
    "status",
    "return_reason",
    "recorded_by",
    "submitted_at",
    "reviewed_by",
    "reviewed_at",
)


def check_version(stored, version) -> None:
    """Optimistic check: ``version`` is the ``updated_at`` the writer saw (None: not checked)."""
    if version is None:
        return
    if isinstance(version, str):
        try:
            version = datetime.datetime.fromisoformat(version)
        except ValueError as exc:
            raise ValidationError(MSG_CHANGED_MEANWHILE) from exc
    if stored.updated_at != version:
        raise ValidationError(MSG_CHANGED_MEANWHILE)


def _lock_for_edit(record, *, by, version) -> None:
    """Lock the stored row, refuse a locked or outdated edit, keep the stored workflow state."""
    model = type(record)
    stored = model.objects.select_for_update().get(pk=record.pk)
    check_version(stored, version)
    if stored.status not in EDITABLE_STATUSES and not getattr(by, "is_staff", False):
        raise ValidationError(MSG_NOT_EDITABLE)
    for name in WORKFLOW_FIELDS:
        setattr(record, name, getattr(stored, name))


@transaction.atomic
def meeting_save(
    *,
    meeting: Meeting,
    attendance: Sequence[AttendanceLine] | None = None,
    attachments: Sequence = (),
    by,
    version: Version = None,
) -> Meeting:
    """Create or edit a meeting (a draft or a returned one) with its attendance and files.

    ``version``: the ``updated_at`` the writer's form showed; a newer stored row is refused.
    """
    check_write_scope(by, meeting)
    # Every file is checked before anything is written, so a refused file leaves nothing behind.
    for upload in attachments:
        check_upload(upload)
    if attachments:
        existing = meeting.attachments.count() if meeting.pk else 0
        count_allowed(existing + len(attachments))
    if meeting.pk:
        _lock_for_edit(meeting, by=by, version=version)
    elif meeting.recorded_by_id is None:
        meeting.recorded_by = acting_user(by)
    meeting.full_clean()
    _validate_meeting_kind(meeting)
    if attendance is not None:
        _validate_meeting_attendance(meeting, attendance)
    meeting.save()
    if attendance is not None:
        meeting.attendances.all().delete()
        rows = [
            Attendance(
                meeting=meeting,
                member=line.member,
                present=line.present,
                absence_reason="" if line.present else line.absence_reason.strip(),
            )
            for line in attendance
        ]
        # Each line was validated above (membership, reasons, duplicates); the database's own
        # constraints (one line per member, absence needs a reason) still guard every row.
        for row in rows:
            row.save()
    with StoredFiles() as stored:  # a refused file removes the ones stored before it
        for upload in attachments:
            attachment_add(meeting=meeting, upload=upload, stored=stored, by=by)
    return meeting


def attachment_add(
    *, meeting: Meeting, upload, by, stored: StoredFiles | None = None
) -> MeetingAttachment:
    check_write_scope(by, meeting)
    kind = check_upload(upload)
    count_allowed(meeting.attachments.count() + 1)
    att = MeetingAttachment(
        meeting=meeting,
        original_name=display_name(upload.name),
        content_type=kind.content_type,
        size=upload.size,
        recorded_by=acting_user(by),
    )
    with StoredFiles() as own:
        store(att.file, f"upload.{kind.extension}", upload, stored=own)
        att.full_clean()
        att.save()
    if stored is not None:
        stored.files.extend(own.files)
    return att


def _transition(record, *, allowed, to, message, by, version=None, **fields):
    """Change the state on the locked, re-read row (never on the caller's copy)."""
    model = type(record)
    stored = model.objects.select_for_update().get(pk=record.pk)
    if stored.status not in allowed:
        raise ValidationError(message)
    check_version(stored, version)
    stored.status = to
    for key, value in fields.items():
        setattr(stored, key, value)
    # Only the status and review fields change here; the record's relations were validated when
    # it was saved, so they are not fetched again.
    unchanged = [
        f.name for f in model._meta.concrete_fields if f.is_relation and f.name not in fields
    ]
    stored.full_clean(exclude=unchanged)
    stored.save()
    record.refresh_from_db()
    return record


def _submit(record, *, by=None, version=None):
    """Draft or returned → submitted, for the office to review."""
    return _transition(
        record,
        allowed=EDITABLE_STATUSES,
        to=Status.SUBMITTED,
        message=MSG_NOT_SUBMITTABLE,
        by=by,
        version=version,
        submitted_at=timezone.now(),
    )


def _approve(record, *, by, version=None):
    return _transition(
        record,
        allowed=(Status.SUBMITTED,),
        to=Status.APPROVED,
        message=MSG_NOT_SUBMITTED,
        by=by,
        version=version,
        reviewed_by=by,
        reviewed_at=timezone.now(),
        return_reason="",
    )


def _return(record, *, by, reason: str, version=None):
    if not reason or not reason.strip():
        raise ValidationError(MSG_RETURN_REASON)
    return _transition(
        record,
        allowed=(Status.SUBMITTED,),
        to=Status.RETURNED,
        message=MSG_NOT_SUBMITTED,
        by=by,
        version=version,
        reviewed_by=by,
        reviewed_at=timezone.now(),
        return_reason=reason.strip(),
    )


@transaction.atomic
def meeting_submit(*, meeting: Meeting, by, version: Version = None) -> Meeting:
    """Draft or returned → submitted, for the office to review."""
    check_write_scope(by, meeting)
    return _submit(meeting, by=acting_user(by), version=version)


@transaction.atomic
def meeting_approve(*, meeting: Meeting, by, version: Version = None) -> Meeting:
    """Submitted → approved; with ``version``, only the version the reviewer saw."""
    check_write_scope(by, meeting)
    return _approve(meeting, by=acting_user(by), version=version)


@transaction.atomic
def meeting_return(*, meeting: Meeting, by, reason: str, version: Version = None) -> Meeting:
    """Submitted → returned to the secretary, with the reason they will read."""
    check_write_scope(by, meeting)
    return _return(meeting, by=acting_user(by), reason=reason, version=version)


# --- talks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TalkPerson:
    member: Member | None = None
    name: str = ""


@transaction.atomic
def talk_save(
    *,
    talk: Talk,
    participants: Sequence[TalkPerson] | None = None,
    by,
    version: Version = None,
) -> Talk:
    check_write_scope(by, talk)
    if talk.pk:
        _lock_for_edit(talk, by=by, version=version)
    elif talk.recorded_by_id is None:
        talk.recorded_by = acting_user(by)
    talk.full_clean()
    if participants is not None:
        errors = []
        for person in participants:
            if person.member is not None and not _member_belongs(person.member, talk.organization):
                errors.append(
                    ValidationError(
                        MSG_ATTENDEE_OUTSIDE
                        % {"name": person.member.name, "org": talk.organization}
                    )
                )
        if errors:
            raise ValidationError(errors)
    talk.save()
    if participants is not None:
        talk.participants.all().delete()
        for person in participants:
            row = TalkParticipant(
                talk=talk, member=person.member, name="" if person.member else person.name.strip()
            )
            row.full_clean(exclude=["talk"])
            row.save()
    return talk


@transaction.atomic
def talk_submit(*, talk: Talk, by, version: Version = None) -> Talk:
    check_write_scope(by, talk)
    return _submit(talk, by=acting_user(by), version=version)


@transaction.atomic
def talk_approve(*, talk: Talk, by, version: Version = None) -> Talk:
    check_write_scope(by, talk)
    return _approve(talk, by=acting_user(by), version=version)


@transaction.atomic
def talk_return(*, talk: Talk, by, reason: str, version: Version = None) -> Talk:
    check_write_scope(by, talk)
    return _return(talk, by=acting_user(by), reason=reason, version=version)
