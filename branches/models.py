"""组织建设: villages, the organisation tree and its changes, members, meetings and talks."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
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

    def secretary_on(self, date: datetime.date) -> SecretaryTerm | None:
        return (
            self.secretary_terms.filter(started_on__lte=date)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=date))
            .select_related("member")
            .order_by("-started_on")
            .first()
        )


class MemberQuerySet(ScopedQuerySet):
    scope_field = "branch"

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
    branch = models.ForeignKey(
        Organization,
        verbose_name=_("Party branch"),
        on_delete=models.PROTECT,
        related_name="members",
        limit_choices_to={"kind__in": ["branch", "general_branch", "party_committee"]},
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
        try:
            check_birth_date(self.id_number, self.birth_date)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if self.joined_on and self.joined_on > timezone.localdate():
            errors["joined_on"] = _("The date cannot be in the future.")
        if errors:
            raise ValidationError(errors)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class SecretaryTermQuerySet(ScopedQuerySet):
    scope_field = "organization"


class SecretaryTerm(models.Model):
    """Who was secretary of an organisation, and from when to when."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="secretary_terms",
    )
    member = models.ForeignKey(
        Member, verbose_name=_("secretary"), on_delete=models.PROTECT, related_name="terms"
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    objects = SecretaryTermQuerySet.as_manager()

    class Meta:
        verbose_name = _("secretary term")
        verbose_name_plural = _("secretary terms")
        ordering = ["organization__path", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(ended_on__isnull=True),
                name="one_serving_secretary_per_org",
                violation_error_message=_("This organisation already has a serving secretary."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="secretary_term_ends_after_start",
                violation_error_message=_("The end of the term cannot be earlier than its start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.member}"


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
        return f"{self.date} {self.get_kind_display()} {self.organization}"


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
        if self.held_on and self.held_on > timezone.localdate():
            raise ValidationError({"held_on": _("The date cannot be in the future.")})


class AttendanceQuerySet(ScopedQuerySet):
    scope_field = "meeting__organization"


class Attendance(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="attendances"
    )
    present = models.BooleanField(_("present"), default=True)
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
                condition=Q(present=True) | ~Q(absence_reason=""),
                name="absence_needs_reason",
                violation_error_message=_("An absence needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.meeting}"


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
    content_type = models.CharField(_("content type"), max_length=50)
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
