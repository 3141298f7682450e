"""组织建设: villages, the organisation tree and its changes, members, meetings and talks."""

from __future__ import annotations

import datetime
import functools
import operator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chengjiang.access import ScopedQuerySet
from chengjiang.dates import BIRTH_DATE, PARTY_DATE
from chengjiang.models import Recorded
from chengjiang.personal_data import (
    check_birth_date,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    validate_id_number,
    validate_phone,
)
from chengjiang.tree import path_segment


def _today() -> datetime.date:
    """``timezone.localdate()``; during a bulk import the day it started, read once for all its
    rows (``chengjiang.bulkimport.today``)."""
    from chengjiang.bulkimport import today

    return today()


# 《中国共产党支部工作条例（试行）》第九条: a 党支部 with 7 or more full members has a 支部委员会;
# a smaller one has a 书记 (and, where needed, a 副书记) and no committee.
COMMITTEE_MIN_FORMAL_MEMBERS = 7

# 届期 in years. 村级党组织 (an organisation of a village) serve five years
# (《中国共产党农村基层组织工作条例》); elsewhere the 党章 allows three to five years, so the
# length per kind is configured: ``settings.ORG_TERM_YEARS`` ({"village": 5, "branch": 3, ...})
# overrides these. 党小组: none.
DEFAULT_TERM_YEARS = {
    "village": 5,
    "working_committee": 5,
    "party_committee": 5,
    "general_branch": 3,
    "branch": 3,
}


def term_years(org) -> int | None:
    """The length of ``org``'s term (届期) in years; None for a 党小组 (not elected)."""
    if org.kind == "group":
        return None
    years = {**DEFAULT_TERM_YEARS, **getattr(settings, "ORG_TERM_YEARS", {})}
    if org.village_id is not None and org.kind != "working_committee":
        return years["village"]
    return years[org.kind]


MSG_MEMBER_IN_BRANCH = _(
    "A member belongs to a Party branch, not directly to a Party committee or general branch."
)

# 党章第一条: 年满十八岁 … 可以申请加入中国共产党 — so nobody is admitted before 18.
PARTY_MIN_AGE = 18
MSG_BORN_IN_FUTURE = _("The birth date cannot be later than today.")
MSG_JOINED_BEFORE_BORN = _("The date of joining the Party cannot be earlier than the birth date.")
MSG_JOINED_UNDER_18 = _(
    "A member must be at least 18 years old on joining the Party: by the birth date, "
    "the earliest joining date is %(date)s."
)


def years_after(date: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later (29 February → 28 February)."""
    try:
        return date.replace(year=date.year + years)
    except ValueError:
        return date.replace(year=date.year + years, day=28)


def check_born_by_today(birth_date: datetime.date | None) -> None:
    """Nobody in the records was born after today (the portal's local date; during a bulk
    import the day it started): ``MSG_BORN_IN_FUTURE`` on ``birth_date``. Members and every
    person record of 队伍建设 share it."""
    if birth_date is not None and birth_date > _today():
        raise ValidationError({"birth_date": MSG_BORN_IN_FUTURE})


def joining_age_error(birth_date: datetime.date, joined_on: datetime.date):
    """Why ``joined_on`` is impossible for one born on ``birth_date`` (None when it is not):
    before the birth, or before the 18th birthday (one born on 29 February turns 18 on
    28 February, so no joining that might be on time is refused)."""
    if joined_on < birth_date:
        return MSG_JOINED_BEFORE_BORN
    eighteen = years_after(birth_date, PARTY_MIN_AGE)
    if joined_on < eighteen:
        return MSG_JOINED_UNDER_18 % {"date": eighteen.isoformat()}
    return None


def one_year_after(date: datetime.date) -> datetime.date:
    return years_after(date, 1)


def one_year_before(date: datetime.date) -> datetime.date:
    return years_after(date, -1)


class VillageQuerySet(ScopedQuerySet):
    scope_village_field = ""


class Village(models.Model):
    class Kind(models.TextChoices):
        VILLAGE = "village", _("administrative village")
        COMMUNITY = "community", _("community")

    name = models.CharField(_("name"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.VILLAGE)

    objects = VillageQuerySet.as_manager()

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizationQuerySet(ScopedQuerySet):
    scope_field = ""


class Organization(models.Model):
    """One node of the tree 街道党工委 → 党委/党总支 → 党支部 → 党小组."""

    class Kind(models.TextChoices):
        WORKING_COMMITTEE = "working_committee", _("Party working committee")
        PARTY_COMMITTEE = "party_committee", _("Party committee")
        GENERAL_BRANCH = "general_branch", _("general Party branch")
        BRANCH = "branch", _("Party branch")
        GROUP = "group", _("Party group")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    village = models.ForeignKey(
        Village,
        verbose_name=_("village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    established_on = models.DateField(
        _("established on"), null=True, blank=True, validators=PARTY_DATE
    )
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True, validators=PARTY_DATE)
    path = models.CharField(_("tree path"), max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    # 届期: the current term, written by services.organization_reelect (换届) only.
    term_started_on = models.DateField(
        _("term started on"), null=True, blank=True, validators=PARTY_DATE
    )
    term_ends_on = models.DateField(_("term ends on"), null=True, blank=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("model", "organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True)
                | Q(established_on__isnull=True)
                | Q(dissolved_on__gte=models.F("established_on")),
                name="org_dissolved_after_established",
                violation_error_message=_(
                    "The dissolution date cannot be earlier than the establishment date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(term_ends_on__isnull=True)
                | Q(term_started_on__isnull=True)
                | Q(term_ends_on__gt=models.F("term_started_on")),
                name="org_term_ends_after_start",
                violation_error_message=_("The end of the term cannot be earlier than its start."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        expected = self.compute_path()
        if self.path != expected:
            self.path = expected
            self.depth = expected.count("/") - 1
            Organization.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)

    def compute_path(self) -> str:
        return (self.parent.path if self.parent_id else "") + path_segment(self.pk)

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None

    @property
    def secretary_title(self) -> str:
        """书记, or 组长 for a 党小组 (a group has a leader, not a secretary)."""
        return str(Post.label_for(Post.SECRETARY, self.kind))

    @property
    def has_term(self) -> bool:
        """A 党小组 is not elected: it has no 届期."""
        return self.kind != Organization.Kind.GROUP

    def secretary_on(self, date: datetime.date) -> SecretaryTerm | None:
        return (
            self.secretary_terms.filter(post=Post.SECRETARY, started_on__lte=date)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=date))
            .select_related("member")
            .order_by("-started_on")
            .first()
        )


class MemberQuerySet(ScopedQuerySet):
    scope_field = "branch"

    def formal_on(self, date: datetime.date):
        """Full members on ``date``: joined by then, and either confirmed (转正) by then or
        recorded as full members with no confirmation date (long-standing members)."""
        return self.filter(
            Q(confirmed_on__lte=date) | Q(confirmed_on__isnull=True),
            category=Member.Category.FORMAL,
            joined_on__lte=date,
        )

    def probation_overdue(self, today: datetime.date):
        """预备党员 whose year of probation has passed without 转正 (joined over a year ago)."""
        return self.filter(
            category=Member.Category.PROBATIONARY, joined_on__lt=one_year_before(today)
        )

    def of_organization(self, org: Organization):
        """Members who belong to ``org``: its Party group's members, or its subtree's."""
        if org.kind == Organization.Kind.GROUP:
            return self.filter(group=org)
        return self.within(org.path)


class Member(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class Category(models.TextChoices):
        FORMAL = "formal", _("full member")
        PROBATIONARY = "probationary", _("probationary member")

    class Education(models.TextChoices):
        PRIMARY = "primary", _("primary school")
        JUNIOR = "junior", _("junior middle school")
        SENIOR = "senior", _("senior middle school / technical school")
        COLLEGE = "college", _("junior college")
        BACHELOR = "bachelor", _("bachelor's degree")
        POSTGRADUATE = "postgraduate", _("postgraduate")

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender)
    birth_date = models.DateField(_("birth date"), validators=BIRTH_DATE)
    id_number = models.CharField(
        _("ID number"), max_length=18, unique=True, validators=[validate_id_number]
    )
    phone = models.CharField(_("phone"), max_length=11, blank=True, validators=[validate_phone])
    education = models.CharField(_("education"), max_length=20, choices=Education, blank=True)
    category = models.CharField(
        _("category"), max_length=20, choices=Category, default=Category.FORMAL
    )
    joined_on = models.DateField(_("joined the Party on"), validators=PARTY_DATE)
    confirmed_on = models.DateField(
        _("confirmed as full member on"),
        null=True,
        blank=True,
        validators=PARTY_DATE,
        help_text=_("The day the branch confirmed the member after the probationary year."),
    )
    branch = models.ForeignKey(
        Organization,
        verbose_name=_("Party branch"),
        on_delete=models.PROTECT,
        related_name="members",
        limit_choices_to={"kind": "branch"},
    )
    group = models.ForeignKey(
        Organization,
        verbose_name=_("Party group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="group_members",
        limit_choices_to={"kind": "group"},
    )

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("Party member")
        verbose_name_plural = _("Party members")
        ordering = ["branch__path", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.id_number = normalize_id_number(self.id_number)
        errors = {}
        if self.group_id and self.branch_id and self.group.parent_id != self.branch_id:
            errors["group"] = _("The Party group must be one of the branch's groups.")
        if self.branch_id and self.branch.kind == Organization.Kind.GROUP:
            errors["branch"] = _("A member belongs to a branch, not directly to a Party group.")
        elif self.branch_id and self.branch.kind != Organization.Kind.BRANCH:
            errors["branch"] = MSG_MEMBER_IN_BRANCH
        if self.confirmed_on and self.category != Member.Category.FORMAL:
            errors["confirmed_on"] = _("Only a full member has a confirmation date.")
        elif self.confirmed_on and self.joined_on and self.confirmed_on < self.joined_on:
            errors["confirmed_on"] = _("The confirmation cannot be earlier than joining.")
        elif self.confirmed_on and self.confirmed_on > _today():
            errors["confirmed_on"] = _("The date cannot be in the future.")
        try:
            check_born_by_today(self.birth_date)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            check_birth_date(self.id_number, self.birth_date)
        except ValidationError as exc:
            errors.setdefault("birth_date", []).extend(exc.message_dict["birth_date"])
        if self.joined_on and self.joined_on > _today():
            errors["joined_on"] = _("The date cannot be in the future.")
        elif (
            self.joined_on
            and self.birth_date
            and "birth_date" not in errors  # judged only against an accepted birth date
            and (refusal := joining_age_error(self.birth_date, self.joined_on))
        ):
            errors["joined_on"] = refusal
        if errors:
            raise ValidationError(errors)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def probation_ends_on(self) -> datetime.date | None:
        """The day the probationary year is over (None for a full member)."""
        if self.category != Member.Category.PROBATIONARY or not self.joined_on:
            return None
        return one_year_after(self.joined_on)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Post(models.TextChoices):
    """Posts of a committee (支部委员会, 总支委员会, 党委): a SecretaryTerm holds one."""

    SECRETARY = "secretary", _("secretary")
    DEPUTY_SECRETARY = "deputy_secretary", _("deputy secretary")
    ORGANISATION = "organisation", _("organisation committee member")
    PROPAGANDA = "propaganda", _("publicity committee member")
    DISCIPLINE = "discipline", _("discipline inspection committee member")
    MEMBER = "member", _("committee member")

    @classmethod
    def label_for(cls, post: str, org_kind: str):
        """The post's name in an organisation of ``org_kind``: a 党小组's 书记 is its 组长."""
        if post == cls.SECRETARY and org_kind == Organization.Kind.GROUP:
            return GROUP_LEADER
        return cls(post).label


GROUP_LEADER = pgettext_lazy("Party group", "group leader")
GROUP_LEADER_CHANGED = _("group leader replaced")
# One holder at a time: 书记 and the three 委员 with a portfolio; 副书记 and 委员 may be several.
SINGLE_HOLDER_POSTS = (Post.SECRETARY, Post.ORGANISATION, Post.PROPAGANDA, Post.DISCIPLINE)
# What a 党支部 without a committee (under 7 full members) may still have.
POSTS_WITHOUT_COMMITTEE = (Post.SECRETARY, Post.DEPUTY_SECRETARY)


class SecretaryTermQuerySet(ScopedQuerySet):
    scope_field = "organization"

    def serving_on(self, date: datetime.date):
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=date), started_on__lte=date)


class SecretaryTerm(models.Model):
    """Who held a post (书记, 组长 of a group, 副书记, a 委员) of an organisation, from when to
    when: the 书记任职记录 and the committee's composition in one record per person and post."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="secretary_terms",
    )
    member = models.ForeignKey(
        Member, verbose_name=_("post holder"), on_delete=models.PROTECT, related_name="terms"
    )
    post = models.CharField(_("post"), max_length=20, choices=Post, default=Post.SECRETARY)
    started_on = models.DateField(pgettext_lazy("term", "started on"))
    ended_on = models.DateField(pgettext_lazy("term", "ended on"), null=True, blank=True)

    objects = SecretaryTermQuerySet.as_manager()

    class Meta:
        verbose_name = _("post-holding record")
        verbose_name_plural = _("post-holding records")
        ordering = ["organization__path", "-started_on", "post"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "post"],
                # OR of equalities, not IN: PostgreSQL prints an IN list back differently once
                # the index is rebuilt (the scale generator drops and rebuilds indexes).
                condition=Q(ended_on__isnull=True)
                & functools.reduce(operator.or_, (Q(post=p) for p in SINGLE_HOLDER_POSTS)),
                name="one_serving_holder_per_post",
                violation_error_message=_("This post already has a serving holder."),
            ),
            models.UniqueConstraint(
                fields=["organization", "member"],
                condition=Q(ended_on__isnull=True),
                name="one_serving_post_per_member",
                violation_error_message=_("This member already holds a post here."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="secretary_term_ends_after_start",
                violation_error_message=_("The end of the term cannot be earlier than its start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.post_label} · {self.member}"

    @property
    def post_label(self) -> str:
        return str(Post.label_for(self.post, self.organization.kind))


class OrgChangeQuerySet(ScopedQuerySet):
    scope_field = "organization"


class OrgChange(Recorded):
    """An event in the tree's history, written only by the services in services.py."""

    class Kind(models.TextChoices):
        ESTABLISHED = "established", _("established")
        GROUP_SET_UP = "group_set_up", _("Party group set up")
        MOVED = "moved", _("subordination adjusted")
        DISSOLVED = "dissolved", _("dissolved")
        SECRETARY_CHANGED = "secretary_changed", _("secretary replaced")
        REELECTED = "reelected", _("term renewed (re-election)")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="changes",
    )
    date = models.DateField(_("date"))
    old_parent = models.ForeignKey(
        Organization,
        verbose_name=_("old parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    new_parent = models.ForeignKey(
        Organization,
        verbose_name=_("new parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    old_secretary = models.ForeignKey(
        Member,
        verbose_name=_("old secretary"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    new_secretary = models.ForeignKey(
        Member,
        verbose_name=_("new secretary"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = OrgChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation change")
        verbose_name_plural = _("organisation changes")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date} {self.kind_label} {self.organization}"

    @property
    def kind_label(self) -> str:
        """The event's name; a 党小组's 组长 replaced is 调整组长, not 调整书记."""
        if (
            self.kind == OrgChange.Kind.SECRETARY_CHANGED
            and self.organization.kind == Organization.Kind.GROUP
        ):
            return str(GROUP_LEADER_CHANGED)
        return str(self.get_kind_display())


class Status(models.TextChoices):
    """The review workflow shared by meetings and talks."""

    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    RETURNED = "returned", _("returned")
    APPROVED = "approved", _("approved")


EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)


class MeetingKind(models.TextChoices):
    BRANCH_ASSEMBLY = "branch_assembly", _("branch member assembly")
    BRANCH_COMMITTEE = "branch_committee", _("branch committee meeting")
    GROUP_MEETING = "group_meeting", _("Party group meeting")
    PARTY_LECTURE = "party_lecture", _("Party lecture")
    THEME_DAY = "theme_day", _("theme Party day")
    ORG_LIFE = "org_life", _("organisational-life meeting")
    DEMOCRATIC_LIFE = "democratic_life", _("democratic-life meeting")


class ReviewedRecord(Recorded):
    """Fields of a record that a secretary submits and the office reviews (who entered it and
    when come from ``Recorded``)."""

    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.DRAFT, db_index=True
    )
    return_reason = models.CharField(_("reason for return"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class MeetingQuerySet(ScopedQuerySet):
    scope_field = "organization"

    def approved(self):
        return self.filter(status=Status.APPROVED)

    def in_year(self, year: int):
        return self.filter(held_on__year=year)

    def with_list_data(self):
        # An aggregate drops Meta.ordering, so the order is stated here (stable pagination).
        return (
            self.select_related("organization", "host")
            .annotate(
                attendee_count=models.Count("attendances", filter=Q(attendances__present=True)),
            )
            .order_by("-held_on", "-pk")
        )


class Meeting(ReviewedRecord):
    kind = models.CharField(_("kind"), max_length=30, choices=MeetingKind)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    held_on = models.DateField(_("date"), validators=PARTY_DATE)
    starts_at = models.TimeField(_("start time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    host = models.ForeignKey(
        Member,
        verbose_name=_("host"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_meetings",
    )
    topic = models.CharField(_("topic"), max_length=200)
    minutes = models.TextField(_("minutes"), blank=True)
    # 记录人, 列席, 应到 and the 领导班子 of a 民主生活会 (issue 11 §3).
    recorder = models.ForeignKey(
        Member,
        verbose_name=_("recorder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recorded_meetings",
    )
    observers = models.CharField(
        _("observers (non-attendees)"),
        max_length=500,
        blank=True,
        help_text=_("People attending without being expected: names separated by 、."),
    )
    expected_count = models.PositiveIntegerField(
        _("expected attendance"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Counted when the meeting is saved: who was expected on the day."),
    )
    leadership_team = models.ForeignKey(
        "LeadershipTeam",
        verbose_name=_("leadership team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on", "-pk"]
        permissions = [("review_meeting", _("Can approve or return meeting records"))]
        indexes = [
            models.Index(fields=["organization", "kind", "held_on"]),
            # The lists' keyset order (newest first), read backwards: no sort, no OFFSET.
            models.Index(fields=["held_on", "id"], name="meeting_held_on_id"),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_kind_display()} · {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("branches:meeting_detail", args=[self.pk])

    def clean(self) -> None:
        if self.held_on and self.held_on > _today():
            raise ValidationError({"held_on": _("The date cannot be in the future.")})

    @property
    def present_count(self) -> int:
        """实到: attendance lines marked present."""
        return sum(1 for a in self.attendances.all() if a.status == Attendance.Status.PRESENT)

    @property
    def leave_count(self) -> int:
        return sum(1 for a in self.attendances.all() if a.status == Attendance.Status.LEAVE)

    @property
    def absent_count(self) -> int:
        """缺席 without leave: expected and neither present nor on leave (a line or none)."""
        expected = self.expected_count
        if expected is None:
            return sum(1 for a in self.attendances.all() if a.status == Attendance.Status.ABSENT)
        return max(expected - self.present_count - self.leave_count, 0)


class AttendanceQuerySet(ScopedQuerySet):
    scope_field = "meeting__organization"


class Attendance(models.Model):
    """One expected attendee of a meeting: 出席, 请假 (with the reason) or 缺席.

    ``present`` is ``status == present``, a column the database generates.
    """

    class Status(models.TextChoices):
        PRESENT = "present", _("present")
        LEAVE = "leave", _("on leave")
        ABSENT = "absent", _("absent without leave")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="attendances"
    )
    status = models.CharField(
        _("attendance"), max_length=10, choices=Status, default=Status.PRESENT
    )
    # 实到 is read as ``present`` (lists, figures, the scale data): the database computes it.
    present = models.GeneratedField(
        expression=Q(status="present"),
        output_field=models.BooleanField(_("present")),
        db_persist=True,
        verbose_name=_("present"),
    )
    absence_reason = models.CharField(_("reason for absence"), max_length=200, blank=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"],
                name="attendance_once",
                violation_error_message=_(
                    "This member is already on the attendance list of this meeting."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status="leave") | ~Q(absence_reason=""),
                name="leave_needs_reason",
                violation_error_message=_("Leave needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.meeting}"

    def save(self, *args, **kwargs) -> None:
        if self.status == self.Status.PRESENT:
            self.absence_reason = ""
        super().save(*args, **kwargs)


def attachment_path(instance, filename: str) -> str:
    import uuid

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class MeetingAttachmentQuerySet(ScopedQuerySet):
    scope_field = "meeting__organization"


class MeetingAttachment(Recorded):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(pgettext_lazy("file", "content type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))

    objects = MeetingAttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("branches:attachment_download", args=[self.pk])


class TalkQuerySet(ScopedQuerySet):
    scope_field = "organization"

    def approved(self):
        return self.filter(status=Status.APPROVED)

    def in_year(self, year: int):
        return self.filter(held_on__year=year)

    def with_list_data(self):
        return (
            self.select_related("organization", "talker")
            .annotate(person_times=models.Count("participants"))
            .order_by("-held_on", "-pk")
        )


class Talk(ReviewedRecord):
    """谈心谈话: one talker with one or more people, counted in person-times."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="talks"
    )
    held_on = models.DateField(_("date"), validators=PARTY_DATE)
    talker = models.ForeignKey(
        Member,
        verbose_name=_("talker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="talks_given",
    )
    talker_name = models.CharField(_("talker (not a member)"), max_length=50, blank=True)
    topic = models.CharField(_("topic"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)

    objects = TalkQuerySet.as_manager()

    class Meta:
        verbose_name = _("heart-to-heart talk")
        verbose_name_plural = _("heart-to-heart talks")
        ordering = ["-held_on", "-pk"]
        permissions = [("review_talk", _("Can approve or return talk records"))]
        # The lists' keyset order (newest first), read backwards: no sort, no OFFSET.
        indexes = [models.Index(fields=["held_on", "id"], name="talk_held_on_id")]

    def __str__(self) -> str:
        return f"{self.held_on} · {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("branches:talk_detail", args=[self.pk])

    @property
    def talker_display(self) -> str:
        return str(self.talker) if self.talker_id else self.talker_name

    def clean(self) -> None:
        if self.held_on and self.held_on > timezone.localdate():
            raise ValidationError({"held_on": _("The date cannot be in the future.")})
        if not self.talker_id and not self.talker_name:
            raise ValidationError({"talker": _("Name the person who held the talk.")})


class TalkParticipantQuerySet(ScopedQuerySet):
    scope_field = "talk__organization"


class TalkParticipant(models.Model):
    talk = models.ForeignKey(
        Talk, verbose_name=_("talk"), on_delete=models.CASCADE, related_name="participants"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="talks_received",
    )
    name = models.CharField(_("name (not a member)"), max_length=50, blank=True)

    objects = TalkParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("talk participant")
        verbose_name_plural = _("talk participants")
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False) | ~Q(name=""),
                name="participant_member_or_name",
                violation_error_message=_("Choose a member or enter the participant's name."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.member) if self.member_id else self.name


class CadenceCondition(models.TextChoices):
    """Which organisations of a rule's kinds owe the meeting (empty: all of them)."""

    COMMITTEE = "committee", _("Party branches with a branch committee (7 or more full members)")


class CadenceRuleQuerySet(ScopedQuerySet):
    scope_whole_tree = True  # the sub-district's rules: everyone reads them, the office writes


class CadenceRule(models.Model):
    """How often an organisation of a kind must hold a meeting kind (三会一课 etc.), as data."""

    class Period(models.TextChoices):
        MONTH = "month", _("monthly")
        QUARTER = "quarter", _("quarterly")
        YEAR = "year", _("yearly")

    meeting_kind = models.CharField(
        _("meeting kind"), max_length=30, choices=MeetingKind, unique=True
    )
    period = models.CharField(_("period"), max_length=10, choices=Period)
    min_count = models.PositiveSmallIntegerField(_("at least"), default=1)
    org_kinds = models.CharField(
        _("organisation kinds"),
        max_length=200,
        help_text=_("Comma-separated organisation kinds that must hold it, e.g. branch,group."),
    )
    active = models.BooleanField(_("in force"), default=True)
    condition = models.CharField(
        _("only for"),
        max_length=20,
        choices=CadenceCondition,
        blank=True,
        default="",
        help_text=_("Leave empty when every organisation of the kinds above owes the meeting."),
    )

    objects = CadenceRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting cadence rule")
        verbose_name_plural = _("meeting cadence rules")
        ordering = ["meeting_kind"]

    def __str__(self) -> str:
        return f"{self.get_meeting_kind_display()} · {self.get_period_display()}"

    @property
    def org_kind_list(self) -> list[str]:
        return [k.strip() for k in self.org_kinds.split(",") if k.strip()]

    def clean(self) -> None:
        valid = set(Organization.Kind.values)
        bad = [k for k in self.org_kind_list if k not in valid]
        if bad or not self.org_kind_list:
            raise ValidationError({"org_kinds": _("Unknown organisation kind.")})


class LeadershipTeamQuerySet(ScopedQuerySet):
    scope_field = "organization"


class LeadershipTeam(models.Model):
    """领导班子: the leadership team of the 党工委 or of a 村党委, which holds 民主生活会.

    A team serves from a date (until a date); its members hold posts, each dated too.
    """

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="leadership_teams",
        limit_choices_to={"kind__in": ["working_committee", "party_committee"]},
    )
    name = models.CharField(_("name"), max_length=100)
    started_on = models.DateField(_("started on"), validators=PARTY_DATE)
    ended_on = models.DateField(_("ended on"), null=True, blank=True, validators=PARTY_DATE)

    objects = LeadershipTeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("leadership team")
        verbose_name_plural = _("leadership teams")
        ordering = ["organization__path", "-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="leadership_team_ends_after_start",
                violation_error_message=_("The end cannot be earlier than the start."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def serving_on(self, date: datetime.date) -> bool:
        return self.started_on <= date and (self.ended_on is None or self.ended_on >= date)

    def members_on(self, date: datetime.date):
        """The members holding a post in the team on ``date``."""
        return Member.objects.filter(
            Q(team_posts__ended_on__isnull=True) | Q(team_posts__ended_on__gte=date),
            team_posts__team=self,
            team_posts__started_on__lte=date,
        ).distinct()


class LeadershipTeamMemberQuerySet(ScopedQuerySet):
    scope_field = "team__organization"


class LeadershipTeamMember(models.Model):
    """A member's post in a leadership team, from a date (until a date)."""

    class Post(models.TextChoices):
        SECRETARY = "secretary", _("secretary")
        DEPUTY_SECRETARY = "deputy_secretary", _("deputy secretary")
        MEMBER = "member", _("team member")

    team = models.ForeignKey(
        LeadershipTeam,
        verbose_name=_("leadership team"),
        on_delete=models.CASCADE,
        related_name="posts",
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="team_posts"
    )
    post = models.CharField(_("post"), max_length=20, choices=Post, default=Post.MEMBER)
    started_on = models.DateField(pgettext_lazy("term", "started on"), validators=PARTY_DATE)
    ended_on = models.DateField(
        pgettext_lazy("term", "ended on"), null=True, blank=True, validators=PARTY_DATE
    )

    objects = LeadershipTeamMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("leadership team member")
        verbose_name_plural = _("leadership team members")
        ordering = ["team", "post", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="team_post_ends_after_start",
                violation_error_message=_("The end cannot be earlier than the start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_post_display()} {self.member}"

    def clean(self) -> None:
        if self.team_id and self.member_id:
            org = self.team.organization
            if not self.member.branch.path.startswith(org.path):
                raise ValidationError(
                    {
                        "member": _("%(name)s is not a member of %(org)s.")
                        % {"name": self.member.name, "org": org}
                    }
                )


class DemocraticAppraisalQuerySet(ScopedQuerySet):
    scope_field = "meeting__organization"


class DemocraticAppraisal(models.Model):
    """民主评议党员: one member's rating at a 组织生活会."""

    class Rating(models.TextChoices):
        EXCELLENT = "excellent", _("excellent")
        QUALIFIED = "qualified", _("qualified")
        BASICALLY_QUALIFIED = "basically_qualified", _("basically qualified")
        UNQUALIFIED = "unqualified", _("unqualified")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="appraisals"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="appraisals"
    )
    rating = models.CharField(_("rating"), max_length=30, choices=Rating)

    objects = DemocraticAppraisalQuerySet.as_manager()

    class Meta:
        verbose_name = _("democratic appraisal")
        verbose_name_plural = _("democratic appraisals")
        ordering = ["meeting", "member__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"],
                name="appraisal_once",
                violation_error_message=_("This member is already rated at this meeting."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_rating_display()}"


class CadenceCountQuerySet(ScopedQuerySet):
    scope_field = "organization"


class CadenceCount(models.Model):
    """One owed cell of the 三会一课 cadence, kept current on write (``branches.cadence``): an
    organisation × active rule × the rule's own period of a kept year, with the approved
    meetings held in it (``done``) against the number owed (``required`` > 0; a period nothing
    is owed in has no row). Derived data: rebuilt by ``manage.py rebuild_cadence``."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    meeting_kind = models.CharField(_("meeting kind"), max_length=30, choices=MeetingKind)
    year = models.PositiveSmallIntegerField(_("year"))
    index = models.PositiveSmallIntegerField(_("period number"))
    starts_on = models.DateField(_("period start"))
    ends_on = models.DateField(_("period end"))
    required = models.PositiveSmallIntegerField(_("required"))
    done = models.PositiveIntegerField(_("done"), default=0)

    objects = CadenceCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("kept cadence cell")
        verbose_name_plural = _("kept cadence cells")
        default_permissions = ()  # derived data: no one edits it
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "meeting_kind", "index"],
                name="cadence_count_once",
                violation_error_message=_("This cadence period is already kept."),
            )
        ]
        indexes = [
            # the quarter's cells (those ending after its start), and the open ones only
            models.Index(fields=["year", "ends_on"], name="cadence_count_year_end"),
            models.Index(
                fields=["year", "ends_on"],
                condition=Q(done__lt=models.F("required")),
                name="cadence_count_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.meeting_kind} {self.year}/{self.index}"


class CadenceYearQuerySet(ScopedQuerySet):
    """The kept cells' own state: no organisation, never shown to a user."""

    scope_whole_tree = True


class CadenceYear(models.Model):
    """A year whose ``CadenceCount`` rows are complete and kept current (without a row, the
    year's cadence is counted from the records)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)

    objects = CadenceYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("kept cadence year")
        verbose_name_plural = _("kept cadence years")
        default_permissions = ()

    def __str__(self) -> str:
        return str(self.year)
