"""Reads of 阵地建设 that span relations, each a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone

from .models import (
    Attendee,
    ClassKind,
    Facility,
    Session,
    SessionAttendance,
    TrainingBase,
)


@dataclass
class PersonHours:
    kind: str  # "member" or "reserve_cadre"
    person_id: int
    name: str
    hours: Decimal
    sessions: int


def hours_by_person(*, year: int, scope: str) -> list[PersonHours]:
    """Each person's training hours credited in ``year`` (present at internal sessions)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    rows = (
        SessionAttendance.objects.within(scope)
        .present()
        .filter(
            session__training_class__kind=ClassKind.INTERNAL,
            session__starts_at__gte=start,
            session__starts_at__lt=end,
        )
        .order_by()
    )
    out: list[PersonHours] = []
    for kind, id_field, name_field in _person_routes():
        grouped = (
            rows.filter(**{f"{id_field}__isnull": False})
            .values(id_field, name_field)
            .annotate(total=Sum("hours"), n=Count("pk"))
        )
        out.extend(
            PersonHours(
                kind=kind,
                person_id=r[id_field],
                name=r[name_field],
                hours=r["total"] or Decimal("0"),
                sessions=r["n"],
            )
            for r in grouped
        )
    out.sort(key=lambda p: (p.name, p.kind, p.person_id))
    return out


def person_hours(*, year: int, scope: str, member=None, reserve_cadre=None) -> Decimal:
    kind = "member" if member is not None else "reserve_cadre"
    person = member if member is not None else reserve_cadre
    for row in hours_by_person(year=year, scope=scope):
        if row.kind == kind and row.person_id == person.pk:
            return row.hours
    return Decimal("0")


def _person_routes() -> list[tuple[str, str, str]]:
    return [
        ("member", "attendee__member", "attendee__member__name"),
        ("reserve_cadre", "attendee__reserve_cadre", "attendee__reserve_cadre__name"),
    ]


# --- the calendar -----------------------------------------------------------------------------


@dataclass
class Day:
    date: datetime.date
    in_month: bool
    sessions: list[Session] = field(default_factory=list)

    @property
    def is_today(self) -> bool:
        return self.date == timezone.localdate()


def calendar_days(*, user, first: datetime.date, last: datetime.date, base=None, facility=None):
    """Days from ``first`` to ``last`` with the visible sessions starting on each (one query)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    qs = (
        Session.objects.visible_to(user)
        .for_calendar()
        .filter(starts_at__gte=start, starts_at__lt=end)
    )
    if base is not None:
        qs = qs.filter(training_class__base=base)
    if facility is not None:
        qs = qs.filter(facility=facility)
    by_day: dict[datetime.date, list[Session]] = {}
    for s in qs:
        by_day.setdefault(timezone.localtime(s.starts_at).date(), []).append(s)
    days = []
    d = first
    while d <= last:
        days.append(Day(date=d, in_month=True, sessions=by_day.get(d, [])))
        d += datetime.timedelta(days=1)
    return days


def bases_with_facilities(*, user):
    """Visible bases, each with its facilities and the number of sessions booked (two queries)."""
    facilities = Facility.objects.annotate(booked=Count("sessions")).order_by("name")
    return (
        TrainingBase.objects.visible_to(user)
        .select_related("village")
        .prefetch_related(Prefetch("facilities", queryset=facilities))
    )


def class_for_detail(qs):
    """A class page: sessions with course and facility; attendees with their people."""
    attendees = Attendee.objects.select_related(*_attendee_related()).annotate(
        hours=Sum("attendance__hours", filter=Q(attendance__present=True)),
        present_count=Count("attendance", filter=Q(attendance__present=True)),
    )
    sessions = Session.objects.select_related("course", "facility").annotate(
        present_count=Count("attendance", filter=Q(attendance__present=True))
    )
    return qs.select_related("base", "base__village").prefetch_related(
        Prefetch("sessions", queryset=sessions),
        Prefetch("attendees", queryset=attendees),
    )


def _attendee_related() -> list[str]:
    return ["member", "member__branch", "reserve_cadre", "reserve_cadre__village"]
