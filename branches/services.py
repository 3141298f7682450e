"""Writes of 组织建设. Views, forms, admin and imports call these; nothing else saves records.

Every function is keyword-only, runs in one transaction and calls ``full_clean()`` before saving;
the audit trail is written by django-auditlog on each save (actor from the request middleware).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Collection, Iterable, Sequence
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

from . import selectors
from .models import (
    COMMITTEE_MIN_FORMAL_MEMBERS,
    EDITABLE_STATUSES,
    MSG_MEMBER_IN_BRANCH,
    POSTS_WITHOUT_COMMITTEE,
    SINGLE_HOLDER_POSTS,
    Attendance,
    DemocraticAppraisal,
    LeadershipTeam,
    LeadershipTeamMember,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    Member,
    Organization,
    OrgChange,
    Post,
    SecretaryTerm,
    Status,
    Talk,
    TalkParticipant,
    one_year_after,
    term_years,
    years_after,
)

Kind = Organization.Kind
# What may sit under what: a lower rank under a higher one. A 党委 may have 党总支 under it
# (a 党总支 under a 党委 is usual in large villages); a 党总支 never has a 党委 under it.
RANK = {
    Kind.WORKING_COMMITTEE: 0,
    Kind.PARTY_COMMITTEE: 1,
    Kind.GENERAL_BRANCH: 2,
    Kind.BRANCH: 3,
    Kind.GROUP: 4,
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
# Committees, terms (届期) and probation (预备期).
MSG_MEMBER_NOT_IN_BRANCH = MSG_MEMBER_IN_BRANCH
MSG_POST_NEEDS_FULL_MEMBER = _(
    "%(name)s is a probationary member on that date and cannot hold a post (a probationary "
    "member has no right to elect or be elected)."
)
MSG_GROUP_HAS_LEADER_ONLY = _("A Party group has a group leader only, no other posts.")
MSG_NO_COMMITTEE = _(
    "A Party branch with fewer than %(count)d full members has no branch committee: it has a "
    "secretary and, where needed, a deputy secretary only."
)
MSG_POST_ENDED = _("This post has already ended.")
MSG_END_BEFORE_START = _("The end of the term cannot be earlier than its start.")
MSG_NO_TERM_FOR_GROUP = _("A Party group is not elected and has no term.")
MSG_REELECT_NEEDS_SECRETARY = _("Name exactly one secretary of the new term.")
MSG_REELECT_TWICE = _("%(name)s is named twice in the new committee.")
MSG_REELECT_BEFORE_TERM = _("The re-election must be after the current term began.")
MSG_TERM_RECORDED = _("The term is already recorded; record the re-election instead.")
MSG_NOT_PROBATIONARY = _("%(name)s is not a probationary member.")
MSG_CONFIRM_TOO_EARLY = _(
    "The probationary year of %(name)s ends on %(date)s; the confirmation cannot be earlier."
)
# Meetings as they are minuted (issue 11 §3).
MSG_BAD_ATTENDANCE_STATUS = _("“%(status)s” is not an attendance status.")
MSG_TEAM_REQUIRED = _("A democratic-life meeting is held by a leadership team: choose the team.")
MSG_TEAM_OTHER_ORG = _("The leadership team %(team)s is not %(org)s's.")
MSG_TEAM_NOT_SERVING = _("The leadership team %(team)s was not serving on %(date)s.")
MSG_TEAM_ONLY_DEMOCRATIC = _("Only a democratic-life meeting is held by a leadership team.")
MSG_NOT_ON_TEAM = _("%(name)s held no post in the leadership team %(team)s on the day.")
MSG_ROLE_OUTSIDE = _("The %(role)s %(name)s is not a member of %(org)s.")
MSG_APPRAISAL_ONLY_ORG_LIFE = _(
    "Members are appraised (民主评议党员) only at an organisational-life meeting."
)
MSG_APPRAISAL_TWICE = _("%(name)s is rated twice.")
MSG_BAD_RATING = _("“%(rating)s” is not a rating.")
MSG_TEAM_KIND = _(
    "A leadership team is the Party working committee's or a Party committee's, "
    "not a %(org_kind)s's."
)

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
    return _belongs_to(org)(member)


def _belongs_to(org: Organization):
    """``_member_belongs`` with the organisation's side read once: a test of members (the bulk
    import checks every line of 100,000 meetings)."""
    if org.kind == Kind.GROUP:
        group_pk = org.pk
        return lambda member: member.group_id == group_pk
    path = org.path
    return lambda member: member.branch.path.startswith(path)


def _check_post(*, organization: Organization, member: Member, post: str, date) -> None:
    """Who may hold which post: a member of the organisation, a full member on that date; a
    党小组 has a 组长 only; a 党支部 under 7 full members has a 书记 (and 副书记) only."""
    if not _member_belongs(member, organization):
        raise ValidationError(MSG_SECRETARY_NOT_MEMBER)
    if not Member.objects.filter(pk=member.pk).formal_on(date).exists():
        raise ValidationError(MSG_POST_NEEDS_FULL_MEMBER % {"name": member.name})
    if organization.kind == Kind.GROUP and post != Post.SECRETARY:
        raise ValidationError(MSG_GROUP_HAS_LEADER_ONLY)
    if post not in POSTS_WITHOUT_COMMITTEE and not selectors.has_committee(organization, date):
        raise ValidationError(MSG_NO_COMMITTEE % {"count": COMMITTEE_MIN_FORMAL_MEMBERS})


def _end_term(term: SecretaryTerm, date: datetime.date) -> None:
    """End a serving term the day before ``date`` (saved one by one for the audit trail)."""
    if date <= term.started_on:
        raise ValidationError(MSG_DATE_BEFORE_TERM)
    term.ended_on = date - datetime.timedelta(days=1)
    term.full_clean()
    term.save()


@transaction.atomic
def secretary_appoint(
    *, organization: Organization, member: Member, date: datetime.date, by
) -> SecretaryTerm:
    """Appoint the secretary (the first one, or a replacement: then 调整书记 is recorded)."""
    check_write_scope(by, organization, member)
    _check_date(date)
    current = (
        SecretaryTerm.objects.select_for_update()
        .filter(organization=organization, post=Post.SECRETARY, ended_on__isnull=True)
        .first()
    )
    if current is not None and current.member_id == member.pk:
        raise ValidationError(MSG_SAME_SECRETARY)
    _check_post(organization=organization, member=member, post=Post.SECRETARY, date=date)
    if current is not None:
        _end_term(current, date)
    _end_other_posts(organization=organization, member=member, date=date)
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


def _end_other_posts(*, organization: Organization, member: Member, date) -> None:
    """A member holds one post of an organisation at a time: the one held before ends."""
    for term in SecretaryTerm.objects.select_for_update().filter(
        organization=organization, member=member, ended_on__isnull=True
    ):
        _end_term(term, date)


@transaction.atomic
def post_appoint(
    *, organization: Organization, member: Member, post: str, date: datetime.date, by
) -> SecretaryTerm:
    """Appoint a committee member to a post (副书记, 组织委员, …) between elections (增补).

    The 书记 (组长 of a 党小组) goes through ``secretary_appoint``, which records 调整书记. A
    single-holder post's serving holder steps down the day before.
    """
    if post == Post.SECRETARY:
        return secretary_appoint(organization=organization, member=member, date=date, by=by)
    check_write_scope(by, organization, member)
    _check_date(date)
    _check_post(organization=organization, member=member, post=post, date=date)
    if post in SINGLE_HOLDER_POSTS:
        for term in SecretaryTerm.objects.select_for_update().filter(
            organization=organization, post=post, ended_on__isnull=True
        ):
            _end_term(term, date)
    _end_other_posts(organization=organization, member=member, date=date)
    term = SecretaryTerm(organization=organization, member=member, post=post, started_on=date)
    term.full_clean()
    term.save()
    return term


@transaction.atomic
def post_end(*, term: SecretaryTerm, date: datetime.date, by) -> SecretaryTerm:
    """免职 / 辞职: a post's holder steps down on ``date`` (the last day served)."""
    check_write_scope(by, term)
    _check_date(date)
    term = SecretaryTerm.objects.select_for_update().get(pk=term.pk)
    if term.ended_on is not None:
        raise ValidationError(MSG_POST_ENDED)
    if date < term.started_on:
        raise ValidationError(MSG_END_BEFORE_START)
    term.ended_on = date
    term.full_clean()
    term.save()
    return term


@transaction.atomic
def organization_reelect(
    *,
    organization: Organization,
    date: datetime.date,
    committee: Sequence[tuple[Member, str]],
    by,
    note: str = "",
) -> Organization:
    """换届: the organisation elects its new committee on ``date``; the new term (届期) runs from
    that day for the organisation's term length (``models.term_years``), every post of the old
    committee ends the day before, and the event is recorded.

    ``committee`` is (member, post) pairs with exactly one 书记; a 党支部 under 7 full members
    elects a 书记 (and a 副书记) only.
    """
    check_write_scope(by, organization)
    _check_date(date)
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    if org.kind == Kind.GROUP:
        raise ValidationError(MSG_NO_TERM_FOR_GROUP)
    if org.dissolved_on is not None:
        raise ValidationError(MSG_ALREADY_DISSOLVED)
    if org.term_started_on is not None and date <= org.term_started_on:
        raise ValidationError(MSG_REELECT_BEFORE_TERM)
    if sum(1 for _, post in committee if post == Post.SECRETARY) != 1:
        raise ValidationError(MSG_REELECT_NEEDS_SECRETARY)
    seen = set()
    for member, post in committee:
        check_write_scope(by, member)
        if member.pk in seen:
            raise ValidationError(MSG_REELECT_TWICE % {"name": member.name})
        seen.add(member.pk)
        _check_post(organization=org, member=member, post=post, date=date)
    serving = list(
        SecretaryTerm.objects.select_for_update()
        .filter(organization=org, ended_on__isnull=True)
        .select_related("member")
    )
    old_secretary = next((t.member for t in serving if t.post == Post.SECRETARY), None)
    for term in serving:
        _end_term(term, date)
    new_secretary = None
    for member, post in committee:
        term = SecretaryTerm(organization=org, member=member, post=post, started_on=date)
        term.full_clean()
        term.save()
        if post == Post.SECRETARY:
            new_secretary = member
    org.term_started_on = date
    org.term_ends_on = years_after(date, term_years(org))
    org.full_clean(exclude=["path"])
    org.save()
    _event(
        kind=OrgChange.Kind.REELECTED,
        organization=org,
        date=date,
        old_secretary=old_secretary,
        new_secretary=new_secretary,
        recorded_by=acting_user(by),
        note=note,
    )
    return org


@transaction.atomic
def organization_term_set(
    *, organization: Organization, started_on: datetime.date, by
) -> Organization:
    """Record the term (届期) an organisation is serving when the portal did not keep it yet (a
    term begun before, or the first one after the organisation was set up); every later term
    is recorded by 换届 (``organization_reelect``)."""
    check_write_scope(by, organization)
    _check_date(started_on)
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    if org.kind == Kind.GROUP:
        raise ValidationError(MSG_NO_TERM_FOR_GROUP)
    if org.term_started_on is not None:
        raise ValidationError(MSG_TERM_RECORDED)
    org.term_started_on = started_on
    org.term_ends_on = years_after(started_on, term_years(org))
    org.full_clean(exclude=["path"])
    org.save()
    return org


@transaction.atomic
def member_save(*, member: Member, by) -> Member:
    """Add or edit a member. A member belongs to a 党支部, never directly to a 党委/党总支."""
    check_write_scope(by, member)
    if member.branch_id and member.branch.kind not in (Kind.BRANCH, Kind.GROUP):
        raise ValidationError(MSG_MEMBER_NOT_IN_BRANCH)
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def member_confirm_full(*, member: Member, date: datetime.date, by) -> Member:
    """转正: a probationary member becomes a full member on ``date``, when the year of
    probation (预备期) is over — from the day it ends (a branch that extends the probation
    confirms later, or not at all)."""
    check_write_scope(by, member)
    _check_date(date)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.category != Member.Category.PROBATIONARY:
        raise ValidationError(MSG_NOT_PROBATIONARY % {"name": member.name})
    ends = one_year_after(member.joined_on)
    if date < ends:
        raise ValidationError(
            MSG_CONFIRM_TOO_EARLY % {"name": member.name, "date": ends.isoformat()}
        )
    member.category = Member.Category.FORMAL
    member.confirmed_on = date
    member.full_clean()
    member.save()
    return member


def loaded_foreign_keys(record) -> list[str]:
    """Foreign keys already holding a loaded object: their existence needs no query."""
    return [
        f.name
        for f in _relation_fields(type(record))
        if f.is_cached(record) and getattr(record, f.attname) is not None
    ]


@functools.cache
def _relation_fields(model) -> tuple:
    """The model's concrete relation fields, in their order (read for each imported row)."""
    return tuple(f for f in model._meta.concrete_fields if f.is_relation)


# --- meetings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceLine:
    """One expected attendee: ``status`` 出席/请假/缺席 (``Attendance.Status``); without it,
    ``present`` decides (an absence given that way is 请假, the old leave list)."""

    member: Member
    present: bool = True
    absence_reason: str = ""
    status: str | None = None

    @property
    def resolved_status(self) -> str:
        if self.status:
            return self.status
        return Attendance.Status.PRESENT if self.present else Attendance.Status.LEAVE


@dataclass(frozen=True)
class AppraisalLine:
    """民主评议党员: one member's rating (``DemocraticAppraisal.Rating``)."""

    member: Member
    rating: str


_ATTENDANCE_STATUSES = frozenset(Attendance.Status.values)
_RATINGS = frozenset(DemocraticAppraisal.Rating.values)


def _validate_meeting_attendance(
    meeting: Meeting,
    lines: Iterable[AttendanceLine],
    *,
    team_members: Collection[int] | None = None,
) -> None:
    """``team_members``: the pks of the team's members on the day, when the caller has them
    (the bulk import reads them for a whole batch); otherwise they are read here."""
    errors = []
    seen = set()
    team = meeting.leadership_team if meeting.leadership_team_id else None
    on_team = None
    if meeting.kind == MeetingKind.DEMOCRATIC_LIFE and team is not None and meeting.held_on:
        if team_members is None:
            team_members = team.members_on(meeting.held_on).values_list("pk", flat=True)
        on_team = set(team_members)
    org = meeting.organization
    belongs_to_org = _belongs_to(org)
    present, leave = Attendance.Status.PRESENT, Attendance.Status.LEAVE
    for line in lines:
        member = line.member
        pk = member.pk
        if pk in seen:
            errors.append(ValidationError(MSG_DUPLICATE_ATTENDEE % {"name": member.name}))
        seen.add(pk)
        if not belongs_to_org(member):
            errors.append(ValidationError(MSG_ATTENDEE_OUTSIDE % {"name": member.name, "org": org}))
        elif on_team is not None and pk not in on_team:
            errors.append(ValidationError(MSG_NOT_ON_TEAM % {"name": member.name, "team": team}))
        status = line.status or (present if line.present else leave)  # line.resolved_status
        if status not in _ATTENDANCE_STATUSES:
            errors.append(ValidationError(MSG_BAD_ATTENDANCE_STATUS % {"status": status}))
        elif status == leave and not line.absence_reason.strip():
            errors.append(ValidationError(MSG_ABSENCE_REASON % {"name": member.name}))
    if errors:
        raise ValidationError(errors)


def meeting_checks(
    meeting: Meeting,
    attendance: Sequence[AttendanceLine] | None,
    appraisals: Sequence[AppraisalLine] | None,
    *,
    team_members: Collection[int] | None = None,
    stored_appraisals: bool | None = None,
) -> None:
    """``meeting_save``'s rules after ``full_clean``, in its order (the first refusal wins); the
    bulk import calls them per row with what would need a query given (``team_members``, the
    team's members on the day, and ``stored_appraisals``).
    ``stored_appraisals`` None: read whether the stored meeting has ratings."""
    _validate_meeting_kind(meeting)
    _validate_meeting_roles(meeting)
    if attendance is not None:
        _validate_meeting_attendance(meeting, attendance, team_members=team_members)
    if appraisals is not None:
        _validate_appraisals(meeting, appraisals)
    elif meeting.pk and meeting.kind != MeetingKind.ORG_LIFE:
        if stored_appraisals is None:
            stored_appraisals = meeting.appraisals.exists()
        if stored_appraisals:
            raise ValidationError({"kind": MSG_APPRAISAL_ONLY_ORG_LIFE})


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
    _validate_meeting_team(meeting)


def _validate_meeting_team(meeting: Meeting) -> None:
    """民主生活会 is held by a 领导班子 of the meeting's organisation, serving on the day."""
    team = meeting.leadership_team if meeting.leadership_team_id else None
    if meeting.kind != MeetingKind.DEMOCRATIC_LIFE:
        if team is not None:
            raise ValidationError({"leadership_team": MSG_TEAM_ONLY_DEMOCRATIC})
        return
    if team is None:
        raise ValidationError({"leadership_team": MSG_TEAM_REQUIRED})
    if team.organization_id != meeting.organization_id:
        raise ValidationError(
            {"leadership_team": MSG_TEAM_OTHER_ORG % {"team": team, "org": meeting.organization}}
        )
    if not team.serving_on(meeting.held_on):
        raise ValidationError(
            {"leadership_team": MSG_TEAM_NOT_SERVING % {"team": team, "date": meeting.held_on}}
        )


def _in_organization(member: Member, org: Organization) -> bool:
    """A host or recorder: a member of the organisation, or for a Party group, of its branch."""
    if org.kind == Kind.GROUP:
        return member.branch_id == org.parent_id
    return member.branch.path.startswith(org.path)


def _validate_meeting_roles(meeting: Meeting) -> None:
    errors = {}
    for field in ("host", "recorder"):
        member = getattr(meeting, field) if getattr(meeting, f"{field}_id") else None
        if member is not None and not _in_organization(member, meeting.organization):
            role = Meeting._meta.get_field(field).verbose_name
            errors[field] = MSG_ROLE_OUTSIDE % {
                "role": role,
                "name": member.name,
                "org": meeting.organization,
            }
    if errors:
        raise ValidationError(errors)


def _validate_appraisals(meeting: Meeting, lines: Sequence[AppraisalLine]) -> None:
    if lines and meeting.kind != MeetingKind.ORG_LIFE:
        raise ValidationError(MSG_APPRAISAL_ONLY_ORG_LIFE)
    errors = []
    seen = set()
    org = meeting.organization
    belongs_to_org = _belongs_to(org)
    for line in lines:
        member = line.member
        pk = member.pk
        if pk in seen:
            errors.append(ValidationError(MSG_APPRAISAL_TWICE % {"name": member.name}))
        seen.add(pk)
        if not belongs_to_org(member):
            errors.append(ValidationError(MSG_ATTENDEE_OUTSIDE % {"name": member.name, "org": org}))
        if line.rating not in _RATINGS:
            errors.append(ValidationError(MSG_BAD_RATING % {"rating": line.rating}))
    if errors:
        raise ValidationError(errors)


def _count_expected(meeting: Meeting) -> int:
    """应到 on the day: who was expected (``selectors.expected_attendees``) and anyone else on
    the attendance list, so that 应到 = 实到 + 请假 + 缺席 always adds up."""
    from .selectors import expected_attendees

    team = meeting.leadership_team if meeting.leadership_team_id else None
    expected = set(
        expected_attendees(meeting.kind, meeting.organization, meeting.held_on, team=team)
        .order_by()
        .values_list("pk", flat=True)
    )
    expected.update(meeting.attendances.values_list("member_id", flat=True))
    return len(expected)


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
    appraisals: Sequence[AppraisalLine] | None = None,
    by,
    version: Version = None,
) -> Meeting:
    """Create or edit a meeting (a draft or a returned one) with its attendance and files.

    ``attendance``: every expected attendee with 出席/请假/缺席 (None: left as stored);
    ``appraisals``: the 民主评议党员 ratings of a 组织生活会 (None: left as stored). 应到
    (``expected_count``) is counted on each save. ``version``: the ``updated_at`` the
    writer's form showed; a newer stored row is refused.
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
    meeting_checks(meeting, attendance, appraisals)
    meeting.save()
    if attendance is not None:
        meeting.attendances.all().delete()
        rows = [
            Attendance(
                meeting=meeting,
                member=line.member,
                status=line.resolved_status,
                absence_reason=(
                    ""
                    if line.resolved_status == Attendance.Status.PRESENT
                    else line.absence_reason.strip()
                ),
            )
            for line in attendance
        ]
        # Each line was validated above (membership, reasons, duplicates); the database's own
        # constraints (one line per member, leave needs a reason) still guard every row.
        for row in rows:
            row.save()
    if appraisals is not None:
        meeting.appraisals.all().delete()
        for line in appraisals:
            DemocraticAppraisal(meeting=meeting, member=line.member, rating=line.rating).save()
    expected = _count_expected(meeting)
    if meeting.expected_count != expected:
        meeting.expected_count = expected
        Meeting.objects.filter(pk=meeting.pk).update(expected_count=expected)
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


# --- leadership teams (领导班子) ---------------------------------------------------------------


@dataclass(frozen=True)
class TeamPost:
    member: Member
    post: str = LeadershipTeamMember.Post.MEMBER
    started_on: datetime.date | None = None  # None: the team's start
    ended_on: datetime.date | None = None


@transaction.atomic
def leadership_team_save(
    *, team: LeadershipTeam, posts: Sequence[TeamPost] | None = None, by
) -> LeadershipTeam:
    """Record the 领导班子 of the 党工委 or a 村党委 (and, with ``posts``, its members)."""
    check_write_scope(by, team)
    allowed = MEETING_ORG_KINDS["democratic_life"]
    if team.organization.kind not in allowed:
        raise ValidationError(
            {"organization": MSG_TEAM_KIND % {"org_kind": team.organization.get_kind_display()}}
        )
    team.full_clean()
    team.save()
    if posts is not None:
        team.posts.all().delete()
        for post in posts:
            check_write_scope(by, post.member)
            row = LeadershipTeamMember(
                team=team,
                member=post.member,
                post=post.post,
                started_on=post.started_on or team.started_on,
                ended_on=post.ended_on,
            )
            row.full_clean()
            row.save()
    return team


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
