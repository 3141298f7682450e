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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Aggregate, Count, QuerySet


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

    def records(self, *, period: Period, scope: str, **params) -> QuerySet:
        unknown = set(params) - set(self.params)
        if unknown:
            raise TypeError(f"measure {self.key} takes no parameter {sorted(unknown)}")
        return self.func(period=period, scope=scope, **params)

    def total(self):
        return self.aggregate if self.aggregate is not None else Count("pk")

    def evaluate(self, *, period: Period, scope: str, **params) -> MeasureResult:
        qs = self.records(period=period, scope=scope, **params)
        value = qs.aggregate(value=self.total())["value"] or 0
        return MeasureResult(value=value, records=qs)

    def by_village(self, *, period: Period, scope: str, **params) -> dict[int | None, Any]:
        """One query: the figure per village (village id -> value)."""
        if not self.village_field:
            return {}
        qs = self.records(period=period, scope=scope, **params).order_by()
        rows = qs.values(self.village_field).annotate(value=self.total())
        return {row[self.village_field]: row["value"] or 0 for row in rows}


REGISTRY: dict[str, Measure] = {}


def measure(
    key: str,
    *,
    label,
    unit,
    params: Mapping[str, Any] | None = None,
    aggregate: Aggregate | None = None,
    village_field: str | None = None,
):
    """Declare a measure. ``key`` is "<app>.<name>", e.g. "branches.meetings"."""

    def register(func: Callable[..., QuerySet]) -> Callable[..., QuerySet]:
        REGISTRY[key] = Measure(
            key=key,
            label=label,
            unit=unit,
            func=func,
            params=dict(params or {}),
            aggregate=aggregate,
            village_field=village_field,
        )
        return func

    return register


def autodiscover() -> dict[str, Measure]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("measures")
    return REGISTRY


def get(key: str) -> Measure:
    autodiscover()
    return REGISTRY[key]
