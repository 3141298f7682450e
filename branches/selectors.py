"""Reads of 组织建设 that span relations: the 三会一课 cadence matrix and the portal's lists.

``cadence_matrix`` answers "for a year and an organisation subtree, how many approved meetings of
each required kind did each organisation hold per period, against how many it had to" in three
queries whatever the number of organisations or meetings: the rules, the organisations, and one
aggregate of approved meetings grouped by organisation, kind and month.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.db.models.functions import ExtractMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import (
    EDITABLE_STATUSES,
    Attendance,
    CadenceRule,
    Meeting,
    MeetingKind,
    Organization,
    Status,
    Talk,
    TalkParticipant,
    Village,
)

# Cell states (the contract in chengjiang/measures.py: "done", "overdue", "due", "na").
DONE = "done"
OVERDUE = "overdue"
DUE = "due"
NA = "na"

STATE_LABELS = {
    DONE: _("done"),
    OVERDUE: _("overdue"),
    DUE: _("due"),
    NA: _("not required"),
}
NOT_YET_DUE = _("not yet due")
TALK_LABEL = _("heart-to-heart talk")

# Granularity of the columns: months in one period.
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True)
class CadencePeriod:
    """One column: a month, a quarter or a year (dates inclusive)."""

    kind: str  # "month" | "quarter" | "year"
    year: int
    index: int  # month 1–12, quarter 1–4, or 1 for the year
    start: datetime.date
    end: datetime.date

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.index:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.index}"
        return str(self.year)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return str(_("month %(month)d") % {"month": self.index})
        if self.kind == "quarter":
            return str(_("Q%(quarter)d") % {"quarter": self.index})
        return str(_("year %(year)d") % {"year": self.year})

    @property
    def months(self) -> range:
        return range(self.start.month, self.end.month + 1)

    def contains(self, date: datetime.date) -> bool:
        return self.start <= date <= self.end


def _month_end(year: int, month: int) -> datetime.date:
    if month == 12:
        return datetime.date(year, 12, 31)
    return datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)


def periods_of(year: int, kind: str) -> list[CadencePeriod]:
    step = PERIOD_MONTHS[kind]
    out = []
    for i, first in enumerate(range(1, 13, step), start=1):
        last = first + step - 1
        out.append(
            CadencePeriod(
                kind=kind,
                year=year,
                index=i,
                start=datetime.date(year, first, 1),
                end=_month_end(year, last),
            )
        )
    return out


def quarter_of(date: datetime.date) -> CadencePeriod:
    return periods_of(date.year, "quarter")[(date.month - 1) // 3]


@dataclass
class CadenceCell:
    organization: Organization
    meeting_kind: str
    period: CadencePeriod
    done: int
    required: int  # 0: not required in this period (organisation not active all through it)
    state: str
    future: bool = False

    @property
    def state_label(self) -> str:
        if self.future and self.state == NA:
            return str(NOT_YET_DUE)
        return str(STATE_LABELS[self.state])

    @property
    def text(self) -> str:
        if self.required == 0 and self.done == 0:
            return f"— {self.state_label}"
        return f"{self.done}/{self.required} {self.state_label}"

    @property
    def url(self) -> str:
        """The portal's list of the approved meetings behind the cell."""
        query = {
            "organization": self.organization.pk,
            "kind": self.meeting_kind,
            "status": Status.APPROVED,
            "date_from": self.period.start.isoformat(),
            "date_to": self.period.end.isoformat(),
        }
        return f"{reverse('branches:meeting_list')}?{urlencode(query)}"


@dataclass
class CadenceRow:
    organization: Organization
    cells: list[CadenceCell]


@dataclass
class CadenceKindTable:
    """One meeting kind: rows are organisations, columns are periods."""

    rule: CadenceRule
    periods: list[CadencePeriod]
    rows: list[CadenceRow] = field(default_factory=list)

    @property
    def meeting_kind(self) -> str:
        return self.rule.meeting_kind

    @property
    def label(self) -> str:
        return str(self.rule.get_meeting_kind_display())

    def cells(self) -> list[CadenceCell]:
        return [c for row in self.rows for c in row.cells]

    def count(self, state: str) -> int:
        return sum(1 for c in self.cells() if c.state == state)


def _required_in(org: Organization, period: CadencePeriod, min_count: int) -> int:
    """An organisation owes the meeting in a period it was active all through; a yearly meeting
    (组织生活会) is owed by every organisation active at the year's end, so a branch established
    during the year still owes its year-end meeting."""
    late = org.established_on and org.established_on > period.start
    if late and (period.kind != "year" or org.established_on > period.end):
        return 0
    if org.dissolved_on and org.dissolved_on <= period.end:
        return 0
    return min_count


def _state(*, done: int, required: int, period: CadencePeriod, today: datetime.date) -> str:
    if required == 0:
        return DONE if done else NA
    if done >= required:
        return DONE
    if period.end < today:
        return OVERDUE
    if period.start <= today:
        return DUE
    return NA  # a future period: nothing is owed yet


def cadence_matrix(
    *,
    year: int,
    scope: str,
    today: datetime.date | None = None,
    periods: str | None = None,
    kinds: list[str] | None = None,
) -> list[CadenceKindTable]:
    """Due vs done of the cadence rules in force, per organisation of ``scope`` and period.

    ``periods`` sets the columns: None keeps each rule's own period (monthly rules get twelve
    months, quarterly four quarters, yearly one year); "quarter" or "year" groups finer rules
    into coarser columns (a monthly rule needs three per quarter). A rule is never split finer
    than its own period. Only APPROVED meetings count as done. Three queries in all.
    """
    if today is None:
        today = timezone.localdate()
    if periods is not None and periods not in PERIOD_MONTHS:
        raise ValueError(f"unknown period granularity {periods!r}")

    order = {value: i for i, value in enumerate(MeetingKind.values)}
    rules = sorted(
        CadenceRule.objects.filter(active=True), key=lambda r: order.get(r.meeting_kind, 99)
    )
    if kinds is not None:
        rules = [r for r in rules if r.meeting_kind in kinds]
    if not rules:
        return []
    org_kinds = {k for r in rules for k in r.org_kind_list}
    year_start, year_end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    orgs = list(
        Organization.objects.within(scope)
        .filter(kind__in=org_kinds)
        .filter(Q(established_on__isnull=True) | Q(established_on__lte=year_end))
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=year_start))
        .order_by("path")
    )
    counts: dict[tuple[int, str, int], int] = defaultdict(int)
    rows = (
        Meeting.objects.within(scope)
        .filter(
            status=Status.APPROVED,
            held_on__range=(year_start, year_end),
            kind__in=[r.meeting_kind for r in rules],
        )
        .annotate(month=ExtractMonth("held_on"))
        .order_by()
        .values("organization_id", "kind", "month")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[(row["organization_id"], row["kind"], row["month"])] += row["n"]
    # Per (organisation, kind): the twelve months' counts in a list, summed by slices below
    # (5,000 organisations × 17 periods: one dict lookup per period, not one per month).
    monthly: dict[tuple[int, str], list[int]] = {}
    for (org_id, kind, month), n in counts.items():
        monthly.setdefault((org_id, kind), [0] * 13)[month] = n
    none = [0] * 13

    tables = []
    for rule in rules:
        own = rule.period
        column_kind = own
        if periods is not None and PERIOD_MONTHS[periods] > PERIOD_MONTHS[own]:
            column_kind = periods
        factor = PERIOD_MONTHS[column_kind] // PERIOD_MONTHS[own]
        cols = periods_of(year, column_kind)
        table = CadenceKindTable(rule=rule, periods=cols)
        wanted = set(rule.org_kind_list)
        spans = [(period, period.start.month, period.end.month + 1) for period in cols]
        for org in orgs:
            if org.kind not in wanted:
                continue
            cells = []
            by_month = monthly.get((org.pk, rule.meeting_kind), none)
            for period, first, stop in spans:
                done = sum(by_month[first:stop])
                required = _required_in(org, period, rule.min_count * factor)
                state = _state(done=done, required=required, period=period, today=today)
                cells.append(
                    CadenceCell(
                        organization=org,
                        meeting_kind=rule.meeting_kind,
                        period=period,
                        done=done,
                        required=required,
                        state=state,
                        future=period.start > today,
                    )
                )
            table.rows.append(CadenceRow(organization=org, cells=cells))
        tables.append(table)
    return tables


OPEN_SHOWN = 6  # open cells listed per kind on the home page


@dataclass
class QuarterSummary:
    """This quarter's due vs done of one meeting kind, for the home page."""

    table: CadenceKindTable
    cells: list[CadenceCell]

    @property
    def label(self) -> str:
        return self.table.label

    @property
    def done(self) -> int:
        return sum(1 for c in self.cells if c.state == DONE and c.required)

    @property
    def required(self) -> int:
        return sum(1 for c in self.cells if c.required)

    @property
    def open_cells(self) -> list[CadenceCell]:
        """What still needs doing or is late: overdue first."""
        late = [c for c in self.cells if c.state == OVERDUE]
        return late + [c for c in self.cells if c.state == DUE]

    @property
    def open_shown(self) -> list[CadenceCell]:
        return self.open_cells[:OPEN_SHOWN]

    @property
    def open_more(self) -> int:
        return max(len(self.open_cells) - OPEN_SHOWN, 0)


def quarter_cadence(
    *, scope: str, today: datetime.date | None = None, tables: list | None = None
) -> list[QuarterSummary]:
    """This quarter's cells per meeting kind: the quarter's months so far, the quarter, or the
    year for yearly rules (three queries; none when ``tables``, this year's cadence_matrix of
    ``scope``, is given)."""
    if today is None:
        today = timezone.localdate()
    quarter = quarter_of(today)
    out = []
    if tables is None:
        tables = cadence_matrix(year=today.year, scope=scope, today=today)
    for table in tables:
        cols = [
            i
            for i, p in enumerate(table.periods)
            if p.start <= today and p.end >= quarter.start and p.start <= quarter.end
        ]
        cells = [row.cells[i] for row in table.rows for i in cols]
        out.append(QuarterSummary(table=table, cells=cells))
    return out


# --- portal lists ---------------------------------------------------------------------------


def meetings_for(user):
    """The meetings the user may see, for a keyset page (no aggregate over the whole list)."""
    return Meeting.objects.visible_to(user).select_related("organization", "host")


def talks_for(user):
    return Talk.objects.visible_to(user).select_related("organization", "talker")


def add_attendee_counts(meetings: list[Meeting]) -> list[Meeting]:
    """``attendee_count`` (present) on each meeting of a page: one query for the page's rows."""
    counts = dict(
        Attendance.objects.filter(meeting__in=[m.pk for m in meetings], present=True)
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values_list("meeting", "n")
    )
    for meeting in meetings:
        meeting.attendee_count = counts.get(meeting.pk, 0)
    return meetings


def add_person_times(talks: list[Talk]) -> list[Talk]:
    """``person_times`` (participants) on each talk of a page: one query for the page's rows."""
    counts = dict(
        TalkParticipant.objects.filter(talk__in=[t.pk for t in talks])
        .order_by()
        .values("talk")
        .annotate(n=Count("pk"))
        .values_list("talk", "n")
    )
    for talk in talks:
        talk.person_times = counts.get(talk.pk, 0)
    return talks


def editable_records(user, *, limit: int = 20) -> tuple[list[Meeting], list[Talk]]:
    """The user's own drafts and returned records (returned first), two queries.

    Own: the records this user created, not every draft in their scope (issue 10 §3).
    """
    order = ["-status", "-updated_at"]  # "returned" sorts after "draft": returned first
    if not getattr(user, "pk", None):
        return [], []
    meetings = list(
        Meeting.objects.visible_to(user)
        .filter(status__in=EDITABLE_STATUSES, recorded_by=user)
        .select_related("organization")
        .order_by(*order)[:limit]
    )
    talks = list(
        Talk.objects.visible_to(user)
        .filter(status__in=EDITABLE_STATUSES, recorded_by=user)
        .select_related("organization")
        .order_by(*order)[:limit]
    )
    return meetings, talks


# --- the office's home ----------------------------------------------------------------------


@dataclass
class ReviewQueue:
    """Submitted meetings and talks waiting for review, oldest first."""

    items: list  # Meeting and Talk rows, each with .organization.village loaded
    meeting_count: int
    talk_count: int

    @property
    def total(self) -> int:
        return self.meeting_count + self.talk_count

    @property
    def more(self) -> int:
        return max(self.total - len(self.items), 0)


def review_queue(user, *, limit: int = 30) -> ReviewQueue:
    """待审核: the submitted records the user may see, oldest submission first (four queries)."""

    def submitted(model):
        return model.objects.visible_to(user).filter(status=Status.SUBMITTED)

    rows = []
    for model in (Meeting, Talk):
        rows += list(
            submitted(model)
            .select_related("organization__village")
            .order_by(F("submitted_at").asc(nulls_first=True), "pk")[:limit]
        )
    for row in rows:
        row.kind_label = row.get_kind_display() if isinstance(row, Meeting) else str(TALK_LABEL)
    epoch = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    rows.sort(key=lambda r: (r.submitted_at or epoch, r.held_on))
    return ReviewQueue(
        items=rows[:limit],
        meeting_count=submitted(Meeting).count(),
        talk_count=submitted(Talk).count(),
    )


@dataclass
class VillageBehind:
    village: object
    overdue: int
    kinds: list[str]


def villages_behind(
    *, scope: str, today: datetime.date | None = None, tables: list | None = None
) -> list[VillageBehind]:
    """Villages with 三会一课 overdue so far this year (the cadence matrix, one more query;
    ``tables``: this year's cadence_matrix of ``scope`` if the caller already has it)."""
    if today is None:
        today = timezone.localdate()
    overdue: dict[int, int] = defaultdict(int)
    kinds: dict[int, list[str]] = defaultdict(list)
    if tables is None:
        tables = cadence_matrix(year=today.year, scope=scope, today=today)
    for table in tables:
        label = table.label  # translated once per kind, not once per row
        for row in table.rows:
            village_id = row.organization.village_id
            if village_id is None:
                continue
            late = sum(1 for c in row.cells if c.state == OVERDUE)
            if late:
                overdue[village_id] += late
                if label not in kinds[village_id]:
                    kinds[village_id].append(label)
    villages = Village.objects.in_bulk(list(overdue))
    out = [
        VillageBehind(village=villages[v], overdue=n, kinds=kinds[v])
        for v, n in overdue.items()
        if v in villages
    ]
    out.sort(key=lambda b: (-b.overdue, b.village.name))
    return out
