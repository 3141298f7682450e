"""Upload checks: content (magic bytes) and extension against an allowlist, size and count caps."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

MSG_TYPE = _("Only JPEG, PNG and PDF files can be attached.")
MSG_MISMATCH = _("The file's content does not match its extension.")
MSG_TOO_BIG = _("The file is larger than %(limit)s.")
MSG_TOO_MANY = _("At most %(count)d files can be attached.")
MSG_EMPTY = _("The file is empty.")


@dataclass(frozen=True)
class FileKind:
    extension: str
    content_type: str
    magic: bytes


KINDS = (
    FileKind("jpg", "image/jpeg", b"\xff\xd8\xff"),
    FileKind("png", "image/png", b"\x89PNG\r\n\x1a\n"),
    FileKind("pdf", "application/pdf", b"%PDF-"),
)
EXTENSIONS = {"jpg": "jpg", "jpeg": "jpg", "png": "png", "pdf": "pdf"}
# What people call each kind (a stored file's content type is never shown as such).
KIND_LABELS = {
    "image/jpeg": _("JPEG image"),
    "image/png": _("PNG image"),
    "application/pdf": _("PDF document"),
}


def kind_label(content_type: str) -> str:
    return str(KIND_LABELS.get(content_type, _("other file")))


def check_upload(upload) -> FileKind:
    name = (upload.name or "").lower()
    ext = EXTENSIONS.get(name.rsplit(".", 1)[-1] if "." in name else "")
    if ext is None:
        raise ValidationError(MSG_TYPE, code="type")
    if upload.size == 0:
        raise ValidationError(MSG_EMPTY, code="empty")
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            MSG_TOO_BIG % {"limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}, code="size"
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for kind in KINDS:
        if head.startswith(kind.magic):
            if kind.extension != ext:
                raise ValidationError(MSG_MISMATCH, code="mismatch")
            return kind
    raise ValidationError(MSG_MISMATCH, code="mismatch")


def count_allowed(count: int) -> None:
    if count > settings.UPLOAD_MAX_FILES:
        raise ValidationError(MSG_TOO_MANY % {"count": settings.UPLOAD_MAX_FILES}, code="count")
