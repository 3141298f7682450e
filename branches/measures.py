"""Measures of 组织建设, for the checklist (see chengjiang/measures.py)."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from chengjiang.measures import Cell, Period, Table, TableRow, measure, table

from .models import (
    CadenceCondition,
    CadenceRule,
    Meeting,
    MeetingKind,
    Organization,
    OrgChange,
    Status,
    TalkParticipant,
)


@measure(
    "branches.meetings",
    label=_("meetings held"),
    unit=_("times"),
    params={"kind": MeetingKind},
    village_field="organization__village",
    date_field="held_on",
    org_field="organization",
)
def meetings(*, period: Period, scope: str, kind: str | None = None) -> QuerySet:
    """Approved meetings held in the period (of one kind, if given)."""
    qs = Meeting.objects.within(scope).filter(
        status=Status.APPROVED, held_on__range=(period.start, period.end)
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("organization")


@measure(
    "branches.org_life_rounds",
    label=_("rounds of organisational-life meetings"),
    unit=_("rounds"),
    aggregate=Count(TruncMonth("held_on"), distinct=True),
    village_field="organization__village",
    date_field="held_on",
    org_field="organization",
    monthly="months",
)
def org_life_rounds(*, period: Period, scope: str) -> QuerySet:
    """组织生活会 as the summary counts it: rounds, not meetings.

    Every 党支部 holds one a year, in a round the 党工委 organises; a round is the calendar month
    in which it was held, so the seven branches meeting in one December are one round. The
    records are the approved meetings; the figure is the number of distinct months among them.
    Whether each branch held it is ``branches.meeting_coverage`` with ``kind=org_life``.
    """
    return (
        Meeting.objects.within(scope)
        .filter(
            status=Status.APPROVED,
            kind=MeetingKind.ORG_LIFE,
            held_on__range=(period.start, period.end),
        )
        .select_related("organization")
    )


def _common_subtree(paths) -> str:
    """The deepest materialised path that every path lies under ("" for the whole tree)."""
    parts = [p.split("/")[:-1] for p in paths]
    common: list[str] = []
    for steps in zip(*parts, strict=False):
        if len(set(steps)) > 1:
            break
        common.append(steps[0])
    return "".join(f"{step}/" for step in common)


def _coverage(records: QuerySet, *, period: Period, kind: str | None = None) -> Decimal:
    """Periods held ÷ periods owed over the organisations in ``records``, in per cent."""
    from .selectors import cadence_matrix

    if not kind:
        return Decimal(0)
    rows = dict(records.order_by().values_list("pk", "path"))
    if not rows:
        return Decimal(0)
    wanted = set(rows)
    scope = _common_subtree(rows.values())
    owed = held = 0
    for kind_table in cadence_matrix(
        year=period.start.year, scope=scope, kinds=[kind], today=datetime.date.max
    ):
        for row in kind_table.rows:
            if row.organization.pk not in wanted:
                continue
            for cell in row.cells:
                if cell.required:
                    owed += 1
                    held += cell.done >= cell.required
    if not owed:
        return Decimal(0)
    share = Decimal(held * 100) / Decimal(owed)
    return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP).normalize()


@measure(
    "branches.meeting_coverage",
    label=_("meetings held on cadence (coverage)"),
    unit="%",
    params={"kind": MeetingKind},
    village_field="village",
    compute=_coverage,
)
def meeting_coverage(*, period: Period, scope: str, kind: str | None = None) -> QuerySet:
    """Coverage of a cadence rule: each organisation's each period (month, quarter or year)
    that had the required approved meetings, ÷ the periods it owed, in per cent — so two
    meetings in one month cannot hide a missed month. The records are the organisations that
    owed the meeting in the period's year (see ``CadenceRule`` and ``cadence_matrix``).
    """
    rule = CadenceRule.objects.filter(meeting_kind=kind, active=True).first() if kind else None
    if rule is None:
        return Organization.objects.none()
    qs = (
        Organization.objects.within(scope)
        .filter(kind__in=rule.org_kind_list)
        .filter(Q(established_on__isnull=True) | Q(established_on__lte=period.end))
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=period.start))
        .select_related("village")
        .order_by("path")
    )
    if rule.condition == CadenceCondition.COMMITTEE:
        # 支委会: only the branches that had a committee in some month of the year owed it
        from .selectors import _committee_months

        months = _committee_months(scope=scope, year=period.start.year)
        owing = [pk for pk, flags in months.items() if any(flags)]
        qs = qs.filter(~Q(kind=Organization.Kind.BRANCH) | Q(pk__in=owing))
    return qs


@measure(
    "branches.talk_person_times",
    label=_("heart-to-heart talks"),
    unit=_("person-times"),
    village_field="talk__organization__village",
    date_field="talk__held_on",
    org_field="talk__organization",
)
def talk_person_times(*, period: Period, scope: str) -> QuerySet:
    """People talked with in approved talks: one person in one talk is one person-time."""
    return (
        TalkParticipant.objects.within(scope)
        .filter(talk__status=Status.APPROVED, talk__held_on__range=(period.start, period.end))
        .select_related("talk", "member")
    )


@measure(
    "branches.org_changes",
    label=_("organisation changes"),
    unit=_("items"),
    params={
        "kind": OrgChange.Kind,
        "org_kind": Organization.Kind,
    },
    village_field="organization__village",
    date_field="date",
    org_field="organization",
)
def org_changes(
    *, period: Period, scope: str, kind: str | None = None, org_kind: str | None = None
) -> QuerySet:
    """Changes to the tree in the period: e.g. branches established, groups set up.

    调整书记 (``secretary_changed``) is a serving secretary replaced (a first appointment records
    no change) of a Party organisation that has a 书记: a 党小组 has a 组长, so replacing one is
    not counted.
    """
    qs = OrgChange.objects.within(scope).filter(date__range=(period.start, period.end))
    if kind:
        qs = qs.filter(kind=kind)
    if kind == OrgChange.Kind.SECRETARY_CHANGED:
        qs = qs.exclude(organization__kind=Organization.Kind.GROUP)
    if org_kind:
        qs = qs.filter(organization__kind=org_kind)
    return qs.select_related("organization")


def _year_meetings_url(org: Organization, kind: str, period: Period) -> str:
    """The portal's list of an organisation's approved meetings of a kind in the period."""
    from django.urls import reverse
    from django.utils.http import urlencode

    query = {
        "organization": org.pk,
        "kind": kind,
        "status": Status.APPROVED,
        "date_from": period.start.isoformat(),
        "date_to": period.end.isoformat(),
    }
    return f"{reverse('branches:meeting_list')}?{urlencode(query)}"


@table("branches.cadence", label=_("Three meetings and one lesson: due vs done"))
def cadence(*, period: Period, scope: str, today=None, periods: str | None = None) -> list[Table]:
    """One table per required meeting kind: organisations × periods of the period's year."""
    from .selectors import cadence_matrix

    tables = []
    for kind_table in cadence_matrix(
        year=period.start.year, scope=scope, today=today, periods=periods
    ):
        rule = kind_table.rule
        tables.append(
            Table(
                key=f"branches.cadence.{rule.meeting_kind}",
                title=rule.get_meeting_kind_display(),
                columns=[p.label for p in kind_table.periods],
                rows=[
                    TableRow(
                        label=row.organization.name,
                        url=_year_meetings_url(row.organization, rule.meeting_kind, period),
                        cells=[
                            Cell(
                                text=c.text,
                                state=c.state,
                                url=c.url,
                                value={"done": c.done, "required": c.required},
                            )
                            for c in row.cells
                        ],
                    )
                    for row in kind_table.rows
                ],
                note=_("Required: at least %(count)d, %(period)s; only approved meetings count.")
                % {"count": rule.min_count, "period": rule.get_period_display()},
            )
        )
    return tables


def _attendance_rate(records: QuerySet, *, period: Period, kind: str | None = None) -> Decimal:
    """实到 ÷ 应到 over the records, in per cent (one decimal); 0 without anyone expected."""
    from django.db.models import Sum

    from .models import Attendance

    expected = records.order_by().aggregate(n=Sum("expected_count"))["n"] or 0
    if not expected:
        return Decimal(0)
    present = Attendance.objects.filter(
        meeting__in=records.order_by().values("pk"), status=Attendance.Status.PRESENT
    ).count()
    share = Decimal(present * 100) / Decimal(expected)
    return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP).normalize()


@measure(
    "branches.attendance_rate",
    label=_("attendance rate (present ÷ expected)"),
    unit="%",
    params={"kind": MeetingKind},
    village_field="organization__village",
    date_field="held_on",
    compute=_attendance_rate,
)
def attendance_rate(*, period: Period, scope: str, kind: str | None = None) -> QuerySet:
    """出席率: members present (实到) ÷ members expected (应到) at the approved meetings held in
    the period (of one kind, if given), in per cent. 应到 is counted when a meeting is saved
    (``Meeting.expected_count``); meetings stored without it are left out. The records are the
    meetings.
    """
    qs = Meeting.objects.within(scope).filter(
        status=Status.APPROVED,
        held_on__range=(period.start, period.end),
        expected_count__isnull=False,
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("organization")
