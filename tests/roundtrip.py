"""Helpers for the Excel round-trip tests: export as xlsx, edit cells as a user would, import."""

from __future__ import annotations

import io

import openpyxl
from django.utils import translation

from chengjiang.importexport import ExportXLSX, SafeXLSX

KINDS = {"new": "新增", "update": "修改", "skip": "无变化", "invalid": "错误", "error": "错误"}


def export_xlsx(resource_cls, user, queryset, **kwargs) -> bytes:
    with translation.override("zh-hans"):
        # as the admin exports an xlsx: native values (dates as date cells), fitted columns
        dataset = resource_cls(user=user, **kwargs).export(queryset, force_native_type=True)
        return ExportXLSX().export_data(dataset)


def sheet_rows(data: bytes) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]


def edit(data: bytes, changes: dict[tuple[int, str], object], *, append=()) -> bytes:
    """Set cells by (data row index from 0, header); append whole rows (dicts by header)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    for (index, header), value in changes.items():
        sheet.cell(row=index + 2, column=headers.index(header) + 1, value=value)
    for extra in append:
        sheet.append([extra.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_xlsx(resource_cls, user, data: bytes, *, dry_run: bool):
    with translation.override("zh-hans"):
        dataset = SafeXLSX().create_dataset(data)
        return resource_cls(user=user).import_data(dataset, dry_run=dry_run)


def kinds(result) -> list[str]:
    return [KINDS[r.import_type] for r in result.rows]


def reasons(result) -> list[str]:
    from chengjiang.importexport import row_reasons

    with translation.override("zh-hans"):
        return row_reasons(result)


def assert_round_trip(resource_cls, user, queryset, column: str, value, *, attribute: str):
    """Export → change one cell of the first row → preview says 修改 for it and 无变化 for the
    rest → confirm → that record holds the new value and no record was added."""
    from chengjiang.importexport import KEY_COLUMN

    model = queryset.model
    data = export_xlsx(resource_cls, user, queryset)
    rows = sheet_rows(data)
    assert len(rows) >= 2, rows
    with translation.override("zh-hans"):
        key = rows[0][str(KEY_COLUMN)]
    data = edit(data, {(0, column): value})
    before = model._default_manager.count()

    preview = import_xlsx(resource_cls, user, data, dry_run=True)
    assert not reasons(preview), reasons(preview)
    assert kinds(preview) == ["修改"] + ["无变化"] * (len(rows) - 1), [
        (r.import_type, r.diff) for r in preview.rows
    ]

    result = import_xlsx(resource_cls, user, data, dry_run=False)
    assert not reasons(result), reasons(result)
    assert model._default_manager.count() == before
    stored = model._default_manager.get(pk=key)
    return getattr(stored, attribute)
