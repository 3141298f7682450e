"""Measures: small named functions in each app's ``measures.py`` that count or sum its records.

An app declares a measure with the ``@measure`` decorator; ``chengjiang.worktasks`` discovers the
modules at start-up (as the admin discovers ``admin.py``) and links checklist tasks to them. The
apps never import ``worktasks``; this module is the shared contract between them.

A measure function takes a ``Period`` and a scope path (the materialised path of the organisation
subtree, from ``chengjiang.access.scope_path``) plus its declared parameters, and returns the
queryset of the records behind the figure. The registry computes the value from that queryset with
the declared aggregate, so every figure can be opened to the records that make it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Aggregate, Count, QuerySet
from django.db.models.functions import TruncMonth
from django.dispatch import Signal


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"


@dataclass(frozen=True)
class MeasureResult:
    value: int | Decimal
    records: QuerySet


@dataclass(frozen=True)
class Measure:
    key: str
    label: Any  # lazy translation
    unit: Any
    func: Callable[..., QuerySet]
    # parameter name -> allowed values with labels (a TextChoices class or a mapping), or None
    params: Mapping[str, Any] = field(default_factory=dict)
    aggregate: Aggregate | None = None  # default: Count("pk")
    village_field: str | None = None  # lookup from a record to its Village, for breakdowns
    date_field: str | None = None  # lookup from a record to its date, for monthly trends
    # A figure that is not an aggregate of the records (e.g. a coverage ratio): computed by
    # ``compute(records, period=..., **params)``; no monthly trend then.
    compute: Callable[..., Any] | None = None
    # Lookup from a record to the Organization it belongs to. With ``date_field``, a counted
    # figure (no ``aggregate``, or ``monthly="months"``) is kept in worktasks' monthly summary,
    # updated on every write of the records, so pages never aggregate the raw records.
    org_field: str | None = None
    # How the monthly counts make the figure: "sum" (the default: records in the period), or
    # "months" (the number of months that have any record, e.g. rounds of a meeting).
    monthly: str = "sum"

    def records(self, *, period: Period, scope: str, **params) -> QuerySet:
        unknown = set(params) - set(self.params)
        if unknown:
            raise TypeError(f"measure {self.key} takes no parameter {sorted(unknown)}")
        return self.func(period=period, scope=scope, **params)

    def total(self):
        return self.aggregate if self.aggregate is not None else Count("pk")

    def value_of(self, records: QuerySet, *, period: Period, **params):
        """The figure of these records (a subset of the measure's records, e.g. one village's)."""
        if self.compute is not None:
            return self.compute(records, period=period, **params)
        return records.aggregate(value=self.total())["value"] or 0

    def evaluate(self, *, period: Period, scope: str, **params) -> MeasureResult:
        qs = self.records(period=period, scope=scope, **params)
        return MeasureResult(value=self.value_of(qs, period=period, **params), records=qs)

    def by_village(self, *, period: Period, scope: str, **params) -> dict[int | None, Any]:
        """One query: the figure per village (village id -> value)."""
        if not self.village_field:
            return {}
        qs = self.records(period=period, scope=scope, **params).order_by()
        if self.compute is not None:
            villages = set(qs.values_list(self.village_field, flat=True).distinct())
            return {
                v: self.value_of(qs.filter(**{self.village_field: v}), period=period, **params)
                for v in villages
            }
        rows = qs.values(self.village_field).annotate(value=self.total())
        return {row[self.village_field]: row["value"] or 0 for row in rows}

    def by_month(self, *, period: Period, scope: str, **params) -> dict[datetime.date, Any]:
        """One query: the figure per calendar month (first day of month -> value)."""
        if not self.date_field or self.compute is not None:
            return {}
        qs = self.records(period=period, scope=scope, **params).order_by()
        rows = (
            qs.annotate(month=TruncMonth(self.date_field))
            .values("month")
            .annotate(value=self.total())
        )
        out = {}
        for row in rows:
            month = row["month"]
            if isinstance(month, datetime.datetime):
                month = month.date()
            out[month] = row["value"] or 0
        return out


REGISTRY: dict[str, Measure] = {}


def measure(
    key: str,
    *,
    label,
    unit,
    params: Mapping[str, Any] | None = None,
    aggregate: Aggregate | None = None,
    village_field: str | None = None,
    date_field: str | None = None,
    compute: Callable[..., Any] | None = None,
    org_field: str | None = None,
    monthly: str = "sum",
):
    """Declare a measure. ``key`` is "<app>.<name>", e.g. "branches.meetings"."""
    if monthly not in ("sum", "months"):
        raise ValueError(f"measure {key}: monthly must be 'sum' or 'months'")

    def register(func: Callable[..., QuerySet]) -> Callable[..., QuerySet]:
        REGISTRY[key] = Measure(
            key=key,
            label=label,
            unit=unit,
            func=func,
            params=dict(params or {}),
            aggregate=aggregate,
            village_field=village_field,
            date_field=date_field,
            compute=compute,
            org_field=org_field,
            monthly=monthly,
        )
        return func

    return register


# --- tables: a grid an app computes for dashboards (e.g. the 三会一课 due-vs-done matrix) -------


@dataclass(frozen=True)
class Cell:
    text: str
    state: str = ""  # "done", "overdue", "due" (period not over yet), "na"; shown in text too
    url: str | None = None  # drill-down to the records behind the cell
    value: Any = None


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: list[Cell]
    url: str | None = None


@dataclass(frozen=True)
class Table:
    key: str
    title: Any
    columns: list[str]
    rows: list[TableRow]
    note: Any = ""


@dataclass(frozen=True)
class TableSpec:
    key: str
    label: Any
    func: Callable[..., list[Table]]


TABLES: dict[str, TableSpec] = {}

# Sent by an app whose organisation tree changed shape (a subtree moved): figures kept per
# subtree must be summed again. ``sender`` is the tree model, ``paths`` the old and new paths.
tree_changed = Signal()

# Bulk writes (an import: ``bulk_create``, ``bulk_update``, ``QuerySet.update``/``delete``, COPY)
# fire no signal per row, so the writer tells what it wrote, inside its transaction:
#
# * ``records_bulk_changing.send(sender=Model, pks=[...])`` BEFORE stored rows are changed or
#   deleted in bulk: the listeners note where those rows are now (worktasks' summary notes each
#   row's organisation and month, which the write may change). Not needed for new rows.
# * ``records_bulk_written.send(sender=Model, pks=[...])`` AFTER the rows are written: ``pks``
#   names every row created, changed or deleted (of ``sender``; a deleted one needs only its
#   ``changing`` before). It may be sent once per batch or once for the whole write. Cached
#   figures are dropped, and the monthly summary counts again just the organisations and months
#   touched (before and after), in bulk, in the same transaction.
#
# Without ``pks`` (a writer that cannot say what it wrote) the summary of those records is set
# aside (every figure is computed from the records) until ``rebuild_summaries`` runs.
records_bulk_changing = Signal()
records_bulk_written = Signal()

# Sent around a run of many writes through the services (the demo): ``phase="start"`` sets the
# summaries aside, so no write keeps its rows; ``phase="end"`` (only when the writes succeeded)
# builds them again, once, in the same transaction. Use ``writing_many()``.
many_writes = Signal()


@contextmanager
def writing_many() -> Iterator[None]:
    """Many service writes in a row: summaries are built once at the end, not kept per write.
    Call it inside the writes' transaction, so a failure rolls the summary back with them."""
    many_writes.send(sender=None, phase="start")
    yield
    many_writes.send(sender=None, phase="end")


def table(key: str, *, label):
    """Declare a table function ``(*, period, scope, **params) -> list[Table]``."""

    def register(func):
        TABLES[key] = TableSpec(key=key, label=label, func=func)
        return func

    return register


def autodiscover() -> dict[str, Measure]:
    """Import every app's ``measures.py``, once, from ``WorktasksConfig.ready`` (as the admin
    discovers ``admin.py``); everyone else reads ``REGISTRY`` and ``TABLES``."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("measures")
    return REGISTRY


def get(key: str) -> Measure:
    return REGISTRY[key]
