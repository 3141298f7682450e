"""Writes every app shares: a plain record saved or deleted by its acting user, in scope.

A record whose rules all live in its model (``clean()``, ``Meta.constraints``) needs no service
of its own: ``record_save`` checks the acting user's scope (``chengjiang.access``), calls
``full_clean()`` and saves, in one transaction; ``record_delete`` checks the scope and deletes.
The admin's default save and delete paths call these; records with rules beyond the model
(a meeting's attendance, a pairing's mentors, a session's booking) have their own services.
"""

from __future__ import annotations

from django.db import transaction

from chengjiang.access import check_write_scope


@transaction.atomic
def record_save(*, record, by, exclude=None):
    check_write_scope(by, record)
    record.full_clean(exclude=exclude)
    record.save()
    return record


@transaction.atomic
def record_delete(*, record, by) -> None:
    check_write_scope(by, record)
    record.delete()
