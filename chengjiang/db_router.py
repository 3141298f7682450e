"""Reads that may be a little behind go to the read replica; everything else to the primary.

With ``DATABASE_REPLICA_URL`` set, settings.py adds the alias ``replica``. Dashboards, reports and
exports wrap their reads in ``read_from_replica()`` (a view decorator too); inside it, reads go to
the replica. Every write goes to the primary (``default``), inside the block as well, and so does
every read outside it — a secretary who saves a meeting and opens it again reads the primary, so
replication lag never hides their own write.

Inside a transaction on the primary (a service, a job's writes) reads stay on the primary even in
the block: a transaction must see its own uncommitted rows.

Without a replica the router answers ``default`` for everything.
"""

from __future__ import annotations

import contextvars
import functools
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PRIMARY = "default"

_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "chengjiang_replica_reads", default=False
)


# Only the portal's own records are read from the replica: sessions, logins, lock-outs and job
# status are read where they were just written, so replication lag never logs anyone out.
REPLICA_APPS = {"branches", "cadres", "training", "worktasks"}


def replica_configured() -> bool:
    return settings.REPLICA_READS and REPLICA in settings.DATABASES


@contextmanager
def read_from_replica():
    """Reads inside the block go to the replica (when there is one)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_reads(view):
    """View decorator: the view's reads go to the replica."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        with read_from_replica():
            return view(*args, **kwargs)

    return wrapped


def reading_from_replica() -> bool:
    return _replica_reads.get()


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not (_replica_reads.get() and replica_configured()):
            return PRIMARY
        if model._meta.app_label not in REPLICA_APPS:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data: a row read from the replica may be linked to one
        # read from the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica is a copy of the primary: only the primary is migrated.
        return db == PRIMARY


class ReplicaReadsMiddleware:
    """GET and HEAD requests of the views in ``settings.REPLICA_READ_VIEWS`` read from the
    replica (the views stay unaware of it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            token = request.__dict__.pop("_replica_token", None)
            if token is not None:
                _replica_reads.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (
            request.method in ("GET", "HEAD")
            and match is not None
            and match.view_name in settings.REPLICA_READ_VIEWS
        ):
            request._replica_token = _replica_reads.set(True)
