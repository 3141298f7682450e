"""阵地建设: training bases and their facilities, on-site courses, classes and their sessions.

A session books a facility for a time span. Two sessions in one facility may not overlap and a
class larger than the facility's capacity is refused: checked in ``Session.clean()`` (so in every
service and admin form, on every database) and, on PostgreSQL, enforced by an exclusion
constraint on the time range that the initial migration creates (see ``training/operations.py``;
it is kept out of the model state so that SQLite never sees it).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chengjiang.access import ScopedQuerySet

# Refusals, as constants the tests can name.
MSG_CLASH = _(
    "%(facility)s is already booked from %(start)s to %(end)s by “%(session)s” (%(klass)s)."
)
MSG_CAPACITY = _(
    "%(facility)s holds %(capacity)d people; the class “%(klass)s” has %(size)d participants."
)
MSG_ENDS_BEFORE_START = _("The end must be after the start.")
MSG_FACILITY_OTHER_BASE = _("The facility belongs to another training base.")
MSG_COURSE_OTHER_BASE = _("The course is offered at another training base.")
MSG_ATTENDEE_ONE_PERSON = _("Choose exactly one person: a Party member or a reserve cadre.")
MSG_CLASS_DATES = _("The class must end on or after the day it starts.")
MSG_SESSION_OUTSIDE_CLASS = _("The session must fall within the class's dates (%(start)s–%(end)s).")
MSG_OFFERED_PERIOD = _("The course's offer must end on or after it starts.")

TIME_FORMAT = "%Y-%m-%d %H:%M"


class Level(models.TextChoices):
    DISTRICT = "district", _("district level")
    MUNICIPAL = "municipal", _("municipal level")
    PROVINCIAL = "provincial", _("provincial level")


class TrainingBaseQuerySet(ScopedQuerySet):
    scope_village_field = "village"


class TrainingBase(models.Model):
    """现场教学点 / 党员教育实训基地, in a village, rated at a level on a date."""

    name = models.CharField(_("name"), max_length=100)
    village = models.ForeignKey(
        "branches.Village",
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="training_bases",
    )
    level = models.CharField(_("level"), max_length=20, choices=Level)
    rated_on = models.DateField(_("rated on"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    description = models.TextField(pgettext_lazy("training base", "description"), blank=True)

    objects = TrainingBaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("training base")
        verbose_name_plural = _("training bases")
        ordering = ["village__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"],
                name="training_base_name_unique",
                violation_error_message=_(
                    "This village already has a training base with this name."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FacilityQuerySet(ScopedQuerySet):
    scope_village_field = "base__village"


class Facility(models.Model):
    """A facility of a base: a room, a hall, a piece of equipment; with a capacity if it has one."""

    class Kind(models.TextChoices):
        MEETING_ROOM = "meeting_room", _("meeting room")
        EXHIBITION_HALL = "exhibition_hall", _("exhibition hall")
        DISPLAY_SCREEN = "display_screen", _("display screen")
        PROJECTOR = "projector", _("projector")
        CLASSROOM = "classroom", _("classroom")
        OUTDOOR = "outdoor", _("outdoor site")
        OTHER = "other", _("other")

    base = models.ForeignKey(
        TrainingBase,
        verbose_name=_("training base"),
        on_delete=models.PROTECT,
        related_name="facilities",
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("Number of people it holds; leave empty if it has no limit."),
    )

    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["base", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["base", "name"],
                name="facility_name_unique",
                violation_error_message=_("This base already has a facility with this name."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                name="facility_capacity_positive",
                violation_error_message=_("The capacity must be greater than zero."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CourseQuerySet(ScopedQuerySet):
    scope_village_field = "base__village"

    def offered_between(self, start: datetime.date, end: datetime.date):
        return self.filter(
            Q(offered_from__lte=end), Q(offered_until__isnull=True) | Q(offered_until__gte=start)
        )


class Course(models.Model):
    """现场教学课程 offered at a base."""

    base = models.ForeignKey(
        TrainingBase,
        verbose_name=_("training base"),
        on_delete=models.PROTECT,
        related_name="courses",
    )
    title = models.CharField(pgettext_lazy("course", "title"), max_length=100)
    summary = models.TextField(_("summary"), blank=True)
    lecturer = models.CharField(_("lecturer"), max_length=50)
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"))
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
    )
    offered_from = models.DateField(_("offered from"))
    offered_until = models.DateField(
        _("offered until"), null=True, blank=True, help_text=_("Leave empty while it is offered.")
    )

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("on-site course")
        verbose_name_plural = _("on-site courses")
        ordering = ["base", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["base", "title"],
                name="course_title_unique",
                violation_error_message=_("This base already has a course with this title."),
            ),
            models.CheckConstraint(
                condition=Q(offered_until__isnull=True) | Q(offered_until__gte=F("offered_from")),
                name="course_offered_period_valid",
                violation_error_message=_(
                    "The end of the offering period cannot be earlier than its start."
                ),
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0),
                name="course_duration_positive",
                violation_error_message=_("The duration must be greater than zero."),
            ),
        ]

    def __str__(self) -> str:
        return "《%s》" % self.title

    def clean(self) -> None:
        errors = {}
        if self.offered_until and self.offered_from and self.offered_until < self.offered_from:
            errors["offered_until"] = MSG_OFFERED_PERIOD
        if self.facility_id and self.base_id and self.facility.base_id != self.base_id:
            errors["facility"] = MSG_FACILITY_OTHER_BASE
        if errors:
            raise ValidationError(errors)


class ClassKind(models.TextChoices):
    RECEIVED = "received", _("class received")
    INTERNAL = "internal", _("internal training")


class TrainingClassQuerySet(ScopedQuerySet):
    scope_village_field = "base__village"

    def received(self):
        return self.filter(kind=ClassKind.RECEIVED)

    def internal(self):
        return self.filter(kind=ClassKind.INTERNAL)

    def between(self, start: datetime.date, end: datetime.date):
        return self.filter(starts_on__range=(start, end))


class TrainingClass(models.Model):
    """A class at a base: received from outside (接待培训班次) or internal (e.g. "春早")."""

    kind = models.CharField(_("kind"), max_length=20, choices=ClassKind)
    base = models.ForeignKey(
        TrainingBase,
        verbose_name=_("training base"),
        on_delete=models.PROTECT,
        related_name="classes",
    )
    name = models.CharField(_("class name"), max_length=150)
    sending_organisation = models.CharField(
        _("sending organisation"),
        max_length=100,
        help_text=_("Who sent or organised the class, e.g. 扬州大学, 宣州区委组织部."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    participants = models.PositiveIntegerField(
        _("participants"),
        help_text=_("For internal training, kept equal to the number of enrolled attendees."),
    )
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = TrainingClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("training class")
        verbose_name_plural = _("training classes")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["base", "name", "starts_on"],
                name="training_class_unique",
                violation_error_message=_(
                    "This base already has a class with this name starting on this date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="training_class_dates_valid",
                violation_error_message=_("The end date cannot be earlier than the start date."),
            ),
        ]
        indexes = [models.Index(fields=["kind", "starts_on"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("training:class_detail", args=[self.pk])

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": MSG_CLASS_DATES})


class SessionQuerySet(ScopedQuerySet):
    scope_village_field = "training_class__base__village"

    def overlapping(self, *, facility_id: int, starts_at, ends_at):
        """Sessions in ``facility_id`` whose span [start, end) meets [starts_at, ends_at)."""
        return self.filter(facility_id=facility_id, starts_at__lt=ends_at, ends_at__gt=starts_at)

    def for_calendar(self):
        return self.select_related(
            "training_class", "training_class__base", "course", "facility"
        ).order_by("starts_at", "pk")


class Session(models.Model):
    """One session of a class; with a facility, it is that facility's booking for its span."""

    training_class = models.ForeignKey(
        TrainingClass,
        verbose_name=_("class"),
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    topic = models.CharField(
        _("topic"), max_length=150, blank=True, help_text=_("Leave empty to use the course title.")
    )
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    hours = models.DecimalField(
        _("hours credited"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("0"),
        help_text=_("Training hours credited to each attendee who is present."),
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("The end time must be later than the start time."),
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=0),
                name="session_hours_not_negative",
                violation_error_message=_("Credited hours cannot be negative."),
            ),
        ]
        indexes = [models.Index(fields=["facility", "starts_at"])]

    def __str__(self) -> str:
        return "%s %s" % (timezone.localtime(self.starts_at).strftime(TIME_FORMAT), self.title)

    def get_absolute_url(self) -> str:
        return reverse("training:class_detail", args=[self.training_class_id])

    @property
    def title(self) -> str:
        if self.topic:
            return self.topic
        return str(self.course) if self.course_id else ""

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = MSG_ENDS_BEFORE_START
        klass = self.training_class if self.training_class_id else None
        if klass is not None:
            if self.facility_id and self.facility.base_id != klass.base_id:
                errors["facility"] = MSG_FACILITY_OTHER_BASE
            if self.course_id and self.course.base_id != klass.base_id:
                errors["course"] = MSG_COURSE_OTHER_BASE
            if self.starts_at and klass.starts_on and klass.ends_on:
                day = timezone.localtime(self.starts_at).date()
                if not klass.starts_on <= day <= klass.ends_on:
                    errors["starts_at"] = MSG_SESSION_OUTSIDE_CLASS % {
                        "start": klass.starts_on,
                        "end": klass.ends_on,
                    }
        if errors:
            raise ValidationError(errors)
        self.check_booking()

    def check_booking(self) -> None:
        """Refuse a clash with another session in the same facility, and an oversized class."""
        if not (self.facility_id and self.starts_at and self.ends_at):
            return
        facility = self.facility
        klass = self.training_class
        if facility.capacity is not None and klass.participants > facility.capacity:
            raise ValidationError(
                {
                    "facility": MSG_CAPACITY
                    % {
                        "facility": facility.name,
                        "capacity": facility.capacity,
                        "klass": klass.name,
                        "size": klass.participants,
                    }
                }
            )
        # Not scoped on purpose: a clash with another village's booking is still a clash.
        clash = (
            Session.objects.overlapping(
                facility_id=self.facility_id, starts_at=self.starts_at, ends_at=self.ends_at
            )
            .exclude(pk=self.pk)
            .select_related("training_class", "course")
            .order_by("starts_at")
            .first()
        )
        if clash is not None:
            raise ValidationError({"starts_at": clash_message(clash, facility)})


def clash_message(clash: Session, facility: Facility) -> str:
    return MSG_CLASH % {
        "facility": facility.name,
        "start": timezone.localtime(clash.starts_at).strftime(TIME_FORMAT),
        "end": timezone.localtime(clash.ends_at).strftime(TIME_FORMAT),
        "session": clash.title,
        "klass": clash.training_class.name,
    }


class AttendeeQuerySet(ScopedQuerySet):
    scope_village_field = "training_class__base__village"


class Attendee(models.Model):
    """A person enrolled in an internal class: a Party member or a reserve cadre."""

    training_class = models.ForeignKey(
        TrainingClass,
        verbose_name=_("class"),
        on_delete=models.CASCADE,
        related_name="attendees",
    )
    member = models.ForeignKey(
        "branches.Member",
        verbose_name=_("Party member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_enrolments",
    )
    reserve_cadre = models.ForeignKey(
        "cadres.ReserveCadre",
        verbose_name=_("reserve cadre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_enrolments",
    )

    objects = AttendeeQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["training_class", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "member"],
                name="attendee_member_once",
                violation_error_message=_("This member is already enrolled in this class."),
            ),
            models.UniqueConstraint(
                fields=["training_class", "reserve_cadre"],
                name="attendee_reserve_cadre_once",
                violation_error_message=_("This reserve cadre is already enrolled in this class."),
            ),
            models.CheckConstraint(
                condition=Q(member__isnull=False, reserve_cadre__isnull=True)
                | Q(member__isnull=True, reserve_cadre__isnull=False),
                name="attendee_one_person",
                violation_error_message=_("Choose either a member or a reserve cadre, not both."),
            ),
        ]

    def __str__(self) -> str:
        return self.person_name

    @property
    def person(self):
        return self.member if self.member_id else self.reserve_cadre

    @property
    def person_kind(self) -> str:
        return "member" if self.member_id else "reserve_cadre"

    @property
    def person_name(self) -> str:
        person = self.person
        return person.name if person is not None else ""

    def clean(self) -> None:
        if sum(1 for p in self.person_ids() if p) != 1:
            raise ValidationError(MSG_ATTENDEE_ONE_PERSON)

    def person_ids(self) -> list:
        return [self.member_id, self.reserve_cadre_id]


class SessionAttendanceQuerySet(ScopedQuerySet):
    scope_village_field = "session__training_class__base__village"

    def present(self):
        return self.filter(present=True)


class SessionAttendance(models.Model):
    """Whether an attendee was at a session, and the hours credited for it."""

    session = models.ForeignKey(
        Session,
        verbose_name=_("training session"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    attendee = models.ForeignKey(
        Attendee,
        verbose_name=_("attendee"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    present = models.BooleanField(_("present"), default=True)
    hours = models.DecimalField(
        _("hours credited"), max_digits=4, decimal_places=1, default=Decimal("0")
    )

    objects = SessionAttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("session attendance")
        verbose_name_plural = _("session attendance")
        ordering = ["session", "attendee"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "attendee"],
                name="session_attendance_once",
                violation_error_message=_(
                    "This attendee's attendance at this session is already recorded."
                ),
            ),
            models.CheckConstraint(
                condition=Q(present=True) | Q(hours=0),
                name="absent_earns_no_hours",
                violation_error_message=_("An absent attendee earns no hours."),
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=0),
                name="attendance_hours_not_negative",
                violation_error_message=_("Credited hours cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return "%s · %s" % (self.attendee, self.session)
