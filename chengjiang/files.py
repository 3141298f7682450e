"""Uploaded files, shared by every app: storing them safely and handing them out.

* ``display_name``: the name a person sees (and downloads under), cleaned and shortened to fit
  its column without losing the extension.
* ``store``: save an upload into a FileField; a full, read-only or missing upload folder is a
  ``ValidationError`` in Chinese (the form keeps what was typed) and leaves no partial file.
* ``StoredFiles``: files stored during a service call are removed again if the call fails, so a
  refused second file does not orphan the first one on disk.
* ``download``: a file as an attachment, 404 when it is missing on disk, never cached.
"""

from __future__ import annotations

import posixpath

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _

from chengjiang.text import clean_text

MSG_STORAGE = _(
    "The file could not be saved: the server's upload folder is full or cannot be written to. "
    "What you typed is kept; please try again later or tell the sub-district office."
)


def display_name(name: str | None, max_length: int = 200) -> str:
    """The uploaded file's own name, cleaned, without folders, at most ``max_length`` long; a
    long name is shortened in the middle of its stem so the extension stays."""
    name = clean_text(name or "", multiline=False).replace("\\", "/")
    name = posixpath.basename(name).strip() or "file"
    if len(name) <= max_length:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 10:
        return name[:max_length]
    return stem[: max_length - len(ext) - 1] + "." + ext


class StoredFiles:
    """Remember what ``store`` wrote; ``discard()`` removes it (on failure)."""

    def __init__(self):
        self.files: list = []

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.discard()
        return False

    def discard(self) -> None:
        for storage, name in self.files:
            try:
                if storage.exists(name):
                    storage.delete(name)
            except OSError:
                pass
        self.files.clear()


def store(field_file, filename: str, content, *, stored: StoredFiles | None = None) -> None:
    """``field_file.save(filename, content, save=False)``, but an OSError (no space, read-only,
    no permission) removes the partial file and becomes a ``ValidationError`` (``MSG_STORAGE``)."""
    field, storage = field_file.field, field_file.storage
    name = field.generate_filename(field_file.instance, filename)
    name = storage.get_available_name(name, max_length=field.max_length)
    try:
        saved = storage.save(name, content, max_length=field.max_length)
    except OSError as exc:
        try:
            if storage.exists(name):
                storage.delete(name)
        except OSError:
            pass
        raise ValidationError(MSG_STORAGE, code="storage") from exc
    field_file.name = saved
    setattr(field_file.instance, field.attname, saved)
    field_file._committed = True
    if stored is not None:
        stored.files.append((storage, saved))


def download(field_file, *, filename: str, content_type: str) -> FileResponse:
    """The file as an attachment: 404 when it is gone from disk; never cached (personal files)."""
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, IsADirectoryError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
