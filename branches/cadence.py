"""The 三会一课 cadence kept current on write, for the home of a city-wide scope (issue 12).

Why: the home of an office whose scope is a whole city (5,000 organisations, a million meetings)
shows this quarter's due vs done per meeting kind and the villages behind this year. Counting
them from the records builds every organisation × period cell (~90,000) on each cold home:
0.3–0.7 s. Kept as rows, they are grouped reads of a few thousand rows.

What is kept: ``CadenceCount``, one row per organisation × active rule × the rule's own period of
a kept year where something is owed (``required`` > 0), with the approved meetings held in it
(``done``). The rules are ``selectors.cadence_matrix``'s (the reference): owed when the
organisation was active all through the period, a yearly meeting by every organisation active at
the year's end, a 支委会 only by a 党支部 with 7 or more full members on the period's first
day. Whether a cell is overdue or due is decided when it is read, from today (no row changes
with the date). A kept year has a ``CadenceYear`` row; a year without one (a database filled by
hand, a new year not built yet) is counted from the records (``selectors.home_cadence_counts``).

Kept current, in the write's transaction (post signals run inside the service's transaction):
a meeting saved or deleted when it is or was approved (its organisation's cells of the year it
is and was in); an organisation saved with a new kind or dates (its cells); a full member's
category, dates or branch changed (the branch's cells: the committee condition); a rule saved
or deleted (every kept year again). Each recompute is one DELETE and one INSERT … SELECT of the
touched organisation's cells, the same SQL that builds a whole year (``_cells_sql``). Bulk
writes (``measures.records_bulk_written``) rebuild the kept years in SET-based SQL; a run of
many service writes (``measures.writing_many``) sets the table aside and builds it once.
``manage.py rebuild_cadence`` (or ``rebuild_cadence()``) builds this year and the next; migrate
builds an empty database's at once.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Case, Count, F, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.db.models.signals import post_delete, post_migrate, post_save, pre_delete, pre_save
from django.utils import timezone

from chengjiang import measures

from .models import (
    COMMITTEE_MIN_FORMAL_MEMBERS,
    CadenceCondition,
    CadenceCount,
    CadenceRule,
    CadenceYear,
    Meeting,
    Member,
    Organization,
    Status,
    Village,
)
from .selectors import cadence_sql_inputs

YEARS_AHEAD = 1  # a rebuild keeps this year and the next, so a new year starts kept


def default_years(today: datetime.date | None = None) -> list[int]:
    today = today or timezone.localdate()
    return [today.year + n for n in range(YEARS_AHEAD + 1)]


def kept_years() -> set[int]:
    return set(CadenceYear.objects.values_list("year", flat=True))


def is_kept(year: int) -> bool:
    return CadenceYear.objects.filter(year=year).exists()


# --- building cells: one SQL for a whole year or one organisation --------------------------


# The SQL of a recompute depends only on the rules in force, the year and how many organisations
# it covers; compiling it through the ORM took about two thirds of a meeting approval's or an
# organisation's recompute (1.6 ms of 2.1 per year). It is compiled once per such key with
# stand-in organisation ids, whose places among the parameters then take the real ids.
_COMPILED: dict[tuple, tuple[str, tuple, tuple[tuple[int, int], ...]]] = {}
_COMPILED_MAX = 256
_STAND_IN = -(2**40)  # stand-in ids: _STAND_IN, _STAND_IN - 1, … (no real primary key)


def _rules_key(rules: list[CadenceRule]) -> tuple:
    return tuple(
        (r.meeting_kind, r.period, r.min_count, r.condition, tuple(r.org_kind_list)) for r in rules
    )


def _cells_sql(rules: list[CadenceRule], year: int, org_ids=None) -> tuple[str, tuple]:
    """SELECT (organisation, meeting kind, year, period number, start, end, required, done) of
    every owed cell of ``year`` (of the organisations ``org_ids``, or all)."""
    ids = None if org_ids is None else sorted(set(org_ids))
    key = (connection.vendor, _rules_key(rules), year, None if ids is None else len(ids))
    compiled = _COMPILED.get(key)
    if compiled is None:
        stand_ins = None if ids is None else [_STAND_IN - i for i in range(len(ids))]
        sql, params = _compile_cells_sql(rules, year, stand_ins)
        slots = tuple(
            (place, _STAND_IN - value)
            for place, value in enumerate(params)
            if stand_ins and type(value) is int and _STAND_IN - len(ids) < value <= _STAND_IN
        )
        if stand_ins and {i for _, i in slots} != set(range(len(ids))):
            raise AssertionError("an organisation id is missing from the cadence SQL's parameters")
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        compiled = _COMPILED[key] = (sql, params, slots)
    sql, params, slots = compiled
    if slots:
        params = list(params)
        for place, i in slots:
            params[place] = ids[i]
        params = tuple(params)
    return sql, params


def _compile_cells_sql(rules: list[CadenceRule], year: int, org_ids=None) -> tuple[str, tuple]:
    """``_cells_sql`` compiled through the ORM (the inputs shared with the home's count)."""
    from .selectors import periods_of

    year_start, year_end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    p_rows = [
        (
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
        )
        for rule in rules
        for period in periods_of(year, rule.period)
        for org_kind in rule.org_kind_list
    ]
    orgs = (
        Organization._base_manager.filter(kind__in={k for r in rules for k in r.org_kind_list})
        .filter(Q(established_on__isnull=True) | Q(established_on__lte=year_end))
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=year_start))
    )
    meetings = Meeting._base_manager.filter(
        status=Status.APPROVED,
        held_on__range=(year_start, year_end),
        kind__in=[r.meeting_kind for r in rules],
    )
    members = Member._base_manager.filter(category=Member.Category.FORMAL, joined_on__lte=year_end)
    if org_ids is not None:
        orgs = orgs.filter(pk__in=org_ids)
        meetings = meetings.filter(organization_id__in=org_ids)
        members = members.filter(branch_id__in=org_ids)
    (orgs_sql, orgs_params), (meetings_sql, meetings_params), (members_sql, members_params) = (
        cadence_sql_inputs(
            orgs=orgs,
            meetings=meetings,
            members=members,
            org_columns=("id", "kind", "established_on", "dissolved_on"),
            year_start=year_start,
            year_end=year_end,
        )
    )
    p_values = ", ".join(["(" + ", ".join(["%s"] * 10) + ")"] * len(p_rows))
    months = ", ".join(f"({m})" for m in range(1, 13))
    sql = f"""
        WITH p (okind, mkind, pidx, pstart, pend, mfirst, mlast, need, yearly, cond)
             AS (VALUES {p_values}),
        o (id, kind, est, dis) AS ({orgs_sql}),
        m (org, kind, month, n) AS ({meetings_sql}),
        cm (branch, first, n) AS ({members_sql}),
        mm (month) AS (VALUES {months}),
        cmon (branch, month, n) AS (
            SELECT cm.branch, mm.month, SUM(cm.n) FROM cm JOIN mm ON cm.first <= mm.month
            GROUP BY cm.branch, mm.month
        ),
        pp AS (SELECT DISTINCT mkind, pidx, mfirst, mlast FROM p),
        md (org, mkind, pidx, n) AS (
            SELECT m.org, pp.mkind, pp.pidx, SUM(m.n) FROM m
            JOIN pp ON m.kind = pp.mkind AND m.month >= pp.mfirst AND m.month <= pp.mlast
            GROUP BY m.org, pp.mkind, pp.pidx
        ),
        cells AS (
            SELECT o.id AS org, p.mkind AS mkind, p.pidx AS pidx, p.pstart AS pstart,
                   p.pend AS pend,
                   CASE WHEN o.est > p.pstart AND (p.yearly = 0 OR o.est > p.pend) THEN 0
                        WHEN o.dis <= p.pend THEN 0
                        WHEN p.cond = 1 AND o.kind = %s AND COALESCE(c.n, 0) < %s THEN 0
                        ELSE p.need END AS required,
                   COALESCE(md.n, 0) AS done
            FROM o JOIN p ON p.okind = o.kind
            LEFT JOIN cmon c ON p.cond = 1 AND c.branch = o.id AND c.month = p.mfirst
            LEFT JOIN md ON md.org = o.id AND md.mkind = p.mkind AND md.pidx = p.pidx
        )
        SELECT org, mkind, {int(year)}, pidx, pstart, pend, required, done
        FROM cells WHERE required > 0
    """
    params = (
        *[v for row in p_rows for v in row],
        *orgs_params,
        *meetings_params,
        *members_params,
        Organization.Kind.BRANCH,
        COMMITTEE_MIN_FORMAL_MEMBERS,
    )
    return sql, params


def _active_rules() -> list[CadenceRule]:
    from .selectors import _rules_in_force

    return _rules_in_force(None)


def _raw_delete(queryset) -> None:
    """DELETE in one statement: no row fetched, no signal sent (derived data)."""
    queryset._raw_delete(queryset.db)


def _write_cells(rules: list[CadenceRule], year: int, org_ids=None, *, delete=True) -> int:
    """Replace the owed cells of ``year`` (of ``org_ids``, or all): a DELETE and an INSERT."""
    if delete:
        cells = CadenceCount.objects.filter(year=year)
        if org_ids is not None:
            cells = cells.filter(organization_id__in=org_ids)
        _raw_delete(cells)
    if not rules:
        return 0
    select, params = _cells_sql(rules, year, org_ids)
    quote = connection.ops.quote_name
    table = quote(CadenceCount._meta.db_table)
    columns = ", ".join(
        quote(CadenceCount._meta.get_field(f).column)
        for f in (
            "organization",
            "meeting_kind",
            "year",
            "index",
            "starts_on",
            "ends_on",
            "required",
            "done",
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)
        return cursor.rowcount


def rebuild_cadence(years=None) -> int:
    """Build the kept cells of ``years`` (default: the years kept now, this year and the next)
    from the records, in one transaction; returns the number of rows written."""
    with transaction.atomic():
        if years is None:
            years = kept_years() | set(default_years())
        # Writes in flight finish first (they hold the kept years FOR SHARE).
        list(CadenceYear.objects.select_for_update().filter(year__in=years).values_list("pk"))
        rules = _active_rules()
        written = 0
        for year in sorted(years):
            written += _write_cells(rules, year)
            CadenceYear.objects.get_or_create(year=year)
    return written


def set_aside() -> None:
    """Every year counted from the records until rebuilt (a bulk write with no signal)."""
    _raw_delete(CadenceYear.objects.all())
    _raw_delete(CadenceCount.objects.all())


def _kept_locked(years=None) -> set[int]:
    """Those of ``years`` (None: all) that are kept, their rows locked FOR SHARE on PostgreSQL:
    a rebuild of the year (FOR UPDATE) waits for the writes in flight, and they for it."""
    rows = CadenceYear.objects.all()
    if years is not None:
        rows = rows.filter(year__in=sorted(set(years)))
    sql, params = rows.values_list("year").query.sql_with_params()
    if connection.vendor == "postgresql":
        sql += " FOR SHARE"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def recompute(org_ids, years=None, *, new: bool = False) -> None:
    """The cells of the organisations ``org_ids`` in those of ``years`` (None: all) kept
    (``new``: organisations just created, which have no cells to delete yet).

    The organisations' rows are locked first (FOR NO KEY UPDATE: foreign keys to them are still
    checked freely), so two writes of one organisation at once recompute one after the other,
    the second from the first's committed rows (each statement reads afresh)."""
    org_ids = sorted({pk for pk in org_ids if pk is not None})
    if not org_ids:
        return
    with transaction.atomic(savepoint=False):
        years = _kept_locked(years)
        if not years:
            return
        list(
            Organization._base_manager.select_for_update(no_key=True)
            .filter(pk__in=org_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rules = _active_rules()
        for year in sorted(years):
            _write_cells(rules, year, org_ids, delete=not new)


# --- keeping it current ---------------------------------------------------------------------

MEETING_FIELDS = ("organization_id", "held_on", "kind", "status")
ORG_FIELDS = ("kind", "established_on", "dissolved_on")
MEMBER_FIELDS = ("branch_id", "category", "joined_on", "confirmed_on")
KEY = "_cadence_before"


def _stored(model, pk, fields):
    if pk is None:
        return None
    return model._base_manager.filter(pk=pk).values_list(*fields).first()


def _before(sender, instance, **kwargs) -> None:
    fields = WATCHED.get(sender)
    if fields is not None:
        instance.__dict__[KEY] = _stored(sender, instance.pk, fields)


def _meeting_places(values) -> set[tuple[int, int]]:
    if values is None:
        return set()
    org_id, held_on, _kind, status = values
    if status != Status.APPROVED or held_on is None or org_id is None:
        return set()
    if isinstance(held_on, str):  # as assigned, before the database gave it back as a date
        held_on = datetime.date.fromisoformat(held_on)
    return {(org_id, held_on.year)}


def _meeting_written(sender, instance, deleted=False, **kwargs) -> None:
    before = instance.__dict__.pop(KEY, None)
    after = None if deleted else tuple(getattr(instance, f) for f in MEETING_FIELDS)
    if before == after:
        return
    places = _meeting_places(before) | _meeting_places(after)
    by_year: dict[int, set[int]] = defaultdict(set)
    for org_id, year in places:
        by_year[year].add(org_id)
    for year, org_ids in by_year.items():
        recompute(org_ids, [year])


def _org_saved(sender, instance, created=False, **kwargs) -> None:
    before = instance.__dict__.pop(KEY, None)
    after = tuple(getattr(instance, f) for f in ORG_FIELDS)
    if not created and before == after:
        return
    recompute([instance.pk], new=created)


def _member_written(sender, instance, deleted=False, **kwargs) -> None:
    before = instance.__dict__.pop(KEY, None)
    after = None if deleted else tuple(getattr(instance, f) for f in MEMBER_FIELDS)
    if before == after:
        return
    formal = Member.Category.FORMAL
    if not any(v is not None and v[1] == formal for v in (before, after)):
        return  # a probationary member: no committee counts change
    branches = {v[0] for v in (before, after) if v is not None}
    # A branch's cells change only if its full members can reach the committee's size on some
    # period's first day with this member counted (at most all its full members now, plus the
    # one who left): a branch that stays below it owes no 支委会 before or after the write.
    # Counted first: nearly every branch is far below it, and then no rule needs reading.
    near = COMMITTEE_MIN_FORMAL_MEMBERS - 1
    counts = dict(
        Member.objects.filter(branch_id__in=branches, category=formal)
        .values_list("branch_id")
        .annotate(n=Count("pk"))
        .values_list("branch_id", "n")
    )
    near_size = {pk for pk in branches if counts.get(pk, 0) >= near}
    if not near_size:
        return
    if not CadenceRule.objects.filter(active=True, condition=CadenceCondition.COMMITTEE).exists():
        return
    recompute(near_size)


def _rule_written(sender, instance, **kwargs) -> None:
    years = kept_years()
    if years:
        rebuild_cadence(years)


def _bulk_written(sender, **kwargs) -> None:
    """Rows written with no signal per row: the kept years are built again from the records."""
    if sender not in WATCHED and sender is not CadenceRule:
        return
    years = kept_years()
    if years:
        rebuild_cadence(years)


def _many_writes(sender, phase, **kwargs) -> None:
    """Around many service writes: set aside (no write keeps cells), then built once."""
    if phase == "start":
        set_aside()
    else:
        rebuild_cadence()


def _after_migrate(sender, using="default", **kwargs) -> None:
    """After every migrate (a new database, a flush, each deploy): build this year and the next
    where they are not kept — so a year that began since the last rebuild is kept again from the
    next deploy on (until then its figures are counted from the records: right, only slower)."""
    if sender.label != "branches" or using != "default":
        return
    missing = sorted(set(default_years()) - kept_years())
    if missing:
        rebuild_cadence(missing)


WATCHED = {Meeting: MEETING_FIELDS, Organization: ORG_FIELDS, Member: MEMBER_FIELDS}


def connect() -> None:
    for model in WATCHED:
        uid = model._meta.model_name
        pre_save.connect(_before, sender=model, dispatch_uid=f"branches-cadence-pre-save-{uid}")
        pre_delete.connect(_before, sender=model, dispatch_uid=f"branches-cadence-pre-del-{uid}")
    post_save.connect(_meeting_written, sender=Meeting, dispatch_uid="branches-cadence-meeting")
    post_delete.connect(
        lambda sender, instance, **kw: _meeting_written(sender, instance, deleted=True, **kw),
        sender=Meeting,
        weak=False,
        dispatch_uid="branches-cadence-meeting-del",
    )
    post_save.connect(_org_saved, sender=Organization, dispatch_uid="branches-cadence-org")
    post_save.connect(_member_written, sender=Member, dispatch_uid="branches-cadence-member")
    post_delete.connect(
        lambda sender, instance, **kw: _member_written(sender, instance, deleted=True, **kw),
        sender=Member,
        weak=False,
        dispatch_uid="branches-cadence-member-del",
    )
    post_save.connect(_rule_written, sender=CadenceRule, dispatch_uid="branches-cadence-rule")
    post_delete.connect(_rule_written, sender=CadenceRule, dispatch_uid="branches-cadence-rule-d")
    measures.records_bulk_written.connect(_bulk_written, dispatch_uid="branches-cadence-bulk")
    measures.many_writes.connect(_many_writes, dispatch_uid="branches-cadence-many")
    post_migrate.connect(_after_migrate, dispatch_uid="branches-cadence-migrate")


# --- reading: the home's figures ------------------------------------------------------------


def home_figures(*, scope: str, today: datetime.date | None = None):
    """``HomeCadenceFigures`` of ``scope`` from the kept cells (None when this year is not kept:
    count it from the records). Grouped reads whatever the number of organisations: the year's
    state, the rules, the quarter per kind, its first open cells, the villages behind and their
    names."""
    from .selectors import (
        DUE,
        OPEN_SHOWN,
        OVERDUE,
        CadenceCell,
        CadenceKindTable,
        HomeCadenceFigures,
        QuarterFigure,
        VillageBehind,
        periods_of,
        quarter_of,
    )

    today = today or timezone.localdate()
    year = today.year
    if not is_kept(year):
        return None
    rules = _active_rules()
    if not rules:
        return HomeCadenceFigures(quarter=[], behind=[])
    quarter = quarter_of(today)
    cells = CadenceCount.objects.within(scope).filter(year=year)
    in_quarter = cells.filter(
        starts_on__lte=min(today, quarter.end), ends_on__gte=quarter.start
    ).order_by()
    unmet = Q(done__lt=F("required"))
    totals = {
        row["meeting_kind"]: row
        for row in in_quarter.values("meeting_kind").annotate(
            n_owed=Count("pk"),
            n_met=Count("pk", filter=~unmet),
            n_open=Count("pk", filter=unmet),
        )
    }
    late = Case(When(ends_on__lt=today, then=Value(0)), default=Value(1))
    first_open = (
        in_quarter.filter(unmet)
        .annotate(
            rn=Window(
                RowNumber(),
                partition_by=[F("meeting_kind")],
                order_by=[late.asc(), F("organization__path").asc(), F("index").asc()],
            )
        )
        .filter(rn__lte=OPEN_SHOWN)
        .select_related("organization")
        .order_by(late.asc(), "organization__path", "index")
    )
    shown: dict[str, list] = defaultdict(list)
    periods = {rule.meeting_kind: periods_of(year, rule.period) for rule in rules}
    for cell in first_open:
        if cell.meeting_kind not in periods:
            continue
        shown[cell.meeting_kind].append(
            CadenceCell(
                organization=cell.organization,
                meeting_kind=cell.meeting_kind,
                period=periods[cell.meeting_kind][cell.index - 1],
                done=cell.done,
                required=cell.required,
                state=OVERDUE if cell.ends_on < today else DUE,
            )
        )
    quarter_out = []
    for rule in rules:
        row = totals.get(rule.meeting_kind, {})
        quarter_out.append(
            QuarterFigure(
                table=CadenceKindTable(rule=rule, periods=periods[rule.meeting_kind]),
                done=row.get("n_met", 0),
                required=row.get("n_owed", 0),
                open_count=row.get("n_open", 0),
                open_shown=shown[rule.meeting_kind],
            )
        )
    order = {rule.meeting_kind: i for i, rule in enumerate(rules)}
    late_rows = (
        cells.filter(unmet, ends_on__lt=today, organization__village__isnull=False)
        .order_by()
        .values_list("organization__village_id", "meeting_kind")
        .annotate(n=Count("pk"))
    )
    by_village: dict[int, dict[int, int]] = defaultdict(dict)
    for village_id, kind, n in late_rows:
        if kind in order:
            by_village[village_id][order[kind]] = n
    villages = Village.objects.in_bulk(list(by_village)) if by_village else {}
    labels = [str(rule.get_meeting_kind_display()) for rule in rules]
    behind = [
        VillageBehind(
            village=villages[v],
            overdue=sum(by_rule.values()),
            kinds=[labels[i] for i in sorted(by_rule)],
        )
        for v, by_rule in by_village.items()
        if v in villages
    ]
    behind.sort(key=lambda b: (-b.overdue, b.village.name))
    return HomeCadenceFigures(quarter=quarter_out, behind=behind)
