"""Measures of 阵地建设, for the checklist (see chengjiang/measures.py)."""

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from chengjiang.measures import Period, measure

from .models import Course, Level, SessionAttendance, TrainingBase, TrainingClass


@measure(
    "training.bases",
    label=_("training bases"),
    unit=_("items"),
    params={"level": Level},
    village_field="village",
    date_field="rated_on",
)
def bases(*, period: Period, scope: str, level: str | None = None) -> QuerySet:
    """Bases holding their rating by the end of the period (at one level, if given)."""
    qs = TrainingBase.objects.within(scope).filter(rated_on__lte=period.end)
    if level:
        qs = qs.filter(level=level)
    return qs.select_related("village")


@measure(
    "training.bases_rated",
    label=_("training bases rated in the period"),
    unit=_("items"),
    params={"level": Level},
    village_field="village",
    date_field="rated_on",
)
def bases_rated(*, period: Period, scope: str, level: str | None = None) -> QuerySet:
    """Bases rated in the period (at one level, if given): what the summary says was built
    ("成功打造") that year; ``training.bases`` is all that stand by the period's end."""
    qs = TrainingBase.objects.within(scope).filter(rated_on__range=(period.start, period.end))
    if level:
        qs = qs.filter(level=level)
    return qs.select_related("village")


@measure(
    "training.courses_offered",
    label=_("on-site courses offered"),
    unit=_("courses"),
    village_field="base__village",
    date_field="offered_from",
)
def courses_offered(*, period: Period, scope: str) -> QuerySet:
    """Courses whose offered period meets the period."""
    return (
        Course.objects.within(scope)
        .offered_between(period.start, period.end)
        .select_related("base", "facility")
    )


@measure(
    "training.courses_opened",
    label=_("on-site courses opened in the period"),
    unit=_("courses"),
    village_field="base__village",
    date_field="offered_from",
)
def courses_opened(*, period: Period, scope: str) -> QuerySet:
    """Courses first offered in the period: what the summary says was opened ("开设了") that
    year; ``training.courses_offered`` is every course on offer during it."""
    return (
        Course.objects.within(scope)
        .filter(offered_from__range=(period.start, period.end))
        .select_related("base", "facility")
    )


def _classes_received(period: Period, scope: str) -> QuerySet:
    return (
        TrainingClass.objects.within(scope)
        .received()
        .between(period.start, period.end)
        .select_related("base")
    )


@measure(
    "training.classes_received",
    label=_("training classes received"),
    unit=_("classes"),
    village_field="base__village",
    date_field="starts_on",
)
def classes_received(*, period: Period, scope: str) -> QuerySet:
    """Classes from outside that began in the period."""
    return _classes_received(period, scope)


@measure(
    "training.class_participants",
    label=_("participants of classes received"),
    unit=_("person-times"),
    aggregate=Sum("participants"),
    village_field="base__village",
    date_field="starts_on",
)
def class_participants(*, period: Period, scope: str) -> QuerySet:
    """The same classes; the figure is the sum of their participants."""
    return _classes_received(period, scope)


@measure(
    "training.internal_hours",
    label=_("internal training hours"),
    unit=_("hours"),
    aggregate=Sum("hours"),
    village_field="session__training_class__base__village",
    date_field="session__starts_at",
)
def internal_hours(*, period: Period, scope: str) -> QuerySet:
    """Hours credited to attendees present at internal-training sessions in the period."""
    return (
        SessionAttendance.objects.within(scope)
        .present()
        .filter(
            session__training_class__kind="internal",
            session__starts_at__date__range=(period.start, period.end),
        )
        .select_related("session", "attendee")
    )
