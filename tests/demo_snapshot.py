"""The rows ``load_demo`` leaves, kept in memory per database and put back in about a second.

load_demo writes every record through the services (full_clean, audit, cadence): correct, but
about ten seconds. A test worker loads it at most once: the shared demo of the in-transaction
tests (``tests/conftest.py``) takes the snapshot as it loads it, and the browser journeys'
live-server demo (``tests/e2e/conftest.py``) puts the same rows back from it (or loads the demo
and takes it, when the worker ran no demo test first), so every journey starts from the very
database load_demo made.
"""

from __future__ import annotations

import io

from django.core.management import call_command

_SNAPSHOT: dict[str, list] = {}


def managed_tables():
    """Every table Django manages (auto-created many-to-many tables included)."""
    from django.apps import apps

    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]


def _key() -> str:
    from django.db import connection

    return connection.settings_dict["NAME"]


def load_demo_and_keep() -> None:
    """Run load_demo on the database as it is, and keep what it left for ``restore``."""
    call_command("load_demo", stdout=io.StringIO())
    _SNAPSHOT[_key()] = [(model, list(model._base_manager.all())) for model in managed_tables()]


def restore() -> bool:
    """Empty the database and put the kept demo back (False: none kept for this database)."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.color import no_style
    from django.db import connection, transaction

    snapshot = _SNAPSHOT.get(_key())
    if snapshot is None:
        return False
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    with transaction.atomic():  # foreign keys are checked at commit (Django's are deferrable)
        for model, rows in snapshot:
            if rows:
                model._base_manager.bulk_create(rows, batch_size=500)
    statements = connection.ops.sequence_reset_sql(no_style(), [m for m, _ in snapshot])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
    # The content types are the snapshot's again; a flush since it was taken (a transactional
    # test's teardown) made new ones, which this process may still have cached by their ids.
    ContentType.objects.clear_cache()
    return True
