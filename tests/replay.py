"""Fixtures most tests share (``tree``, ``users``): built through the services once, put back after.

``tree`` is in about 850 tests and ``users`` in about 630. Built through the factories, every
save runs the services' side effects (full_clean, an audit entry, the kept 三会一课 cells, the
dashboard's summary): about 30 ms for the tree alone, some 40 s of CPU a run. ``replay`` runs
the builder the first time and records the rows it wrote (every table, before against after).
The next time the same fixture starts from the same database state, it inserts those rows with
one prepared statement per table and hands out fresh objects: the same rows, ids, audit entries
and cells, as if the services had run again (``tests/test_replay.py`` compares the two, table
by table). Both take about 2 ms so, where building them took over 30.

"The same state" is checked, never assumed; when it is not, the builder runs as before:
- nothing has written to the database since the test started (``_TRACK`` watches every
  statement), other than replays in order (``users`` after ``tree``);
- the same tables hold the same number of rows with the same largest id (a flush by a
  transactional test, the shared demo, anything else changes that);
- the same local date, the same overridden settings (``MEDIA_ROOT`` aside), and inside the
  test's transaction (a transactional test commits: it always builds).
"""

from __future__ import annotations

import functools
import re
from types import SimpleNamespace

from django.core.management.color import no_style
from django.db import connection, models, transaction

from tests.demo_snapshot import managed_tables

_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|ALTER|DROP|TRUNCATE)\b", re.I)
_IGNORED_SETTINGS = {"MEDIA_ROOT", "PASSWORD_HASHERS"}  # per test / per session, never in rows


class _Track:
    """An execute wrapper: which replays made the database what it is since the test began."""

    def __init__(self):
        self.chain: tuple | None = None  # None: unknown (something else wrote)
        self.quiet = 0

    def __call__(self, execute, sql, params, many, context):
        if not self.quiet and self.chain is not None and _WRITE.match(sql):
            self.chain = None
        return execute(sql, params, many, context)

    def start_test(self) -> None:
        if self not in connection.execute_wrappers:
            connection.execute_wrappers.append(self)
        self.chain = ()


_TRACK = _Track()
_KEPT: dict[tuple, _Recording] = {}


def start_test() -> None:
    """Called before each test's fixtures (``tests/conftest.py``): the database is as the test
    run left it between tests, so a replay recorded from that state may be put back."""
    _TRACK.start_test()


@functools.cache
def _fingerprint_sql() -> str:
    quote = connection.ops.quote_name
    return " UNION ALL ".join(
        f"SELECT {i}, COUNT(*), CAST(MAX({quote(m._meta.pk.column)}) AS TEXT) "
        f"FROM {quote(m._meta.db_table)}"
        for i, m in enumerate(managed_tables())
    )


def _fingerprint() -> tuple:
    """Rows and largest id of every table, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        return tuple(sorted(cursor.fetchall()))


def _overridden_settings() -> tuple:
    from django.conf import UserSettingsHolder, settings

    found = []
    holder = settings._wrapped
    while isinstance(holder, UserSettingsHolder):
        found += [
            (name, repr(value))
            for name, value in vars(holder).items()
            if name.isupper() and name not in _IGNORED_SETTINGS
        ]
        holder = holder.default_settings
    return tuple(sorted(found))


def _state() -> dict[type[models.Model], dict]:
    rows = {}
    for model in managed_tables():
        names = [f.attname for f in model._meta.concrete_fields]
        pk_at = names.index(model._meta.pk.attname)
        rows[model] = {r[pk_at]: r for r in model._base_manager.values_list(*names)}
    return rows


def _objects(value):
    """The model instances in a fixture's value (a namespace, list or instance)."""
    if isinstance(value, models.Model):
        yield value
    elif isinstance(value, SimpleNamespace):
        for item in vars(value).values():
            yield from _objects(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _objects(item)


class _Recording:
    def __init__(self, before, after, value, inputs):
        self.inserted = []  # (model, (INSERT statement, [parameters, ...]))
        self.updated = []  # (model, [row, ...])
        self.deleted = []  # (model, [pk, ...])
        for model, rows in after.items():
            old = before[model]
            if new := [row for pk, row in rows.items() if pk not in old]:
                self.inserted.append((model, _insert(model, new)))
            if changed := [row for pk, row in rows.items() if pk in old and old[pk] != row]:
                self.updated.append((model, changed))
            if gone := [pk for pk in old if pk not in rows]:
                self.deleted.append((model, gone))
        given = {_ref(obj): obj for obj in _objects(inputs)}
        self.rows = {(m, pk): row for m, rows in after.items() for pk, row in rows.items()}
        self.links: dict[tuple, list] = {}  # object → [(field, object it holds), ...]
        self.shape = self._shape(value, given)

    def _shape(self, value, given):
        if isinstance(value, models.Model):
            self._walk(value, given)
            return ("object", _ref(value))
        if isinstance(value, SimpleNamespace):
            return ("namespace", {k: self._shape(v, given) for k, v in vars(value).items()})
        if isinstance(value, (list, tuple)):
            return (type(value), [self._shape(v, given) for v in value])
        return ("value", value)

    def _walk(self, obj, given):
        ref = _ref(obj)
        if ref in self.links or ref in given:
            return
        self.links[ref] = []
        for field in obj._meta.concrete_fields:
            if field.is_relation and field.is_cached(obj):
                target = field.get_cached_value(obj)
                if target is not None and target.pk is not None:
                    self.links[ref].append((field, _ref(target)))
                    self._walk(target, given)

    def replay(self, inputs):
        _TRACK.quiet += 1
        try:
            with transaction.atomic():
                for model, rows in self.deleted:
                    model._base_manager.filter(pk__in=rows).delete()
                with connection.cursor() as cursor:
                    for _, (sql, params) in self.inserted:
                        cursor.executemany(sql, params)
                for model, rows in self.updated:
                    fields = [f.name for f in model._meta.concrete_fields if not f.primary_key]
                    model._base_manager.bulk_update([_load(model, r) for r in rows], fields)
                sql = connection.ops.sequence_reset_sql(
                    no_style(), [model for model, _ in self.inserted]
                )
                if sql:
                    with connection.cursor() as cursor:
                        for statement in sql:
                            cursor.execute(statement)
        finally:
            _TRACK.quiet -= 1
        _bumped()
        live = {_ref(obj): obj for obj in _objects(inputs)}
        for ref in self.links:
            live[ref] = _load(ref[0], self.rows[ref])
        for ref, links in self.links.items():
            for field, target in links:
                if target in live:
                    field.set_cached_value(live[ref], live[target])
        return _build(self.shape, live)


def _insert(model, rows) -> tuple[str, list[tuple]]:
    """One INSERT for the rows, with their values as the database takes them (prepared once)."""
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    params = [
        tuple(f.get_db_prep_save(value, connection) for f, value in zip(fields, row, strict=True))
        for row in rows
    ]
    return sql, params


def _ref(obj) -> tuple:
    return (obj._meta.concrete_model, obj.pk)


def _load(model, row):
    return model.from_db(connection.alias, [f.attname for f in model._meta.concrete_fields], row)


def _build(shape, live):
    kind, body = shape
    if kind == "object":
        return live[body]
    if kind == "namespace":
        return SimpleNamespace(**{k: _build(v, live) for k, v in body.items()})
    if kind in (list, tuple):
        return kind(_build(v, live) for v in body)
    return body


def _bumped() -> None:
    """What the services' writes do outside the database: the dashboard's cached figures are
    stale (``chengjiang/worktasks/invalidation.py``)."""
    from chengjiang.data_version import bump_data_version

    bump_data_version()
    transaction.on_commit(bump_data_version)


def replay(name: str, build, *inputs):
    """``build()``'s value, from the rows it wrote the last time it ran from this same state."""
    from django.utils import timezone

    chain = _TRACK.chain
    if chain is None or not connection.in_atomic_block:
        return build()
    key = (
        name,
        chain,
        connection.settings_dict["NAME"],
        _fingerprint(),
        timezone.localdate(),
        _overridden_settings(),
    )
    if (kept := _KEPT.get(key)) is not None:
        value = kept.replay(inputs)
    else:
        before = _state()
        value = build()
        _KEPT[key] = _Recording(before, _state(), value, inputs)
    _TRACK.chain = (*chain, name)
    return value
