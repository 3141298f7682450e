"""Portal pages of 阵地建设: the training calendar, a class's page, booking and attendance."""

from __future__ import annotations

import calendar as pycalendar
import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from chengjiang.access import get_visible_or_404
from chengjiang.params import id_or_404, parse_date

from . import selectors, services
from .forms import AttendanceForm, SessionForm
from .models import Facility, Session, TrainingBase, TrainingClass

MONTH, WEEK = "month", "week"


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied


def _parse_date(value: str | None) -> datetime.date:
    """The calendar's day; an unreadable or out-of-range date shows today."""
    return parse_date(value) or timezone.localdate()


def _shift_month(d: datetime.date, months: int) -> datetime.date:
    month0 = d.month - 1 + months
    return datetime.date(d.year + month0 // 12, month0 % 12 + 1, 1)


def calendar(request):
    """Month or week view of sessions, with the bases and facilities they book."""
    user = request.user
    _require(user, "training.view_session")
    view = request.GET.get("view") if request.GET.get("view") in (MONTH, WEEK) else MONTH
    day = _parse_date(request.GET.get("date"))
    base = facility = None
    if request.GET.get("base"):
        base = get_visible_or_404(TrainingBase.objects, user, pk=id_or_404(request.GET["base"]))
    if request.GET.get("facility"):
        facility = get_visible_or_404(Facility.objects, user, pk=id_or_404(request.GET["facility"]))
    if view == MONTH:
        first_of_month = day.replace(day=1)
        last_of_month = first_of_month.replace(day=pycalendar.monthrange(day.year, day.month)[1])
        first = first_of_month - datetime.timedelta(days=first_of_month.weekday())
        last = last_of_month + datetime.timedelta(days=6 - last_of_month.weekday())
        prev_date, next_date = _shift_month(day, -1), _shift_month(day, 1)
        title = _("%(year)d-%(month)02d") % {"year": day.year, "month": day.month}
    else:
        first = day - datetime.timedelta(days=day.weekday())
        last = first + datetime.timedelta(days=6)
        first_of_month = last_of_month = None
        prev_date, next_date = first - datetime.timedelta(days=7), first + datetime.timedelta(7)
        title = _("%(start)s to %(end)s") % {"start": first, "end": last}
    days = selectors.calendar_days(user=user, first=first, last=last, base=base, facility=facility)
    if first_of_month is not None:
        for d in days:
            d.in_month = first_of_month <= d.date <= last_of_month
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    bases = list(selectors.bases_with_facilities(user=user))
    return render(
        request,
        "training/calendar.html",
        {
            "view": view,
            "day": day,
            "title": title,
            "weeks": weeks,
            "days": days,
            "session_count": sum(len(d.sessions) for d in days),
            "bases": bases,
            "base": base,
            "facility": facility,
            "prev_date": prev_date,
            "next_date": next_date,
            "today": timezone.localdate(),
            "weekday_names": [
                _("Mon"),
                _("Tue"),
                _("Wed"),
                _("Thu"),
                _("Fri"),
                _("Sat"),
                _("Sun"),
            ],
        },
    )


def class_detail(request, pk: int):
    user = request.user
    _require(user, "training.view_trainingclass")
    klass = get_visible_or_404(selectors.class_for_detail(TrainingClass.objects), user, pk=pk)
    return render(
        request,
        "training/class_detail.html",
        {
            "klass": klass,
            "sessions": list(klass.sessions.all()),
            "attendees": list(klass.attendees.all()),
            "can_book": user.has_perm("training.add_session"),
            "can_record": user.has_perm("training.change_sessionattendance")
            and user.has_perm("training.add_sessionattendance"),
        },
    )


def session_book(request, pk: int):
    """Book a session of a class; a clash or an oversized class comes back as a form error."""
    user = request.user
    _require(user, "training.add_session")
    klass = get_visible_or_404(TrainingClass.objects.select_related("base"), user, pk=pk)
    form = SessionForm(request.POST or None, training_class=klass, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_save(session=form.instance)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The session is booked."))
            return redirect(klass)
    return render(request, "training/session_form.html", {"klass": klass, "form": form})


def session_attendance(request, pk: int):
    """Record who was present at a session of an internal class, and the hours credited."""
    user = request.user
    _require(user, "training.change_sessionattendance")
    _require(user, "training.add_sessionattendance")
    session = get_visible_or_404(
        Session.objects.select_related("training_class", "course", "facility"), user, pk=pk
    )
    attendees = session.training_class.attendees.select_related(*selectors._attendee_related())
    existing = {r.attendee_id: r for r in session.attendance.all()}
    form = AttendanceForm(
        request.POST or None, session=session, attendees=attendees, existing=existing
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_record(session=session, lines=form.lines())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Attendance is recorded."))
            return redirect(session.training_class)
    return render(request, "training/session_attendance.html", {"session": session, "form": form})
