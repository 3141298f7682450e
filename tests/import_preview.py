"""The import preview as the admin shows it: export a page's own file, import it with dry_run.

``admin_export_xlsx`` exports as the admin does (xlsx with native types: numbers stay numbers);
``preview_cells`` reads each preview row as ``{header: (text shown, marked changed)}``.
"""

from __future__ import annotations

import datetime
import html
import re

from django.utils import translation
from import_export.formats.base_formats import XLSX

from tests.roundtrip import import_xlsx

_DEL = re.compile(r"<del\b[^>]*>.*?</del>", re.S)
_TAG = re.compile(r"<[^>]+>")


def admin_export_xlsx(resource_cls, user, queryset) -> bytes:
    """What the admin's export button downloads (``force_native_type`` for binary formats)."""
    with translation.override("zh-hans"):
        dataset = resource_cls(user=user).export(queryset, force_native_type=True)
        return XLSX().export_data(dataset)


def preview(resource_cls, user, data: bytes):
    return import_xlsx(resource_cls, user, data, dry_run=True)


def cell_text(value) -> str:
    """A file cell as text (an xlsx number 82.5 or 410, a date string, a masked ID)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()  # an xlsx date cell reads back as a datetime at midnight
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def preview_cells(result) -> list[dict[str, tuple[str, bool]]]:
    """Each row of the preview: header → (the new value's text, whether the cell is marked)."""
    rows = []
    for row in result.rows:
        cells = {}
        for header, piece in zip(result.diff_headers, row.diff or [], strict=True):
            marked = 'class="cell-changed"' in str(piece)
            text = html.unescape(_TAG.sub("", _DEL.sub("", str(piece))))
            cells[header] = (text, marked)
        rows.append(cells)
    return rows


def marked(result) -> list[list[str]]:
    """Per preview row, the headers of the cells marked as changed."""
    return [[h for h, (_t, m) in cells.items() if m] for cells in preview_cells(result)]


def assert_preview_shows_the_file(result, data: bytes) -> None:
    """Every column of every row shows the file's cell (nothing blank, no English code)."""
    from tests.roundtrip import sheet_rows

    rows = sheet_rows(data)
    cells = preview_cells(result)
    assert len(cells) == len(rows)
    for file_row, shown in zip(rows, cells, strict=True):
        for header, value in file_row.items():
            assert shown[header][0] == cell_text(value), (header, shown[header], value)
