"""Reads: figures from the measures, task progress and the roll-up, and the dashboard's data.

Arithmetic (shown on the dashboard so anyone can check it):

* a task bound to a measure: progress = value ÷ target, capped at 100 %;
* a manual task: 0 % not started, 50 % in progress, 100 % done;
* a line of work and the whole checklist: the weighted average Σ(weight × progress) ÷ Σ weight
  over their tasks, leaving out tasks marked not applicable;
* overdue: the deadline has passed and the task is not complete;
* a task of an organisation above the viewer's scope (a sub-district task seen by a village):
  its figure is computed in the viewer's scope, but its target is the whole organisation's, so
  it is shown without a target, has no progress and is not counted in the roll-up.

Each distinct (measure, parameters, scope) is evaluated once per page; the computed progress is
cached per (year, scope) under the data version (see ``invalidation``), so a save is never
followed by a stale figure.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chengjiang import measures as registry
from chengjiang.measures import Period

from . import summary
from .invalidation import data_version
from .models import MANUAL_SHARE, Checklist, Line, ManualStatus, Task, param_label

HUNDRED = Decimal(100)
CACHE_SECONDS = 600


class State:
    DONE = "done"
    OVERDUE = "overdue"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    NOT_APPLICABLE = "not_applicable"
    # A task of an organisation above the viewer's scope: its target is the whole
    # organisation's, not the viewer's; the viewer's figure is shown without it and not counted.
    NO_TARGET = "no_target"


STATE_LABELS = {
    State.DONE: _("complete"),
    # Its own context: branches' "overdue" (a meeting not held) is 逾期未开, a task's is 已逾期.
    State.OVERDUE: pgettext_lazy("task state", "overdue"),
    State.IN_PROGRESS: _("in progress"),
    State.NOT_STARTED: _("not started"),
    State.NOT_APPLICABLE: _("not applicable"),
    State.NO_TARGET: _("no target for this scope"),
}


def params_key(params: dict | None) -> str:
    return json.dumps(params or {}, sort_keys=True, ensure_ascii=False)


def pct(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def number(value) -> str:
    """A figure as text: integers plain, decimals without trailing zeros."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        value = value.normalize()
        if value == value.to_integral():
            return str(value.quantize(Decimal(1)))
        return format(value, "f")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def drilldown_url(key: str, *, year: int, params: dict | None = None, **extra) -> str:
    query = {"year": year, **(params or {}), **{k: v for k, v in extra.items() if v is not None}}
    return reverse("worktasks:drilldown", args=[key]) + "?" + urlencode(query)


def task_scope(task: Task, viewer_scope: str) -> str:
    """Where a task's figure is computed: the deeper of the viewer's scope and the responsible
    organisation's subtree (a sub-district task seen by a village is computed in the village)."""
    own = task.responsible.path
    return own if own.startswith(viewer_scope) else viewer_scope


class Figures:
    """Evaluates each distinct (measure, parameters, scope, period) once."""

    def __init__(self, period: Period):
        self.period = period
        self._values: dict[tuple, Any] = {}

    def value(self, key: str, params: dict | None, scope: str):
        memo_key = (key, params_key(params), scope)
        if memo_key not in self._values:
            m = registry.REGISTRY.get(key)
            if m is None:
                self._values[memo_key] = None
            else:
                self._values[memo_key] = summary.figure(
                    m, period=self.period, scope=scope, params=params
                )
        return self._values[memo_key]


@dataclass
class TaskProgress:
    task: Task
    manual: bool
    value: Any = None
    target: Any = None
    percent: Decimal | None = None  # None: not applicable, or the measure is not available
    state: str = State.NOT_STARTED
    scope: str = ""
    url: str | None = None
    measure_label: str = ""
    available: bool = True
    above_scope: bool = False  # the task's target belongs to an organisation above the viewer

    @property
    def state_label(self):
        return STATE_LABELS[self.state]

    @property
    def percent_text(self) -> str:
        return pct(self.percent)

    @property
    def bar(self) -> int:
        return int(self.percent or 0)

    @property
    def counted(self) -> bool:
        return not self.task.not_applicable and self.percent is not None

    @property
    def value_text(self) -> str:
        return number(self.value)

    @property
    def target_text(self) -> str:
        return number(self.target)


@dataclass
class RollUp:
    label: Any
    key: str
    tasks: list[TaskProgress] = field(default_factory=list)
    percent: Decimal | None = None
    weight_total: Decimal = Decimal(0)
    formula: str = ""

    @property
    def percent_text(self) -> str:
        return pct(self.percent)

    @property
    def bar(self) -> int:
        return int(self.percent or 0)


def weighted(tasks: list[TaskProgress]) -> tuple[Decimal | None, Decimal, str]:
    """Σ(weight × progress) ÷ Σ weight over counted tasks, with the formula written out."""
    counted = [t for t in tasks if t.counted]
    if not counted:
        return None, Decimal(0), "—"
    total_w = sum((t.task.weight for t in counted), Decimal(0))
    total = sum((t.task.weight * t.percent for t in counted), Decimal(0))
    result = total / total_w
    terms = " + ".join(f"{number(t.task.weight)}×{pct(t.percent)}" for t in counted)
    weights = " + ".join(number(t.task.weight) for t in counted)
    return result, total_w, f"({terms}) ÷ ({weights}) = {pct(result)}"


def task_progress(
    task: Task,
    figures: Figures,
    viewer_scope: str,
    today: datetime.date,
    viewer_org_id: int | None = None,
) -> TaskProgress:
    year = task.checklist.year
    scope = task_scope(task, viewer_scope)
    above = scope != task.responsible.path
    org_id = viewer_org_id if above else task.responsible_id
    if task.is_manual:
        tp = TaskProgress(task=task, manual=True, scope=scope)
        tp.percent = Decimal(MANUAL_SHARE[ManualStatus(task.manual_status)])
        tp.value = str(ManualStatus(task.manual_status).label)
    else:
        m = registry.REGISTRY.get(task.measure_key)
        tp = TaskProgress(task=task, manual=False, scope=scope, target=task.target)
        if m is None:
            tp.available = False
            tp.measure_label = task.measure_key
        else:
            tp.value = figures.value(task.measure_key, task.measure_params, scope)
            tp.percent = min(Decimal(tp.value or 0) / task.target, Decimal(1)) * HUNDRED
            labels = [
                param_label(m.params.get(k), v) for k, v in sorted(task.measure_params.items())
            ]
            tp.measure_label = str(m.label) + (f"（{'、'.join(labels)}）" if labels else "")
            tp.url = drilldown_url(
                task.measure_key, year=year, params=task.measure_params, org=org_id
            )
    if above:
        tp.above_scope = True
        tp.target = None
        tp.percent = None
    if task.not_applicable:
        tp.state = State.NOT_APPLICABLE
    elif above:
        tp.state = State.NO_TARGET
    elif tp.percent is not None and tp.percent >= HUNDRED:
        tp.state = State.DONE
    elif task.deadline < today:
        tp.state = State.OVERDUE
    elif tp.percent:
        tp.state = State.IN_PROGRESS
    else:
        tp.state = State.NOT_STARTED
    return tp


@dataclass
class ChecklistProgress:
    checklist: Checklist
    scope: str
    overall: RollUp
    lines: list[RollUp]
    tasks: list[TaskProgress]


def _compute(checklist: Checklist, scope: str, org_id: int | None) -> ChecklistProgress:
    period = Period.year(checklist.year)
    figures = Figures(period)
    today = timezone.localdate()
    tasks = list(
        Task.objects.filter(checklist=checklist)
        .seen_from(scope)
        .select_related("checklist", "responsible")
        .prefetch_related("evidence")
        .order_by("number")
    )
    progress = [task_progress(t, figures, scope, today, org_id) for t in tasks]
    lines = []
    for line in Line:
        line_tasks = [tp for tp in progress if tp.task.line == line]
        percent, weight, formula = weighted(line_tasks)
        lines.append(RollUp(line.label, line.value, line_tasks, percent, weight, formula))
    percent, weight, formula = weighted(progress)
    overall = RollUp(_("Whole checklist"), "all", progress, percent, weight, formula)
    return ChecklistProgress(checklist, scope, overall, lines, progress)


def checklist_progress(
    checklist: Checklist, scope: str, org_id: int | None = None
) -> ChecklistProgress:
    """Progress of ``checklist`` within ``scope`` (the materialised path of organisation
    ``org_id``; "" and None for everything), cached per data version."""
    key = f"worktasks:progress:{data_version()}:{checklist.pk}:{checklist.year}:{scope}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    result = _compute(checklist, scope, org_id)
    cache.set(key, result, CACHE_SECONDS)
    return result


def default_year(checklists=None) -> int:
    """The year a page opens on: this year if it has a checklist, else the latest year that has
    one (a new year's dashboard is empty until the district issues its checklist). A page that
    has read every checklist already passes them (``checklists``): no second query."""
    this_year = timezone.localdate().year
    if checklists is None:
        years = set(Checklist.objects.values_list("year", flat=True))
    else:
        years = {c.year for c in checklists}
    if this_year in years or not years:
        return this_year
    return max(years)


# --- the dashboard's other panels --------------------------------------------------------------


@dataclass
class VillageRow:
    label: str
    key: str
    params: dict
    cells: list[tuple[str, str | None]]  # (value text, drill-down url)
    url: str = ""  # the row's records: every village in scope


def village_breakdown(
    checklist: Checklist, scope: str, villages: list, org_id: int | None = None
) -> list[VillageRow]:
    """Per village, each distinct (measure, parameters) of the checklist: one query each."""
    period = Period.year(checklist.year)
    seen: dict[tuple, dict] = {}
    for task in Task.objects.filter(checklist=checklist).exclude(measure_key="").order_by("number"):
        if task.measure_key in registry.REGISTRY:
            seen.setdefault(
                (task.measure_key, params_key(task.measure_params)), task.measure_params
            )
    rows = []
    for (key, _pk), params in seen.items():
        m = registry.REGISTRY[key]
        if not m.village_field:
            continue
        values = m.by_village(period=period, scope=scope, **params)
        labels = [param_label(m.params.get(k), v) for k, v in sorted(params.items())]
        label = str(m.label) + (f"（{'、'.join(labels)}）" if labels else "")
        cells = [
            (
                number(values.get(v.pk, 0)),
                drilldown_url(key, year=checklist.year, params=params, village=v.pk, org=org_id),
            )
            for v in villages
        ]
        url = drilldown_url(key, year=checklist.year, params=params, org=org_id)
        rows.append(VillageRow(label=label, key=key, params=params, cells=cells, url=url))
    return rows


@dataclass
class Trend:
    months: list[str]
    # {"name", "kind", "data": [int | None], "urls": [str | None], "url": str (the year)};
    # None for a month that has not begun (no meeting can be dated in the future)
    series: list[dict]
    current: int | None = None  # the month in progress (1-12), counted to ``as_of``
    as_of: datetime.date | None = None

    def columns(self):
        """(label, "to day N" or "") per month: the month in progress says how far it counts."""
        for number, label in enumerate(self.months, start=1):
            to_date = ""
            if number == self.current:
                to_date = _("to the %(day)s") % {"day": self.as_of.day}
            yield label, to_date

    def rows(self):
        for s in self.series:
            yield s["name"], s["url"], list(zip(s["data"], s["urls"], strict=True))


TREND_MEASURE = "branches.meetings"


def meeting_trend(year: int, scope: str, org_id: int | None = None) -> Trend | None:
    """Meetings per month by kind (Measure.by_month): one query per kind. A month after today
    reads None rather than 0, and the month in progress is marked as counted to today."""
    m = registry.REGISTRY.get(TREND_MEASURE)
    if m is None or not m.date_field:
        return None
    period = Period.year(year)
    today = timezone.localdate()
    month_starts = [datetime.date(year, i, 1) for i in range(1, 13)]
    kinds = m.params.get("kind")
    kind_items = list(kinds.choices) if kinds is not None else [(None, m.label)]
    series = []
    kept = summary.by_month(
        m,
        year=year,
        scope=scope,
        params_list=[{"kind": value} if value else {} for value, _label in kind_items],
    )
    for value, label in kind_items:
        params = {"kind": value} if value else {}
        if kept is not None:  # the monthly summary: one query for every kind
            months = kept[summary.params_key(params)]
            data = [int(months.get(d.month, 0)) for d in month_starts]
        else:
            per_month = m.by_month(period=period, scope=scope, **params)
            data = [int(per_month.get(d, 0)) for d in month_starts]
        # A month not yet begun has no records (dates cannot be in the future); were one there,
        # it would still be shown.
        data = [None if d > today and not n else n for d, n in zip(month_starts, data, strict=True)]
        urls = [
            None
            if n is None
            else drilldown_url(TREND_MEASURE, year=year, params=params, month=d.month, org=org_id)
            for d, n in zip(month_starts, data, strict=True)
        ]
        series.append(
            {
                "name": str(label),
                "kind": value or "",
                "data": data,
                "urls": urls,
                "url": drilldown_url(TREND_MEASURE, year=year, params=params, org=org_id),
            }
        )
    return Trend(
        months=[f"{d.month}月" for d in month_starts],
        series=series,
        current=today.month if today.year == year else None,
        as_of=today,
    )


def cadence_tables(year: int, scope: str) -> list:
    spec = registry.TABLES.get("branches.cadence")
    if spec is None:
        return []
    return list(spec.func(period=Period.year(year), scope=scope))


# --- one level of the tree at a time ----------------------------------------------------------

MAX_CHILDREN = 100  # a level shows at most this many organisations (the most lagging first)


@dataclass
class ChildRow:
    """One organisation under the chosen one: its figures for the checklist's tasks and its
    progress against its share of each target."""

    organization: Any
    url: str  # the dashboard, drilled down to this organisation
    organizations: int  # organisations in its subtree (itself included)
    cells: list[tuple[str, str | None]]  # (value, drill-down url) per task column
    percent: Decimal | None = None

    @property
    def percent_text(self) -> str:
        return pct(self.percent)

    @property
    def bar(self) -> int:
        return int(self.percent or 0)


@dataclass
class Level:
    columns: list[TaskProgress]
    rows: list[ChildRow]
    total: int  # children in all (rows shows at most MAX_CHILDREN)


def _subtree_sizes(tree, path: str, depth: int) -> dict[str, int]:
    """Organisations under each child of ``path`` (keyed by the child's path): one query."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    width = len(path) + 7  # "000001/"
    rows = (
        tree._base_manager.filter(path__startswith=path, depth__gt=depth)
        .annotate(child=Substr("path", 1, width))
        .values("child")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["child"]: r["n"] for r in rows}


def children_level(
    progress: ChecklistProgress | None, *, node, year: int, dashboard_url: str
) -> Level:
    """The organisations directly under ``node`` (None: the roots), lagging first.

    A child's share of a task's target is the target × (organisations in the child's subtree ÷
    organisations in the responsible organisation's subtree); its progress is the weighted
    average of min(figure ÷ share, 100 %) over the tasks bound to a measure, as for the whole
    checklist. Figures come from the monthly summary (one query for every task), or, for a
    measure not kept there, from the records, one query per child.
    """
    tree = summary.tree_model()
    path = node.path if node is not None else ""
    depth = node.depth if node is not None else -1
    under = {"parent": node} if node is not None else {"parent__isnull": True}
    children = list(tree._base_manager.filter(**under).only("pk", "name", "path", "depth"))
    sizes = _subtree_sizes(tree, path, depth)
    tasks = [
        tp
        for tp in (progress.tasks if progress is not None else [])
        if not tp.manual and tp.available and not tp.task.not_applicable
    ]
    responsible_sizes: dict[str, int] = {}
    for tp in tasks:
        r = tp.task.responsible
        if r.path not in responsible_sizes:
            responsible_sizes[r.path] = _count_subtree(tree, r.path)
    pairs = []
    seen = set()
    for tp in tasks:
        pair = (tp.task.measure_key, params_key(tp.task.measure_params))
        if pair not in seen:
            seen.add(pair)
            pairs.append((registry.REGISTRY[tp.task.measure_key], tp.task.measure_params))
    kept = summary.by_child(pairs, year=year, parent_id=getattr(node, "pk", None)) or {}
    period = Period.year(year)
    rows = []
    for child in children:
        own_size = sizes.get(child.path, 1)  # its subtree, itself included
        cells, total_w, total = [], Decimal(0), Decimal(0)
        for tp in tasks:
            task = tp.task
            m = registry.REGISTRY[task.measure_key]
            pair = (task.measure_key, params_key(task.measure_params))
            if pair in kept:
                value = kept[pair].get(child.pk, 0)
            else:
                value = summary.figure(
                    m, period=period, scope=child.path, params=task.measure_params
                )
            url = drilldown_url(
                task.measure_key, year=year, params=task.measure_params, org=child.pk
            )
            cells.append((number(value), url))
            r_path = task.responsible.path
            if child.path.startswith(r_path):
                share = task.target * own_size / responsible_sizes[r_path]
            elif r_path.startswith(child.path):
                share = task.target
            else:
                continue  # the task is another subtree's
            if share > 0:
                got = min(Decimal(value or 0) / share, Decimal(1)) * HUNDRED
                total_w += task.weight
                total += task.weight * got
        rows.append(
            ChildRow(
                organization=child,
                url=f"{dashboard_url}?{urlencode({'year': year, 'org': child.pk})}",
                organizations=own_size,
                cells=cells,
                percent=(total / total_w) if total_w else None,
            )
        )
    rows.sort(key=lambda r: (r.percent is None, r.percent or 0, r.organization.path))
    return Level(columns=tasks, rows=rows[:MAX_CHILDREN], total=len(rows))


def _count_subtree(tree, path: str) -> int:
    return tree._base_manager.filter(path__startswith=path).count()


def breadcrumbs(node, viewer_path: str) -> list:
    """The organisations from the viewer's own scope down to ``node`` (one query)."""
    if node is None:
        return []
    tree = summary.tree_model()
    ids = summary.ancestors(node.path)
    return list(
        tree._base_manager.filter(pk__in=ids, path__startswith=viewer_path)
        .only("pk", "name", "path")
        .order_by("path")
    )


def dashboard_panels(progress: ChecklistProgress | None, *, node, year: int, dashboard_url: str):
    """(level, trend) of one dashboard page, cached per data version like the progress."""
    path = node.path if node is not None else ""
    org_id = getattr(node, "pk", None)
    checklist_id = progress.checklist.pk if progress is not None else None
    # The day is in the key: the trend marks the month in progress and the months to come.
    today = timezone.localdate()
    key = f"worktasks:panels:{data_version()}:{today}:{year}:{checklist_id}:{path}:{org_id}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    level = children_level(progress, node=node, year=year, dashboard_url=dashboard_url)
    result = (level, meeting_trend(year, path, org_id))
    cache.set(key, result, CACHE_SECONDS)
    return result
