"""Upload limits shown before a file is chosen, and checked in the browser before it is sent.

The server's checks (``chengjiang.uploads``) stay the authority; this module only tells the page
what they are: a help text in Chinese, and ``data-`` attributes on the file input that
``static/js/uploads.js`` reads to refuse an oversized file (or too many) before the form is sent.
"""

from __future__ import annotations

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

MSG_LIMITS = _("Each file at most %(size)s; at most %(count)d files.")
MSG_LIMIT = _("At most %(size)s.")
# "{name}" is filled in by the script with the chosen file's name.
MSG_TOO_BIG = _("“{name}” is larger than %(size)s and will not be sent; choose a smaller file.")
MSG_TOO_MANY = _("At most %(count)d files can be attached; choose fewer.")


def max_size_text() -> str:
    return str(filesizeformat(settings.UPLOAD_MAX_BYTES))


def limits_text(*, max_files: int | None = None) -> str:
    """The limits in words, for a help text: one file, or up to ``max_files``."""
    if max_files is None:
        return str(MSG_LIMIT % {"size": max_size_text()})
    return str(MSG_LIMITS % {"size": max_size_text(), "count": max_files})


def file_input_attrs(*, max_files: int | None = None) -> dict[str, str]:
    """``data-`` attributes for a file input (read by static/js/uploads.js)."""
    attrs = {
        "data-max-bytes": str(settings.UPLOAD_MAX_BYTES),
        "data-msg-too-big": str(MSG_TOO_BIG % {"size": max_size_text()}),
    }
    if max_files is not None:
        attrs["data-max-files"] = str(max_files)
        attrs["data-msg-too-many"] = str(MSG_TOO_MANY % {"count": max_files})
    return attrs


def apply(field, *, max_files: int | None = None, lead: str = "") -> None:
    """Put the limits on a form field: its widget's attributes and its help text."""
    field.widget.attrs.update(file_input_attrs(max_files=max_files))
    limits = limits_text(max_files=max_files)
    field.help_text = f"{lead} {limits}".strip() if lead else limits
