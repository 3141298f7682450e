"""Record types and fields as the office reads them (会议, 手机号码), never ``meeting`` or
``phone``: for the audit log, the personal-data access log and anything else that stores a
content type or a field name."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext


def record_type(content_type: ContentType | None) -> str:
    """A record type as the office reads it: the model's verbose name (会议), not ``meeting`` or
    ``Axes | access attempt``."""
    if content_type is None:
        return ""
    model = content_type.model_class()
    return str(model._meta.verbose_name) if model is not None else gettext("deleted record type")


def field_label(content_type: ContentType | None, name: str) -> str:
    """A field as the office reads it: its verbose name (手机号码), not ``phone``; a reverse
    relation by the related model's plural (会议)."""
    model = content_type.model_class() if content_type is not None else None
    if model is None:
        return name
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    if getattr(field, "verbose_name", None):
        return str(field.verbose_name)
    return str(field.related_model._meta.verbose_name_plural)


def field_labels(content_type: ContentType | None, names: str) -> str:
    """Several field names stored comma-separated (``id_number,phone``), as labels."""
    return "、".join(field_label(content_type, n.strip()) for n in names.split(",") if n.strip())
