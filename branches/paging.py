"""Keyset pages for the portal's lists: no OFFSET and no unbounded COUNT(*), whatever the size.

A list ordered newest first (``-held_on, -pk``) is paged by the last row shown: ``?after=`` the
cursor of the page's last row gives the next page, ``?before=`` the cursor of its first row the
previous one. Each page reads ``size + 1`` rows through the (held_on, id) index, so the first
page and the ten-thousandth cost the same. The total is counted up to ``COUNT_CAP`` rows only
(a COUNT over a LIMITed subquery): beyond it the page says "more than …".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q

COUNT_CAP = 1000


def cursor_of(row) -> str:
    return f"{row.held_on.isoformat()}_{row.pk}"


def parse_cursor(raw: str | None) -> tuple[datetime.date, int] | None:
    """``"2024-05-01_123"`` as (date, pk); anything else is None (the first page)."""
    if not raw:
        return None
    day, sep, pk = raw.partition("_")
    if not sep:
        return None
    try:
        return datetime.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


@dataclass
class KeysetPage:
    object_list: list
    count: int  # exact up to COUNT_CAP; ``count_capped`` says when there are more
    count_capped: bool
    has_next: bool
    has_previous: bool
    query: str = ""  # the list's other parameters (filters), urlencoded
    next_cursor: str = ""
    previous_cursor: str = ""
    extra: dict = field(default_factory=dict)

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def _link(self, **cursor) -> str:
        parts = [self.query] if self.query else []
        if cursor:
            parts.append(urlencode(cursor))
        return "?" + "&".join(parts)

    @property
    def next_link(self) -> str:
        return self._link(after=self.next_cursor)

    @property
    def previous_link(self) -> str:
        return self._link(before=self.previous_cursor)

    @property
    def first_link(self) -> str:
        return self._link()


def keyset_page(qs, *, after: str | None, before: str | None, size: int, query: str = ""):
    """One page of ``qs`` (newest first by ``held_on`` then pk) after or before a cursor.

    Two queries: the capped count and the page's ``size + 1`` rows.
    """
    qs = qs.order_by("-held_on", "-pk")
    count = qs.order_by()[: COUNT_CAP + 1].count()
    before_key = parse_cursor(before) if not after else None
    after_key = parse_cursor(after)
    if before_key is not None:
        day, pk = before_key
        newer = Q(held_on__gt=day) | Q(held_on=day, pk__gt=pk)
        rows = list(qs.filter(held_on__gte=day).filter(newer).order_by("held_on", "pk")[: size + 1])
        has_previous = len(rows) > size
        rows = rows[:size][::-1]
        has_next = True
    else:
        if after_key is not None:
            day, pk = after_key
            older = Q(held_on__lt=day) | Q(held_on=day, pk__lt=pk)
            qs = qs.filter(held_on__lte=day).filter(older)
        rows = list(qs[: size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        has_previous = after_key is not None
    if not rows:
        # Past either end (a stale cursor): offer the way back to the first page only.
        has_next, has_previous = False, before_key is not None or after_key is not None
    return KeysetPage(
        object_list=rows,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
        has_next=has_next,
        has_previous=has_previous,
        query=query,
        next_cursor=cursor_of(rows[-1]) if rows else "",
        previous_cursor=cursor_of(rows[0]) if rows else "",
    )
