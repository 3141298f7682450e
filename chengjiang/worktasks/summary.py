"""The monthly summary: counted measures kept per organisation and month, current on every write.

Why: the dashboard, the drill-down and the year-end summary read figures for wide scopes (the
whole tree: 5,000 organisations, a million meetings). Aggregating the records on each request
takes seconds; reading the summary is a sum over at most twelve rows.

What is summarised: every measure that declares ``org_field`` and ``date_field`` and counts its
records (``chengjiang.measures.Measure``: no ``aggregate``/``compute``, or ``monthly="months"``),
for every combination of its parameters (each parameter given or not). A row
(``MonthlyFigure``) holds the organisation's own records of the month (``own``) and those of its
subtree (``total``).

Kept current: a save or delete of a record — or of a record the measure's records lead to through
``org_field`` (a talk, for the people talked with) — recomputes ``own`` for the organisation and
month it was in before and after the write, from the measure's own queryset, and adds the change
to ``total`` of the organisation and every organisation above it, in the same transaction (post
signals run inside the service's transaction). A subtree moved elsewhere (``measures.tree_changed``)
sums the totals above it again. No app is imported: the models come from the registry.

Bulk writes (an import) fire no signal per row; the writer names its rows
(``measures.records_bulk_changing`` before changing stored rows, ``records_bulk_written`` with
``pks`` after), and ``recompute_places`` counts again just the touched organisations and months,
in the same transaction: one grouped query per measure × parameter combination, one statement
adding the changes to every organisation above (``_apply``). A bulk write that cannot name its
rows sets the summary aside (below).

Never stale: without a ``SummaryState`` row (a database filled by hand) every figure is computed
from the records; ``rebuild_summaries`` (``manage.py rebuild_summaries``, or the job) recomputes
everything and marks it built. A fresh database is built at once after ``migrate`` (empty).
"""

from __future__ import annotations

import calendar
import datetime
import itertools
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.db.models.signals import post_delete, post_migrate, post_save, pre_delete, pre_save

from chengjiang import measures as registry
from chengjiang import tree
from chengjiang.measures import Measure, Period

from .invalidation import data_version
from .models import MonthlyFigure, SummaryState, param_values

ALL_TIME = Period(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))
BATCH = 5000
MAX_COMBOS = 100  # a measure with more parameter combinations than this is not summarised


def params_key(params: dict | None) -> str:
    import json

    return json.dumps(params or {}, sort_keys=True, ensure_ascii=False)


def tree_model():
    """The organisation model, without importing its app (``chengjiang.tree``)."""
    return tree.organization_model()


def combos(m: Measure) -> list[dict]:
    names = sorted(m.params)
    choices = [[None, *sorted(param_values(m.params[n]) or [])] for n in names]
    return [
        {n: v for n, v in zip(names, values, strict=True) if v is not None}
        for values in itertools.product(*choices)
    ]


def summarised(m: Measure | None) -> bool:
    return bool(
        m is not None
        and m.org_field
        and m.date_field
        and m.compute is None
        and (m.aggregate is None or m.monthly == "months")
        and len(combos(m)) <= MAX_COMBOS
    )


def summarised_measures() -> list[Measure]:
    return [m for m in registry.REGISTRY.values() if summarised(m)]


_BUILT: tuple[int, bool] | None = None  # (data version, built) as last read in this process


def is_built() -> bool:
    """Whether the summary may be read: read again whenever the data version moves (every write
    bumps it, so a bulk write that set the summary aside is seen by every process)."""
    global _BUILT
    version = data_version()
    if _BUILT is None or _BUILT[0] != version:
        if not SummaryState.objects.filter(key="built").exists():
            # Not remembered: the state may come back without a write (a rolled-back bulk
            # write), and a process that kept "not built" would stop keeping the rows current.
            return False
        _BUILT = (version, True)
    return _BUILT[1]


def _forget_built(**kwargs) -> None:
    global _BUILT
    _BUILT = None


def _set_aside() -> None:
    _raw_delete(SummaryState.objects.all())
    _forget_built()


def _many_writes(sender, phase, **kwargs) -> None:
    """Around many service writes (``measures.writing_many``): set aside, then built once."""
    if phase == "start":
        _set_aside()
    else:
        rebuild_summaries()


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(datetime.date(year, month, 1), datetime.date(year, month, last))


def ancestors(path: str) -> list[int]:
    """The organisation ids on a materialised path, root first ("000001/000004/" → [1, 4])."""
    return [int(step) for step in path.split("/") if step]


# --- reading ----------------------------------------------------------------------------------


def months_of(period: Period) -> tuple[int, int, int] | None:
    """(year, first month, last month) when the period is whole months of one year."""
    start, end = period.start, period.end
    if start.year != end.year or start.day != 1:
        return None
    if end != month_period(end.year, end.month).end:
        return None
    return start.year, start.month, end.month


def _scope_filter(scope: str) -> dict:
    return {"organization__path": scope} if scope else {"organization__parent__isnull": True}


def value(m: Measure, *, period: Period, scope: str, params: dict | None = None):
    """The figure from the summary, or None when the summary cannot give it (then compute it
    from the records)."""
    span = months_of(period)
    if span is None or not summarised(m) or not is_built():
        return None
    year, first, last = span
    rows = MonthlyFigure.objects.filter(
        measure_key=m.key,
        params=params_key(params),
        year=year,
        month__range=(first, last),
        total__gt=0,
        **_scope_filter(scope),
    )
    if m.monthly == "months":
        return rows.values("month").distinct().count()
    return rows.aggregate(v=Sum("total"))["v"] or 0


def figure(m: Measure, *, period: Period, scope: str, params: dict | None = None):
    """The figure of a measure: from the summary where it is kept, else from the records."""
    summed = value(m, period=period, scope=scope, params=params)
    if summed is not None:
        return summed
    return m.evaluate(period=period, scope=scope, **(params or {})).value


def by_month(m: Measure, *, year: int, scope: str, params_list: list[dict]) -> dict | None:
    """{params_key: {month: value}} for the year, one query; None when not summarised."""
    if not summarised(m) or not is_built():
        return None
    out: dict[str, dict[int, int]] = {params_key(p): {} for p in params_list}
    rows = MonthlyFigure.objects.filter(
        measure_key=m.key, params__in=list(out), year=year, **_scope_filter(scope)
    ).values_list("params", "month", "total")
    for pk, month, total in rows:
        out[pk][month] = total if m.monthly == "sum" else int(total > 0)
    return out


def by_child(
    pairs: list[tuple[Measure, dict]], *, year: int, parent_id: int
) -> dict[tuple[str, str], dict[int, int]] | None:
    """{(measure key, params key): {child organisation id: figure}} over the year for the
    children of one organisation: one query. None when not summarised."""
    pairs = [(m, p) for m, p in pairs if summarised(m)]
    if not pairs or not is_built():
        return None
    wanted = {(m.key, params_key(p)): m for m, p in pairs}
    rows = MonthlyFigure.objects.filter(
        measure_key__in={k for k, _ in wanted},
        params__in={p for _, p in wanted},
        year=year,
        organization__parent_id=parent_id,
        total__gt=0,
    ).values_list("measure_key", "params", "organization_id", "month", "total")
    out: dict[tuple[str, str], dict[int, int]] = {key: defaultdict(int) for key in wanted}
    for key, pk, org_id, _month, total in rows:
        m = wanted.get((key, pk))
        if m is None:
            continue
        out[(key, pk)][org_id] += total if m.monthly == "sum" else 1
    return out


# --- keeping it current -----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """How a saved model leads to a summarised measure's organisation and month."""

    measure: Measure
    org_lookup: str  # from the saved instance to the organisation id
    date_lookup: str  # from the saved instance to the date


def _routes() -> dict[type, list[Route]]:
    """For each model: the summarised measures whose records it is, or leads to."""
    routes: dict[type, list[Route]] = defaultdict(list)
    for m in summarised_measures():
        model = m.records(period=ALL_TIME, scope="").model
        org_parts = m.org_field.split("__")
        date_parts = m.date_field.split("__")
        current = model
        for depth in range(len(org_parts)):
            prefix = org_parts[:depth]
            if date_parts[:depth] != prefix:
                break
            org_rest = "__".join(org_parts[depth:]) + "_id"
            date_rest = "__".join(date_parts[depth:])
            routes[current].append(Route(m, org_rest, date_rest))
            current = current._meta.get_field(org_parts[depth]).related_model
    return routes


_ROUTES: dict[type, list[Route]] | None = None


def routes_for(model) -> list[Route]:
    global _ROUTES
    if _ROUTES is None:
        _ROUTES = _routes()
    return _ROUTES.get(model, [])


def _places(model, pk, route: Route) -> set[tuple[int, int, int]]:
    """(organisation id, year, month) of one stored instance along a route."""
    if pk is None:
        return set()
    rows = model._base_manager.filter(pk=pk).values_list(route.org_lookup, route.date_lookup)
    out = set()
    for org_id, date in rows:
        if org_id is not None and date is not None:
            out.add((org_id, date.year, date.month))
    return out


def _pending(instance) -> dict:
    return instance.__dict__.setdefault("_summary_places", {})


def _before(sender, instance, **kwargs) -> None:
    routes = routes_for(sender)
    if not routes or not is_built():
        return
    pending = _pending(instance)
    for route in routes:
        pending[route.measure.key] = _places(sender, instance.pk, route)


def _after_save(sender, instance, **kwargs) -> None:
    routes = routes_for(sender)
    if not routes or not is_built():
        return
    pending = instance.__dict__.pop("_summary_places", {})
    # A save outside any transaction (autocommit) still updates the rows it locks in one.
    with transaction.atomic(savepoint=False):
        for route in routes:
            places = pending.get(route.measure.key, set()) | _places(sender, instance.pk, route)
            for org_id, year, month in places:
                recompute(route.measure, org_id, year, month)


def _after_delete(sender, instance, **kwargs) -> None:
    routes = routes_for(sender)
    if not routes or not is_built():
        return
    pending = instance.__dict__.pop("_summary_places", {})
    with transaction.atomic(savepoint=False):
        for route in routes:
            for org_id, year, month in pending.get(route.measure.key, set()):
                recompute(route.measure, org_id, year, month)


def recompute(m: Measure, org_id: int, year: int, month: int) -> None:
    """Count the organisation's own records of the month again (each parameter combination),
    and carry the changes up to every organisation above it.

    The month's stored rows of the organisation are locked first (one query), so a write that
    waited on them counts what the other committed; the changes of every combination are then
    written in one statement (``_apply``)."""
    path = tree_model()._base_manager.filter(pk=org_id).values_list("path", flat=True).first()
    if path is None:
        return
    stored = dict(
        MonthlyFigure.objects.select_for_update()
        .filter(measure_key=m.key, organization_id=org_id, year=year, month=month)
        .values_list("params", "own")
    )
    chain = ancestors(path)
    period = month_period(year, month)
    own_delta: dict[tuple[str, int, int, int], int] = {}
    total_delta: dict[tuple[str, int, int, int], int] = {}
    for params in combos(m):
        own = (
            m.records(period=period, scope=path, **params)
            .filter(**{m.org_field: org_id})
            .order_by()
            .count()
        )
        key = params_key(params)
        delta = own - stored.get(key, 0)
        if not delta:
            continue
        own_delta[(key, org_id, year, month)] = delta
        for pk in chain:
            total_delta[(key, pk, year, month)] = delta
    _apply(m.key, own_delta, total_delta)


# --- bulk writes (``measures.records_bulk_changing`` / ``records_bulk_written``) ----------------

# Past this many rows in one signal the summary is set aside instead (figures from the records
# until ``rebuild_summaries``). Measured on PostgreSQL, a copy of bench_full (1M meetings, 2.1M
# summary rows; a rebuild 42-50 s): keeping it current took 2.9 s for a 20,000-row import of
# draft meetings, 4.3 s approved, and 22 s for 200,000 approved meetings spread over every
# organisation, month and kind (the worst case) — so a rebuild is cheaper only past about
# twice the import's limit of 200,000 rows.
SET_ASIDE_ABOVE = 400_000
CHUNK = 5000  # pks per query (SQLite's and PostgreSQL's limits on parameters)

_bulk_local = threading.local()  # {model: {measure key: {(org, year, month)}}}, until written


def _noted() -> dict:
    if not hasattr(_bulk_local, "places"):
        _bulk_local.places = {}
    return _bulk_local.places


def _chunks(model, pks: list):
    """Querysets of the rows ``pks``: one on PostgreSQL (``= ANY`` of one array: no parameter
    per row), else one per ``CHUNK`` pks."""
    manager = model._base_manager
    if connection.vendor == "postgresql":
        column = f"{connection.ops.quote_name(model._meta.db_table)}."
        column += connection.ops.quote_name(model._meta.pk.column)
        yield manager.extra(where=[f"{column} = ANY(%s::bigint[])"], params=[_int_array(pks)])
        return
    for start in range(0, len(pks), CHUNK):
        yield manager.filter(pk__in=pks[start : start + CHUNK])


def _bulk_places(model, pks, routes: list[Route]) -> dict[str, set[tuple[int, int, int]]]:
    """{measure key: {(organisation id, year, month)}} of the stored rows ``pks``: one query
    per route's lookups (per ``CHUNK`` pks), whatever the number of rows."""
    found: dict[tuple[str, str], set] = {}
    out: dict[str, set[tuple[int, int, int]]] = defaultdict(set)
    pks = list(pks)
    for route in routes:
        lookups = (route.org_lookup, route.date_lookup)
        if lookups not in found:
            found[lookups] = places = set()
            for chunk in _chunks(model, pks):
                rows = (
                    chunk.order_by()
                    .annotate(summary_month=TruncMonth(route.date_lookup))
                    .values_list(route.org_lookup, "summary_month")
                    .distinct()
                )
                for org_id, month in rows:
                    if org_id is not None and month is not None:
                        places.add((org_id, month.year, month.month))
        out[route.measure.key] |= found[lookups]
    return out


def _bulk_changing(sender, pks=None, **kwargs) -> None:
    """Rows about to be changed or deleted in bulk: note where they are now."""
    routes = routes_for(sender)
    if not routes or not pks or not is_built():
        return
    noted = _noted().setdefault(sender, defaultdict(set))
    for key, places in _bulk_places(sender, pks, routes).items():
        noted[key] |= places


def _bulk_written(sender, pks=None, **kwargs) -> None:
    """Records written in bulk (no signal per row). With their ``pks``: count again the
    organisations and months they were in before (``_bulk_changing``) and are in now, in bulk.
    Without (or past ``SET_ASIDE_ABOVE`` rows): the summary of their measures is set aside —
    every figure is computed from the records — until ``rebuild_summaries`` runs."""
    routes = routes_for(sender)
    if not routes:
        return
    before = _noted().pop(sender, {})
    if pks is None or len(pks) > SET_ASIDE_ABOVE:
        _set_aside()
        return
    if not (pks or before) or not is_built():
        return
    after = _bulk_places(sender, pks, routes)
    with transaction.atomic(savepoint=False):
        for m in {route.measure.key: route.measure for route in routes}.values():
            recompute_places(m, before.get(m.key, set()) | after.get(m.key, set()))


def recompute_places(m: Measure, places: set[tuple[int, int, int]]) -> None:
    """``recompute`` for many (organisation, year, month) places at once: the own counts by one
    grouped query per parameter combination, the stored ones by one query, and the
    changes carried to every organisation above in one statement (``_apply``). The queries
    read the rectangle of the touched organisations × the months from the first to the last
    touched (a few parameters, whatever the number of places); what lies outside the places is
    left as it is."""
    org_ids = sorted({org_id for org_id, _y, _m in places})
    paths = dict(tree_model()._base_manager.filter(pk__in=org_ids).values_list("pk", "path"))
    places = {p for p in places if p[0] in paths}
    if not places:
        return
    org_ids = sorted({org_id for org_id, _y, _m in places})
    first = min(datetime.date(y, mo, 1) for _o, y, mo in places)
    last = max(month_period(y, mo).end for _o, y, mo in places)
    # Not locked (locking the whole rectangle cost seconds): the upsert adds the changes to
    # what is stored then, and locks the rows it changes.
    stored: dict[str, dict[tuple[int, int, int], int]] = defaultdict(dict)
    for key, org_id, year, month, own in (
        MonthlyFigure.objects.exclude(own=0)
        .filter(
            Q(year__gt=first.year) | Q(month__gte=first.month),
            Q(year__lt=last.year) | Q(month__lte=last.month),
            measure_key=m.key,
            organization_id__in=org_ids,
            year__range=(first.year, last.year),
        )
        .values_list("params", "organization_id", "year", "month", "own")
    ):
        if own and (org_id, year, month) in places:
            stored[key][(org_id, year, month)] = own
    own_delta: dict[tuple[str, int, int, int], int] = defaultdict(int)
    total_delta: dict[tuple[str, int, int, int], int] = defaultdict(int)
    chains = {org_id: ancestors(path) for org_id, path in paths.items()}
    for params in combos(m):
        key = params_key(params)
        before = stored.get(key, {})
        counted: dict[tuple[int, int, int], int] = {}
        grouped = (
            m.records(period=Period(first, last), scope="", **params)
            .filter(**{f"{m.org_field}__in": org_ids})
            .order_by()
            .annotate(summary_month=TruncMonth(m.date_field))
            .values_list(m.org_field, "summary_month")
            .annotate(n=Count("pk"))
        )
        for org_id, month, n in grouped:
            place = (org_id, month.year, month.month)
            if place in places:
                counted[place] = n
        # only a place with records now or a count before can change
        for place in counted.keys() | before.keys():
            delta = counted.get(place, 0) - before.get(place, 0)
            if not delta:
                continue
            org_id, year, month = place
            own_delta[(key, org_id, year, month)] += delta
            for pk in chains[org_id]:
                total_delta[(key, pk, year, month)] += delta
    _apply(m.key, own_delta, total_delta)


def _int_array(values) -> str:
    """A PostgreSQL int[] literal (much faster to pass than a list of Python ints)."""
    return "{" + ",".join(map(str, values)) + "}"


def _apply(measure_key: str, own_delta: dict, total_delta: dict) -> None:
    """``own += …, total += …`` per (params, organisation, year, month), rows made where
    missing: one statement (an upsert on the unique key)."""
    if not total_delta:
        return
    table = connection.ops.quote_name(MonthlyFigure._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f) for f in FIELDS)
    unique = ", ".join(connection.ops.quote_name(f) for f in FIELDS[:5])
    update = "own = f.own + EXCLUDED.own, total = f.total + EXCLUDED.total"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            keys = sorted({key for key, *_rest in total_delta})
            index = {key: i for i, key in enumerate(keys, 1)}
            places = list(total_delta)
            cursor.execute(
                f"INSERT INTO {table} AS f ({columns}) "
                "SELECT %s, (%s::varchar[])[d.k], d.o, d.y, d.m, d.own, d.total "
                "FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::bigint[], "
                "%s::bigint[]) AS d(k, o, y, m, own, total) "
                f"ON CONFLICT ({unique}) DO UPDATE SET {update}",
                [
                    measure_key,
                    keys,
                    _int_array(index[p[0]] for p in places),
                    _int_array(p[1] for p in places),
                    _int_array(p[2] for p in places),
                    _int_array(p[3] for p in places),
                    _int_array(own_delta.get(p, 0) for p in places),
                    _int_array(total_delta[p] for p in places),
                ],
            )
        else:
            cursor.executemany(
                f"INSERT INTO {table} AS f ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                f"ON CONFLICT ({unique}) DO UPDATE SET {update}",
                [
                    (measure_key, *place, own_delta.get(place, 0), delta)
                    for place, delta in total_delta.items()
                ],
            )


def _tree_changed(sender, paths=(), **kwargs) -> None:
    """A subtree moved: sum the totals of every organisation on its old and new paths again."""
    if not is_built():
        return
    org_ids = set()
    for path in paths:
        org_ids.update(ancestors(path)[:-1])
    for org_id in org_ids:
        resum(org_id)


def resum(org_id: int) -> None:
    """Totals of one organisation = the own counts of its subtree (no record is read)."""
    path = tree_model()._base_manager.filter(pk=org_id).values_list("path", flat=True).first()
    if path is None:
        return
    sums = list(
        MonthlyFigure.objects.filter(organization__path__startswith=path)
        .values_list("measure_key", "params", "year", "month")
        .annotate(s=Sum("own"))
    )
    owns = {
        (r.measure_key, r.params, r.year, r.month): r.own
        for r in MonthlyFigure.objects.filter(organization_id=org_id)
    }
    _raw_delete(MonthlyFigure.objects.filter(organization_id=org_id))
    MonthlyFigure.objects.bulk_create(
        [
            MonthlyFigure(
                measure_key=key,
                params=pk,
                organization_id=org_id,
                year=year,
                month=month,
                own=owns.get((key, pk, year, month), 0),
                total=s or 0,
            )
            for key, pk, year, month, s in sums
        ],
        batch_size=BATCH,
    )


# --- rebuilding -------------------------------------------------------------------------------


def _raw_delete(queryset) -> None:
    """DELETE in one statement: no row is fetched and no signal sent (derived data)."""
    queryset._raw_delete(queryset.db)


def rebuild_summaries(progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute the whole summary from the records (one grouped query per measure and
    parameter combination) and mark it built; returns the number of rows written.
    ``progress(done, total)`` is called after each combination."""
    work = [(m, p) for m in summarised_measures() for p in combos(m)]
    org_paths = dict(tree_model()._base_manager.values_list("pk", "path"))
    chains = {pk: ancestors(path) for pk, path in org_paths.items()}
    written = 0
    _forget_built()
    with transaction.atomic():
        # derived rows: deleted without collecting them (no signal per row)
        _raw_delete(MonthlyFigure.objects.all())
        _raw_delete(SummaryState.objects.all())
        for done, (m, params) in enumerate(work, 1):
            written += _rebuild_one(m, params, chains)
            if progress is not None:
                progress(done, len(work))
        SummaryState.objects.create(key="built")
    return written


def _rebuild_one(m: Measure, params: dict, chains: dict[int, list[int]]) -> int:
    key = params_key(params)
    grouped = (
        m.records(period=ALL_TIME, scope="", **params)
        .order_by()
        .annotate(summary_month=TruncMonth(m.date_field))
        .values_list(m.org_field, "summary_month")
        .annotate(n=Count("pk"))
    )
    if connection.vendor == "postgresql":
        return _rebuild_in_sql(m.key, key, grouped)
    own: dict[tuple[int, int, int], int] = {}
    total: dict[tuple[int, int, int], int] = defaultdict(int)
    for org_id, month, n in grouped.iterator(chunk_size=BATCH):
        if org_id is None or month is None:
            continue
        own[(org_id, month.year, month.month)] = n
        for pk in chains.get(org_id, [org_id]):
            total[(pk, month.year, month.month)] += n
    rows = (
        (m.key, key, org_id, year, month, own.get((org_id, year, month), 0), n)
        for (org_id, year, month), n in total.items()
    )
    return _write(rows)


def _rebuild_in_sql(measure_key: str, key: str, grouped) -> int:
    """PostgreSQL: count, roll up to every organisation on each path and insert, in one
    statement (the ancestors are the ids on the materialised path)."""
    inner, inner_params = grouped.query.sql_with_params()
    table = connection.ops.quote_name(MonthlyFigure._meta.db_table)
    tree = connection.ops.quote_name(tree_model()._meta.db_table)
    sql = f"""
        INSERT INTO {table} (measure_key, params, organization_id, year, month, own, total)
        SELECT %s, %s, a.id, EXTRACT(YEAR FROM g.mo)::int, EXTRACT(MONTH FROM g.mo)::int,
               SUM(CASE WHEN a.id = g.org THEN g.n ELSE 0 END), SUM(g.n)
        FROM ({inner}) AS g(org, mo, n)
        JOIN {tree} o ON o.id = g.org
        CROSS JOIN LATERAL unnest(string_to_array(rtrim(o.path, '/'), '/')::int[]) AS a(id)
        WHERE g.org IS NOT NULL AND g.mo IS NOT NULL
        GROUP BY a.id, g.mo
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [measure_key, key, *inner_params])
        return cursor.rowcount


FIELDS = ("measure_key", "params", "organization_id", "year", "month", "own", "total")


def _write(rows) -> int:
    count = 0
    if connection.vendor == "postgresql":
        table = MonthlyFigure._meta.db_table
        columns = ", ".join(connection.ops.quote_name(f) for f in FIELDS)
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    batch = []
    for row in rows:
        batch.append(MonthlyFigure(**dict(zip(FIELDS, row, strict=True))))
        count += 1
        if len(batch) >= BATCH:
            MonthlyFigure.objects.bulk_create(batch)
            batch = []
    MonthlyFigure.objects.bulk_create(batch)
    return count


def _after_migrate(sender, using="default", **kwargs) -> None:
    """A database with no summary yet: build it (at once when there are no records)."""
    if sender.label != "worktasks":
        return
    _forget_built()  # a flush empties the tables without a signal per row
    if is_built():
        return
    rebuild_summaries()


def connect() -> None:
    pre_save.connect(_before, dispatch_uid="worktasks-summary-pre-save")
    post_save.connect(_after_save, dispatch_uid="worktasks-summary-save")
    pre_delete.connect(_before, dispatch_uid="worktasks-summary-pre-delete")
    post_delete.connect(_after_delete, dispatch_uid="worktasks-summary-delete")
    registry.tree_changed.connect(_tree_changed, dispatch_uid="worktasks-summary-tree")
    registry.records_bulk_changing.connect(
        _bulk_changing, dispatch_uid="worktasks-summary-bulk-changing"
    )
    registry.records_bulk_written.connect(_bulk_written, dispatch_uid="worktasks-summary-bulk")
    registry.many_writes.connect(_many_writes, dispatch_uid="worktasks-summary-many")
    post_migrate.connect(_after_migrate, dispatch_uid="worktasks-summary-migrate")
    post_delete.connect(_forget_built, sender=SummaryState, dispatch_uid="worktasks-summary-state")
