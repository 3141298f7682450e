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

import datetime
import logging
import re
from collections.abc import Callable
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

PERMISSION = "accounts.view_personal_data"
log = logging.getLogger("chengjiang.personal_data")

# Field names treated as personal values across all apps (tests check that each such field is
# masked in the audit trail).
PERSONAL_FIELD_NAMES = ("id_number", "id_card", "phone", "mobile", "telephone")


# --- the values themselves: GB 11643 resident ID numbers and mobile phones ----------------------
# Every app validates and masks through these (migrations name the validators by their old path,
# ``branches.validators``, which re-exports them).

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_RE = re.compile(r"^\d{17}[\dX]$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")

MSG_ID_FORMAT = _("An ID number has 18 characters: 17 digits and a digit or X.")
MSG_ID_BIRTH = _("The birth date inside the ID number is not a real date.")
MSG_ID_CHECK = _("The ID number's check digit is wrong; please check each digit.")
MSG_PHONE = _("Enter an 11-digit mobile phone number.")
MSG_BIRTH_DATE = _("The birth date differs from the ID number's.")


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper()


def birth_date_from_id(value: str) -> datetime.date:
    """The birth date an 18-character ID number carries (``ValueError`` if it is no date)."""
    value = normalize_id_number(value)
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def validate_id_number(value: str) -> None:
    value = normalize_id_number(value)
    if not ID_RE.match(value):
        raise ValidationError(MSG_ID_FORMAT, code="id_format")
    try:
        birth_date_from_id(value)
    except ValueError as exc:
        raise ValidationError(MSG_ID_BIRTH, code="id_birth") from exc
    if id_check_digit(value[:17]) != value[17]:
        raise ValidationError(MSG_ID_CHECK, code="id_check")


def id_birth_date(id_number: str | None) -> datetime.date | None:
    """The birth date inside ``id_number``; None when it has none to give (not 18 characters,
    or no real date: the ID number's own validator reports that)."""
    id_number = normalize_id_number(id_number)
    if len(id_number) != 18:
        return None
    try:
        return birth_date_from_id(id_number)
    except ValueError:
        return None


def check_birth_date(id_number: str | None, birth_date: datetime.date | None) -> None:
    """The one ID-number/birth-date rule of every person record: a birth date that is given
    must be the one inside the ID number (``MSG_BIRTH_DATE`` on the ``birth_date`` field)."""
    inside = id_birth_date(id_number)
    if birth_date is not None and inside is not None and inside != birth_date:
        raise ValidationError({"birth_date": MSG_BIRTH_DATE})


def validate_phone(value: str) -> None:
    if value and not PHONE_RE.match(value.strip()):
        raise ValidationError(MSG_PHONE, code="phone")


def mask_id_number(value: str | None) -> str:
    """341802********1234: the region code and the last four stay, the birth date goes."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


# --- which fields are personal, and who sees them in full ----------------------------------------


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


def can_view_personal_data(user) -> bool:
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
    if not can_view_personal_data(user):
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

    if not can_view_personal_data(user):
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
    if not can_view_personal_data(user):
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

    if not can_view_personal_data(user):
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
