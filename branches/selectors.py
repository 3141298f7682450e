"""Reads of 组织建设 that span relations: the 三会一课 cadence matrix and the portal's lists.

``cadence_matrix`` answers "for a year and an organisation subtree, how many approved meetings of
each required kind did each organisation hold per period, against how many it had to" in three
queries whatever the number of organisations or meetings: the rules, the organisations, and one
aggregate of approved meetings grouped by organisation, kind and month (a fourth, the branches'
full members by month, when a rule is owed only by branches with a committee).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.functions import Coalesce, ExtractMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import (
    COMMITTEE_MIN_FORMAL_MEMBERS,
    EDITABLE_STATUSES,
    Attendance,
    CadenceCondition,
    CadenceRule,
    Meeting,
    MeetingKind,
    Member,
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
    NA: _("no meeting owed"),
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


def _rules_in_force(kinds: list[str] | None) -> list[CadenceRule]:
    """The active rules (of ``kinds``, if given) in the order of MeetingKind."""
    order = {value: i for i, value in enumerate(MeetingKind.values)}
    rules = sorted(
        CadenceRule.objects.filter(active=True), key=lambda r: order.get(r.meeting_kind, 99)
    )
    if kinds is not None:
        rules = [r for r in rules if r.meeting_kind in kinds]
    return rules


def _organisations_of_year(*, scope: str, org_kinds: set[str], year: int) -> list[Organization]:
    """The organisations of ``scope`` of ``org_kinds`` active at some time in ``year``."""
    year_start, year_end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return list(
        Organization.objects.within(scope)
        .filter(kind__in=org_kinds)
        .filter(Q(established_on__isnull=True) | Q(established_on__lte=year_end))
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=year_start))
        .order_by("path")
    )


def _approved_by_month(
    *, scope: str, rules: list[CadenceRule], year: int
) -> dict[tuple[int, str], list[int]]:
    """Approved meetings per (organisation, kind): a list indexed by month 1–12 (one query)."""
    rows = (
        Meeting.objects.within(scope)
        .filter(
            status=Status.APPROVED,
            held_on__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
            kind__in=[r.meeting_kind for r in rules],
        )
        .annotate(month=ExtractMonth("held_on"))
        .order_by()
        .values("organization_id", "kind", "month")
        .annotate(n=Count("pk"))
    )
    # Per (organisation, kind): the twelve months' counts in a list, summed by slices later
    # (5,000 organisations × 17 periods: one dict lookup per period, not one per month).
    monthly: dict[tuple[int, str], list[int]] = {}
    for row in rows:
        monthly.setdefault((row["organization_id"], row["kind"]), [0] * 13)[row["month"]] += row[
            "n"
        ]
    return monthly


def _committee_months(*, scope: str, year: int) -> dict[int, list[bool]]:
    """Per 党支部: whether it had a branch committee (7 or more full members) on the first day
    of each month 1–12 of ``year`` (one query: full members counted by the day they became
    full members, those from before the year in one bucket)."""
    from .models import COMMITTEE_MIN_FORMAL_MEMBERS, Member

    year_start, year_end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    since = Coalesce("confirmed_on", "joined_on")
    rows = (
        Member.objects.within(scope)
        .filter(category=Member.Category.FORMAL, joined_on__lte=year_end)
        .annotate(since=since)
        .filter(since__lte=year_end)
        .annotate(
            bucket=Case(When(since__lt=year_start, then=Value(0)), default=ExtractMonth("since"))
        )
        .annotate(first_day=Case(When(since__day=1, then=Value(1)), default=Value(0)))
        .order_by()
        .values("branch_id", "bucket", "first_day")
        .annotate(n=Count("pk"))
    )
    # counts[branch][m]: members who are full members on the 1st of month m (index 1–12).
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * 14)
    for row in rows:
        # Full from a day in month b: counted from the 1st of month b+1 (or of b, on the 1st).
        first = 1 if row["bucket"] == 0 else row["bucket"] + (0 if row["first_day"] else 1)
        counts[row["branch_id"]][first] += row["n"]
    out = {}
    for branch_id, adds in counts.items():
        running, months = 0, [False] * 13
        for m in range(1, 13):
            running += adds[m]
            months[m] = running >= COMMITTEE_MIN_FORMAL_MEMBERS
        out[branch_id] = months
    return out


def _owed_share(
    *, rule: CadenceRule, org: Organization, period: CadencePeriod, committees
) -> tuple[int, int]:
    """Of the rule's own periods inside ``period``, how many ``org`` owes under the rule's
    condition, and how many there are (a 支委会 is owed only in a month the branch has a
    committee: 7 or more full members on the month's first day)."""
    starts = range(period.start.month, period.end.month + 1, PERIOD_MONTHS[rule.period])
    if rule.condition != CadenceCondition.COMMITTEE or org.kind != Organization.Kind.BRANCH:
        return len(starts), len(starts)
    months = committees.get(org.pk)
    return (sum(1 for m in starts if months and months[m]), len(starts))


def _kind_table(*, rule, orgs, monthly, committees, year, periods, today) -> CadenceKindTable:
    """One meeting kind's rows: each organisation the rule names, each column's due vs done."""
    own = rule.period
    column_kind = own
    if periods is not None and PERIOD_MONTHS[periods] > PERIOD_MONTHS[own]:
        column_kind = periods
    factor = PERIOD_MONTHS[column_kind] // PERIOD_MONTHS[own]
    cols = periods_of(year, column_kind)
    table = CadenceKindTable(rule=rule, periods=cols)
    wanted = set(rule.org_kind_list)
    spans = [(period, period.start.month, period.end.month + 1) for period in cols]
    none = [0] * 13
    for org in orgs:
        if org.kind not in wanted:
            continue
        cells = []
        by_month = monthly.get((org.pk, rule.meeting_kind), none)
        for period, first, stop in spans:
            done = sum(by_month[first:stop])
            owed, of = _owed_share(rule=rule, org=org, period=period, committees=committees)
            required = _required_in(org, period, rule.min_count * factor) * owed // of
            cells.append(
                CadenceCell(
                    organization=org,
                    meeting_kind=rule.meeting_kind,
                    period=period,
                    done=done,
                    required=required,
                    state=_state(done=done, required=required, period=period, today=today),
                    future=period.start > today,
                )
            )
        table.rows.append(CadenceRow(organization=org, cells=cells))
    return table


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
    than its own period. Only APPROVED meetings count as done. A rule with a condition is owed
    only where it holds (``CadenceCondition.COMMITTEE``: 支委会 by a 党支部 with a committee).
    Three queries in all, four when a rule has the committee condition.
    """
    if today is None:
        today = timezone.localdate()
    if periods is not None and periods not in PERIOD_MONTHS:
        raise ValueError(f"unknown period granularity {periods!r}")
    rules = _rules_in_force(kinds)
    if not rules:
        return []
    orgs = _organisations_of_year(
        scope=scope, org_kinds={k for r in rules for k in r.org_kind_list}, year=year
    )
    monthly = _approved_by_month(scope=scope, rules=rules, year=year)
    committees = (
        _committee_months(scope=scope, year=year)
        if any(r.condition == CadenceCondition.COMMITTEE for r in rules)
        else {}
    )
    return [
        _kind_table(
            rule=rule,
            orgs=orgs,
            monthly=monthly,
            committees=committees,
            year=year,
            periods=periods,
            today=today,
        )
        for rule in rules
    ]


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


# --- committees, terms (届期), size and probation ---------------------------------------------


def committee_on(org: Organization, on: datetime.date):
    """The posts serving in ``org`` on ``on`` (书记 first), with their holders."""
    from .models import Post, SecretaryTerm

    order = {value: i for i, value in enumerate(Post.values)}
    terms = list(
        SecretaryTerm.objects.filter(organization=org).serving_on(on).select_related("member")
    )
    terms.sort(key=lambda t: (order.get(t.post, 99), t.member.name))
    return terms


def expected_attendees(meeting_kind: str, org: Organization, on: datetime.date, *, team=None):
    """应到: the members expected at a meeting of ``meeting_kind`` held by ``org`` on ``on``.

    - 民主生活会: the members of the leadership team (``team``) holding a post on the day;
    - 支部委员会: the committee serving that day (the posts recorded for the organisation);
    - any other kind: the organisation's members (a Party group's own members, or every member
      of the organisation's subtree) who had joined the Party by the day — full and probationary
      members alike, since probationary members attend organisational life.
    """
    from .models import Member, SecretaryTerm

    if meeting_kind == MeetingKind.DEMOCRATIC_LIFE:
        if team is None:
            return Member.objects.none()
        return team.members_on(on)
    if meeting_kind == MeetingKind.BRANCH_COMMITTEE:
        holders = SecretaryTerm.objects.filter(organization=org).serving_on(on).values("member_id")
        return Member.objects.filter(pk__in=holders).order_by("name", "pk")
    return Member.objects.of_organization(org).filter(joined_on__lte=on).order_by("name", "pk")


TERM_DUE_MONTHS = 6  # "due" = the term ends within this many months (settings.TERM_DUE_MONTHS)
TERM_OVERDUE = "overdue"
TERM_DUE = "due"
TERM_MISSING = "missing"
TERM_STATE_LABELS = {
    TERM_OVERDUE: _("re-election overdue"),
    TERM_DUE: _("re-election due"),
    TERM_MISSING: _("term not recorded"),
}


@dataclass
class TermDue:
    organization: Organization
    state: str

    @property
    def state_label(self) -> str:
        return str(TERM_STATE_LABELS[self.state])


@dataclass
class TermsDue:
    items: list[TermDue]
    total: int
    months: int

    @property
    def more(self) -> int:
        return max(self.total - len(self.items), 0)


def _months_later(date: datetime.date, months: int) -> datetime.date:
    month = date.month - 1 + months
    year, month = date.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(date.day, _month_end(year, month).day))


def terms_due(
    *, scope: str | None, today: datetime.date | None = None, months=None, limit: int = 20
) -> TermsDue:
    """Organisations of ``scope`` whose 换届 is overdue (the term has ended), due (it ends within
    ``months``, ``settings.TERM_DUE_MONTHS``, 6 by default) or whose term is not recorded:
    overdue first, then by the end of term. 党小组 are not elected. Two queries."""
    from django.conf import settings

    if today is None:
        today = timezone.localdate()
    if months is None:
        months = getattr(settings, "TERM_DUE_MONTHS", TERM_DUE_MONTHS)
    if scope is None:
        return TermsDue(items=[], total=0, months=months)
    horizon = _months_later(today, months)
    qs = (
        Organization.objects.within(scope)
        .filter(Q(established_on__isnull=True) | Q(established_on__lte=today))
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=today))
        .exclude(kind=Organization.Kind.GROUP)
        .filter(Q(term_ends_on__isnull=True) | Q(term_ends_on__lte=horizon))
    )
    total = qs.count()
    rows = qs.select_related("village").order_by(F("term_ends_on").asc(nulls_last=True), "path")[
        :limit
    ]
    items = []
    for org in rows:
        if org.term_ends_on is None:
            state = TERM_MISSING
        elif org.term_ends_on <= today:
            state = TERM_OVERDUE
        else:
            state = TERM_DUE
        items.append(TermDue(organization=org, state=state))
    return TermsDue(items=items, total=total, months=months)


# 《中国共产党支部工作条例（试行）》第六条、第九条 and 《中国共产党农村基层组织工作条例》第五条:
BRANCH_MIN_FORMAL = 3  # a 党支部 needs 3 full members (fewer: a joint branch with a neighbour)
BRANCH_MAX_MEMBERS = 50  # over 50 members: a 党总支 (branches under it) is the usual form
GENERAL_BRANCH_MIN_MEMBERS = 50  # a 党总支 for over 50 members, or fewer where work needs it
PARTY_COMMITTEE_MIN_MEMBERS = 100  # a 党委 (基层委员会) for 100 members or more, with approval

MSG_BRANCH_TOO_SMALL = _(
    "%(count)d full members: a Party branch needs at least 3 full members "
    "(with fewer, set up a joint branch with a neighbouring unit)."
)
MSG_BRANCH_TOO_LARGE = _(
    "%(count)d members: a branch of more than 50 members is usually a general Party branch "
    "with branches under it."
)
MSG_COMMITTEE_MISSING = _(
    "%(count)d full members: the branch should have a branch committee, and none is recorded."
)
MSG_COMMITTEE_TOO_SMALL = _(
    "%(count)d full members: a branch with fewer than 7 full members has no committee, "
    "but committee members are recorded."
)
MSG_GENERAL_BRANCH_SMALL = _(
    "%(count)d members: a general Party branch is for more than 50 members, or fewer where the "
    "work needs it and the county Party committee approved it."
)
MSG_PARTY_COMMITTEE_SMALL = _(
    "%(count)d members: a Party committee is set up for 100 members or more, "
    "with the approval of the county Party committee."
)


@dataclass
class SizeWarning:
    organization: Organization
    message: str


def _size_messages(kind: str, n: int, f: int, committee: bool) -> list:
    """The size rules one organisation breaks: (message, count) pairs, in the order shown.
    ``n`` members and ``f`` full members over its subtree; ``committee``: posts are serving."""
    from .models import COMMITTEE_MIN_FORMAL_MEMBERS

    Kind = Organization.Kind
    out = []
    if kind == Kind.BRANCH:
        if f < BRANCH_MIN_FORMAL:
            out.append((MSG_BRANCH_TOO_SMALL, f))
        if n > BRANCH_MAX_MEMBERS:
            out.append((MSG_BRANCH_TOO_LARGE, n))
        if f >= COMMITTEE_MIN_FORMAL_MEMBERS and not committee:
            out.append((MSG_COMMITTEE_MISSING, f))
        if f < COMMITTEE_MIN_FORMAL_MEMBERS and committee:
            out.append((MSG_COMMITTEE_TOO_SMALL, f))
    elif kind == Kind.GENERAL_BRANCH and n <= GENERAL_BRANCH_MIN_MEMBERS:
        out.append((MSG_GENERAL_BRANCH_SMALL, n))
    elif kind == Kind.PARTY_COMMITTEE and n < PARTY_COMMITTEE_MIN_MEMBERS:
        out.append((MSG_PARTY_COMMITTEE_SMALL, n))
    return out


def _checked_organisations(scope: str, on: datetime.date):
    """The organisations of ``scope`` the size rules apply to on ``on``, by path."""
    Kind = Organization.Kind
    return (
        Organization.objects.within(scope)
        .filter(Q(established_on__isnull=True) | Q(established_on__lte=on))
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on))
        .exclude(kind__in=(Kind.GROUP, Kind.WORKING_COMMITTEE))
        .order_by("path")
    )


def _size_counts(scope: str, on: datetime.date) -> tuple[dict, dict, set]:
    """Members and full members on ``on`` per organisation path (every ancestor of a branch
    credited), and the organisations with committee posts serving: two queries."""
    from .models import POSTS_WITHOUT_COMMITTEE, Member, SecretaryTerm

    formal = Q(category=Member.Category.FORMAL) & (
        Q(confirmed_on__isnull=True) | Q(confirmed_on__lte=on)
    )
    counts = (
        Member.objects.within(scope)
        .filter(joined_on__lte=on)
        .order_by()
        .values("branch__path")
        .annotate(all=Count("pk"), formal=Count("pk", filter=formal))
    )
    members: dict[str, int] = defaultdict(int)
    formal_members: dict[str, int] = defaultdict(int)
    for row in counts:
        path = row["branch__path"]
        # Credit every ancestor: "000001/000004/000009/" → each prefix ending at a "/".
        for i in range(len(path)):
            if path[i] == "/":
                members[path[: i + 1]] += row["all"]
                formal_members[path[: i + 1]] += row["formal"]
    with_committee = set(
        SecretaryTerm.objects.within(scope)
        .serving_on(on)
        .exclude(post__in=POSTS_WITHOUT_COMMITTEE)
        .values_list("organization_id", flat=True)
    )
    return members, formal_members, with_committee


def size_warnings(
    *, scope: str | None, on: datetime.date | None = None, orgs=None
) -> list[SizeWarning]:
    """Size rules the office should look at (warnings, never blocks: reality lags the rules).

    Members (全体党员, probationary included) and full members (正式党员) are counted per
    organisation over its subtree's branches, on ``on``. Three queries: the organisations, the
    members per branch, the serving committee posts.
    """
    if scope is None:
        return []
    if on is None:
        on = timezone.localdate()
    if orgs is None:
        orgs = list(_checked_organisations(scope, on))
    if not orgs:
        return []
    members, formal_members, with_committee = _size_counts(scope, on)
    out = []
    for org in orgs:
        n, f = members[org.path], formal_members[org.path]
        for message, count in _size_messages(org.kind, n, f, org.pk in with_committee):
            out.append(SizeWarning(organization=org, message=str(message % {"count": count})))
    return out


def size_warnings_first(
    *, scope: str | None, on: datetime.date | None = None, limit: int = 20
) -> tuple[list[SizeWarning], int]:
    """``size_warnings``' first ``limit`` warnings and how many there are in all, for the home:
    the rules are checked on (id, kind, path) tuples; only the organisations of the warnings
    shown are loaded and only their messages written (a city: 5,000 organisations, 3,000
    warnings). Four queries."""
    if scope is None:
        return [], 0
    if on is None:
        on = timezone.localdate()
    members, formal_members, with_committee = _size_counts(scope, on)
    total, shown = 0, []
    for pk, kind, path in _checked_organisations(scope, on).values_list("pk", "kind", "path"):
        found = _size_messages(kind, members[path], formal_members[path], pk in with_committee)
        for message, count in found:
            if len(shown) < limit:
                shown.append((pk, message, count))
        total += len(found)
    orgs = Organization.objects.in_bulk({pk for pk, _m, _c in shown}) if shown else {}
    items = [
        SizeWarning(organization=orgs[pk], message=str(message % {"count": count}))
        for pk, message, count in shown
    ]
    return items, total


def probation_overdue(*, scope: str | None, today: datetime.date | None = None, limit: int = 20):
    """预备党员 whose year of probation is over without 转正, longest overdue first:
    (rows, total), two queries."""
    from .models import Member

    if scope is None:
        return [], 0
    if today is None:
        today = timezone.localdate()
    qs = Member.objects.within(scope).probation_overdue(today)
    rows = list(qs.select_related("branch").order_by("joined_on", "pk")[:limit])
    return rows, qs.count()


def has_committee(org: Organization, on: datetime.date) -> bool:
    """Whether ``org`` has a committee on ``on``: a 党支部 with 7 or more full members, and every
    党总支, 党委 and the 党工委; never a 党小组 (it has a 组长)."""
    if org.kind == Organization.Kind.GROUP:
        return False
    if org.kind != Organization.Kind.BRANCH:
        return True
    return Member.objects.of_organization(org).formal_on(on).count() >= COMMITTEE_MIN_FORMAL_MEMBERS


# --- the home's cadence at a city's size: grouped counts in SQL ------------------------------

HOME_TREE_MAX = 300  # wider scopes: the home's cadence is counted in SQL, not cell by cell

_NA, _DONE, _OVERDUE, _DUE = 0, 1, 2, 3  # cell states in the SQL below
_STATE_OF_CODE = {_NA: NA, _DONE: DONE, _OVERDUE: OVERDUE, _DUE: DUE}


@dataclass
class QuarterFigure:
    """This quarter's due vs done of one meeting kind, counted in the database (a wide scope):
    the figures of ``QuarterSummary`` and the first ``OPEN_SHOWN`` open cells, not every cell."""

    table: CadenceKindTable  # the rule and its periods (no rows)
    done: int
    required: int
    open_count: int
    open_shown: list[CadenceCell]

    @property
    def label(self) -> str:
        return self.table.label

    @property
    def open_cells(self) -> list[CadenceCell]:
        return self.open_shown

    @property
    def open_more(self) -> int:
        return max(self.open_count - len(self.open_shown), 0)


@dataclass
class HomeCadenceFigures:
    quarter: list
    behind: list[VillageBehind]


def sql_of(qs) -> tuple[str, tuple]:
    """A queryset's SQL and parameters, to use as a subquery of hand-written SQL."""
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def cadence_sql_inputs(*, orgs, meetings, members, org_columns, year_start, year_end):
    """The three inputs of the cadence's SQL (``home_cadence_counts`` and the kept cells of
    ``branches.cadence``), as (sql, params) each: the organisations (``org_columns``), the
    approved meetings counted per organisation, kind and month, and the full members per branch
    by the month from whose first day they count (as ``_committee_months``)."""
    orgs_sql = sql_of(orgs.order_by().values_list(*org_columns))
    meetings_sql = sql_of(
        meetings.annotate(month=ExtractMonth("held_on"))
        .order_by()
        .values("organization_id", "kind", "month")
        .annotate(n=Count("pk"))
        .values_list("organization_id", "kind", "month", "n")
    )
    since = Coalesce("confirmed_on", "joined_on")
    members_sql = sql_of(
        members.annotate(since=since)
        .filter(since__lte=year_end)
        .annotate(
            first=Case(
                When(since__lt=year_start, then=Value(1)),
                When(since__day=1, then=ExtractMonth("since")),
                default=ExtractMonth("since") + 1,
            )
        )
        .order_by()
        .values("branch_id", "first")
        .annotate(n=Count("pk"))
        .values_list("branch_id", "first", "n")
    )
    return orgs_sql, meetings_sql, members_sql


def home_cadence_counts(*, scope: str, today: datetime.date | None = None) -> HomeCadenceFigures:
    """This quarter's cadence per meeting kind and the villages behind this year, as
    ``quarter_cadence`` and ``villages_behind`` give them, counted by the database in one query
    whatever the number of organisations (with the rules, the open cells' organisations and the
    villages: four queries in all).

    Each organisation × period of each rule in force, up to today, is one row of the query (the
    same rules as ``cadence_matrix`` with each rule's own periods: owed when the organisation
    was active all through the period, a yearly meeting by every organisation active at the
    year's end, a 支委会 only by a branch with 7 or more full members on the period's first day);
    only the sums and the first open cells per kind leave the database.
    """
    if today is None:
        today = timezone.localdate()
    rules = _rules_in_force(None)
    if not rules:
        return HomeCadenceFigures(quarter=[], behind=[])
    year = today.year
    year_start, year_end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    quarter = quarter_of(today)
    periods = {i: periods_of(year, rule.period) for i, rule in enumerate(rules)}
    p_rows = []
    for i, rule in enumerate(rules):
        for period in periods[i]:
            if period.start > today:
                continue  # a future period: nothing owed, nothing open
            in_quarter = period.end >= quarter.start and period.start <= quarter.end
            for org_kind in rule.org_kind_list:
                p_rows.append(
                    (
                        i,
                        org_kind,
                        rule.meeting_kind,
                        period.index,
                        period.start,
                        period.end,
                        period.start.month,
                        period.end.month,
                        rule.min_count,
                        int(rule.period == CadenceRule.Period.YEAR),
                        int(rule.condition == CadenceCondition.COMMITTEE),
                        int(in_quarter),
                        int(period.end < today),
                    )
                )
    org_kinds = sorted({k for r in rules for k in r.org_kind_list})
    (orgs_sql, orgs_params), (meetings_sql, meetings_params), (members_sql, members_params) = (
        cadence_sql_inputs(
            orgs=Organization.objects.within(scope)
            .filter(kind__in=org_kinds)
            .filter(Q(established_on__isnull=True) | Q(established_on__lte=year_end))
            .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=year_start)),
            meetings=Meeting.objects.within(scope).filter(
                status=Status.APPROVED,
                held_on__range=(year_start, year_end),
                kind__in=[r.meeting_kind for r in rules],
            ),
            members=Member.objects.within(scope).filter(
                category=Member.Category.FORMAL, joined_on__lte=year_end
            ),
            org_columns=("id", "kind", "village_id", "path", "established_on", "dissolved_on"),
            year_start=year_start,
            year_end=year_end,
        )
    )
    p_values = ", ".join(["(" + ", ".join(["%s"] * 13) + ")"] * len(p_rows))
    months = ", ".join(f"({m})" for m in range(1, 13))
    sql = f"""
        WITH p (r, okind, mkind, pidx, pstart, pend, mfirst, mlast, need, yearly, cond, inq,
                ended) AS (VALUES {p_values}),
        o (id, kind, village, path, est, dis) AS ({orgs_sql}),
        m (org, kind, month, n) AS ({meetings_sql}),
        cm (branch, first, n) AS ({members_sql}),
        mm (month) AS (VALUES {months}),
        cmon (branch, month, n) AS (
            SELECT cm.branch, mm.month, SUM(cm.n) FROM cm JOIN mm ON cm.first <= mm.month
            GROUP BY cm.branch, mm.month
        ),
        pp AS (SELECT DISTINCT r, mkind, pidx, mfirst, mlast FROM p),
        md (org, r, pidx, n) AS (
            SELECT m.org, pp.r, pp.pidx, SUM(m.n) FROM m
            JOIN pp ON m.kind = pp.mkind AND m.month >= pp.mfirst AND m.month <= pp.mlast
            GROUP BY m.org, pp.r, pp.pidx
        ),
        cells AS (
            SELECT o.id AS org, o.path AS path, o.village AS village, p.r AS r,
                   p.pidx AS pidx, p.inq AS inq, p.ended AS ended,
                   CASE WHEN o.est > p.pstart AND (p.yearly = 0 OR o.est > p.pend) THEN 0
                        WHEN o.dis <= p.pend THEN 0
                        WHEN p.cond = 1 AND o.kind = %s AND COALESCE(c.n, 0) < %s THEN 0
                        ELSE p.need END AS required,
                   COALESCE(md.n, 0) AS done
            FROM o JOIN p ON p.okind = o.kind
            LEFT JOIN cmon c ON p.cond = 1 AND c.branch = o.id AND c.month = p.mfirst
            LEFT JOIN md ON md.org = o.id AND md.r = p.r AND md.pidx = p.pidx
        ),
        s AS (
            SELECT org, path, village, r, pidx, inq, done, required,
                   CASE WHEN required = 0 THEN (CASE WHEN done > 0 THEN {_DONE} ELSE {_NA} END)
                        WHEN done >= required THEN {_DONE}
                        WHEN ended = 1 THEN {_OVERDUE}
                        ELSE {_DUE} END AS state
            FROM cells
        )
        SELECT 't', r, SUM(CASE WHEN required > 0 THEN 1 ELSE 0 END),
               SUM(CASE WHEN required > 0 AND state = {_DONE} THEN 1 ELSE 0 END),
               SUM(CASE WHEN state IN ({_OVERDUE}, {_DUE}) THEN 1 ELSE 0 END), 0, 0
        FROM s WHERE inq = 1 GROUP BY r
        UNION ALL
        SELECT 'o', r, org, pidx, done, required, state FROM (
            SELECT r, org, pidx, done, required, state, ROW_NUMBER() OVER (  -- overdue first
                PARTITION BY r ORDER BY state, path, pidx) AS rn
            FROM s WHERE inq = 1 AND state IN ({_OVERDUE}, {_DUE})
        ) AS open_cells WHERE rn <= %s
        UNION ALL
        SELECT 'v', r, village, COUNT(*), 0, 0, 0
        FROM s WHERE state = {_OVERDUE} AND village IS NOT NULL GROUP BY r, village
    """
    params = (
        *[v for row in p_rows for v in row],
        *orgs_params,
        *meetings_params,
        *members_params,
        Organization.Kind.BRANCH,
        COMMITTEE_MIN_FORMAL_MEMBERS,
        OPEN_SHOWN,
    )
    from django.db import connection

    totals: dict[int, tuple[int, int, int]] = {}
    open_rows: dict[int, list[tuple]] = defaultdict(list)
    late: dict[int, dict[int, int]] = defaultdict(dict)  # village -> rule -> overdue cells
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for tag, r, a, b, c, d, e in cursor.fetchall():
            if tag == "t":
                totals[r] = (int(a), int(b), int(c))
            elif tag == "o":
                open_rows[r].append((a, b, c, d, e))
            else:
                late[a][r] = int(b)
    org_ids = {row[0] for rows in open_rows.values() for row in rows}
    orgs = Organization.objects.in_bulk(list(org_ids)) if org_ids else {}
    quarter_out = []
    for i, rule in enumerate(rules):
        table = CadenceKindTable(rule=rule, periods=periods[i])
        required, done, open_count = totals.get(i, (0, 0, 0))
        rows = sorted(open_rows[i], key=lambda row: (row[4] != _OVERDUE, orgs[row[0]].path, row[1]))
        shown = [
            CadenceCell(
                organization=orgs[org],
                meeting_kind=rule.meeting_kind,
                period=periods[i][pidx - 1],
                done=int(n_done),
                required=int(n_required),
                state=_STATE_OF_CODE[state],
            )
            for org, pidx, n_done, n_required, state in rows
        ]
        quarter_out.append(
            QuarterFigure(
                table=table, done=done, required=required, open_count=open_count, open_shown=shown
            )
        )
    villages = Village.objects.in_bulk(list(late)) if late else {}
    labels = [str(rule.get_meeting_kind_display()) for rule in rules]  # once per kind
    behind = [
        VillageBehind(
            village=villages[v],
            overdue=sum(by_rule.values()),
            kinds=[labels[i] for i in sorted(by_rule)],
        )
        for v, by_rule in late.items()
        if v in villages
    ]
    behind.sort(key=lambda b: (-b.overdue, b.village.name))
    return HomeCadenceFigures(quarter=quarter_out, behind=behind)
