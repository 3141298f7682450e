"""Reads of 队伍建设 that span relations: rankings, the allowance sheet, page querysets.

Each page runs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from chengjiang.params import year_ok

from .models import (
    Applicant,
    GroupLeader,
    Pairing,
    ReserveCadre,
    VillageGroup,
)

# The stated tie-break rule of the recruitment ranking (shown on the pages that rank).
TIE_BREAK_RULE = _(
    "Ranked by combined score; equal combined scores are ordered by the higher written score, "
    "then the higher interview score; applicants equal on all three share a rank. For the "
    "interview, applicants are ranked by written score, and everyone tied at the last place "
    "within the ratio is interviewed."
)

CENT = Decimal("0.01")


def _competition_ranks(items, key):
    """Standard competition ranking (1, 2, 2, 4) of ``items`` sorted by ``key`` descending."""
    ordered = sorted(items, key=lambda i: (key(i), -i.pk), reverse=True)
    out, prev, rank = [], object(), 0
    for index, item in enumerate(ordered, start=1):
        k = key(item)
        if k != prev:
            rank, prev = index, k
        out.append((item, rank))
    return out


def rank_by_written(applicants) -> list[tuple[Applicant, int]]:
    return _competition_ranks(applicants, key=lambda a: (a.written_score,))


def rank_by_combined(applicants) -> list[tuple[Applicant, int]]:
    """Combined score, then written score, then interview score; equal on all: same rank."""
    return _competition_ranks(
        [a for a in applicants if a.combined_score is not None],
        key=lambda a: (a.combined_score, a.written_score, a.interview_score),
    )


def applicants_for_office(recruitment) -> list[dict]:
    """Every applicant of a recruitment with combined score, rank and why they stopped."""
    applicants = list(recruitment.applicants.all())
    for a in applicants:
        a.recruitment = recruitment
    ranks = {a.pk: r for a, r in rank_by_combined(applicants)}
    written = {a.pk: r for a, r in rank_by_written([a for a in applicants if a.written_score])}
    rows = [
        {
            "applicant": a,
            "combined": a.combined_score,
            "rank": ranks.get(a.pk),
            "written_rank": written.get(a.pk),
        }
        for a in applicants
    ]
    rows.sort(key=lambda r: (r["rank"] or 10**6, r["written_rank"] or 10**6, r["applicant"].pk))
    return rows


# --- the allowance sheet ------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetPeriod:
    """A month ("2024-10") or a quarter ("2024-Q4") of the allowance sheet."""

    start: datetime.date
    end: datetime.date
    code: str

    @classmethod
    def parse(cls, code: str) -> SheetPeriod:
        """Parse a month or a quarter within the portal's years; ValueError otherwise."""
        code = (code or "").strip().upper()
        if not code.isascii():
            raise ValueError(code)
        year = re.match(r"\d{4}", code)
        if year is None or not year_ok(int(year[0])):
            raise ValueError(code)
        m = re.fullmatch(r"(\d{4})-Q([1-4])", code)
        if m:
            year, q = int(m[1]), int(m[2])
            start = datetime.date(year, 3 * q - 2, 1)
            end_month = 3 * q
            end = datetime.date(year, end_month, calendar.monthrange(year, end_month)[1])
            return cls(start, end, code)
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", code)
        if m and 1 <= int(m[2]) <= 12:
            year, month = int(m[1]), int(m[2])
            return cls(
                datetime.date(year, month, 1),
                datetime.date(year, month, calendar.monthrange(year, month)[1]),
                f"{year}-{month:02d}",
            )
        raise ValueError(code)

    @property
    def label(self) -> str:
        """How the sheet names its period: 2024年10月, 2024年第四季度 (never the raw code)."""
        if self.start.month == self.end.month:
            return f"{self.start.year}年{self.start.month}月"
        quarter = "一二三四"[(self.start.month - 1) // 3]
        return f"{self.start.year}年第{quarter}季度"

    @classmethod
    def month_of(cls, day: datetime.date) -> SheetPeriod:
        return cls.parse(f"{day.year}-{day.month}")

    @property
    def months(self) -> list[tuple[datetime.date, datetime.date]]:
        out, day = [], self.start
        while day <= self.end:
            last = datetime.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
            out.append((day, last))
            day = last + datetime.timedelta(days=1)
        return out


@dataclass
class SheetRow:
    leader: GroupLeader
    tiers: list[int] = field(default_factory=list)
    days: int = 0
    amount: Decimal = Decimal("0.00")

    @property
    def tier_display(self) -> str:
        seen = list(dict.fromkeys(t for t in self.tiers if t))
        return "→".join(str(t) for t in seen) if seen else "—"


@dataclass
class AllowanceSheet:
    period: SheetPeriod
    rows: list[SheetRow]
    unpaid: list[GroupLeader]  # serving, but no tier (no figures or no scale in force)

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal("0.00"))

    def totals_by_village(self) -> list[tuple[str, int, Decimal]]:
        out: dict[str, list] = {}
        for r in self.rows:
            entry = out.setdefault(str(r.leader.group.village), [0, Decimal("0.00")])
            entry[0] += 1
            entry[1] += r.amount
        return [(name, n, amount) for name, (n, amount) in sorted(out.items())]


def allowance_sheet(*, leaders, period: SheetPeriod) -> AllowanceSheet:
    """Each serving group leader with group, tier and amount (既给担子也给票子).

    Rule: the tier in force on the first day of a month is paid for that month (a change during
    a month counts from the next month); a leader who serves part of a month is paid by the days
    served (allowance × days served ÷ days in the month, rounded to the fen). One query per month.
    ``leaders`` is a scoped GroupLeader queryset (``visible_to(user)``).
    """
    rows: dict[int, SheetRow] = {}
    unpaid: dict[int, GroupLeader] = {}
    for first, last in period.months:
        qs = (
            leaders.serving_between(first, last)
            .select_related("group__village")
            .annotate(**_leader_tier(first))
            .order_by("group__village__name", "group_id", "started_on")
        )
        days_in_month = (last - first).days + 1
        for leader in qs:
            if leader.tier_allowance is None:
                unpaid.setdefault(leader.pk, leader)
                continue
            begin = max(first, leader.started_on)
            end = min(last, leader.ended_on or last)
            days = (end - begin).days + 1
            amount = (leader.tier_allowance * days / days_in_month).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
            row = rows.setdefault(leader.pk, SheetRow(leader=leader))
            row.tiers.append(leader.tier_level)
            row.days += days
            row.amount += amount
    ordered = sorted(
        rows.values(),
        key=lambda r: (r.leader.group.village.name, r.leader.group_id, r.leader.started_on),
    )
    return AllowanceSheet(period=period, rows=ordered, unpaid=list(unpaid.values()))


def _leader_tier(date):
    from .models import tier_annotations

    return tier_annotations(date, group_ref="group")


# --- page querysets -----------------------------------------------------------------------------


def groups_for_page(user, date: datetime.date):
    """Groups with their figures and tier on ``date`` and their serving leader: 2 queries."""
    serving = GroupLeader.objects.serving_between(date, date).order_by("-started_on")
    return (
        VillageGroup.objects.visible_to(user)
        .select_related("village")
        .with_tier(date)
        .prefetch_related(Prefetch("leaders", queryset=serving, to_attr="serving_leaders"))
        .order_by("village__name", "pk")
    )


def leaders_for_page(user):
    return (
        GroupLeader.objects.visible_to(user)
        .select_related("group__village", "candidate__round", "member__branch")
        .order_by("group__village__name", "group_id", "-started_on")
    )


def reserve_cadres_for_page(user):
    return (
        ReserveCadre.objects.visible_to(user)
        .select_related("village")
        .prefetch_related("statuses", "pairings__mentors")
    )


def pairings_for_page(user):
    return Pairing.objects.visible_to(user).for_list().order_by("-started_on", "pk")
