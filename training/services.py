"""Writes of 阵地建设. Views, forms, admin and imports call these; nothing else saves records.

Every function is keyword-only, runs in one transaction and calls ``full_clean()`` before saving
(the audit trail is written by django-auditlog on each save). Booking rules — no two sessions
overlapping in one facility, no class larger than the facility — are checked by
``Session.clean()`` on every database; on PostgreSQL the exclusion constraint also holds against
concurrent writers, and its violation is turned back into the same Chinese message here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from chengjiang.access import check_write_scope

from .models import (
    MSG_CAPACITY,
    Attendee,
    ClassKind,
    Course,
    Facility,
    Session,
    SessionAttendance,
    TrainingBase,
    TrainingClass,
    clash_message,
)
from .operations import SESSION_NO_OVERLAP

MSG_ENROL_INTERNAL_ONLY = _("Attendees are enrolled only in internal training classes.")
MSG_ALREADY_ENROLLED = _("%(name)s is already enrolled in this class.")
MSG_ATTENDEE_OTHER_CLASS = _("%(name)s is not enrolled in the class of this session.")
MSG_DUPLICATE_ATTENDEE = _("%(name)s is listed twice.")
MSG_HOURS_TOO_MANY = _("%(name)s cannot be credited more hours than the session's %(hours)s.")
MSG_HOURS_ABSENT = _("%(name)s was absent and cannot be credited hours.")
MSG_CLASH_CONCURRENT = _("The facility was booked by someone else at the same time; try again.")


@transaction.atomic
def base_save(*, base: TrainingBase, by) -> TrainingBase:
    check_write_scope(by, base)
    base.full_clean()
    base.save()
    return base


@transaction.atomic
def facility_save(*, facility: Facility, by) -> Facility:
    check_write_scope(by, facility)
    facility.full_clean()
    facility.save()
    if facility.capacity is not None:
        _check_capacity_of_bookings(
            Session.objects.filter(facility=facility).select_related("training_class"), facility
        )
    return facility


@transaction.atomic
def facility_delete(*, facility: Facility, by) -> None:
    """A facility booked by any session is protected (PROTECT); others may go."""
    check_write_scope(by, facility)
    facility.delete()


@transaction.atomic
def attendee_save(*, attendee: Attendee, by) -> Attendee:
    check_write_scope(by, attendee)
    attendee.full_clean()
    attendee.save()
    return attendee


@transaction.atomic
def course_save(*, course: Course, by) -> Course:
    check_write_scope(by, course)
    course.full_clean()
    course.save()
    return course


def _check_capacity_of_bookings(sessions: Iterable[Session], facility: Facility | None = None):
    for s in sessions:
        fac = facility or s.facility
        if fac is None or fac.capacity is None:
            continue
        if s.training_class.participants > fac.capacity:
            raise ValidationError(
                MSG_CAPACITY
                % {
                    "facility": fac.name,
                    "capacity": fac.capacity,
                    "klass": s.training_class.name,
                    "size": s.training_class.participants,
                }
            )


@transaction.atomic
def class_save(*, training_class: TrainingClass, by) -> TrainingClass:
    """Save a class; a class grown beyond a facility it has booked is refused."""
    check_write_scope(by, training_class)
    training_class.full_clean()
    training_class.save()
    sessions = training_class.sessions.filter(facility__isnull=False).select_related("facility")
    for s in sessions:
        s.training_class = training_class
    _check_capacity_of_bookings(sessions)
    return training_class


@transaction.atomic
def session_save(*, session: Session, by) -> Session:
    """Book: save a session, refusing a clash in its facility or a class too large for it."""
    check_write_scope(by, session, session.facility if session.facility_id else None)
    session.full_clean()
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as exc:
        if SESSION_NO_OVERLAP not in str(exc):
            raise
        # A concurrent booking won the race; name it if we can see it now.
        clash = (
            Session.objects.overlapping(
                facility_id=session.facility_id,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
            )
            .exclude(pk=session.pk)
            .select_related("training_class", "course")
            .first()
        )
        if clash is None:
            raise ValidationError(MSG_CLASH_CONCURRENT) from exc
        raise ValidationError(clash_message(clash, session.facility)) from exc
    return session


@transaction.atomic
def session_delete(*, session: Session, by) -> None:
    check_write_scope(by, session)
    session.delete()


def _sync_participants(training_class: TrainingClass, *, by) -> None:
    count = training_class.attendees.count()
    if training_class.participants != count:
        training_class.participants = count
        class_save(training_class=training_class, by=by)


@transaction.atomic
def attendee_enrol(
    *, training_class: TrainingClass, member=None, reserve_cadre=None, by
) -> Attendee:
    """Enrol a Party member or a reserve cadre in an internal class (participants follow)."""
    check_write_scope(by, training_class, member, reserve_cadre)
    if training_class.kind != ClassKind.INTERNAL:
        raise ValidationError(MSG_ENROL_INTERNAL_ONLY)
    attendee = Attendee(training_class=training_class, member=member, reserve_cadre=reserve_cadre)
    person = attendee.person
    if person is not None and (
        training_class.attendees.filter(member=member).exists()
        if member is not None
        else training_class.attendees.filter(reserve_cadre=reserve_cadre).exists()
    ):
        raise ValidationError(MSG_ALREADY_ENROLLED % {"name": person.name})
    attendee.full_clean()
    attendee.save()
    _sync_participants(training_class, by=by)
    return attendee


@transaction.atomic
def attendee_withdraw(*, attendee: Attendee, by) -> None:
    check_write_scope(by, attendee)
    training_class = attendee.training_class
    attendee.delete()
    _sync_participants(training_class, by=by)


@dataclass(frozen=True)
class AttendanceLine:
    attendee: Attendee
    present: bool = True
    hours: Decimal | None = None  # None: the session's hours when present, 0 when absent


@transaction.atomic
def attendance_record(*, session: Session, lines: Iterable[AttendanceLine], by) -> int:
    """Record who was at ``session`` and the hours credited; replaces earlier records of it."""
    check_write_scope(by, session)
    lines = list(lines)
    seen: set[int] = set()
    rows = []
    for line in lines:
        name = line.attendee.person_name
        if line.attendee.training_class_id != session.training_class_id:
            raise ValidationError(MSG_ATTENDEE_OTHER_CLASS % {"name": name})
        if line.attendee.pk in seen:
            raise ValidationError(MSG_DUPLICATE_ATTENDEE % {"name": name})
        seen.add(line.attendee.pk)
        if not line.present:
            hours = Decimal("0")
        elif line.hours is None:
            hours = session.hours
        else:
            hours = Decimal(line.hours)
        if hours > session.hours:
            raise ValidationError(MSG_HOURS_TOO_MANY % {"name": name, "hours": session.hours})
        rows.append(
            SessionAttendance(
                session=session, attendee=line.attendee, present=line.present, hours=hours
            )
        )
    SessionAttendance.objects.filter(session=session).delete()
    for row in rows:
        row.full_clean()
        row.save()
    return len(rows)


@transaction.atomic
def attendance_save(*, record: SessionAttendance, by) -> SessionAttendance:
    """Save one attendance record (admin, import): hours within the session's, none if absent."""
    check_write_scope(by, record)
    session = record.session
    name = record.attendee.person_name
    if record.attendee.training_class_id != session.training_class_id:
        raise ValidationError(MSG_ATTENDEE_OTHER_CLASS % {"name": name})
    if not record.present and record.hours:
        raise ValidationError(MSG_HOURS_ABSENT % {"name": name})
    if record.hours > session.hours:
        raise ValidationError(MSG_HOURS_TOO_MANY % {"name": name, "hours": session.hours})
    record.full_clean()
    record.save()
    return record
