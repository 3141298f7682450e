"""Cache invalidation: any save or delete of a record in a domain app bumps a version number.

Computed progress is cached under a key that contains the version, so a figure is never served
from before a save. The version is bumped at once (same process, same transaction) and again when
the transaction commits (so a page computed between the write and the commit by another request
is not kept). ``migrate`` bumps it too, so a release serves nothing cached by the code before it.
With several app server processes the cache must be shared (``REDIS_URL``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from chengjiang.accounts.roles import DOMAIN_APPS
from chengjiang.data_version import VERSION_KEY, bump_data_version, data_version

__all__ = ["VERSION_KEY", "bump_data_version", "connect", "data_version"]


def _on_change(sender, **kwargs) -> None:
    if getattr(getattr(sender, "_meta", None), "app_label", None) not in DOMAIN_APPS:
        return
    bump_data_version()
    transaction.on_commit(bump_data_version, using=kwargs.get("using"))


def _on_bulk(sender, **kwargs) -> None:
    _on_change(sender, using=kwargs.get("using"))


def _after_migrate(sender, **kwargs) -> None:
    """Every release runs ``migrate``: pages and figures the previous code cached (rendered with
    its templates, computed by its measures) are not served after it. Once per migrate."""
    if sender.label == "worktasks":
        bump_data_version()


def connect() -> None:
    from chengjiang.measures import records_bulk_written

    post_migrate.connect(_after_migrate, dispatch_uid="worktasks-invalidate-migrate")

    records_bulk_written.connect(_on_bulk, dispatch_uid="worktasks-invalidate-bulk")
    post_save.connect(_on_change, dispatch_uid="worktasks-invalidate-save")
    post_delete.connect(_on_change, dispatch_uid="worktasks-invalidate-delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="worktasks-invalidate-m2m")


def _on_m2m(sender, instance, **kwargs) -> None:
    if kwargs.get("action", "").startswith("post_"):
        _on_change(type(instance), using=kwargs.get("using"))
