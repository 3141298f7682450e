"""Query parameters and path values a view reads: parsed once, bounded, never a 500.

A URL is typed, bookmarked and edited by hand; ``?month=999999999999999999999`` or
``/reports/0/`` must answer a page, a form error or 404 — never a server error. Dates are held
to ``MIN_YEAR``..``MAX_YEAR`` (the portal's records live there, and a calendar moving a month
from 9999-12-31 would leave what ``datetime`` can hold); ids to what a database column holds.
"""

from __future__ import annotations

import datetime

from django.http import Http404

MIN_YEAR = 1900
MAX_YEAR = 2100
MAX_ID = 2**63 - 1  # the largest value a bigint primary key (and SQLite's INTEGER) holds


def year_ok(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def year_or_404(year: int) -> int:
    """A year from the path (``/reports/<int:year>/``), or 404 outside the portal's years."""
    if not year_ok(year):
        raise Http404
    return year


def parse_id(raw: object) -> int | None:
    """A positive id from text, or None when it is not one (empty, not digits, too large)."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def id_or_404(raw: object) -> int:
    value = parse_id(raw)
    if value is None:
        raise Http404
    return value


def parse_int(raw: object, *, low: int, high: int) -> int | None:
    """An integer within ``low..high`` from text, or None."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 20:
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_date(raw: object) -> datetime.date | None:
    """An ISO date (2024-10-01) within the portal's years, or None."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isascii():
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return day if year_ok(day.year) else None
