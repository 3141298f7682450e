"""The one place that shows personal values (ID-card numbers, phones).

Everyone sees masked values (341802********1234, 138****5678). A user who holds
``accounts.view_personal_data`` sees the full value, and every such full view is recorded as a
``PersonalDataAccess`` row and a log line naming who, which record and field, when and from which
address — never the value itself.

Pages call::

    display_id_number(request.user, member.id_number, obj=member, request=request)
    display_phone(request.user, member.phone, obj=member, request=request)

or, in templates, ``{% load personal_data %}{% id_number member %}`` / ``{% phone member %}``.
Lists should show the masked value (``mask_id_number``) and leave full values to the detail page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.db import models

from branches.validators import mask_id_number, mask_phone

PERMISSION = "accounts.view_personal_data"
log = logging.getLogger("chengjiang.personal_data")

# Field names treated as personal values across all apps (tests check that each such field is
# masked in the audit trail).
PERSONAL_FIELD_NAMES = ("id_number", "id_card", "phone", "mobile", "telephone")


def is_personal_field(name: str) -> bool:
    return any(part in name for part in PERSONAL_FIELD_NAMES)


def personal_fields(model) -> tuple[str, ...]:
    """The names of ``model``'s concrete fields that hold personal values.

    A model may declare them (``PERSONAL_FIELDS = ("id_number", "phone")``); otherwise every
    concrete text field whose name is personal (``is_personal_field``) counts. This is the one
    list that masking, admin pages, lookups, search and exports go by.
    """
    declared = getattr(model, "PERSONAL_FIELDS", None)
    if declared is not None:
        return tuple(declared)
    return tuple(
        f.name
        for f in model._meta.concrete_fields
        if not f.is_relation
        and isinstance(f, models.CharField | models.TextField)
        and is_personal_field(f.name)
    )


def can_view(user) -> bool:
    """The one answer to "may ``user`` see full personal values?" (pages, exports, admin)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.has_perm(PERMISSION)
    )


def mask_value(field: str, value) -> str:
    """The masked form of ``value`` held in the personal field ``field``.

    ID numbers (a field named like an ID card, or any value of 15 characters or more) get the
    ID mask; everything else the phone mask. The one masking rule for pages, exports and audit.
    """
    value = "" if value is None else str(value)
    if not value:
        return ""
    if "id_" in field or len(value) >= 15:
        return mask_id_number(value)
    return mask_phone(value)


def export_masks(model) -> dict[str, Callable[[str], str]]:
    """``{field: masking function}`` for every personal field of ``model``: what a resource's
    ``personal_fields`` should be (``personal_fields = export_masks(TrainingClass)``)."""
    return {name: partial(mask_value, name) for name in personal_fields(model)}


def shown(user, field: str, value, *, obj: models.Model | None = None, request=None) -> str:
    """``value`` of the personal field ``field`` as ``user`` may see it (full views recorded)."""
    if not value:
        return "" if value is None else str(value)
    if not can_view(user):
        return mask_value(field, value)
    return reveal(user, obj, field, str(value), request=request)


def reveal(
    user,
    obj: models.Model | None,
    field: str,
    value: str | None = None,
    *,
    request=None,
) -> str:
    """Return the full value of ``obj.<field>`` (or ``value``) and record that ``user`` saw it.

    Refuses (``PermissionError``) a user without the permission. Nothing is recorded for an empty
    value. The record and the log line hold the user, the record's type, id and name, the field,
    the client address and the page path, never the value.
    """
    from chengjiang.accounts.models import PersonalDataAccess

    if not can_view(user):
        raise PermissionError(PERMISSION)
    if value is None:
        value = getattr(obj, field, "") if obj is not None else ""
    if not value:
        return value or ""
    access = PersonalDataAccess(user=user, field=field[:64])
    if obj is not None:
        access.content_type = ContentType.objects.get_for_model(type(obj))
        access.object_pk = str(obj.pk)[:64]
        access.object_repr = str(obj)[:200]
    if request is not None:
        access.remote_addr = request.META.get("REMOTE_ADDR") or None
        access.path = request.path[:300]  # the path only: a query string might carry anything
    access.save()
    log.info(
        "personal data viewed: user=%s record=%s:%s field=%s addr=%s",
        getattr(user, "username", user),
        access.content_type.natural_key() if access.content_type_id else "-",
        access.object_pk or "-",
        access.field,
        access.remote_addr or "-",
    )
    return value


def _display(
    masker: Callable[[str | None], str],
    field: str,
    user,
    value: str | None,
    obj: models.Model | None,
    request,
) -> str:
    if not value:
        return ""
    if not can_view(user):
        return masker(value)
    return reveal(user, obj, field, value, request=request)


def display_id_number(
    user,
    value: str | None,
    *,
    obj: models.Model | None = None,
    field: str = "id_number",
    request=None,
) -> str:
    """The ID number as ``user`` may see it: masked, or full (and the view recorded)."""
    return _display(mask_id_number, field, user, value, obj, request)


def display_phone(
    user, value: str | None, *, obj: models.Model | None = None, field: str = "phone", request=None
) -> str:
    """The phone number as ``user`` may see it: masked, or full (and the view recorded)."""
    return _display(mask_phone, field, user, value, obj, request)


def mask_for_audit(value: str) -> str:
    """django-auditlog's mask (AUDITLOG_MASK_CALLABLE) for fields named in ``mask_fields``.

    Diffs are stored as strings; 18-character values get the ID mask, everything else the phone
    mask (first three and last four kept for 11 digits; shorter values fully starred).
    """
    value = "" if value is None else str(value)
    if value in ("", "None"):
        return value
    if len(value) >= 15:
        return mask_id_number(value)
    return mask_phone(value)


def record_export(
    user,
    *,
    model: type[models.Model],
    count: int,
    fields: list[str],
    reason: str,
    request=None,
) -> None:
    """Record a full-value export: who, when, from where, how many records, which fields, why.

    Refuses (``PermissionError``) a user without the permission and (``ValueError``) an export
    without a reason. The values themselves are never recorded.
    """
    from chengjiang.accounts.models import PersonalDataAccess

    if not can_view(user):
        raise PermissionError(PERMISSION)
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a full-value export needs a reason")
    access = PersonalDataAccess(
        user=user,
        field=",".join(fields)[:64],
        content_type=ContentType.objects.get_for_model(model),
        object_repr=str(model._meta.verbose_name_plural)[:200],
        record_count=count,
        reason=reason[:300],
    )
    if request is not None:
        access.remote_addr = request.META.get("REMOTE_ADDR") or None
        access.path = request.path[:300]
    access.save()
    log.info(
        "personal data exported: user=%s model=%s records=%s fields=%s addr=%s",
        getattr(user, "username", user),
        model._meta.label,
        count,
        access.field,
        access.remote_addr or "-",
    )
